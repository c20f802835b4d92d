/*
 * prices: loads a LiteLLM-format price map into a hash table of the few
 * numbers docpipe needs per model (token prices, cache prices, tiers,
 * context size, provider), names it by the file's SHA-256 so that each
 * stored model call says which map priced it, and prices calls from the
 * `usage` object of a chat completion. Owns the table (keys and entries);
 * the JSON it was read from is freed once loaded.
 */
#include "prices.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../doc.h"

/* One band of tiered_pricing: calls with lo < prompt tokens <= hi. */
struct tier {
        double lo, hi;
        double input, output, cache_read, cache_write;
};

/* One model. flat holds everything; its prices are unused when tiered. */
struct entry {
        struct price flat;
        size_t tiers_n;
        struct tier tiers[]; /* sorted by lo */
};

struct prices {
        GHashTable *models; /* model key (new) -> struct entry (new) */
        char version[24];   /* "sha256:" + 16 hex digits */
};

/* Reads the price j (may be NULL) into *v. Returns 1 when it is there, 0
 * when it is absent or null, -1 when it is not a non-negative finite
 * number. */
static int cost_value(const json_t *j, double *v)
{
        double d;

        if (!j || json_is_null(j))
                return 0;
        if (!json_is_number(j))
                return -1;
        d = json_number_value(j);
        if (!isfinite(d) || d < 0)
                return -1;
        *v = d;
        return 1;
}

static int get_cost(const json_t *obj, const char *name, double *v)
{
        return cost_value(json_object_get(obj, name), v);
}

/* A token limit, or 0 when absent or not a sensible number: limits only
 * inform, so an odd one does not cost the model its prices. */
static long get_limit(const json_t *obj, const char *name)
{
        const json_t *j = json_object_get(obj, name);
        double d = json_is_number(j) ? json_number_value(j) : 0;

        return d >= 1 && d < 1e15 ? (long)d : 0;
}

/* Reads one element of tiered_pricing into *t. Returns 1 for a token tier,
 * 0 for something else (exa_ai's per-query tiers have no "range"), -1 for
 * a token tier with bad numbers. */
static int tier_parse(const json_t *obj, struct tier *t)
{
        const json_t *range = json_object_get(obj, "range");
        const json_t *lo = json_array_get(range, 0),
                     *hi = json_array_get(range, 1);
        int in, out, cr, cw;

        if (!json_is_array(range))
                return 0;
        if (json_array_size(range) != 2 || !json_is_number(lo) ||
            !json_is_number(hi))
                return -1;
        t->lo = json_number_value(lo);
        t->hi = json_number_value(hi);
        t->input = t->output = t->cache_read = t->cache_write = 0;
        in = get_cost(obj, "input_cost_per_token", &t->input);
        out = get_cost(obj, "output_cost_per_token", &t->output);
        cr = get_cost(obj, "cache_read_input_token_cost", &t->cache_read);
        cw = get_cost(obj, "cache_creation_input_token_cost", &t->cache_write);
        if (in < 0 || out < 0 || cr < 0 || cw < 0 || !(t->lo < t->hi))
                return -1;
        if (!in && !out)
                return 0;
        if (!cr)
                t->cache_read = t->input;
        if (!cw)
                t->cache_write = t->input;
        return 1;
}

