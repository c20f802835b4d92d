/*
 * shadow: sampling and answer comparison for shadow calls (see shadow.h).
 * Field values are compared through a canonical text of each value, so
 * that every rule (numbers, strings, arrays, objects) is in one place and
 * can be tested on its own. Owns nothing.
 */
#include "shadow.h"

#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shadow_sampled(const char *id, double rate)
{
        uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
        double u;

        if (!id || !(rate > 0))
                return 0;
        if (rate >= 1)
                return 1;
        for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
                h ^= *p;
                h *= 0x100000001b3ULL;
        }
        /* FNV's low bits are weak on short similar ids ("doc-1",
         * "doc-2"): the splitmix64 finalizer spreads them. */
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
        h ^= h >> 31;
        u = (double)(h >> 11) / 9007199254740992.0; /* [0, 1) */
        return u < rate;
}

static json_t *shadow_real(double x)
{
        return isfinite(x) ? json_real(x) : json_null();
}

/* ---- canonical values ------------------------------------------------- */

/* A number written plainly ("-12", "1234.50", " 7.5 "), into *out. */
static int shadow_numeric_text(const char *s, double *out)
{
        const char *p = s;
        int digits = 0;
        char *end;

        while (g_ascii_isspace(*p))
                p++;
        if (*p == '-' || *p == '+')
                p++;
        while (g_ascii_isdigit(*p)) {
                p++;
                digits++;
        }
        if (*p == '.') {
                p++;
                while (g_ascii_isdigit(*p)) {
                        p++;
                        digits++;
                }
        }
        while (g_ascii_isspace(*p))
                p++;
        if (*p || digits == 0)
                return -1;
        *out = g_ascii_strtod(s, &end);
        return isfinite(*out) ? 0 : -1;
}

static void shadow_canon_number(GString *out, double x)
{
        /* + 0.0 makes -0 print as 0. */
        g_string_append_printf(out, "n:%.15g", x + 0.0);
}

/* Trimmed, white space runs folded to one space, NFKC, case folded. */
static void shadow_canon_text(GString *out, const char *s)
{
        GString *t = g_string_new(NULL);
        int space = 0;
        char *norm, *folded;

        for (const char *p = s; *p; p++) {
                if (g_ascii_isspace(*p)) {
                        space = t->len > 0;
                        continue;
                }
                if (space)
                        g_string_append_c(t, ' ');
                space = 0;
                g_string_append_c(t, *p);
        }
        norm = g_utf8_normalize(t->str, (gssize)t->len, G_NORMALIZE_NFKC);
        folded = g_utf8_casefold(norm ? norm : t->str, -1);
        g_string_append(out, "s:");
        g_string_append(out, folded);
        g_free(folded);
        g_free(norm);
        g_string_free(t, TRUE);
}

static void shadow_canon(GString *out, const json_t *v);

