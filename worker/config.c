/*
 * config: the settings table and its loader (see config.h). One static
 * table, opts[], names every key with its type, field, default, bounds,
 * validator and description; the loader, the environment overrides,
 * config_cleanup, config_dump and config_reference all walk it, so a new key
 * is one line there plus its field in struct config.
 *
 * Loading order: the table's defaults (texts, parsed like any value, so
 * they pass the same checks), the YAML file, DOCPIPE_* variables, then the
 * checks that involve two keys. Nested mappings are flattened to dotted
 * keys (`worker: {threads: 2}` and `worker.threads: 2` are the same key);
 * under `kafka` the rest of the key is one librdkafka property, kept as
 * text in file order. Every error is collected, not only the first, so one
 * run shows all there is to fix. Owns nothing between calls.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "doc.h"
#include "log.h"

#define KIB 1024LL
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

#define CONFIG_MAX_FILE (1024 * 1024) /* bytes of YAML */
#define CONFIG_MAX_DEPTH 8            /* nested mappings */
#define CONFIG_MAX_NODES 1000         /* keys visited, through aliases too */
#define CONFIG_MAX_KEY 256            /* a flattened key */
#define CONFIG_MAX_CLASS 63           /* a class name */

enum opt_type { OPT_STR, OPT_INT, OPT_SIZE, OPT_LIST };

enum {
        OPT_SECRET = 1 << 0, /* never shown */
        OPT_DSN = 1 << 1     /* a libpq conninfo: its password is masked */
};

struct config_opt {
        const char *key;
        enum opt_type type;
        size_t off;       /* of the field in struct config */
        const char *def;  /* default, as text */
        int64_t min, max; /* OPT_INT, OPT_SIZE; OPT_LIST: item count */
        const char *const *choices; /* OPT_STR: the allowed values, or NULL */
        int (*check)(const char *v, char *why, size_t n); /* OPT_STR, NULL */
        unsigned flags;
        const char *desc;
};