static int tier_cmp(const void *a, const void *b)
{
        const struct tier *x = a, *y = b;

        return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Returns a new entry for the model described by obj, or NULL when it has
 * no token prices or bad ones. */
static struct entry *entry_parse(const json_t *obj)
{
        const json_t *tiers = json_object_get(obj, "tiered_pricing");
        const json_t *provider = json_object_get(obj, "litellm_provider");
        size_t n = json_is_array(tiers) ? json_array_size(tiers) : 0;
        struct price flat = {0};
        struct entry *e;
        double hit = 0;
        int in, out, cr, cw, ch, r;

        in = get_cost(obj, "input_cost_per_token", &flat.input);
        out = get_cost(obj, "output_cost_per_token", &flat.output);
        cr = get_cost(obj, "cache_read_input_token_cost", &flat.cache_read);
        cw = get_cost(obj, "cache_creation_input_token_cost",
                      &flat.cache_write);
        /* DeepSeek's entries also name the cache price this way. */
        ch = get_cost(obj, "input_cost_per_token_cache_hit", &hit);
        if (in < 0 || out < 0 || cr < 0 || cw < 0 || ch < 0 ||
            n > PRICES_MAX_TIERS)
                return NULL;
        if (!cr)
                flat.cache_read = ch ? hit : flat.input;
        if (!cw)
                flat.cache_write = flat.input;
        flat.max_input_tokens = get_limit(obj, "max_input_tokens");
        flat.max_output_tokens = get_limit(obj, "max_output_tokens");
        if (!flat.max_output_tokens)
                flat.max_output_tokens = get_limit(obj, "max_tokens");
        if (json_is_string(provider))
                snprintf(flat.provider, sizeof(flat.provider), "%s",
                         json_string_value(provider));

        e = xmalloc(sizeof(*e) + n * sizeof(e->tiers[0]));
        e->tiers_n = 0;
        for (size_t i = 0; i < n; i++) {
                r = tier_parse(json_array_get(tiers, i), &e->tiers[e->tiers_n]);
                if (r < 0)
                        goto bad;
                e->tiers_n += (size_t)r;
        }
        if (!in && !out && !e->tiers_n)
                goto bad;
        qsort(e->tiers, e->tiers_n, sizeof(e->tiers[0]), tier_cmp);
        flat.tiered = e->tiers_n > 0;
        e->flat = flat;
        return e;
bad:
        free(e);
        return NULL;
}

/* Returns the contents of path (new; not NUL-terminated) and their length
 * in *len, or NULL with err set when it cannot be read or holds more than
 * max bytes. Reads at most max + 1 bytes whatever the file claims. */
static char *read_capped(const char *path, size_t max, size_t *len,
                         struct err *err)
{
        FILE *f = fopen(path, "rb");
        char *buf = NULL;
        size_t cap = 0, n = 0, got;

        if (!f) {
                err_set(err, ERR_FATAL, "price map %s: %s", path,
                        strerror(errno));
                return NULL;
        }
        do {
                if (n == cap) {
                        cap = cap ? 2 * cap : 1 << 16;
                        if (cap > max + 1)
                                cap = max + 1;
                        buf = xrealloc(buf, cap);
                }
                got = fread(buf + n, 1, cap - n, f);
                n += got;
                if (n > max) {
                        err_set(err, ERR_FATAL,
                                "price map %s: larger than the cap of %zu "
                                "bytes",
                                path, max);
                        goto fail;
                }
        } while (got > 0);
        if (ferror(f)) {
                err_set(err, ERR_FATAL, "price map %s: %s", path,
                        strerror(errno));
                goto fail;
        }
        fclose(f);
        *len = n;
        return buf;
fail:
        fclose(f);
        free(buf);
        return NULL;
}

static const char *json_type_name(const json_t *j)
{
        switch (json_typeof(j)) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
        case JSON_REAL:
                return "a number";
        default:
                return "a literal";
        }
}

struct prices *prices_load_max(const char *path, size_t max_bytes,
                               struct err *err)
{
        struct prices *p = NULL;
        json_t *root = NULL, *val;
        json_error_t jerr;
        GChecksum *ck;
        const char *key;
        struct entry *e;
        size_t len = 0;
        char *buf;

        buf = read_capped(path, max_bytes, &len, err);
        if (!buf)
                return NULL;
        root = json_loadb(buf, len, JSON_DECODE_ANY, &jerr);
        if (!root) {
                err_set(err, ERR_FATAL,
                        "price map %s: not JSON: line %d column %d: %s", path,
                        jerr.line, jerr.column, jerr.text);
                goto out;
        }
        if (!json_is_object(root)) {
                err_set(err, ERR_FATAL,
                        "price map %s: is %s, not an object of models "
                        "(LiteLLM's model_prices_and_context_window.json)",
                        path, json_type_name(root));
                goto out;
        }
        p = xcalloc(1, sizeof(*p));
        p->models =
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free);
        json_object_foreach(root, key, val)
        {
                if (!json_is_object(val) || strcmp(key, "sample_spec") == 0)
                        continue;
                e = entry_parse(val);
                if (e)
                        g_hash_table_insert(p->models, g_strdup(key), e);
        }
        if (g_hash_table_size(p->models) == 0) {
                err_set(err, ERR_FATAL,
                        "price map %s: no model with token prices in it", path);
                prices_free(p);
                p = NULL;
                goto out;
        }
        ck = g_checksum_new(G_CHECKSUM_SHA256);
        g_checksum_update(ck, (const guchar *)buf, (gssize)len);
        snprintf(p->version, sizeof(p->version), "sha256:%.16s",
                 g_checksum_get_string(ck));
        g_checksum_free(ck);
out:
        json_decref(root);
        free(buf);
        return p;
}

struct prices *prices_load(const char *path, struct err *err)
{
        return prices_load_max(path, PRICES_MAX_BYTES, err);
}

void prices_free(struct prices *p)
{
        if (!p)
                return;
        g_hash_table_destroy(p->models);
        free(p);
}

const char *prices_version(const struct prices *p)
{
        return p->version;
}

size_t prices_count(const struct prices *p)
{
        return g_hash_table_size(p->models);
}