static gint shadow_strcmp(gconstpointer a, gconstpointer b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Elements (or key=value pairs) each length-prefixed, sorted. */
static void shadow_canon_parts(GString *out, GPtrArray *parts, char open,
                               char close)
{
        g_ptr_array_sort(parts, shadow_strcmp);
        g_string_append_c(out, open);
        for (guint i = 0; i < parts->len; i++) {
                const char *p = g_ptr_array_index(parts, i);
                g_string_append_printf(out, "%zu:%s", strlen(p), p);
        }
        g_string_append_c(out, close);
}

static void shadow_canon(GString *out, const json_t *v)
{
        double x;

        switch (json_typeof(v)) {
        case JSON_NULL:
                g_string_append(out, "null");
                break;
        case JSON_TRUE:
                g_string_append(out, "b:true");
                break;
        case JSON_FALSE:
                g_string_append(out, "b:false");
                break;
        case JSON_INTEGER:
                shadow_canon_number(out, (double)json_integer_value(v));
                break;
        case JSON_REAL:
                shadow_canon_number(out, json_real_value(v));
                break;
        case JSON_STRING:
                if (shadow_numeric_text(json_string_value(v), &x) == 0)
                        shadow_canon_number(out, x);
                else
                        shadow_canon_text(out, json_string_value(v));
                break;
        case JSON_ARRAY: {
                GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
                size_t i;
                json_t *e;

                json_array_foreach(v, i, e)
                {
                        GString *s = g_string_new(NULL);
                        shadow_canon(s, e);
                        g_ptr_array_add(parts, g_string_free(s, FALSE));
                }
                shadow_canon_parts(out, parts, '[', ']');
                g_ptr_array_free(parts, TRUE);
                break;
        }
        case JSON_OBJECT: {
                GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
                const char *key;
                json_t *e;

                json_object_foreach((json_t *)v, key, e)
                {
                        GString *s;

                        if (json_is_null(e))
                                continue;
                        s = g_string_new(NULL);
                        shadow_canon_text(s, key);
                        g_string_append_c(s, '=');
                        shadow_canon(s, e);
                        g_ptr_array_add(parts, g_string_free(s, FALSE));
                }
                shadow_canon_parts(out, parts, '{', '}');
                g_ptr_array_free(parts, TRUE);
                break;
        }
        }
}

char *shadow_canonical(const json_t *v)
{
        GString *s;
        char *r;

        if (!v || json_is_null(v))
                return NULL;
        s = g_string_new(NULL);
        shadow_canon(s, v);
        r = xstrdup(s->str);
        g_string_free(s, TRUE);
        return r;
}

/* ---- comparisons ------------------------------------------------------ */

void shadow_compare_class(const char *primary, double primary_conf,
                          const char *reference, double reference_conf,
                          struct shadow_cmp *out)
{
        out->agree = primary && reference && strcmp(primary, reference) == 0;
        out->score = out->agree ? 1 : 0;
        out->primary =
                primary ? json_pack("{s:s,s:o}", "class", primary, "confidence",
                                    shadow_real(primary_conf))
                        : NULL;
        out->reference =
                reference ? json_pack("{s:s,s:o}", "class", reference,
                                      "confidence", shadow_real(reference_conf))
                          : NULL;
        out->details =
                json_pack("{s:o}", "confidence_delta",
                          primary && reference
                                  ? shadow_real(reference_conf - primary_conf)
                                  : json_null());
}

/* Adds the names of obj's fields that are not null to names. */
static void shadow_field_names(const json_t *obj, GPtrArray *names)
{
        const char *key;
        json_t *v;

        if (!json_is_object(obj))
                return;
        json_object_foreach((json_t *)obj, key, v)
        {
                int seen = 0;

                if (json_is_null(v))
                        continue;
                for (guint i = 0; i < names->len && !seen; i++)
                        seen = strcmp(g_ptr_array_index(names, i), key) == 0;
                if (!seen)
                        g_ptr_array_add(names, (gpointer)key);
        }
}

void shadow_compare_fields(const json_t *primary, const json_t *reference,
                           struct shadow_cmp *out)
{
        GPtrArray *names = g_ptr_array_new();
        json_t *disagree = json_array();
        size_t agreeing = 0;

        shadow_field_names(primary, names);
        shadow_field_names(reference, names);
        g_ptr_array_sort(names, shadow_strcmp);
        for (guint i = 0; i < names->len; i++) {
                const char *key = g_ptr_array_index(names, i);
                char *p = shadow_canonical(
                        json_is_object(primary) ? json_object_get(primary, key)
                                                : NULL);
                char *r = shadow_canonical(
                        json_is_object(reference)
                                ? json_object_get(reference, key)
                                : NULL);

                if (p && r && strcmp(p, r) == 0)
                        agreeing++;
                else
                        json_array_append_new(disagree, json_string(key));
                free(p);
                free(r);
        }
        out->score = names->len ? (double)agreeing / names->len : 1;
        out->agree = agreeing == names->len;
        out->primary = primary ? json_deep_copy(primary) : NULL;
        out->reference = reference ? json_deep_copy(reference) : NULL;
        out->details = json_pack("{s:I,s:I,s:o}", "compared",
                                 (json_int_t)names->len, "agreeing",
                                 (json_int_t)agreeing, "disagree", disagree);
        g_ptr_array_free(names, TRUE);
}

/* The set of case-folded words (runs of letters and digits) of s. */
static GHashTable *shadow_words(const char *s)
{
        GHashTable *set =
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        char *folded;
        const char *p, *start = NULL;

        if (!s || !g_utf8_validate(s, -1, NULL))
                return set;
        folded = g_utf8_casefold(s, -1);
        for (p = folded;; p = g_utf8_next_char(p)) {
                gunichar c = g_utf8_get_char(p);
                int word = c && g_unichar_isalnum(c);

                if (word && !start)
                        start = p;
                if (!word && start) {
                        g_hash_table_add(set,
                                         g_strndup(start, (gsize)(p - start)));
                        start = NULL;
                }
                if (!c)
                        break;
        }
        g_free(folded);
        return set;
}

void shadow_compare_summary(const char *primary, const char *reference,
                            struct shadow_cmp *out)
{
        GHashTable *a = shadow_words(primary), *b = shadow_words(reference);
        guint na = g_hash_table_size(a), nb = g_hash_table_size(b), common = 0;
        guint all;
        GHashTableIter it;
        gpointer key;

        g_hash_table_iter_init(&it, a);
        while (g_hash_table_iter_next(&it, &key, NULL))
                if (g_hash_table_contains(b, key))
                        common++;
        all = na + nb - common;
        out->score = all ? (double)common / all : 1;
        out->agree = out->score >= SHADOW_SUMMARY_AGREE;
        out->primary = primary ? json_string(primary) : NULL;
        out->reference = reference ? json_string(reference) : NULL;
        out->details = json_pack("{s:I,s:I,s:I}", "words_primary",
                                 (json_int_t)na, "words_reference",
                                 (json_int_t)nb, "common", (json_int_t)common);
        g_hash_table_destroy(a);
        g_hash_table_destroy(b);
}