static int whyf(char *why, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes a reason to why; returns -1. */
static int whyf(char *why, size_t n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
        return -1;
}

/* Kafka's own rule for topic names. */
static int check_topic(const char *v, char *why, size_t n)
{
        static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
        size_t len = strlen(v);

        if (len == 0 || len > 249 || strcmp(v, ".") == 0 ||
            strcmp(v, "..") == 0 || strspn(v, ok) != len)
                return whyf(why, n,
                            "'%.60s' is not a valid topic name "
                            "(1 to 249 of a-z A-Z 0-9 . _ -)",
                            v);
        return 0;
}

/* file:// confinement is only meaningful against an absolute root. */
static int check_root(const char *v, char *why, size_t n)
{
        if (v[0] != '\0' && v[0] != '/')
                return whyf(why, n,
                            "'%.60s' is not an absolute path "
                            "(empty refuses file://)",
                            v);
        return 0;
}

static const char *const log_levels[] = {"debug", "info", "warn", "error",
                                         NULL};

#define OFF(f) offsetof(struct config, f)

static const struct config_opt opts[] = {
    {"topics.jobs", OPT_STR, OFF(topic_jobs), "docpipe.jobs",
     .check = check_topic, .desc = "Kafka topic the jobs are consumed from"},
    {"topics.dlq", OPT_STR, OFF(topic_dlq), "docpipe.jobs.dlq",
     .check = check_topic,
     .desc = "dead-letter topic; must differ from topics.jobs"},
    {"postgres.dsn", OPT_STR, OFF(pg_dsn),
     "host=/tmp port=5432 dbname=postgres", .flags = OPT_DSN,
     .desc = "libpq connection string or URI; its password is masked in "
             "dumps (better: PGPASSWORD or DOCPIPE_POSTGRES_DSN)"},
    {"postgres.batch_max", OPT_INT, OFF(pg_batch_max), "64", 1, 10000,
     .desc = "most documents written in one transaction"},
    {"postgres.batch_ms", OPT_INT, OFF(pg_batch_ms), "20", 0, 10000,
     .desc = "longest wait (ms) to fill a batch"},
    {"worker.max_inflight", OPT_INT, OFF(max_inflight), "64", 2, 100000,
     .desc = "documents in flight at which partitions are paused"},
    {"worker.low_water", OPT_INT, OFF(low_water), "32", 1, 100000,
     .desc = "partitions resume below this many; must be below "
             "worker.max_inflight; default worker.max_inflight / 2"},
    {"worker.threads", OPT_INT, OFF(threads), "2", 1, 256,
     .desc = "CPU thread pool (parsing, builtin model)"},
    {"worker.drain_timeout_ms", OPT_INT, OFF(drain_ms), "30000", 0, 3600000,
     .desc = "on SIGTERM, longest wait for the documents in flight"},
    {"worker.retries", OPT_INT, OFF(retries), "3", 0, 100,
     .desc = "in-place retries of a transient failure"},
    {"worker.retry_backoff_ms", OPT_INT, OFF(retry_backoff_ms), "200", 0,
     600000, .desc = "first retry backoff (ms), doubled each try, full jitter"},
    {"worker.log_level", OPT_STR, OFF(log_level), "info", .choices = log_levels,
     .desc = "lowest level logged"},
    {"limits.max_bytes", OPT_SIZE, OFF(max_bytes), "50MiB", KIB, GIB,
     .desc = "largest document"},
    {"limits.max_pages", OPT_INT, OFF(max_pages), "2000", 1, 1000000,
     .desc = "most pages read from one document"},
    {"limits.max_text_bytes", OPT_SIZE, OFF(max_text_bytes), "16MiB", KIB, GIB,
     .desc = "most text extracted from one document"},
    {"limits.max_job_bytes", OPT_SIZE, OFF(max_job_bytes), "64MiB", KIB, GIB,
     .desc = "largest job message (JSON envelope with inline bytes)"},
    {"sources.file_root", OPT_STR, OFF(file_root), "", .check = check_root,
     .desc = "file:// sources are confined to this directory; empty "
             "refuses file://"},
    {"sources.http_max_bytes", OPT_SIZE, OFF(http_max_bytes), "50MiB", KIB, GIB,
     .desc = "largest http(s) download"},
    {"sources.http_timeout_ms", OPT_INT, OFF(http_timeout_ms), "30000", 1,
     3600000, .desc = "timeout of one http(s) download"},
    {"model.classes", OPT_LIST, OFF(classes),
     "invoice,receipt,bank_statement,annual_report,financial_report,"
     "contract,tax_form,other",
     1, CONFIG_MAX_CLASSES,
     .desc = "document classes, unique names of a-z 0-9 _; as a YAML "
             "list, or comma-separated"},
    {"model.summary_max_chars", OPT_INT, OFF(summary_max_chars), "600", 80,
     100000, .desc = "longest summary"},
    {"model.language_data", OPT_STR, OFF(lang_dir), "",
     .desc = "libexttextcat data directory; empty: Debian's"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* kafka.* defaults, added at the end when neither the property nor its
 * alias was set (librdkafka: the last of two aliases wins). */
static const struct {
        const char *key, *value, *alias, *desc;
} kafka_defaults[] = {
    {"bootstrap.servers", "localhost:9092", "metadata.broker.list",
     "brokers, host:port[,host:port...]"},
    {"group.id", "docpipe", NULL, "consumer group"},
};

/* Where a key got its value: a file line, the environment, or neither. */
struct origin {
        int line;
        int env;
};

struct loader {
        struct config *cfg;
        const char *path;
        struct origin at[NOPTS];
        int *kafka_line; /* file line of each cfg->kafka entry */
        int nodes;       /* keys visited */
        int nerr, dropped;
        size_t len;
        char msg[sizeof(((struct err *)0)->msg)];
};

#define ERR_RESERVE 24 /* room for the "(N more errors)" line */

static void ld_verror(struct loader *ld, const char *env, int line,
                      const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/* Adds "where: [key: ]message" to the errors, as room allows. */
static void ld_verror(struct loader *ld, const char *env, int line,
                      const char *key, const char *fmt, va_list ap)
{
        char one[sizeof(ld->msg)];
        int n;

        if (env)
                n = snprintf(one, sizeof(one), "env %s: ", env);
        else if (line > 0)
                n = snprintf(one, sizeof(one), "%s:%d: %s%s", ld->path, line,
                             key ? key : "", key ? ": " : "");
        else
                n = snprintf(one, sizeof(one), "%s: %s%s",
                             ld->path ? ld->path : "config", key ? key : "",
                             key ? ": " : "");
        if (n < 0 || (size_t)n >= sizeof(one))
                n = (int)sizeof(one) - 1;
        vsnprintf(one + n, sizeof(one) - (size_t)n, fmt, ap);

        size_t l = strlen(one);
        if (ld->nerr++ == 0) {
                if (l > sizeof(ld->msg) - ERR_RESERVE)
                        l = sizeof(ld->msg) - ERR_RESERVE;
                memcpy(ld->msg, one, l);
                ld->msg[l] = '\0';
                ld->len = l;
        } else if (ld->len + 1 + l + ERR_RESERVE <= sizeof(ld->msg)) {
                ld->msg[ld->len++] = '\n';
                memcpy(ld->msg + ld->len, one, l + 1);
                ld->len += l;
        } else {
                ld->dropped++;
        }
}

static void ld_error(struct loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void opt_error(struct loader *ld, const struct config_opt *o,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error at a line of the file (0: about the whole file). */
static void ld_error(struct loader *ld, int line, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        ld_verror(ld, NULL, line, NULL, fmt, ap);
        va_end(ap);
}

/* prefix + key uppercased, '.' as '_': the key's environment variable. */
static const char *env_name(const char *prefix, const char *key, char *buf,
                            size_t n)
{
        size_t i = (size_t)snprintf(buf, n, "%s", prefix);

        for (; *key && i + 1 < n; key++)
                buf[i++] =
                    *key == '.' ? '_' : (char)toupper((unsigned char)*key);
        buf[i] = '\0';
        return buf;
}

static const char *opt_env_name(const struct config_opt *o, char *buf, size_t n)
{
        return env_name("DOCPIPE_", o->key, buf, n);
}

/* An error about o's value, where that value came from. */
static void opt_error(struct loader *ld, const struct config_opt *o,
                      const char *fmt, ...)
{
        const struct origin *at = &ld->at[o - opts];
        char env[64];
        va_list ap;

        va_start(ap, fmt);
        ld_verror(ld, at->env ? opt_env_name(o, env, sizeof(env)) : NULL,
                  at->line, o->key, fmt, ap);
        va_end(ap);
}

static const struct config_opt *opt_find(const char *key)
{
        for (size_t i = 0; i < NOPTS; i++)
                if (strcmp(opts[i].key, key) == 0)
                        return &opts[i];
        return NULL;
}

/* Is key a section, the dotted start of table keys ("worker"), or kafka? */
static int is_section(const char *key)
{
        size_t len = strlen(key);

        if (strcmp(key, "kafka") == 0)
                return 1;
        for (size_t i = 0; i < NOPTS; i++)
                if (strncmp(opts[i].key, key, len) == 0 &&
                    opts[i].key[len] == '.')
                        return 1;
        return 0;
}

static size_t edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b), row[65];

        if (la > 64 || lb > 64)
                return (size_t)-1;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t diag = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t up = row[j];
                        size_t best = diag + (a[i - 1] != b[j - 1]);
                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        diag = up;
                }
        }
        return row[lb];
}

/* The table key (or its variable, env) closest to s, if close enough to be
 * a typo; else NULL. */
static const char *closest(const char *s, int env, char *buf, size_t n)
{
        size_t best = 1 + strlen(s) / 5, found = NOPTS;

        for (size_t i = 0; i < NOPTS; i++) {
                char name[64];
                const char *cand =
                    env ? opt_env_name(&opts[i], name, sizeof(name))
                        : opts[i].key;
                size_t d = edit_distance(s, cand);
                if (d <= best) {
                        best = d;
                        found = i;
                }
        }
        if (found == NOPTS)
                return NULL;
        if (env)
                return opt_env_name(&opts[found], buf, n);
        return opts[found].key;
}

static void classes_clear(struct config *cfg)
{
        for (size_t i = 0; i < cfg->classes_n; i++)
                free(cfg->classes[i]);
        memset(cfg->classes, 0, sizeof(cfg->classes));
        cfg->classes_n = 0;
}

static int classes_add(struct config *cfg, const char *name, char *why,
                       size_t n)
{
        size_t len = strlen(name);

        if (len == 0 || len > CONFIG_MAX_CLASS ||
            strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != len)
                return whyf(why, n,
                            "'%.60s' is not a class name (1 to %d of "
                            "a-z 0-9 _)",
                            name, CONFIG_MAX_CLASS);
        for (size_t i = 0; i < cfg->classes_n; i++)
                if (strcmp(cfg->classes[i], name) == 0)
                        return whyf(why, n, "'%s' is listed twice", name);
        if (cfg->classes_n == CONFIG_MAX_CLASSES)
                return whyf(why, n, "more than %d classes", CONFIG_MAX_CLASSES);
        cfg->classes[cfg->classes_n++] = xstrdup(name);
        return 0;
}

/* "a, b,c" as the class list; "" is none. */
static int classes_parse(struct config *cfg, const char *v, char *why, size_t n)
{
        char *copy = xstrdup(v), *item = copy, *next;
        int rc = 0;

        classes_clear(cfg);
        for (; *v && item && rc == 0; item = next) {
                size_t len;
                next = strchr(item, ',');
                if (next)
                        *next++ = '\0';
                item += strspn(item, " \t");
                len = strlen(item);
                while (len && (item[len - 1] == ' ' || item[len - 1] == '\t'))
                        item[--len] = '\0';
                rc = classes_add(cfg, item, why, n);
        }
        free(copy);
        if (rc == 0 && cfg->classes_n == 0)
                rc = whyf(why, n, "at least one class is required");
        return rc;
}

/* A bound as text: sizes that are exact multiples as "1GiB". */
static const char *fmt_bound(const struct config_opt *o, int64_t v, char *buf,
                             size_t n)
{
        static const struct {
                int64_t mul;
                const char *unit;
        } units[] = {{GIB, "GiB"}, {MIB, "MiB"}, {KIB, "KiB"}};

        for (size_t i = 0; o->type == OPT_SIZE && v && i < 3; i++) {
                if (v % units[i].mul == 0) {
                        snprintf(buf, n, "%lld%s",
                                 (long long)(v / units[i].mul), units[i].unit);
                        return buf;
                }
        }
        snprintf(buf, n, "%lld", (long long)v);
        return buf;
}

/* Sizes are binary, as in PostgreSQL: 1KB = 1KiB = 1024 bytes. */
static int64_t size_unit(const char *s)
{
        static const struct {
                const char *name;
                int64_t mul;
        } units[] = {
            {"", 1},      {"b", 1},    {"k", KIB},   {"kb", KIB},
            {"kib", KIB}, {"m", MIB},  {"mb", MIB},  {"mib", MIB},
            {"g", GIB},   {"gb", GIB}, {"gib", GIB},
        };

        if (*s == ' ')
                s++;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (strcasecmp(s, units[i].name) == 0)
                        return units[i].mul;
        return 0;
}

static int parse_num(const struct config_opt *o, const char *v, int64_t *out,
                     char *why, size_t n)
{
        const char *p = v + (*v == '-' || *v == '+');
        char *end, lo[32], hi[32];
        int64_t mul = 1;
        long long x;

        if (!isdigit((unsigned char)*p))
                goto bad;
        errno = 0;
        x = strtoll(v, &end, 10);
        if (o->type == OPT_SIZE)
                mul = size_unit(end);
        else if (*end != '\0')
                mul = 0;
        if (mul == 0)
                goto bad;
        if (errno == ERANGE || x > INT64_MAX / mul || x < INT64_MIN / mul)
                x = x < 0 ? INT64_MIN : INT64_MAX;
        else
                x *= mul;
        if (x < o->min)
                return whyf(why, n, "%.40s is below the minimum %s", v,
                            fmt_bound(o, o->min, lo, sizeof(lo)));
        if (x > o->max)
                return whyf(why, n, "%.40s is above the maximum %s", v,
                            fmt_bound(o, o->max, hi, sizeof(hi)));
        *out = x;
        return 0;
bad:
        if (o->type == OPT_SIZE)
                return whyf(why, n,
                            "expected a size (bytes, or with KB, MB, GB), "
                            "got '%.40s'",
                            v);
        return whyf(why, n, "expected an integer, got '%.40s'", v);
}

static int choice_find(const char *const *choices, const char *v)
{
        for (size_t i = 0; choices[i]; i++)
                if (strcmp(choices[i], v) == 0)
                        return 1;
        return 0;
}

/* "debug, info, warn, error", each between quote and quote. */
static const char *choices_text(const char *const *choices, const char *quote,
                                char *buf, size_t n)
{
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; choices[i] && len < n; i++)
                len +=
                    (size_t)snprintf(buf + len, n - len, "%s%s%s%s",
                                     i ? ", " : "", quote, choices[i], quote);
        return buf;
}

/* Parses text v as o's value into cfg; returns -1 with why if it is not
 * acceptable. */
static int opt_set(struct config *cfg, const struct config_opt *o,
                   const char *v, char *why, size_t n)
{
        char *field = (char *)cfg + o->off;
        int64_t x = 0;

        switch (o->type) {
        case OPT_STR:
                if (o->choices && !choice_find(o->choices, v)) {
                        char list[128];
                        return whyf(
                            why, n, "'%.40s' is not one of %s", v,
                            choices_text(o->choices, "", list, sizeof(list)));
                }
                if (o->check && o->check(v, why, n) < 0)
                        return -1;
                free(*(char **)field);
                *(char **)field = xstrdup(v);
                return 0;
        case OPT_INT:
        case OPT_SIZE:
                if (parse_num(o, v, &x, why, n) < 0)
                        return -1;
                if (o->type == OPT_INT)
                        *(int *)field = (int)x;
                else
                        *(int64_t *)field = x;
                return 0;
        case OPT_LIST:
                return classes_parse(cfg, v, why, n);
        }
        return whyf(why, n, "unknown type");
}

const char *config_kafka_get(const struct config *cfg, const char *key)
{
        for (size_t i = 0; i < cfg->kafka_n; i++)
                if (strcmp(cfg->kafka[i].key, key) == 0)
                        return cfg->kafka[i].value;
        return NULL;
}

void config_kafka_set(struct config *cfg, const char *key, const char *value)
{
        char *copy = xstrdup(value); /* value may be the one replaced */

        for (size_t i = 0; i < cfg->kafka_n; i++) {
                if (strcmp(cfg->kafka[i].key, key) == 0) {
                        free(cfg->kafka[i].value);
                        cfg->kafka[i].value = copy;
                        return;
                }
        }
        cfg->kafka =
            xrealloc(cfg->kafka, (cfg->kafka_n + 1) * sizeof(*cfg->kafka));
        cfg->kafka[cfg->kafka_n].key = xstrdup(key);
        cfg->kafka[cfg->kafka_n].value = copy;
        cfg->kafka_n++;
}

/* ---- the YAML file ---- */

static const char *node_text(const yaml_node_t *v)
{
        return (const char *)v->data.scalar.value;
}

static int node_line(const yaml_node_t *v)
{
        return (int)v->start_mark.line + 1;
}

static const char *node_kind(const yaml_node_t *v)
{
        return v->type == YAML_MAPPING_NODE ? "a mapping" : "a list";
}

/* A plain empty, ~ or null scalar: an empty section. */
static int node_null(const yaml_node_t *v)
{
        const char *s;

        if (v->type != YAML_SCALAR_NODE ||
            v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return 0;
        s = node_text(v);
        return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
               !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static void kafka_leaf(struct loader *ld, const char *prop, int line,
                       const yaml_node_t *v)
{
        struct config *cfg = ld->cfg;

        if (v->type != YAML_SCALAR_NODE) {
                ld_error(ld, line, "kafka.%s: expected a value, got %s", prop,
                         node_kind(v));
                return;
        }
        for (size_t i = 0; i < cfg->kafka_n; i++) {
                if (strcmp(cfg->kafka[i].key, prop) == 0) {
                        ld_error(ld, line,
                                 "duplicate key 'kafka.%s' (first at line %d)",
                                 prop, ld->kafka_line[i]);
                        return;
                }
        }
        config_kafka_set(cfg, prop, node_text(v));
        ld->kafka_line =
            xrealloc(ld->kafka_line, cfg->kafka_n * sizeof(*ld->kafka_line));
        ld->kafka_line[cfg->kafka_n - 1] = line;
}

static void file_leaf(struct loader *ld, yaml_document_t *doc, const char *key,
                      int line, const yaml_node_t *v)
{
        static const char *const want[] = {"a string", "an integer", "a size",
                                           "a list"};
        const struct config_opt *o;
        char why[256];

        if (strncmp(key, "kafka.", 6) == 0 && key[6]) {
                kafka_leaf(ld, key + 6, line, v);
                return;
        }
        o = opt_find(key);
        if (!o) {
                char near[64];
                const char *s = closest(key, 0, near, sizeof(near));
                if (is_section(key))
                        ld_error(ld, line, "%s: expected a mapping, got %s",
                                 key,
                                 v->type == YAML_SCALAR_NODE ? "a value"
                                                             : node_kind(v));
                else if (s)
                        ld_error(ld, line,
                                 "unknown key '%s' (did you mean '%s'?)", key,
                                 s);
                else
                        ld_error(ld, line, "unknown key '%s'", key);
                return;
        }
        if (ld->at[o - opts].line) {
                ld_error(ld, line, "duplicate key '%s' (first at line %d)", key,
                         ld->at[o - opts].line);
                return;
        }
        ld->at[o - opts].line = line;
        if (o->type == OPT_LIST && v->type == YAML_SEQUENCE_NODE) {
                /* Each item's error at the item's line. */
                int bad = 0;
                classes_clear(ld->cfg);
                for (yaml_node_item_t *it = v->data.sequence.items.start;
                     it < v->data.sequence.items.top; it++) {
                        yaml_node_t *item = yaml_document_get_node(doc, *it);
                        if (item->type != YAML_SCALAR_NODE)
                                snprintf(why, sizeof(why),
                                         "expected a class name, got %s",
                                         node_kind(item));
                        else if (classes_add(ld->cfg, node_text(item), why,
                                             sizeof(why)) == 0)
                                continue;
                        ld_error(ld, node_line(item), "%s: %s", key, why);
                        bad = 1;
                }
                if (!bad && ld->cfg->classes_n == 0)
                        opt_error(ld, o, "at least one class is required");
                return;
        }
        if (v->type != YAML_SCALAR_NODE)
                opt_error(ld, o, "expected %s, got %s", want[o->type],
                          node_kind(v));
        else if (opt_set(ld->cfg, o, node_text(v), why, sizeof(why)) < 0)
                opt_error(ld, o, "%s", why);
}

/* Walks a mapping, flattening nested mappings into dotted keys. */
static void file_walk(struct loader *ld, yaml_document_t *doc,
                      const yaml_node_t *map, const char *prefix, int depth)
{
        const yaml_node_pair_t *start = map->data.mapping.pairs.start;

        if (depth > CONFIG_MAX_DEPTH) {
                ld_error(ld, node_line(map), "%s: nested deeper than %d levels",
                         prefix, CONFIG_MAX_DEPTH);
                return;
        }
        for (const yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top;
             p++) {
                yaml_node_t *k = yaml_document_get_node(doc, p->key);
                yaml_node_t *v = yaml_document_get_node(doc, p->value);
                char key[CONFIG_MAX_KEY];
                int line = node_line(k), n, dup = 0;

                if (++ld->nodes > CONFIG_MAX_NODES) {
                        if (ld->nodes == CONFIG_MAX_NODES + 1)
                                ld_error(ld, line, "more than %d keys",
                                         CONFIG_MAX_NODES);
                        return;
                }
                if (k->type != YAML_SCALAR_NODE) {
                        ld_error(ld, line, "expected a key, got %s",
                                 node_kind(k));
                        continue;
                }
                n = snprintf(key, sizeof(key), "%s%s%s", prefix ? prefix : "",
                             prefix ? "." : "", node_text(k));
                if (n < 0 || (size_t)n >= sizeof(key)) {
                        ld_error(ld, line, "key longer than %d bytes",
                                 CONFIG_MAX_KEY - 1);
                        continue;
                }
                for (const yaml_node_pair_t *q = start; q < p && !dup; q++) {
                        yaml_node_t *qk = yaml_document_get_node(doc, q->key);
                        if (qk->type == YAML_SCALAR_NODE &&
                            strcmp(node_text(qk), node_text(k)) == 0) {
                                ld_error(ld, line,
                                         "duplicate key '%s' (first at line "
                                         "%d)",
                                         key, node_line(qk));
                                dup = 1;
                        }
                }
                if (dup)
                        continue;
                if (v->type == YAML_MAPPING_NODE && !opt_find(key))
                        file_walk(ld, doc, v, key, depth + 1);
                else if (!(node_null(v) && is_section(key)))
                        file_leaf(ld, doc, key, line, v);
        }
}

/* libyaml's problem, at its line. buf is the text, for reader errors that
 * only know their byte offset. */
static void file_yaml_error(struct loader *ld, const yaml_parser_t *parser,
                            const char *buf, size_t len)
{
        int line = (int)parser->problem_mark.line + 1;
        const char *problem = parser->problem ? parser->problem : "bad YAML";

        if (parser->error == YAML_READER_ERROR) {
                line = 1;
                for (size_t i = 0; i < parser->problem_offset && i < len; i++)
                        line += buf[i] == '\n';
        }
        if (parser->context)
                ld_error(ld, line, "%s (%s at line %d)", problem,
                         parser->context, (int)parser->context_mark.line + 1);
        else
                ld_error(ld, line, "%s", problem);
}

/* Reads all of path, at most CONFIG_MAX_FILE bytes, NUL-terminated. */
static char *file_read(struct loader *ld, size_t *len)
{
        FILE *f = fopen(ld->path, "rb");
        char *buf;

        if (!f) {
                ld_error(ld, 0, "cannot open: %s", strerror(errno));
                return NULL;
        }
        buf = xmalloc((size_t)CONFIG_MAX_FILE + 2);
        *len = fread(buf, 1, (size_t)CONFIG_MAX_FILE + 1, f);
        if (ferror(f)) {
                ld_error(ld, 0, "cannot read: %s", strerror(errno));
                free(buf);
                buf = NULL;
        } else if (*len > CONFIG_MAX_FILE) {
                ld_error(ld, 0, "larger than %d bytes", CONFIG_MAX_FILE);
                free(buf);
                buf = NULL;
        } else {
                buf[*len] = '\0';
        }
        fclose(f);
        return buf;
}

static void file_load(struct loader *ld)
{
        yaml_parser_t parser;
        yaml_document_t doc, next;
        yaml_node_t *root;
        size_t len = 0;
        char *buf = file_read(ld, &len);

        if (!buf)
                return;
        if (!yaml_parser_initialize(&parser)) {
                ld_error(ld, 0, "out of memory");
                goto out_buf;
        }
        yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
        if (!yaml_parser_load(&parser, &doc)) {
                file_yaml_error(ld, &parser, buf, len);
                goto out;
        }
        root = yaml_document_get_root_node(&doc);
        if (root && root->type == YAML_MAPPING_NODE)
                file_walk(ld, &doc, root, NULL, 1);
        else if (root && !node_null(root))
                ld_error(ld, node_line(root),
                         "expected a mapping of keys, got %s",
                         root->type == YAML_SCALAR_NODE ? "a value"
                                                        : node_kind(root));
        if (root && !yaml_parser_load(&parser, &next)) {
                file_yaml_error(ld, &parser, buf, len);
        } else if (root) {
                if (yaml_document_get_root_node(&next))
                        ld_error(ld, (int)next.start_mark.line + 1,
                                 "more than one YAML document");
                yaml_document_delete(&next);
        }
        yaml_document_delete(&doc);
out:
        yaml_parser_delete(&parser);
out_buf:
        free(buf);
}

/* ---- the environment ---- */

/* Kubernetes' service links for a Service named docpipe or docpipe-*:
 * DOCPIPE_SERVICE_HOST, DOCPIPE_KAFKA_PORT_9092_TCP, ... No key or
 * librdkafka property has such a name. */
static int env_service_link(const char *name)
{
        size_t len = strlen(name);
        const char *p = strstr(name, "_PORT_");

        return strstr(name, "_SERVICE_HOST") || strstr(name, "_SERVICE_PORT") ||
               (len >= 5 && strcmp(name + len - 5, "_PORT") == 0) ||
               (p && isdigit((unsigned char)p[6]));
}

/* DOCPIPE_KAFKA_SASL_PASSWORD -> sasl.password; "__" -> '_'. */
static void env_kafka(struct loader *ld, const char *name, const char *v)
{
        char prop[CONFIG_MAX_KEY];
        size_t i = 0;

        for (const char *s = name + strlen("DOCPIPE_KAFKA_");
             *s && i + 1 < sizeof(prop); s++) {
                if (s[0] == '_' && s[1] == '_')
                        prop[i++] = *s++;
                else
                        prop[i++] =
                            *s == '_' ? '.' : (char)tolower((unsigned char)*s);
        }
        prop[i] = '\0';
        if (i == 0) {
                log_warn("config", "env %s: no property name, ignored", name);
                return;
        }
        config_kafka_set(ld->cfg, prop, v);
}

static void env_load(struct loader *ld, char *const *envp)
{
        for (; *envp; envp++) {
                const char *eq = strchr(*envp, '='), *v;
                const struct config_opt *o = NULL;
                char name[128], why[256];
                size_t len;

                if (strncmp(*envp, "DOCPIPE_", 8) != 0 || !eq)
                        continue;
                len = (size_t)(eq - *envp);
                if (len >= sizeof(name))
                        continue;
                memcpy(name, *envp, len);
                name[len] = '\0';
                v = eq + 1;
                if (env_service_link(name))
                        continue;
                if (strncmp(name, "DOCPIPE_KAFKA_", 14) == 0) {
                        env_kafka(ld, name, v);
                        continue;
                }
                for (size_t i = 0; i < NOPTS && !o; i++) {
                        char want[64];
                        if (!strcmp(opt_env_name(&opts[i], want, sizeof(want)),
                                    name))
                                o = &opts[i];
                }
                if (!o) {
                        char near[64];
                        const char *s = closest(name, 1, near, sizeof(near));
                        log_warn("config",
                                 "env %s: unknown variable, ignored%s%s%s",
                                 name, s ? " (did you mean " : "", s ? s : "",
                                 s ? "?)" : "");
                        continue;
                }
                ld->at[o - opts].env = 1;
                ld->at[o - opts].line = 0;
                if (opt_set(ld->cfg, o, v, why, sizeof(why)) < 0)
                        opt_error(ld, o, "%s", why);
        }
}

/* ---- loading ---- */

static int opt_is_set(const struct loader *ld, const struct config_opt *o)
{
        return ld->at[o - opts].line || ld->at[o - opts].env;
}

/* Defaults of kafka.*, and the checks that involve two keys. */
static void ld_finish(struct loader *ld)
{
        struct config *cfg = ld->cfg;
        const struct config_opt *lw = opt_find("worker.low_water");
        const struct config_opt *dlq = opt_find("topics.dlq");
        const struct config_opt *jobs = opt_find("topics.jobs");

        for (size_t i = 0; i < sizeof(kafka_defaults) / sizeof(*kafka_defaults);
             i++) {
                const char *alias = kafka_defaults[i].alias;
                if (!config_kafka_get(cfg, kafka_defaults[i].key) &&
                    !(alias && config_kafka_get(cfg, alias)))
                        config_kafka_set(cfg, kafka_defaults[i].key,
                                         kafka_defaults[i].value);
        }
        if (!opt_is_set(ld, lw))
                cfg->low_water = cfg->max_inflight / 2;
        /* Checks of two keys are only meaningful when each was valid. */
        if (ld->nerr)
                return;
        if (cfg->low_water >= cfg->max_inflight)
                opt_error(ld, lw, "%d must be below worker.max_inflight (%d)",
                          cfg->low_water, cfg->max_inflight);
        /* Dead letters must not come back as jobs. */
        if (strcmp(cfg->topic_dlq, cfg->topic_jobs) == 0) {
                int at_dlq = opt_is_set(ld, dlq);
                opt_error(ld, at_dlq ? dlq : jobs, "'%s' is also %s",
                          cfg->topic_jobs, at_dlq ? jobs->key : dlq->key);
        }
}

int config_load_env(struct config *cfg, const char *path, char *const *envp,
                    struct err *err)
{
        struct loader ld;
        char why[256];

        memset(cfg, 0, sizeof(*cfg));
        memset(&ld, 0, sizeof(ld));
        ld.cfg = cfg;
        ld.path = path;
        for (size_t i = 0; i < NOPTS; i++) {
                if (opt_set(cfg, &opts[i], opts[i].def, why, sizeof(why)) < 0) {
                        /* A bad table, not a bad file: fix config.c. */
                        fprintf(stderr, "config: default of %s: %s\n",
                                opts[i].key, why);
                        abort();
                }
        }
        if (path) {
                cfg->path = xstrdup(path);
                file_load(&ld);
        }
        if (envp)
                env_load(&ld, envp);
        ld_finish(&ld);
        free(ld.kafka_line);
        if (ld.nerr == 0)
                return 0;
        if (ld.dropped)
                snprintf(ld.msg + ld.len, sizeof(ld.msg) - ld.len,
                         "\n(%d more errors)", ld.dropped);
        config_cleanup(cfg);
        return err_set(err, ERR_FATAL, "%s", ld.msg);
}

int config_load(struct config *cfg, const char *path, struct err *err)
{
        return config_load_env(cfg, path, environ, err);
}

void config_cleanup(struct config *cfg)
{
        if (!cfg)
                return;
        for (size_t i = 0; i < NOPTS; i++)
                if (opts[i].type == OPT_STR)
                        free(*(char **)((char *)cfg + opts[i].off));
        classes_clear(cfg);
        for (size_t i = 0; i < cfg->kafka_n; i++) {
                free(cfg->kafka[i].key);
                free(cfg->kafka[i].value);
        }
        free(cfg->kafka);
        free(cfg->path);
        memset(cfg, 0, sizeof(*cfg));
}

/* ---- dump and reference ---- */

/* Writes s as a YAML scalar: plain when that reads back the same. */
static void dump_str(FILE *f, const char *s)
{
        size_t len = strlen(s);
        int quote = len == 0 || strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) ||
                    s[len - 1] == ' ' || s[len - 1] == ':' || strstr(s, ": ") ||
                    strstr(s, " #");

        for (const char *p = s; *p && !quote; p++)
                quote = (unsigned char)*p < 0x20;
        if (!quote) {
                fputs(s, f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        fprintf(f, "\\%c", *p);
                else if (*p == '\n')
                        fputs("\\n", f);
                else if (*p < 0x20)
                        fprintf(f, "\\x%02x", *p);
                else
                        fputc(*p, f);
        }
        fputc('"', f);
}

/* Copy of a libpq conninfo with its password replaced by ***: the
 * password=... keyword (also as a URI parameter) and URI user:password@. */
static char *mask_dsn(const char *dsn)
{
        size_t len = strlen(dsn), o = 0;
        char *out = xmalloc(2 * len + 16);
        const char *p = dsn, *uri = NULL;

        if (strncmp(dsn, "postgresql://", 13) == 0 ||
            strncmp(dsn, "postgres://", 11) == 0)
                uri = strstr(dsn, "://");
        if (uri) {
                const char *host = uri + 3;
                size_t auth = strcspn(host, "/?#");
                const char *at = memchr(host, '@', auth);
                const char *colon =
                    at ? memchr(host, ':', (size_t)(at - host)) : NULL;
                if (colon) {
                        o = (size_t)(colon + 1 - dsn);
                        memcpy(out, dsn, o);
                        memcpy(out + o, "***", 3);
                        o += 3;
                        p = at;
                }
        }
        while (*p) {
                int word = (p == dsn || strchr(" \t\n?&", p[-1])) &&
                           strncmp(p, "password", 8) == 0;
                const char *q = p + 8;
                if (word) {
                        q += strspn(q, " \t");
                        word = *q == '=';
                }
                if (!word) {
                        out[o++] = *p++;
                        continue;
                }
                q++;
                q += strspn(q, " \t");
                memcpy(out + o, p, (size_t)(q - p));
                o += (size_t)(q - p);
                memcpy(out + o, "***", 3);
                o += 3;
                if (*q == '\'') {
                        for (q++; *q && *q != '\''; q++)
                                if (*q == '\\' && q[1])
                                        q++;
                        q += *q == '\'';
                } else {
                        q += strcspn(q, " \t\n&");
                }
                p = q;
        }
        out[o] = '\0';
        return out;
}

static int kafka_secret(const char *key)
{
        return strstr(key, "password") || strstr(key, "secret") ||
               strcmp(key, "ssl.key.pem") == 0;
}

void config_dump(const struct config *cfg, FILE *f)
{
        for (size_t i = 0; i < NOPTS; i++) {
                const struct config_opt *o = &opts[i];
                const char *field = (const char *)cfg + o->off;

                fprintf(f, "%s: ", o->key);
                if (o->type == OPT_STR) {
                        const char *s = *(char *const *)field;
                        char *masked = NULL;
                        if (o->flags & OPT_SECRET)
                                s = "***";
                        else if (o->flags & OPT_DSN && s)
                                s = masked = mask_dsn(s);
                        dump_str(f, s ? s : "");
                        free(masked);
                } else if (o->type == OPT_INT) {
                        fprintf(f, "%d", *(const int *)field);
                } else if (o->type == OPT_SIZE) {
                        fprintf(f, "%lld", (long long)*(const int64_t *)field);
                } else {
                        fputc('[', f);
                        for (size_t j = 0; j < cfg->classes_n; j++)
                                fprintf(f, "%s%s", j ? ", " : "",
                                        cfg->classes[j]);
                        fputc(']', f);
                }
                fputc('\n', f);
        }
        for (size_t i = 0; i < cfg->kafka_n; i++) {
                char key[CONFIG_MAX_KEY + 8];
                snprintf(key, sizeof(key), "kafka.%s", cfg->kafka[i].key);
                dump_str(f, key);
                fputs(": ", f);
                dump_str(f, kafka_secret(cfg->kafka[i].key)
                                ? "***"
                                : cfg->kafka[i].value);
                fputc('\n', f);
        }
}

void config_reference(FILE *f)
{
        char env[64], lo[32], hi[32];

        fputs("| key | type | default | environment | description |\n"
              "|---|---|---|---|---|\n",
              f);
        for (size_t i = 0; i < NOPTS; i++) {
                const struct config_opt *o = &opts[i];

                fprintf(f, "| `%s` | ", o->key);
                if (o->type == OPT_STR && o->choices) {
                        char list[128];
                        fprintf(
                            f, "one of %s",
                            choices_text(o->choices, "`", list, sizeof(list)));
                } else if (o->type == OPT_STR) {
                        fputs("string", f);
                } else if (o->type == OPT_LIST) {
                        fprintf(f, "list of %lld..%lld names",
                                (long long)o->min, (long long)o->max);
                } else {
                        fprintf(f, "%s %s..%s",
                                o->type == OPT_INT ? "integer" : "size",
                                fmt_bound(o, o->min, lo, sizeof(lo)),
                                fmt_bound(o, o->max, hi, sizeof(hi)));
                }
                /* The list default is written as the YAML list it is. */
                if (o->type == OPT_LIST) {
                        fputs(" | `[", f);
                        for (const char *c = o->def; *c; c++)
                                if (*c == ',')
                                        fputs(", ", f);
                                else
                                        fputc(*c, f);
                        fputs("]`", f);
                } else {
                        fprintf(f, " | `%s`", *o->def ? o->def : "\"\"");
                }
                fprintf(f, " | `%s` | %s |\n",
                        opt_env_name(o, env, sizeof(env)), o->desc);
        }
        for (size_t i = 0; i < sizeof(kafka_defaults) / sizeof(*kafka_defaults);
             i++)
                fprintf(f, "| `kafka.%s` | string | `%s` | `%s` | %s |\n",
                        kafka_defaults[i].key, kafka_defaults[i].value,
                        env_name("DOCPIPE_KAFKA_", kafka_defaults[i].key, env,
                                 sizeof(env)),
                        kafka_defaults[i].desc);
        fputs("| `kafka.<property>` | string | | `DOCPIPE_KAFKA_<PROPERTY>` | "
              "any librdkafka property, passed as is; in the variable's "
              "name `_` stands for `.` and `__` for `_` |\n",
              f);
}