int prices_get(const struct prices *p, const char *key, long prompt_tokens,
               struct price *out)
{
        const struct entry *e;
        const struct tier *t;
        const char *slash;

        if (!p || !key)
                return -1;
        e = g_hash_table_lookup(p->models, key);
        slash = strrchr(key, '/');
        if (!e && slash)
                e = g_hash_table_lookup(p->models, slash + 1);
        if (!e)
                return -1;
        *out = e->flat;
        if (!e->tiers_n)
                return 0;
        /* Tiers are sorted, so the first whose hi is not below the count is
         * the one with lo < count <= hi, or the first one for a count at or
         * below every lo; past the highest range the last tier applies. */
        t = &e->tiers[e->tiers_n - 1];
        for (size_t i = 0; i < e->tiers_n; i++) {
                if ((double)prompt_tokens <= e->tiers[i].hi) {
                        t = &e->tiers[i];
                        break;
                }
        }
        out->input = t->input;
        out->output = t->output;
        out->cache_read = t->cache_read;
        out->cache_write = t->cache_write;
        return 0;
}

struct price price_from_gpu(double usd_per_hour, double input_tps,
                            double output_tps)
{
        struct price p = {0};
        double usd_per_s = usd_per_hour / 3600.0;

        if (!isfinite(usd_per_s) || usd_per_s < 0)
                return p;
        if (isfinite(input_tps) && input_tps > 0)
                p.input = usd_per_s / input_tps;
        if (isfinite(output_tps) && output_tps > 0)
                p.output = usd_per_s / output_tps;
        p.cache_read = p.input;
        p.cache_write = p.input;
        return p;
}

int prices_override(struct price *p, const json_t *obj, struct err *err)
{
        static const char *const names[] = {
                "input_per_million", "output_per_million",
                "cache_read_per_million", "cache_write_per_million"};
        double v[4];
        int has[4] = {0};
        struct price np = *p;
        const json_t *j;
        const char *key;

        if (!json_is_object(obj))
                return err_set(err, ERR_FATAL,
                               "price override: an object expected");
        /* jansson's iterators take a non-const object; nothing is changed. */
        json_object_foreach((json_t *)obj, key, j)
        {
                size_t i = 0;

                while (i < 4 && strcmp(key, names[i]) != 0)
                        i++;
                if (i < 4) {
                        has[i] = cost_value(j, &v[i]);
                        if (has[i] < 0)
                                return err_set(err, ERR_FATAL,
                                               "price override: %s: a "
                                               "non-negative number expected",
                                               key);
                } else if (strcmp(key, "max_input_tokens") != 0) {
                        return err_set(err, ERR_FATAL,
                                       "price override: unknown key %s", key);
                } else if (!json_is_integer(j) || json_integer_value(j) < 0) {
                        return err_set(err, ERR_FATAL,
                                       "price override: max_input_tokens: a "
                                       "non-negative integer expected");
                } else {
                        np.max_input_tokens = (long)json_integer_value(j);
                }
        }
        /* What people write is USD per million tokens. */
        if (has[0] > 0)
                np.input = np.cache_read = np.cache_write = v[0] / 1e6;
        if (has[1] > 0)
                np.output = v[1] / 1e6;
        if (has[2] > 0)
                np.cache_read = v[2] / 1e6;
        if (has[3] > 0)
                np.cache_write = v[3] / 1e6;
        *p = np;
        return 0;
}

/* Reads count path (its last component) of obj, which may be NULL, into
 * *v and sets *has. Returns 0, or -1 with err set when it is there but not
 * an integer in [0, USAGE_MAX_TOKENS]. */
static int get_count(const json_t *obj, const char *path, long *v, int *has,
                     struct err *err)
{
        const char *name = strrchr(path, '.') ? strrchr(path, '.') + 1 : path;
        const json_t *j = obj ? json_object_get(obj, name) : NULL;
        json_int_t n;

        *has = 0;
        if (!j || json_is_null(j))
                return 0;
        if (!json_is_integer(j))
                return err_set(err, ERR_INPUT,
                               "usage: %s is %s, not an integer", path,
                               json_type_name(j));
        n = json_integer_value(j);
        if (n < 0 || n > USAGE_MAX_TOKENS)
                return err_set(err, ERR_INPUT,
                               "usage: %s = %" JSON_INTEGER_FORMAT
                               " is outside [0, %ld]",
                               path, n, USAGE_MAX_TOKENS);
        *v = (long)n;
        *has = 1;
        return 0;
}

/* Sets *out to the details object name of usage, NULL when absent or null. */
static int get_details(const json_t *usage, const char *name,
                       const json_t **out, struct err *err)
{
        const json_t *j = json_object_get(usage, name);

        *out = NULL;
        if (!j || json_is_null(j))
                return 0;
        if (!json_is_object(j))
                return err_set(err, ERR_INPUT, "usage: %s is %s, not an object",
                               name, json_type_name(j));
        *out = j;
        return 0;
}

int usage_parse(const json_t *usage, struct usage *u, struct err *err)
{
        long prompt = 0, completion = 0, cached = 0, reasoning = 0;
        long hit = 0, miss = 0, total = 0;
        int has_prompt, has_completion, has_cached, has_reasoning;
        int has_hit, has_miss, has_total;
        const json_t *ptd, *ctd;

        if (!usage || json_is_null(usage))
                return err_set(err, ERR_INPUT, "reply has no usage");
        if (!json_is_object(usage))
                return err_set(err, ERR_INPUT, "usage is %s, not an object",
                               json_type_name(usage));
        if (get_details(usage, "prompt_tokens_details", &ptd, err) ||
            get_details(usage, "completion_tokens_details", &ctd, err) ||
            get_count(usage, "prompt_tokens", &prompt, &has_prompt, err) ||
            get_count(usage, "completion_tokens", &completion, &has_completion,
                      err) ||
            get_count(usage, "total_tokens", &total, &has_total, err) ||
            get_count(usage, "prompt_cache_hit_tokens", &hit, &has_hit, err) ||
            get_count(usage, "prompt_cache_miss_tokens", &miss, &has_miss,
                      err) ||
            get_count(ptd, "prompt_tokens_details.cached_tokens", &cached,
                      &has_cached, err) ||
            get_count(ctd, "completion_tokens_details.reasoning_tokens",
                      &reasoning, &has_reasoning, err))
                return -1;

        /* DeepSeek: hit + miss is the prompt. */
        if (has_hit && has_miss && !has_prompt) {
                prompt = hit + miss;
                has_prompt = 1;
        } else if (has_hit && has_miss && hit + miss != prompt) {
                return err_set(err, ERR_INPUT,
                               "inconsistent usage: prompt_cache_hit_tokens %ld"
                               " + prompt_cache_miss_tokens %ld != "
                               "prompt_tokens %ld",
                               hit, miss, prompt);
        } else if (has_miss && !has_hit && has_prompt) {
                hit = prompt - miss;
                has_hit = hit >= 0;
        }
        if (!has_prompt)
                return err_set(err, ERR_INPUT, "usage has no prompt_tokens");
        if (!has_completion)
                return err_set(err, ERR_INPUT,
                               "usage has no completion_tokens");
        if (has_hit && has_cached && hit != cached)
                return err_set(err, ERR_INPUT,
                               "inconsistent usage: "
                               "prompt_tokens_details.cached_tokens %ld != "
                               "prompt_cache_hit_tokens %ld",
                               cached, hit);
        if (has_hit)
                cached = hit;
        if (cached > prompt || (has_miss && miss > prompt))
                return err_set(err, ERR_INPUT,
                               "inconsistent usage: %ld cached or %ld missed "
                               "of %ld prompt tokens",
                               cached, miss, prompt);
        /* Some gateways count reasoning outside completion_tokens; their
         * total_tokens gives it away. Bill it once, as output. */
        if (has_total && reasoning > 0 &&
            total == prompt + completion + reasoning)
                completion += reasoning;
        if (reasoning > completion)
                return err_set(err, ERR_INPUT,
                               "inconsistent usage: reasoning_tokens %ld > "
                               "completion_tokens %ld",
                               reasoning, completion);
        u->prompt_tokens = prompt;
        u->completion_tokens = completion;
        u->cached_tokens = cached;
        u->reasoning_tokens = reasoning;
        return 0;
}

/*
 * Why this is exact to 1e-9 USD. The token counts (below 2^53; usage_parse
 * keeps them at most 2 * USAGE_MAX_TOKENS) are exact in any floating type.
 * Each price is the double nearest the decimal in the map, within a
 * relative 2^-53 of it. The three products and two sums are done in long
 * double (64-bit mantissa on x86-64, 113 on arm64; at worst the same as
 * double) and the sum is rounded to double once: five roundings of at most a
 * relative 2^-53 each (price, product, two sums, the final conversion) on
 * terms that are all non-negative, so no cancellation magnifies them: the
 * result is within cost * 2^-50 (about cost * 9e-16) of the exact decimal
 * answer. That is below 1e-9 USD for any call costing under 1,000,000 USD,
 * which a call of fewer than 1e9 tokens at any price up to $1,000 per
 * million tokens is.
 */
double usage_cost(const struct usage *u, const struct price *p)
{
        long double fresh = (long double)(u->prompt_tokens - u->cached_tokens);
        long double sum;

        sum = fresh * p->input;
        sum += (long double)u->cached_tokens * p->cache_read;
        sum += (long double)u->completion_tokens * p->output;
        return (double)sum;
}
