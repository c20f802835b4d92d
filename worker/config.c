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
 *
 * The remote-model settings under `models:` add two keys that are not
 * scalars: models.endpoints, a list of mappings, and models.routes.<stage>,
 * a list of steps. They are table keys too (type OPT_ENDPOINTS, OPT_ROUTE,
 * read from the file only), and the keys inside one endpoint and one step
 * have their own small tables, ep_opts[] and step_opts[], walked by the same
 * code (obj_walk) with the same messages. Checks that name another key
 * (a step's endpoint, its classes, the shadow endpoint) run last, in
 * ld_finish, when the whole file and the environment are in.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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
#define CONFIG_MAX_EP_NAME 32         /* an endpoint name */
#define CONFIG_MAX_URL 2048           /* a base_url, as openai.c takes it */
#define CONFIG_MAX_TEXT 256           /* a model name, a price key */
#define CONFIG_MAX_HEADER 128         /* an extra header's name */
#define CONFIG_MAX_HEADER_LINE 1024   /* "name: value", as openai.c takes it */

#define PRICE_MAP_LOCAL "deploy/prices/model_prices.json"
#define PRICE_MAP_SHARED "/usr/share/docpipe/model_prices.json"

enum opt_type {
        OPT_STR,
        OPT_INT,
        OPT_SIZE,
        OPT_LIST,      /* model.classes */
        OPT_DOUBLE,    /* double, bounds fmin..fmax */
        OPT_LONG,      /* long, bounds min..max */
        OPT_FLAGS,     /* unsigned, bit i for choices[i]; min..max items */
        OPT_NAMES,     /* char ** at off, size_t count at off_n; min..max
                          items, each passing check */
        OPT_JSON,      /* json_t *, an object from any YAML mapping */
        OPT_HEADERS,   /* json_t *, an object of header name -> string */
        OPT_ENDPOINTS, /* struct config endpoints, endpoints_n */
        OPT_ROUTE,     /* struct config_route */
        OPT_BOOL       /* int 0 or 1, from true or false */
};

enum {
        OPT_SECRET = 1 << 0,   /* never shown */
        OPT_DSN = 1 << 1,      /* a libpq conninfo: its password is masked */
        OPT_FILE = 1 << 2,     /* read from the file only, no variable */
        OPT_REQUIRED = 1 << 3, /* in a sub-table: must be given (with
                                  OPT_PRICES, OPT_GPU: when the group is) */
        OPT_PRICES = 1 << 4,   /* endpoint prices.*: sets has_prices */
        OPT_GPU = 1 << 5       /* endpoint gpu.*: sets has_gpu */
};

struct config_opt {
        const char *key;
        enum opt_type type;
        size_t off;       /* of the field in struct config (in the
                             struct of a sub-table) */
        const char *def;  /* default, as text; NULL: none (sub-tables) */
        int64_t min, max; /* OPT_INT, OPT_SIZE, OPT_LONG; lists: items */
        const char *const *choices; /* OPT_STR: the allowed values, or NULL;
                                       OPT_FLAGS: the names of the bits */
        int (*check)(const char *v, char *why, size_t n); /* OPT_STR and
                                                             OPT_NAMES items,
                                                             or NULL */
        unsigned flags;
        const char *desc;
        double fmin, fmax; /* OPT_DOUBLE */
        size_t off_n;      /* OPT_NAMES: of the count */
        const char *item;  /* lists: what one item is, for messages */
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

/* A delay of topics.retry: digits and a unit, ms s m h or d, from 100 ms to
 * 7 days (Kafka's default retention: a longer wait could outlive the
 * message). Returns the milliseconds, or -1. */
static int64_t retry_delay_ms(const char *v)
{
        static const struct {
                const char *unit;
                int64_t ms;
        } units[] = {{"ms", 1},      {"s", 1000},     {"m", 60000},
                     {"h", 3600000}, {"d", 86400000}, {NULL, 0}};
        size_t digits = strspn(v, "0123456789");
        int64_t x;

        if (digits == 0 || digits > 9)
                return -1;
        x = strtoll(v, NULL, 10);
        for (size_t i = 0; units[i].unit; i++) {
                if (strcmp(v + digits, units[i].unit) != 0)
                        continue;
                x *= units[i].ms;
                return x >= 100 && x <= 7 * 86400000LL ? x : -1;
        }
        return -1;
}

/* One retry tier, "topic:delay". */
static int check_tier(const char *v, char *why, size_t n)
{
        const char *colon = strrchr(v, ':');
        char topic[256];

        if (!colon || colon == v || (size_t)(colon - v) >= sizeof(topic))
                return whyf(why, n,
                            "'%.60s' is not TOPIC:DELAY (e.g. "
                            "docpipe.jobs.retry.1m:60s)",
                            v);
        memcpy(topic, v, (size_t)(colon - v));
        topic[colon - v] = '\0';
        if (check_topic(topic, why, n) < 0)
                return -1;
        if (retry_delay_ms(colon + 1) < 0)
                return whyf(why, n,
                            "'%.60s': delay '%.20s' is not 100ms to 7d "
                            "(digits and ms, s, m, h or d)",
                            v, colon + 1);
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

/* An entry of sources.http_allow_hosts: a host name, ".domain" for the
 * domain and every name under it, or an IP address (IPv6 in brackets or
 * not). Matched against the host of each url (source.c). */
static int check_host(const char *v, char *why, size_t n)
{
        static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]";
        size_t len = strlen(v);

        if (len == 0 || len > 253 || strspn(v, ok) != len ||
            strcmp(v, ".") == 0 || strstr(v, ".."))
                return whyf(why, n,
                            "'%.60s' is not a host name, a .domain or an "
                            "IP address",
                            v);
        return 0;
}

/* worker.metrics_addr: "" (no listener), or HOST:PORT where HOST is an
 * IPv4 address, a bracketed IPv6 address or a name, and PORT 0 to 65535
 * (0: any free port, logged at start). */
static int check_listen(const char *v, char *why, size_t n)
{
        const char *colon = strrchr(v, ':');
        size_t hlen = colon ? (size_t)(colon - v) : 0;

        if (!*v)
                return 0;
        if (!colon || hlen == 0 || hlen > 255 || !colon[1] ||
            strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
            strlen(colon + 1) > 5 || atoi(colon + 1) > 65535 ||
            (v[0] == '[') != (v[hlen - 1] == ']') ||
            (v[0] != '[' && memchr(v, ':', hlen)))
                return whyf(why, n,
                            "'%.60s' is not HOST:PORT (e.g. 0.0.0.0:9090, "
                            "127.0.0.1:0, [::]:9090), nor empty",
                            v);
        return 0;
}

/* An endpoint's own name: "builtin" names the in-process model. */
static int check_ep_name(const char *v, char *why, size_t n)
{
        size_t len = strlen(v);

        if (len == 0 || len > CONFIG_MAX_EP_NAME ||
            strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len)
                return whyf(why, n,
                            "'%.60s' is not an endpoint name (1 to %d of "
                            "a-z 0-9 _ -)",
                            v, CONFIG_MAX_EP_NAME);
        if (strcmp(v, "builtin") == 0)
                return whyf(why, n,
                            "'builtin' is reserved for the in-process model");
        return 0;
}

/* A step's endpoint: a name, or builtin. Whether it exists is checked
 * when the whole file is in. */
static int check_ep_ref(const char *v, char *why, size_t n)
{
        if (strcmp(v, "builtin") == 0)
                return 0;
        return check_ep_name(v, why, n);
}

/* openai.c appends /chat/completions: a query or fragment would end up
 * before it, and a space or control byte has no place in a URL. */
static int check_url(const char *v, char *why, size_t n)
{
        size_t len = strlen(v);
        const char *host = NULL;

        if (strncmp(v, "http://", 7) == 0)
                host = v + 7;
        else if (strncmp(v, "https://", 8) == 0)
                host = v + 8;
        if (!host || !*host || *host == '/')
                return whyf(why, n, "'%.60s' is not an http:// or https:// URL",
                            v);
        if (len > CONFIG_MAX_URL)
                return whyf(why, n, "longer than %d bytes", CONFIG_MAX_URL);
        for (const char *p = v; *p; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f)
                        return whyf(why, n,
                                    "'%.60s' holds a space or control "
                                    "character",
                                    v);
        if (strpbrk(v, "?#"))
                return whyf(why, n,
                            "'%.60s' has a query or fragment; "
                            "/chat/completions is appended to it",
                            v);
        return 0;
}

/* A model name or price key: free text, one line. */
static int check_text(const char *v, char *why, size_t n)
{
        size_t len = strlen(v);

        if (len == 0 || len > CONFIG_MAX_TEXT)
                return whyf(why, n, "expected 1 to %d bytes", CONFIG_MAX_TEXT);
        for (const char *p = v; *p; p++)
                if ((unsigned char)*p < ' ' || *p == 0x7f)
                        return whyf(why, n, "holds a control character");
        return 0;
}

/* The name of an environment variable, not a key: a key pasted here
 * ("sk-...") fails the pattern, and is not repeated in the message, which
 * ends up in logs. Empty: no key. */
static int check_env_var(const char *v, char *why, size_t n)
{
        size_t len = strlen(v);

        if (len && (len > 128 || isdigit((unsigned char)v[0]) ||
                    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != len))
                return whyf(why, n,
                            "not the name of an environment variable "
                            "([A-Z_][A-Z0-9_]*, at most 128); the key itself "
                            "goes in that variable, not in this file");
        return 0;
}

/* ISO 639-1: two lowercase letters, as libexttextcat's names give them. */
static int check_language(const char *v, char *why, size_t n)
{
        if (strlen(v) != 2 || !islower((unsigned char)v[0]) ||
            !islower((unsigned char)v[1]))
                return whyf(why, n,
                            "'%.60s' is not an ISO 639-1 language code "
                            "(two letters a-z)",
                            v);
        return 0;
}

static int check_class(const char *v, char *why, size_t n)
{
        size_t len = strlen(v);

        if (len == 0 || len > CONFIG_MAX_CLASS ||
            strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_") != len)
                return whyf(why, n,
                            "'%.60s' is not a class name (1 to %d of "
                            "a-z 0-9 _)",
                            v, CONFIG_MAX_CLASS);
        return 0;
}

static const char *const log_levels[] = {"debug", "info", "warn", "error",
                                         NULL};

static const char *const sandbox_modes[] = {"process", "inline", NULL};

static const char *const vision_modes[] = {"fallback", "always", NULL};

static const char *const vision_failures[] = {"ocr", "retry", NULL};

/* ocr.languages: Tesseract's names joined by '+' ("eng+deu"), short
 * enough for the sandbox's request. */
static int check_ocr_languages(const char *v, char *why, size_t n)
{
        size_t len = strlen(v);

        if (len == 0 || len > 63 || v[0] == '+' || v[len - 1] == '+' ||
            strspn(v, "abcdefghijklmnopqrstuvwxyz_+") != len)
                return whyf(why, n,
                            "'%.70s' is not Tesseract language names "
                            "joined by '+' (eng+deu; at most 63 of a-z _ +)",
                            v);
        return 0;
}

/* The index is the stage, CONFIG_STAGE_*. */
static const char *const stage_names[] = {"classify", "fields", "summarize",
                                          NULL};

static const char *const response_formats[] = {"json_schema", "json_object",
                                               "none", NULL};

#define OFF(f) offsetof(struct config, f)

static const struct config_opt opts[] = {
        {"topics.jobs", OPT_STR, OFF(topic_jobs), "docpipe.jobs",
         .check = check_topic,
         .desc = "Kafka topic the jobs are consumed from"},
        {"topics.dlq", OPT_STR, OFF(topic_dlq), "docpipe.jobs.dlq",
         .check = check_topic,
         .desc = "dead-letter topic; must differ from topics.jobs"},
        {"topics.retry", OPT_NAMES, OFF(retry_items),
         "docpipe.jobs.retry.1m:60s,docpipe.jobs.retry.10m:600s", 0,
         CONFIG_MAX_RETRY_TIERS, .check = check_tier,
         .off_n = OFF(retry_items_n), .item = "retry tier",
         .desc = "retry topics in order, each TOPIC:DELAY (100ms to 7d): a job "
                 "still failing transiently after worker.retries goes to the "
                 "next one and is tried again once DELAY has passed; past the "
                 "last, to topics.dlq. Consumed by the worker too. Empty: "
                 "straight to topics.dlq"},
        {"postgres.dsn", OPT_STR, OFF(pg_dsn),
         "host=/tmp port=5432 dbname=postgres", .flags = OPT_DSN,
         .desc = "libpq connection string or URI; its password is masked in "
                 "dumps (better: PGPASSWORD or DOCPIPE_POSTGRES_DSN)"},
        {"postgres.batch_max", OPT_INT, OFF(pg_batch_max), "64", 1, 10000,
         .desc = "most documents written in one transaction"},
        {"postgres.batch_ms", OPT_INT, OFF(pg_batch_ms), "20", 0, 10000,
         .desc = "longest wait (ms) to fill a batch"},
        {"worker.max_inflight", OPT_INT, OFF(max_inflight), "256", 2, 100000,
         .desc = "documents in flight at which partitions are paused"},
        {"worker.low_water", OPT_INT, OFF(low_water), "192", 1, 100000,
         .desc = "partitions resume below this many; must be below "
                 "worker.max_inflight; default 3/4 of worker.max_inflight"},
        {"worker.threads", OPT_INT, OFF(threads), "2", 1, 256,
         .desc = "CPU thread pool (fetching, plain text, builtin model)"},
        {"worker.drain_timeout_ms", OPT_INT, OFF(drain_ms), "30000", 0, 3600000,
         .desc = "on SIGTERM, longest wait for the documents in flight"},
        {"worker.retries", OPT_INT, OFF(retries), "3", 0, 100,
         .desc = "in-place retries of a transient failure"},
        {"worker.retry_backoff_ms", OPT_INT, OFF(retry_backoff_ms), "200", 0,
         600000,
         .desc = "first retry backoff (ms), doubled each try, full jitter"},
        {"worker.log_level", OPT_STR, OFF(log_level), "info",
         .choices = log_levels, .desc = "lowest level logged"},
        {"worker.metrics_addr", OPT_STR, OFF(metrics_addr), "0.0.0.0:9090",
         .check = check_listen,
         .desc = "HOST:PORT of the HTTP listener for /metrics (Prometheus), "
                 "/healthz and /readyz; port 0 takes a free one (logged); "
                 "empty: no listener. A port in use is logged as an error and "
                 "the worker runs without it"},
        {"limits.max_bytes", OPT_SIZE, OFF(max_bytes), "50MiB", KIB, GIB,
         .desc = "largest document"},
        {"limits.max_pages", OPT_INT, OFF(max_pages), "2000", 1, 1000000,
         .desc = "most pages read from one document"},
        {"limits.max_text_bytes", OPT_SIZE, OFF(max_text_bytes), "16MiB", KIB,
         GIB, .desc = "most text extracted from one document"},
        {"limits.max_job_bytes", OPT_SIZE, OFF(max_job_bytes), "64MiB", KIB,
         GIB, .desc = "largest job message (JSON envelope with inline bytes)"},
        {"limits.max_page_text_bytes", OPT_SIZE, OFF(max_page_text_bytes),
         "1MiB", KIB, GIB, .desc = "most text extracted from one page"},
        {"limits.extract_memory", OPT_SIZE, OFF(extract_memory), "1GiB",
         128 * MIB, 64 * GIB,
         .desc = "address space of one extraction child (RLIMIT_AS; not "
                 "enforced in AddressSanitizer builds)"},
        {"limits.extract_timeout_ms", OPT_INT, OFF(extract_timeout_ms), "60000",
         100, 3600000,
         .desc = "longest extraction of one document in a child, wall clock "
                 "and CPU time; past it the child is killed"},
        {"limits.extract_page_ms", OPT_INT, OFF(extract_page_ms), "10000", 0,
         3600000, .desc = "longest extraction of one page in a child; 0: none"},
        {"limits.max_page_pixels", OPT_INT, OFF(max_page_pixels), "50000000",
         10000, 1000000000,
         .desc = "most pixels of one image page or of a scanned PDF page "
                 "rendered at 300 dpi, checked before decoding"},
        {"ocr.languages", OPT_STR, OFF(ocr_languages), "eng",
         .check = check_ocr_languages,
         .desc = "Tesseract languages for images and scanned pages, "
                 "'+'-separated (Debian's tesseract-ocr-LANG packages)"},
        {"ocr.vision.endpoint", OPT_STR, OFF(vision_endpoint), "",
         .desc = "one of models.endpoints, a vision-capable model that reads "
                 "OCR'd pages (their image, as a PNG data URL) when "
                 "ocr.vision.mode says so; its answer replaces the page's OCR "
                 "text; the calls are model calls of stage 'vision' (tokens, "
                 "cost, budgets); empty: OCR only"},
        {"ocr.vision.mode", OPT_STR, OFF(vision_mode), "fallback",
         .choices = vision_modes,
         .desc = "fallback: only pages whose OCR confidence is under "
                 "ocr.vision.below_confidence go to the vision model; always: "
                 "every OCR'd page"},
        {"ocr.vision.below_confidence", OPT_INT, OFF(vision_below), "60", 0,
         100,
         .desc = "OCR confidence (Tesseract's mean word confidence, 0..100) "
                 "under which a page goes to the vision model (mode fallback)"},
        {"ocr.vision.max_pages", OPT_INT, OFF(vision_max_pages), "4", 1,
         CONFIG_VISION_MAX_PAGES,
         .desc = "most pages of one document sent to the vision model, those "
                 "of lowest OCR confidence; the others keep their OCR text"},
        {"ocr.vision.max_side", OPT_INT, OFF(vision_max_side), "2048", 256,
         8192,
         .desc = "a page is scaled down so that its longest side is at most "
                 "this many pixels before it is sent"},
        {"ocr.vision.max_image_bytes", OPT_SIZE, OFF(vision_max_bytes), "4MiB",
         64 * KIB, 20 * MIB,
         .desc = "largest PNG sent for one page (scaled down further to fit; "
                 "a page that cannot fit keeps its OCR text)"},
        {"ocr.vision.on_failure", OPT_STR, OFF(vision_on_failure), "ocr",
         .choices = vision_failures,
         .desc = "when a vision call fails (after its retries, circuit open, "
                 "over a budget) or answers nothing usable: ocr keeps the "
                 "page's OCR text and the document goes on; retry fails the "
                 "vision stage with the error's class (a transient failure is "
                 "retried, then goes through the retry topics; a budget is a "
                 "dead letter)"},
        {"sandbox.mode", OPT_STR, OFF(sandbox_mode), "process",
         .choices = sandbox_modes,
         .desc = "process: PDFs are parsed in child processes with limits, no "
                 "network, recycled; inline: in the worker on the thread pool, "
                 "unconfined (debugging only)"},
        {"sandbox.children", OPT_INT, OFF(sandbox_children), "0", 0, 256,
         .desc = "extraction child processes; 0: worker.threads"},
        {"sandbox.recycle_after", OPT_INT, OFF(sandbox_recycle), "200", 1,
         1000000, .desc = "documents a child parses before it is replaced"},
        {"sources.file_root", OPT_STR, OFF(file_root), "", .check = check_root,
         .desc = "file:// sources are confined to this directory; empty "
                 "refuses file://"},
        {"sources.http_max_bytes", OPT_SIZE, OFF(http_max_bytes), "50MiB", KIB,
         GIB, .desc = "largest http(s) download"},
        {"sources.http_timeout_ms", OPT_INT, OFF(http_timeout_ms), "30000", 1,
         3600000, .desc = "timeout of one http(s) download"},
        {"sources.http_allow_hosts", OPT_NAMES, OFF(http_allow_hosts), "", 0,
         256, .check = check_host, .off_n = OFF(http_allow_hosts_n),
         .item = "host",
         .desc = "the only hosts http(s) sources and their redirects may name: "
                 "`docs.example.com`, or `.example.com` for it and every name "
                 "under it; as a YAML list, or comma-separated; empty: any "
                 "host"},
        {"sources.http_allow_private", OPT_BOOL, OFF(http_allow_private),
         "false",
         .desc = "let http(s) sources connect to private, loopback, link-local "
                 "(cloud metadata), multicast and reserved addresses; checked "
                 "on the address each connection goes to, redirects too"},
        {"model.classes", OPT_LIST, OFF(classes),
         "invoice,receipt,bank_statement,annual_report,financial_report,"
         "contract,tax_form,other",
         1, CONFIG_MAX_CLASSES, .item = "class",
         .desc = "document classes, unique names of a-z 0-9 _; as a YAML "
                 "list, or comma-separated"},
        {"model.summary_max_chars", OPT_INT, OFF(summary_max_chars), "600", 80,
         100000, .desc = "longest summary"},
        {"model.language_data", OPT_STR, OFF(lang_dir), "",
         .desc = "libexttextcat data directory; empty: Debian's"},
        {"model.languages", OPT_STR, OFF(languages), CONFIG_LANGUAGES_DEFAULT,
         .desc = "the languages the builtin model tells apart: codes of "
                 "libexttextcat's profiles (ISO 639), space- or "
                 "comma-separated, or \"all\" (about 180, three times slower "
                 "and more false friends such as Scots for short English)"},
        {"models.reference_models", OPT_NAMES, OFF(reference_models), "gpt-5",
         0, 16, .check = check_text, .off_n = OFF(reference_models_n),
         .item = "price map key",
         .desc = "models whose prices the worker writes to the "
                 "reference_prices "
                 "table at start (from models.price_map), so that the view "
                 "reference_costs shows what the same tokens would have cost "
                 "there; as a YAML list, or comma-separated"},
        {"models.price_map", OPT_STR, OFF(price_map), "",
         .desc = "LiteLLM price map (JSON) the remote calls are priced from; "
                 "empty: " PRICE_MAP_LOCAL " when it exists (relative to the "
                 "working directory), else " PRICE_MAP_SHARED},
        {"models.endpoints", OPT_ENDPOINTS, OFF(endpoints), "", 0,
         CONFIG_MAX_ENDPOINTS, .flags = OPT_FILE,
         .desc = "OpenAI-compatible endpoints, each a mapping of the endpoint "
                 "keys below; empty: the builtin model only"},
        {"models.routes.classify", OPT_ROUTE,
         OFF(routes[CONFIG_STAGE_CLASSIFY]), "builtin", 1, CONFIG_MAX_STEPS,
         .flags = OPT_FILE,
         .desc = "steps of the classify stage, each a mapping of the step keys "
                 "below, tried in order"},
        {"models.routes.fields", OPT_ROUTE, OFF(routes[CONFIG_STAGE_FIELDS]),
         "builtin", 1, CONFIG_MAX_STEPS, .flags = OPT_FILE,
         .desc = "steps of the fields stage"},
        {"models.routes.summarize", OPT_ROUTE,
         OFF(routes[CONFIG_STAGE_SUMMARIZE]), "builtin", 1, CONFIG_MAX_STEPS,
         .flags = OPT_FILE, .desc = "steps of the summarize stage"},
        {"models.budget.per_document_usd", OPT_DOUBLE, OFF(budget_doc_usd), "0",
         .fmin = 0, .fmax = 1000,
         .desc = "most USD of model calls for one document; 0: no cap"},
        {"models.budget.per_tenant_day_usd", OPT_DOUBLE,
         OFF(budget_tenant_day_usd), "0", .fmin = 0, .fmax = 1e9,
         .desc = "most USD of model calls for one tenant in one UTC day; 0: no "
                 "cap"},
        {"models.shadow.rate", OPT_DOUBLE, OFF(shadow_rate), "0", .fmin = 0,
         .fmax = 1,
         .desc = "fraction of documents also sent to models.shadow.endpoint to "
                 "compare (not stored as the result); 0: none"},
        {"models.shadow.endpoint", OPT_STR, OFF(shadow_endpoint), "",
         .desc = "the reference endpoint of shadow calls, one of "
                 "models.endpoints; required when models.shadow.rate > 0"},
        {"models.shadow.stages", OPT_FLAGS, OFF(shadow_stages),
         "classify,fields", 1, CONFIG_STAGES, .choices = stage_names,
         .item = "stage", .desc = "stages whose calls are shadowed"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

#define EOFF(f) offsetof(struct config_endpoint, f)

/* The keys of one entry of models.endpoints. Defaults match openai.h. */
static const struct config_opt ep_opts[] = {
        {"name", OPT_STR, EOFF(name), NULL, .check = check_ep_name,
         .flags = OPT_REQUIRED,
         .desc = "unique, 1 to 32 of a-z 0-9 _ -; `builtin` is reserved"},
        {"base_url", OPT_STR, EOFF(base_url), NULL, .check = check_url,
         .flags = OPT_REQUIRED,
         .desc = "http:// or https:// URL that /chat/completions is appended "
                 "to"},
        {"model", OPT_STR, EOFF(model), NULL, .check = check_text,
         .flags = OPT_REQUIRED, .desc = "model name sent in each request"},
        {"api_key_env", OPT_STR, EOFF(api_key_env), "", .check = check_env_var,
         .desc = "name of the environment variable holding the API key (sent "
                 "as a Bearer token); unset at start is a warning, not an "
                 "error; empty: no key"},
        {"price_key", OPT_STR, EOFF(price_key), NULL, .check = check_text,
         .desc = "key of the model in models.price_map; default: model"},
        {"prices.input_per_million", OPT_DOUBLE, EOFF(in_per_m), NULL,
         .flags = OPT_PRICES | OPT_REQUIRED, .fmin = 0, .fmax = 10000,
         .desc = "USD per million input tokens; with output_per_million, "
                 "overrides the price map"},
        {"prices.output_per_million", OPT_DOUBLE, EOFF(out_per_m), NULL,
         .flags = OPT_PRICES | OPT_REQUIRED, .fmin = 0, .fmax = 10000,
         .desc = "USD per million output tokens"},
        {"prices.cache_read_per_million", OPT_DOUBLE, EOFF(cache_per_m), NULL,
         .flags = OPT_PRICES, .fmin = 0, .fmax = 10000,
         .desc = "USD per million input tokens read from the provider's cache; "
                 "default: input_per_million"},
        {"gpu.usd_per_hour", OPT_DOUBLE, EOFF(gpu_usd_per_hour), NULL,
         .flags = OPT_GPU | OPT_REQUIRED, .fmin = 0, .fmax = 10000,
         .desc = "self-hosted: what the GPU costs per hour; priced with the "
                 "throughputs below; excludes prices"},
        {"gpu.input_tokens_per_s", OPT_DOUBLE, EOFF(gpu_in_tps), NULL,
         .flags = OPT_GPU | OPT_REQUIRED, .fmin = 0.001, .fmax = 1e9,
         .desc = "measured prompt throughput of that GPU"},
        {"gpu.output_tokens_per_s", OPT_DOUBLE, EOFF(gpu_out_tps), NULL,
         .flags = OPT_GPU | OPT_REQUIRED, .fmin = 0.001, .fmax = 1e9,
         .desc = "measured generation throughput of that GPU"},
        {"context_window", OPT_LONG, EOFF(context_window), "0", 0, 10000000,
         .desc = "tokens; 0: max_input_tokens from the price map, else 8192"},
        {"concurrency", OPT_INT, EOFF(concurrency), "64", 1, 100000,
         .desc = "requests in flight at most; more wait in a queue"},
        {"rpm", OPT_INT, EOFF(rpm), "0", 0, 100000000,
         .desc = "requests per minute; 0: unlimited"},
        {"tpm", OPT_INT, EOFF(tpm), "0", 0, 2000000000,
         .desc = "estimated tokens per minute; 0: unlimited"},
        {"timeout_ms", OPT_INT, EOFF(timeout_ms), "120000", 100, 3600000,
         .desc = "timeout of one attempt"},
        {"connect_timeout_ms", OPT_INT, EOFF(connect_timeout_ms), "10000", 100,
         3600000, .desc = "connection timeout of one attempt"},
        {"ca_file", OPT_STR, EOFF(ca_file), "",
         .desc = "PEM file of the CA certificates that verify the endpoint's "
                 "TLS certificate (a private CA, a self-signed server); empty: "
                 "the system's"},
        {"retries", OPT_INT, EOFF(retries), "4", 0, 20,
         .desc = "retries of 429, 5xx and timeouts, exponential backoff with "
                 "full jitter and Retry-After"},
        {"backoff_ms", OPT_INT, EOFF(backoff_ms), "500", 1, 600000,
         .desc = "first backoff ceiling, doubled each retry"},
        {"max_backoff_ms", OPT_INT, EOFF(max_backoff_ms), "30000", 1, 3600000,
         .desc = "longest wait before a retry, Retry-After included"},
        {"breaker_failures", OPT_INT, EOFF(breaker_failures), "5", 0, 1000000,
         .desc = "consecutive failures that open the circuit (routes fall back "
                 "meanwhile); 0: no breaker"},
        {"breaker_cooldown_ms", OPT_INT, EOFF(breaker_cooldown_ms), "30000",
         100, 3600000,
         .desc = "how long an open circuit waits before one probe"},
        {"max_reply_bytes", OPT_SIZE, EOFF(max_reply_bytes), "8MiB", KIB, GIB,
         .desc = "largest reply body"},
        {"response_format", OPT_STR, EOFF(response_format), "json_schema",
         .choices = response_formats,
         .desc = "how JSON output is asked for: json_schema (strict schema), "
                 "json_object, or none (prompt only, for servers without it)"},
        {"extra_body", OPT_JSON, EOFF(extra_body), NULL,
         .desc = "mapping merged into every request body as JSON (YAML "
                 "true/false, null, integers and numbers typed; quote to keep "
                 "a "
                 "string), e.g. `{enable_thinking: false}`"},
        {"extra_headers", OPT_HEADERS, EOFF(extra_headers), NULL,
         .desc = "mapping of extra HTTP headers; not Authorization (that is "
                 "api_key_env)"},
};

#define NEP_OPTS (sizeof(ep_opts) / sizeof(ep_opts[0]))

#define SOFF(f) offsetof(struct config_step, f)

/* The keys of one step of a route. */
static const struct config_opt step_opts[] = {
        {"endpoint", OPT_STR, SOFF(endpoint), NULL, .check = check_ep_ref,
         .flags = OPT_REQUIRED,
         .desc = "`builtin` or the name of one of models.endpoints"},
        {"escalate_below", OPT_DOUBLE, SOFF(escalate_below), NULL, .fmin = 0,
         .fmax = 1,
         .desc = "builtin step only, not the last: when the builtin's "
                 "confidence is below this, go on to the next step"},
        {"languages", OPT_NAMES, SOFF(languages), NULL, 1, 200,
         .check = check_language, .off_n = SOFF(languages_n),
         .item = "language",
         .desc = "only documents in these languages (ISO 639-1); default any"},
        {"classes", OPT_NAMES, SOFF(classes), NULL, 1, CONFIG_MAX_CLASSES,
         .check = check_class, .off_n = SOFF(classes_n), .item = "class",
         .desc = "fields and summarize routes: only documents of these classes "
                 "of model.classes; default any"},
        {"max_tokens", OPT_LONG, SOFF(max_tokens), NULL, 1, 10000000,
         .desc = "only documents of at most this many estimated tokens; "
                 "default: the endpoint's context window"},
};

#define NSTEP_OPTS (sizeof(step_opts) / sizeof(step_opts[0]))

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
        int *kafka_line;             /* file line of each cfg->kafka entry */
        int *step_at[CONFIG_STAGES]; /* file line of each step key:
                                        NSTEP_OPTS per step of the route */
        char *const *envp;           /* borrowed, may be NULL */
        int nodes;                   /* keys visited */
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
                const char *cand;
                if (env && opts[i].flags & OPT_FILE)
                        continue;
                cand = env ? opt_env_name(&opts[i], name, sizeof(name))
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
        if (check_class(name, why, n) < 0)
                return -1;
        for (size_t i = 0; i < cfg->classes_n; i++)
                if (strcmp(cfg->classes[i], name) == 0)
                        return whyf(why, n, "'%s' is listed twice", name);
        if (cfg->classes_n == CONFIG_MAX_CLASSES)
                return whyf(why, n, "more than %d classes", CONFIG_MAX_CLASSES);
        cfg->classes[cfg->classes_n++] = xstrdup(name);
        return 0;
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
                len += (size_t)snprintf(buf + len, n - len, "%s%s%s%s",
                                        i ? ", " : "", quote, choices[i],
                                        quote);
        return buf;
}

/* ---- lists: model.classes, models.shadow.stages, a step's names ---- */

/* "class" -> "classes", "stage" -> "stages". */
static const char *plural(const char *item, char *buf, size_t n)
{
        size_t len = strlen(item);

        snprintf(buf, n, "%s%s", item,
                 len && item[len - 1] == 's' ? "es" : "s");
        return buf;
}

static char ***names_items(void *base, const struct config_opt *o)
{
        return (char ***)((char *)base + o->off);
}

static size_t *names_count(void *base, const struct config_opt *o)
{
        return (size_t *)((char *)base + o->off_n);
}

static void list_clear(void *base, const struct config_opt *o)
{
        if (o->type == OPT_LIST) {
                classes_clear(base);
        } else if (o->type == OPT_FLAGS) {
                *(unsigned *)((char *)base + o->off) = 0;
        } else {
                char ***items = names_items(base, o);
                size_t *count = names_count(base, o);
                for (size_t i = 0; i < *count; i++)
                        free((*items)[i]);
                free(*items);
                *items = NULL;
                *count = 0;
        }
}

static size_t list_count(void *base, const struct config_opt *o)
{
        if (o->type == OPT_LIST)
                return ((struct config *)base)->classes_n;
        if (o->type == OPT_FLAGS)
                return (size_t)__builtin_popcount(
                        *(unsigned *)((char *)base + o->off));
        return *names_count(base, o);
}

/* Adds one item to the list o of base; -1 with why if it is refused. */
static int list_add(void *base, const struct config_opt *o, const char *v,
                    char *why, size_t n)
{
        if (o->type == OPT_LIST)
                return classes_add(base, v, why, n);
        if (o->type == OPT_FLAGS) {
                unsigned *bits = (unsigned *)((char *)base + o->off);
                char list[128];
                for (unsigned i = 0; o->choices[i]; i++) {
                        if (strcmp(o->choices[i], v) != 0)
                                continue;
                        if (*bits & 1u << i)
                                return whyf(why, n, "'%s' is listed twice", v);
                        *bits |= 1u << i;
                        return 0;
                }
                return whyf(why, n, "'%.40s' is not one of %s", v,
                            choices_text(o->choices, "", list, sizeof(list)));
        }
        {
                char ***names = names_items(base, o);
                size_t *count = names_count(base, o);
                if (o->check && o->check(v, why, n) < 0)
                        return -1;
                for (size_t i = 0; i < *count; i++)
                        if (strcmp((*names)[i], v) == 0)
                                return whyf(why, n, "'%s' is listed twice", v);
                if ((int64_t)*count >= o->max) {
                        char items[32];
                        return whyf(why, n, "more than %lld %s",
                                    (long long)o->max,
                                    plural(o->item, items, sizeof(items)));
                }
                *names = xrealloc(*names, (*count + 1) * sizeof(**names));
                (*names)[(*count)++] = xstrdup(v);
                return 0;
        }
}

static int list_short(const struct config_opt *o, char *why, size_t n)
{
        return whyf(why, n, "at least one %s is required", o->item);
}

/* "a, b,c" as the list o; "" is none. */
static int list_parse(void *base, const struct config_opt *o, const char *v,
                      char *why, size_t n)
{
        char *copy = xstrdup(v), *item = copy, *next;
        int rc = 0;

        list_clear(base, o);
        for (; *v && item && rc == 0; item = next) {
                size_t len;
                next = strchr(item, ',');
                if (next)
                        *next++ = '\0';
                item += strspn(item, " \t");
                len = strlen(item);
                while (len && (item[len - 1] == ' ' || item[len - 1] == '\t'))
                        item[--len] = '\0';
                rc = list_add(base, o, item, why, n);
        }
        free(copy);
        if (rc == 0 && (int64_t)list_count(base, o) < o->min)
                rc = list_short(o, why, n);
        return rc;
}

/* ---- numbers ---- */

/* The shortest text of x that reads back as x: 0.8, not 0.80000000000000004. */
static const char *fmt_double(double x, char *buf, size_t n)
{
        for (int prec = 15; prec <= 17; prec++) {
                snprintf(buf, n, "%.*g", prec, x);
                if (strtod(buf, NULL) == x)
                        break;
        }
        return buf;
}

/* A decimal number: [-+]digits[.digits][e[-+]digits] or [-+].digits...;
 * not hex, inf or nan, which strtod would also take. */
static int is_decimal(const char *v)
{
        const char *p = v + (*v == '-' || *v == '+');
        size_t d = strspn(p, "0123456789"), f = 0;

        p += d;
        if (*p == '.') {
                f = strspn(p + 1, "0123456789");
                p += 1 + f;
        }
        if (d + f == 0)
                return 0;
        if (*p == 'e' || *p == 'E') {
                p++;
                p += *p == '-' || *p == '+';
                if (!isdigit((unsigned char)*p))
                        return 0;
                p += strspn(p, "0123456789");
        }
        return *p == '\0';
}

static int parse_double(const struct config_opt *o, const char *v, double *out,
                        char *why, size_t n)
{
        char bound[32];
        double x;

        if (!is_decimal(v))
                return whyf(why, n, "expected a number, got '%.40s'", v);
        x = strtod(v, NULL);
        if (!isfinite(x))
                return whyf(why, n, "expected a number, got '%.40s'", v);
        if (x < o->fmin)
                return whyf(why, n, "%.40s is below the minimum %s", v,
                            fmt_double(o->fmin, bound, sizeof(bound)));
        if (x > o->fmax)
                return whyf(why, n, "%.40s is above the maximum %s", v,
                            fmt_double(o->fmax, bound, sizeof(bound)));
        *out = x;
        return 0;
}

/* ---- routes and endpoints as values ---- */

static void step_clear(struct config_step *step);
static void endpoint_clear(struct config_endpoint *ep);

static void route_clear(struct config_route *route)
{
        for (size_t i = 0; i < route->n; i++)
                step_clear(&route->steps[i]);
        free(route->steps);
        route->steps = NULL;
        route->n = 0;
}

/* A new step at the end of route, defaults set. */
static struct config_step *route_add(struct config_route *route)
{
        struct config_step *step;

        route->steps =
                xrealloc(route->steps, (route->n + 1) * sizeof(*route->steps));
        step = &route->steps[route->n++];
        memset(step, 0, sizeof(*step));
        step->escalate_below = -1;
        return step;
}

/* "builtin, a": a route of one step per endpoint name, no filters. Only
 * the table's defaults take this way: routes are read from the file. */
static int route_parse(struct config_route *route, const char *v, char *why,
                       size_t n)
{
        char *copy = xstrdup(v), *item = copy, *next;
        int rc = 0;

        route_clear(route);
        for (; item && rc == 0; item = next) {
                next = strchr(item, ',');
                if (next)
                        *next++ = '\0';
                item += strspn(item, " ");
                rc = check_ep_ref(item, why, n);
                if (rc == 0)
                        route_add(route)->endpoint = xstrdup(item);
        }
        free(copy);
        return rc;
}

static void endpoints_clear(struct config *cfg)
{
        for (size_t i = 0; i < cfg->endpoints_n; i++)
                endpoint_clear(&cfg->endpoints[i]);
        free(cfg->endpoints);
        cfg->endpoints = NULL;
        cfg->endpoints_n = 0;
}

/* Parses text v as o's value into base, the struct o's table describes
 * (struct config for opts[]); returns -1 with why if it is not
 * acceptable. */
static int opt_set(void *base, const struct config_opt *o, const char *v,
                   char *why, size_t n)
{
        char *field = (char *)base + o->off;
        int64_t x = 0;
        double d = 0;

        switch (o->type) {
        case OPT_STR:
                if (o->choices && !choice_find(o->choices, v)) {
                        char list[128];
                        return whyf(why, n, "'%.40s' is not one of %s", v,
                                    choices_text(o->choices, "", list,
                                                 sizeof(list)));
                }
                if (o->check && o->check(v, why, n) < 0)
                        return -1;
                free(*(char **)field);
                *(char **)field = xstrdup(v);
                return 0;
        case OPT_INT:
        case OPT_SIZE:
        case OPT_LONG:
                if (parse_num(o, v, &x, why, n) < 0)
                        return -1;
                if (o->type == OPT_INT)
                        *(int *)field = (int)x;
                else if (o->type == OPT_LONG)
                        *(long *)field = (long)x;
                else
                        *(int64_t *)field = x;
                return 0;
        case OPT_DOUBLE:
                if (parse_double(o, v, &d, why, n) < 0)
                        return -1;
                memcpy(field, &d, sizeof(d));
                return 0;
        case OPT_BOOL:
                /* YAML 1.2 core schema; the same words in a variable. */
                if (!strcmp(v, "true") || !strcmp(v, "True") ||
                    !strcmp(v, "TRUE"))
                        *(int *)field = 1;
                else if (!strcmp(v, "false") || !strcmp(v, "False") ||
                         !strcmp(v, "FALSE"))
                        *(int *)field = 0;
                else
                        return whyf(why, n,
                                    "expected true or false, got "
                                    "'%.40s'",
                                    v);
                return 0;
        case OPT_LIST:
        case OPT_FLAGS:
        case OPT_NAMES:
                return list_parse(base, o, v, why, n);
        case OPT_ROUTE:
                return route_parse((struct config_route *)field, v, why, n);
        case OPT_ENDPOINTS:
                if (*v)
                        return whyf(why, n, "expected a list of endpoints");
                endpoints_clear(base);
                return 0;
        case OPT_JSON:
        case OPT_HEADERS:
                break;
        }
        return whyf(why, n, "expected a mapping");
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
        cfg->kafka[cfg->kafka_n].line = 0;
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
        cfg->kafka[cfg->kafka_n - 1].line = line;
        ld->kafka_line = xrealloc(ld->kafka_line,
                                  cfg->kafka_n * sizeof(*ld->kafka_line));
        ld->kafka_line[cfg->kafka_n - 1] = line;
}

static void ld_kerror(struct loader *ld, int line, const char *key,
                      const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* An error about key (shown before the message) at a line of the file. */
static void ld_kerror(struct loader *ld, int line, const char *key,
                      const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        ld_verror(ld, NULL, line, key, fmt, ap);
        va_end(ap);
}

/* "a value", "a mapping" or "a list". */
static const char *node_what(const yaml_node_t *v)
{
        return v->type == YAML_SCALAR_NODE ? "a value" : node_kind(v);
}

/* What a value of type t is, for "expected ..., got ...". */
static const char *opt_want(enum opt_type t)
{
        switch (t) {
        case OPT_STR:
                return "a string";
        case OPT_INT:
        case OPT_LONG:
                return "an integer";
        case OPT_SIZE:
                return "a size";
        case OPT_DOUBLE:
                return "a number";
        case OPT_BOOL:
                return "true or false";
        case OPT_LIST:
        case OPT_FLAGS:
        case OPT_NAMES:
                return "a list";
        case OPT_JSON:
        case OPT_HEADERS:
                return "a mapping";
        case OPT_ENDPOINTS:
                return "a list of endpoints";
        case OPT_ROUTE:
                return "a list of steps";
        }
        return "a value";
}

/* Could b be a typo of a? */
static int is_typo(const char *a, const char *b)
{
        return edit_distance(a, b) <= 1 + strlen(a) / 5;
}

/*
 * The key of pair p (start: the first pair of its mapping), after prefix
 * and a dot, into key; where (may be NULL) goes before it in messages.
 * Returns 0; -1 when the pair is to be skipped (reported: not a scalar,
 * too long, a duplicate in the same mapping); -2 when the walk must stop
 * (more than CONFIG_MAX_NODES keys, reported once).
 */
static int pair_key(struct loader *ld, yaml_document_t *doc,
                    const yaml_node_pair_t *start, const yaml_node_pair_t *p,
                    const char *where, const char *prefix, char *key, size_t n)
{
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        int line = node_line(k), len;

        if (++ld->nodes > CONFIG_MAX_NODES) {
                if (ld->nodes == CONFIG_MAX_NODES + 1)
                        ld_error(ld, line, "more than %d keys",
                                 CONFIG_MAX_NODES);
                return -2;
        }
        if (k->type != YAML_SCALAR_NODE) {
                ld_error(ld, line, "expected a key, got %s", node_kind(k));
                return -1;
        }
        len = snprintf(key, n, "%s%s%s", prefix ? prefix : "",
                       prefix ? "." : "", node_text(k));
        if (len < 0 || (size_t)len >= n) {
                ld_error(ld, line, "key longer than %d bytes", (int)n - 1);
                return -1;
        }
        for (const yaml_node_pair_t *q = start; q < p; q++) {
                yaml_node_t *qk = yaml_document_get_node(doc, q->key);
                if (qk->type == YAML_SCALAR_NODE &&
                    strcmp(node_text(qk), node_text(k)) == 0) {
                        ld_error(ld, line,
                                 "duplicate key '%s%s%s' (first at line %d)",
                                 where ? where : "", where ? "." : "", key,
                                 node_line(qk));
                        return -1;
                }
        }
        return 0;
}

/* A list value: a YAML list, each item's error at the item's line, or a
 * comma-separated scalar as in the environment. key names it in
 * messages. */
static void leaf_list(struct loader *ld, yaml_document_t *doc, void *base,
                      const struct config_opt *o, const char *key, int line,
                      const yaml_node_t *v)
{
        char why[256];
        int bad = 0;

        if (v->type == YAML_SCALAR_NODE) {
                if (opt_set(base, o, node_text(v), why, sizeof(why)) < 0)
                        ld_kerror(ld, line, key, "%s", why);
                return;
        }
        if (v->type != YAML_SEQUENCE_NODE) {
                ld_kerror(ld, line, key, "expected a list, got %s",
                          node_kind(v));
                return;
        }
        list_clear(base, o);
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
                yaml_node_t *item = yaml_document_get_node(doc, *it);
                if (item->type != YAML_SCALAR_NODE)
                        snprintf(why, sizeof(why), "expected a %s name, got %s",
                                 o->item, node_kind(item));
                else if (list_add(base, o, node_text(item), why, sizeof(why)) ==
                         0)
                        continue;
                ld_kerror(ld, node_line(item), key, "%s", why);
                bad = 1;
        }
        if (!bad && (int64_t)list_count(base, o) < o->min) {
                list_short(o, why, sizeof(why));
                ld_kerror(ld, line, key, "%s", why);
        }
}

/* ---- YAML to JSON (extra_body, extra_headers) ---- */

/* A YAML 1.2 core-schema number: 12, -3, 0x1f, 0o17, 1.5, .5, 1e3.
 * Returns 0 if s is none (it is a string), 1 with *j set, or -1 with why:
 * .inf, .nan, or out of range, which JSON cannot hold. */
static int json_number(const char *s, json_t **j, char *why, size_t n)
{
        static const char *const inf[] = {".inf", ".Inf", ".INF", ".nan",
                                          ".NaN", ".NAN", NULL};
        const char *p = s + (*s == '-' || *s == '+');
        const char *digits;
        int base = 10;
        long long x;
        double d;

        if (choice_find(inf, p))
                return whyf(why, n, "%.40s has no JSON form", s);
        if (s[0] == '0' && s[1] == 'x' && s[2] &&
            strspn(s + 2, "0123456789abcdefABCDEF") == strlen(s + 2)) {
                base = 16;
                digits = s + 2;
        } else if (s[0] == '0' && s[1] == 'o' && s[2] &&
                   strspn(s + 2, "01234567") == strlen(s + 2)) {
                base = 8;
                digits = s + 2;
        } else if (*p && strspn(p, "0123456789") == strlen(p)) {
                digits = s;
        } else if (is_decimal(s)) {
                d = strtod(s, NULL);
                if (!isfinite(d))
                        return whyf(why, n, "%.40s is out of range", s);
                *j = json_real(d);
                return 1;
        } else {
                return 0;
        }
        errno = 0;
        x = strtoll(digits, NULL, base);
        if (errno == ERANGE)
                return whyf(why, n, "%.40s is out of range", s);
        *j = json_integer((json_int_t)x);
        return 1;
}

/* The JSON value of a scalar: quoted is a string; plain is typed by the
 * YAML 1.2 core schema (null, true/false, numbers, else a string). NULL
 * with why if it has no JSON form. */
static json_t *json_scalar(const yaml_node_t *v, char *why, size_t n)
{
        static const char *const yes[] = {"true", "True", "TRUE", NULL};
        static const char *const no[] = {"false", "False", "FALSE", NULL};
        const char *s = node_text(v);
        json_t *j = NULL;

        if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
                if (node_null(v))
                        return json_null();
                if (choice_find(yes, s))
                        return json_true();
                if (choice_find(no, s))
                        return json_false();
                switch (json_number(s, &j, why, n)) {
                case 1:
                        return j;
                case -1:
                        return NULL;
                }
        }
        j = json_stringn(s, v->data.scalar.length);
        if (!j)
                whyf(why, n, "'%.40s' is not valid UTF-8", s);
        return j;
}

/* v as a new JSON value: mappings as objects, lists as arrays. NULL on an
 * error, reported under key. Counts toward CONFIG_MAX_NODES and
 * CONFIG_MAX_DEPTH, so aliases cannot blow it up. */
static json_t *json_from_node(struct loader *ld, yaml_document_t *doc,
                              const yaml_node_t *v, const char *key, int depth)
{
        json_t *j = NULL;
        char why[256];

        if (depth > CONFIG_MAX_DEPTH) {
                ld_kerror(ld, node_line(v), key, "nested deeper than %d levels",
                          CONFIG_MAX_DEPTH);
                return NULL;
        }
        if (++ld->nodes > CONFIG_MAX_NODES) {
                if (ld->nodes == CONFIG_MAX_NODES + 1)
                        ld_error(ld, node_line(v), "more than %d keys",
                                 CONFIG_MAX_NODES);
                return NULL;
        }
        if (v->type == YAML_SCALAR_NODE) {
                j = json_scalar(v, why, sizeof(why));
                if (!j)
                        ld_kerror(ld, node_line(v), key, "%s", why);
                return j;
        }
        if (v->type == YAML_SEQUENCE_NODE) {
                j = json_array();
                for (yaml_node_item_t *it = v->data.sequence.items.start;
                     it < v->data.sequence.items.top; it++) {
                        json_t *x = json_from_node(
                                ld, doc, yaml_document_get_node(doc, *it), key,
                                depth + 1);
                        if (!x)
                                goto fail;
                        json_array_append_new(j, x);
                }
                return j;
        }
        j = json_object();
        for (const yaml_node_pair_t *p = v->data.mapping.pairs.start;
             p < v->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(doc, p->key);
                const char *name;
                json_t *x;
                if (k->type != YAML_SCALAR_NODE) {
                        ld_kerror(ld, node_line(k), key,
                                  "expected a key, got %s", node_kind(k));
                        goto fail;
                }
                name = node_text(k);
                for (const yaml_node_pair_t *q = v->data.mapping.pairs.start;
                     q < p; q++) {
                        yaml_node_t *qk = yaml_document_get_node(doc, q->key);
                        if (qk->type == YAML_SCALAR_NODE &&
                            strcmp(node_text(qk), name) == 0) {
                                ld_kerror(ld, node_line(k), key,
                                          "duplicate key '%s' (first at line "
                                          "%d)",
                                          name, node_line(qk));
                                goto fail;
                        }
                }
                x = json_from_node(ld, doc,
                                   yaml_document_get_node(doc, p->value), key,
                                   depth + 1);
                if (!x)
                        goto fail;
                json_object_set_new(j, name, x);
        }
        return j;
fail:
        json_decref(j);
        return NULL;
}

static void leaf_json(struct loader *ld, yaml_document_t *doc, void *base,
                      const struct config_opt *o, const char *key, int line,
                      const yaml_node_t *v)
{
        json_t **field = (json_t **)((char *)base + o->off);
        json_t *j;

        if (node_null(v))
                return;
        if (v->type != YAML_MAPPING_NODE) {
                ld_kerror(ld, line, key, "expected a mapping, got %s",
                          node_what(v));
                return;
        }
        j = json_from_node(ld, doc, v, key, 1);
        if (!j)
                return;
        json_decref(*field);
        *field = j;
}

/* HTTP field names are tokens (RFC 9110); the Authorization header is
 * made from api_key_env, so a key cannot end up in the file. */
static int check_header(const char *name, char *why, size_t n)
{
        static const char tchar[] = "!#$%&'*+-.^_`|~"
                                    "abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        size_t len = strlen(name);

        if (len == 0 || len > CONFIG_MAX_HEADER || strspn(name, tchar) != len)
                return whyf(why, n,
                            "'%.60s' is not a header name (an HTTP token "
                            "of 1 to %d characters)",
                            name, CONFIG_MAX_HEADER);
        if (strcasecmp(name, "Authorization") == 0)
                return whyf(why, n,
                            "Authorization is made from api_key_env: the key "
                            "goes in that variable, not in this file");
        return 0;
}

static void leaf_headers(struct loader *ld, yaml_document_t *doc, void *base,
                         const struct config_opt *o, const char *key, int line,
                         const yaml_node_t *v)
{
        json_t **field = (json_t **)((char *)base + o->off);
        const yaml_node_pair_t *start;
        json_t *h;
        char why[256];

        if (node_null(v))
                return;
        if (v->type != YAML_MAPPING_NODE) {
                ld_kerror(ld, line, key, "expected a mapping, got %s",
                          node_what(v));
                return;
        }
        start = v->data.mapping.pairs.start;
        h = json_object();
        for (const yaml_node_pair_t *p = start; p < v->data.mapping.pairs.top;
             p++) {
                yaml_node_t *k = yaml_document_get_node(doc, p->key);
                yaml_node_t *x = yaml_document_get_node(doc, p->value);
                const char *name, *val;
                size_t vlen;
                int bad = 0;
                if (++ld->nodes > CONFIG_MAX_NODES) {
                        if (ld->nodes == CONFIG_MAX_NODES + 1)
                                ld_error(ld, node_line(k), "more than %d keys",
                                         CONFIG_MAX_NODES);
                        goto fail;
                }
                if (k->type != YAML_SCALAR_NODE) {
                        ld_kerror(ld, node_line(k), key,
                                  "expected a header name, got %s",
                                  node_kind(k));
                        goto fail;
                }
                name = node_text(k);
                if (check_header(name, why, sizeof(why)) < 0) {
                        ld_kerror(ld, node_line(k), key, "%s", why);
                        goto fail;
                }
                /* Header names are case-insensitive. */
                for (const yaml_node_pair_t *q = start; q < p; q++) {
                        yaml_node_t *qk = yaml_document_get_node(doc, q->key);
                        if (strcasecmp(node_text(qk), name) == 0) {
                                ld_kerror(ld, node_line(k), key,
                                          "duplicate header '%s' (first at "
                                          "line %d)",
                                          name, node_line(qk));
                                goto fail;
                        }
                }
                if (x->type != YAML_SCALAR_NODE) {
                        ld_kerror(ld, node_line(k), key,
                                  "%s: expected a string, got %s", name,
                                  node_kind(x));
                        goto fail;
                }
                val = node_text(x);
                vlen = strlen(val);
                for (const char *c = val; *c && !bad; c++)
                        bad = ((unsigned char)*c < ' ' && *c != '\t') ||
                              *c == 0x7f;
                if (bad || vlen != x->data.scalar.length ||
                    strlen(name) + 2 + vlen >= CONFIG_MAX_HEADER_LINE) {
                        ld_kerror(ld, node_line(x), key,
                                  "%s: expected one line of text, at most %d "
                                  "bytes with the name",
                                  name, CONFIG_MAX_HEADER_LINE - 3);
                        goto fail;
                }
                json_object_set_new(h, name, json_string(val));
        }
        json_decref(*field);
        *field = h;
        return;
fail:
        json_decref(h);
}

/* ---- a mapping of a sub-table: an endpoint, a route step ---- */

/* The keys of one mapping, the struct they fill, and where they were. */
struct obj {
        const struct config_opt *tab;
        size_t n;
        void *base;        /* struct config_endpoint, struct config_step */
        int *at;           /* n lines: where each key was set; 0 not set */
        const char *where; /* "models.endpoints[0]", before keys */
};

static const struct config_opt *obj_find(const struct obj *ob, const char *key)
{
        for (size_t i = 0; i < ob->n; i++)
                if (strcmp(ob->tab[i].key, key) == 0)
                        return &ob->tab[i];
        return NULL;
}

static size_t tab_index(const struct config_opt *tab, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(tab[i].key, key) == 0)
                        return i;
        abort(); /* a key of the code, not of the file: fix config.c */
}

/* Is key the dotted start of keys of the table ("prices")? */
static int obj_section(const struct obj *ob, const char *key)
{
        size_t len = strlen(key);

        for (size_t i = 0; i < ob->n; i++)
                if (strncmp(ob->tab[i].key, key, len) == 0 &&
                    ob->tab[i].key[len] == '.')
                        return 1;
        return 0;
}

/* The table's defaults into base (zeroed). */
static void obj_defaults(void *base, const struct config_opt *tab, size_t n)
{
        char why[256];

        for (size_t i = 0; i < n; i++) {
                if (!tab[i].def)
                        continue;
                if (opt_set(base, &tab[i], tab[i].def, why, sizeof(why)) < 0) {
                        fprintf(stderr, "config: default of %s: %s\n",
                                tab[i].key, why);
                        abort();
                }
        }
}

/* Frees what base owns by the table; zeroes nothing else. */
static void obj_free(void *base, const struct config_opt *tab, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char *field = (char *)base + tab[i].off;
                if (tab[i].type == OPT_STR) {
                        free(*(char **)field);
                        *(char **)field = NULL;
                } else if (tab[i].type == OPT_NAMES) {
                        list_clear(base, &tab[i]);
                } else if (tab[i].type == OPT_JSON ||
                           tab[i].type == OPT_HEADERS) {
                        json_decref(*(json_t **)field);
                        *(json_t **)field = NULL;
                }
        }
}

static void step_clear(struct config_step *step)
{
        obj_free(step, step_opts, NSTEP_OPTS);
}

static void endpoint_clear(struct config_endpoint *ep)
{
        obj_free(ep, ep_opts, NEP_OPTS);
}

static void obj_leaf(struct loader *ld, yaml_document_t *doc,
                     const struct obj *ob, const char *key, int line,
                     const yaml_node_t *v)
{
        const struct config_opt *o = obj_find(ob, key);
        char full[CONFIG_MAX_KEY + 64], why[256];

        snprintf(full, sizeof(full), "%s.%s", ob->where, key);
        if (!o) {
                const char *near = NULL;
                for (size_t i = 0; i < ob->n && !near; i++)
                        if (is_typo(key, ob->tab[i].key))
                                near = ob->tab[i].key;
                if (obj_section(ob, key))
                        ld_kerror(ld, line, full, "expected a mapping, got %s",
                                  node_what(v));
                else if (near)
                        ld_kerror(ld, line, ob->where,
                                  "unknown key '%s' (did you mean '%s'?)", key,
                                  near);
                else
                        ld_kerror(ld, line, ob->where, "unknown key '%s'", key);
                return;
        }
        if (ob->at[o - ob->tab]) {
                ld_error(ld, line, "duplicate key '%s' (first at line %d)",
                         full, ob->at[o - ob->tab]);
                return;
        }
        ob->at[o - ob->tab] = line;
        switch (o->type) {
        case OPT_NAMES:
                leaf_list(ld, doc, ob->base, o, full, line, v);
                return;
        case OPT_JSON:
                leaf_json(ld, doc, ob->base, o, full, line, v);
                return;
        case OPT_HEADERS:
                leaf_headers(ld, doc, ob->base, o, full, line, v);
                return;
        default:
                break;
        }
        if (v->type != YAML_SCALAR_NODE)
                ld_kerror(ld, line, full, "expected %s, got %s",
                          opt_want(o->type), node_kind(v));
        else if (opt_set(ob->base, o, node_text(v), why, sizeof(why)) < 0)
                ld_kerror(ld, line, full, "%s", why);
}

/* Walks the mapping map against ob's table, nested mappings flattened to
 * dotted keys as at the top level. */
static void obj_walk(struct loader *ld, yaml_document_t *doc,
                     const struct obj *ob, const yaml_node_t *map,
                     const char *prefix, int depth)
{
        const yaml_node_pair_t *start = map->data.mapping.pairs.start;

        if (depth > CONFIG_MAX_DEPTH) {
                ld_error(ld, node_line(map),
                         "%s.%s: nested deeper than %d "
                         "levels",
                         ob->where, prefix, CONFIG_MAX_DEPTH);
                return;
        }
        for (const yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top;
             p++) {
                yaml_node_t *v = yaml_document_get_node(doc, p->value);
                char key[CONFIG_MAX_KEY];
                int line = node_line(yaml_document_get_node(doc, p->key));
                int rc = pair_key(ld, doc, start, p, ob->where, prefix, key,
                                  sizeof(key));
                if (rc == -2)
                        return;
                if (rc < 0)
                        continue;
                if (v->type == YAML_MAPPING_NODE && !obj_find(ob, key))
                        obj_walk(ld, doc, ob, v, key, depth + 1);
                else if (!(node_null(v) && obj_section(ob, key)))
                        obj_leaf(ld, doc, ob, key, line, v);
        }
}

/* Each key of ob's table flagged OPT_REQUIRED and group (0: none, else
 * OPT_PRICES or OPT_GPU) that was not set is reported at line under
 * where. */
static void obj_required(struct loader *ld, const struct obj *ob,
                         unsigned group, int line, const char *where)
{
        for (size_t i = 0; i < ob->n; i++) {
                const struct config_opt *o = &ob->tab[i];
                const char *key = o->key;
                if (!(o->flags & OPT_REQUIRED) || ob->at[i] ||
                    (o->flags & (OPT_PRICES | OPT_GPU)) != group)
                        continue;
                if (group)
                        key = strchr(key, '.') + 1;
                ld_kerror(ld, line, where, "%s is required", key);
        }
}

/* ---- models.endpoints and models.routes.<stage> ---- */

/* The first line where a key of group was set, or 0. */
static int group_line(const struct obj *ob, unsigned group)
{
        int line = 0;

        for (size_t i = 0; i < ob->n; i++)
                if (ob->tab[i].flags & group && ob->at[i] &&
                    (!line || ob->at[i] < line))
                        line = ob->at[i];
        return line;
}

/* One entry of models.endpoints, appended to cfg->endpoints. */
static void endpoint_read(struct loader *ld, yaml_document_t *doc,
                          const yaml_node_t *map, const char *where)
{
        struct config *cfg = ld->cfg;
        struct config_endpoint *ep;
        int at[NEP_OPTS] = {0}, prices, gpu;
        struct obj ob = {ep_opts, NEP_OPTS, NULL, at, where};
        char key[96];

        cfg->endpoints =
                xrealloc(cfg->endpoints,
                         (cfg->endpoints_n + 1) * sizeof(*cfg->endpoints));
        ep = &cfg->endpoints[cfg->endpoints_n++];
        memset(ep, 0, sizeof(*ep));
        ep->line = node_line(map);
        obj_defaults(ep, ep_opts, NEP_OPTS);
        ob.base = ep;
        obj_walk(ld, doc, &ob, map, NULL, 1);
        obj_required(ld, &ob, 0, ep->line, where);

        prices = group_line(&ob, OPT_PRICES);
        gpu = group_line(&ob, OPT_GPU);
        ep->has_prices = prices != 0;
        ep->has_gpu = gpu != 0;
        if (prices && gpu) {
                ld_kerror(ld, prices > gpu ? prices : gpu, where,
                          "prices and gpu are mutually exclusive (%s at line "
                          "%d)",
                          prices > gpu ? "gpu" : "prices",
                          prices > gpu ? gpu : prices);
        } else if (prices) {
                snprintf(key, sizeof(key), "%s.prices", where);
                obj_required(ld, &ob, OPT_PRICES, prices, key);
                if (!at[tab_index(ep_opts, NEP_OPTS,
                                  "prices.cache_read_per_million")])
                        ep->cache_per_m = ep->in_per_m;
        } else if (gpu) {
                snprintf(key, sizeof(key), "%s.gpu", where);
                obj_required(ld, &ob, OPT_GPU, gpu, key);
        }
        if (!ep->price_key && ep->model)
                ep->price_key = xstrdup(ep->model);
        for (size_t i = 0; ep->name && i + 1 < cfg->endpoints_n; i++) {
                if (cfg->endpoints[i].name &&
                    strcmp(cfg->endpoints[i].name, ep->name) == 0) {
                        snprintf(key, sizeof(key), "%s.name", where);
                        ld_kerror(ld, at[tab_index(ep_opts, NEP_OPTS, "name")],
                                  key,
                                  "duplicate endpoint '%s' (first at line %d)",
                                  ep->name, cfg->endpoints[i].line);
                        break;
                }
        }
}

static void file_endpoints(struct loader *ld, yaml_document_t *doc,
                           const struct config_opt *o, const yaml_node_t *v)
{
        size_t i = 0;

        endpoints_clear(ld->cfg);
        if (node_null(v))
                return;
        if (v->type != YAML_SEQUENCE_NODE) {
                opt_error(ld, o, "expected a list of endpoints, got %s",
                          node_what(v));
                return;
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++, i++) {
                yaml_node_t *item = yaml_document_get_node(doc, *it);
                char where[64];
                snprintf(where, sizeof(where), "%s[%zu]", o->key, i);
                if (i == CONFIG_MAX_ENDPOINTS) {
                        ld_kerror(ld, node_line(item), o->key,
                                  "more than %d endpoints",
                                  CONFIG_MAX_ENDPOINTS);
                        return;
                }
                if (item->type != YAML_MAPPING_NODE)
                        ld_kerror(ld, node_line(item), where,
                                  "expected a mapping, got %s",
                                  node_what(item));
                else
                        endpoint_read(ld, doc, item, where);
        }
}

static int route_stage(const struct config_opt *o)
{
        return (int)((o->off - OFF(routes)) / sizeof(struct config_route));
}

/* One step of a route: a mapping of step_opts, or only the endpoint's
 * name. at: the lines of its keys. */
static void step_read(struct loader *ld, yaml_document_t *doc, int stage,
                      struct config_step *step, int *at, const yaml_node_t *v,
                      const char *where)
{
        struct obj ob = {step_opts, NSTEP_OPTS, step, at, where};
        size_t ep = tab_index(step_opts, NSTEP_OPTS, "endpoint");
        size_t esc = tab_index(step_opts, NSTEP_OPTS, "escalate_below");
        size_t cls = tab_index(step_opts, NSTEP_OPTS, "classes");
        char key[96];

        step->line = node_line(v);
        if (v->type == YAML_SCALAR_NODE && !node_null(v)) {
                char why[256];
                at[ep] = step->line;
                snprintf(key, sizeof(key), "%s.endpoint", where);
                if (opt_set(step, &step_opts[ep], node_text(v), why,
                            sizeof(why)) < 0)
                        ld_kerror(ld, step->line, key, "%s", why);
                return;
        }
        if (v->type != YAML_MAPPING_NODE) {
                ld_kerror(ld, step->line, where,
                          "expected a mapping or an endpoint name, got %s",
                          node_null(v) ? "nothing" : node_kind(v));
                return;
        }
        obj_walk(ld, doc, &ob, v, NULL, 1);
        obj_required(ld, &ob, 0, step->line, where);
        if (at[esc] && step->endpoint &&
            strcmp(step->endpoint, "builtin") != 0) {
                snprintf(key, sizeof(key), "%s.escalate_below", where);
                ld_kerror(ld, at[esc], key,
                          "only a builtin step escalates, this one is '%s'",
                          step->endpoint);
        }
        if (at[cls] && stage == CONFIG_STAGE_CLASSIFY) {
                snprintf(key, sizeof(key), "%s.classes", where);
                ld_kerror(ld, at[cls], key,
                          "only fields and summarize steps take classes "
                          "(classify finds the class)");
        }
}

static void file_route(struct loader *ld, yaml_document_t *doc,
                       const struct config_opt *o, const yaml_node_t *v)
{
        struct config_route *route =
                (struct config_route *)((char *)ld->cfg + o->off);
        int stage = route_stage(o);
        size_t esc = tab_index(step_opts, NSTEP_OPTS, "escalate_below");
        const struct config_step *last;
        int *at;

        route_clear(route);
        free(ld->step_at[stage]);
        ld->step_at[stage] = NULL;
        if (!node_null(v) && v->type != YAML_SEQUENCE_NODE) {
                opt_error(ld, o, "expected a list of steps, got %s",
                          node_what(v));
                return;
        }
        if (node_null(v) ||
            v->data.sequence.items.start == v->data.sequence.items.top) {
                opt_error(ld, o, "at least one step is required");
                return;
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
                yaml_node_t *item = yaml_document_get_node(doc, *it);
                char where[64];
                if (route->n == CONFIG_MAX_STEPS) {
                        ld_kerror(ld, node_line(item), o->key,
                                  "more than %d steps", CONFIG_MAX_STEPS);
                        return;
                }
                snprintf(where, sizeof(where), "%s[%zu]", o->key, route->n);
                ld->step_at[stage] =
                        xrealloc(ld->step_at[stage],
                                 (route->n + 1) * NSTEP_OPTS * sizeof(int));
                at = ld->step_at[stage] + route->n * NSTEP_OPTS;
                memset(at, 0, NSTEP_OPTS * sizeof(int));
                step_read(ld, doc, stage, route_add(route), at, item, where);
        }
        /* Escalating needs somewhere to go. */
        if (route->n == 0 || !ld->step_at[stage])
                return;
        last = &route->steps[route->n - 1];
        at = ld->step_at[stage] + (route->n - 1) * NSTEP_OPTS;
        if (at[esc] && last->escalate_below >= 0 && last->endpoint &&
            strcmp(last->endpoint, "builtin") == 0) {
                char key[96];
                snprintf(key, sizeof(key), "%s[%zu].escalate_below", o->key,
                         route->n - 1);
                ld_kerror(ld, at[esc], key,
                          "the last step has no next step to escalate to");
        }
}

static void file_leaf(struct loader *ld, yaml_document_t *doc, const char *key,
                      int line, const yaml_node_t *v)
{
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
        switch (o->type) {
        case OPT_LIST:
        case OPT_FLAGS:
        case OPT_NAMES:
                leaf_list(ld, doc, ld->cfg, o, key, line, v);
                return;
        case OPT_ENDPOINTS:
                file_endpoints(ld, doc, o, v);
                return;
        case OPT_ROUTE:
                file_route(ld, doc, o, v);
                return;
        default:
                break;
        }
        if (v->type != YAML_SCALAR_NODE)
                opt_error(ld, o, "expected %s, got %s", opt_want(o->type),
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
                yaml_node_t *v = yaml_document_get_node(doc, p->value);
                char key[CONFIG_MAX_KEY];
                int line = node_line(yaml_document_get_node(doc, p->key));
                int rc = pair_key(ld, doc, start, p, NULL, prefix, key,
                                  sizeof(key));
                if (rc == -2)
                        return;
                if (rc < 0)
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
                        prop[i++] = *s == '_'
                                            ? '.'
                                            : (char)tolower((unsigned char)*s);
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
                /* DOCPIPE_SANDBOX_TEST switches the extraction children's
                 * test hooks on (stages/sandbox_proto.h): no setting. */
                if (env_service_link(name) ||
                    strcmp(name, "DOCPIPE_SANDBOX_TEST") == 0)
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
                if (o->flags & OPT_FILE)
                        opt_error(ld, o, "%s is read from the file only",
                                  o->key);
                else if (opt_set(ld->cfg, o, v, why, sizeof(why)) < 0)
                        opt_error(ld, o, "%s", why);
        }
}

/* ---- loading ---- */

static int opt_is_set(const struct loader *ld, const struct config_opt *o)
{
        return ld->at[o - opts].line || ld->at[o - opts].env;
}

/* The value of name in envp (may be NULL), borrowed, or NULL. */
static const char *env_get(char *const *envp, const char *name)
{
        size_t len = strlen(name);

        for (; envp && *envp; envp++)
                if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
                        return *envp + len + 1;
        return NULL;
}

/* The endpoint name closest to s (builtin too), if close enough to be a
 * typo; else NULL. */
static const char *endpoint_closest(const struct config *cfg, const char *s)
{
        if (is_typo(s, "builtin"))
                return "builtin";
        for (size_t i = 0; i < cfg->endpoints_n; i++)
                if (is_typo(s, cfg->endpoints[i].name))
                        return cfg->endpoints[i].name;
        return NULL;
}

static int class_known(const struct config *cfg, const char *name)
{
        for (size_t i = 0; i < cfg->classes_n; i++)
                if (strcmp(cfg->classes[i], name) == 0)
                        return 1;
        return 0;
}

/* The checks of models.* that name another key: each step's endpoint (and
 * its max_tokens against that endpoint's context window) and classes, the
 * shadow endpoint, the vision endpoint. */
static void models_finish(struct loader *ld)
{
        const struct config *cfg = ld->cfg;
        const struct config_opt *rate = opt_find("models.shadow.rate");
        const struct config_opt *shadow = opt_find("models.shadow.endpoint");
        size_t ep = tab_index(step_opts, NSTEP_OPTS, "endpoint");
        size_t cls = tab_index(step_opts, NSTEP_OPTS, "classes");
        size_t max = tab_index(step_opts, NSTEP_OPTS, "max_tokens");
        char key[96], num[32];

        for (const struct config_opt *o = opts; o < opts + NOPTS; o++) {
                const struct config_route *route;
                const int *at;
                if (o->type != OPT_ROUTE)
                        continue;
                route = (const struct config_route *)((const char *)cfg +
                                                      o->off);
                for (size_t i = 0; i < route->n; i++) {
                        const struct config_step *step = &route->steps[i];
                        const struct config_endpoint *target =
                                config_endpoint_find(cfg, step->endpoint);
                        /* NULL for the default route: never wrong. */
                        at = ld->step_at[route_stage(o)];
                        at = at ? at + i * NSTEP_OPTS : NULL;
                        /* No document that large would fit. */
                        if (target && target->context_window &&
                            step->max_tokens > target->context_window) {
                                snprintf(key, sizeof(key), "%s[%zu].max_tokens",
                                         o->key, i);
                                ld_kerror(ld, at ? at[max] : 0, key,
                                          "%ld is above the context_window "
                                          "of '%s' (%ld)",
                                          step->max_tokens, target->name,
                                          target->context_window);
                        }
                        if (strcmp(step->endpoint, "builtin") != 0 && !target) {
                                const char *near =
                                        endpoint_closest(cfg, step->endpoint);
                                snprintf(key, sizeof(key), "%s[%zu].endpoint",
                                         o->key, i);
                                ld_kerror(ld, at ? at[ep] : 0, key,
                                          "'%s' is not in models.endpoints%s%s"
                                          "%s",
                                          step->endpoint,
                                          near ? " (did you mean '" : "",
                                          near ? near : "", near ? "'?)" : "");
                        }
                        for (size_t j = 0; j < step->classes_n; j++) {
                                if (class_known(cfg, step->classes[j]))
                                        continue;
                                snprintf(key, sizeof(key), "%s[%zu].classes",
                                         o->key, i);
                                ld_kerror(ld, at ? at[cls] : 0, key,
                                          "'%s' is not in model.classes",
                                          step->classes[j]);
                        }
                }
        }
        if (cfg->shadow_endpoint[0] &&
            !config_endpoint_find(cfg, cfg->shadow_endpoint))
                opt_error(ld, shadow, "'%s' is not in models.endpoints",
                          cfg->shadow_endpoint);
        else if (cfg->shadow_rate > 0 && !cfg->shadow_endpoint[0])
                opt_error(ld, rate, "%s needs models.shadow.endpoint",
                          fmt_double(cfg->shadow_rate, num, sizeof(num)));
        if (cfg->vision_endpoint[0] &&
            !config_endpoint_find(cfg, cfg->vision_endpoint)) {
                const char *near = endpoint_closest(cfg, cfg->vision_endpoint);
                /* The builtin model reads no images. */
                if (near && strcmp(near, "builtin") == 0)
                        near = NULL;
                opt_error(ld, opt_find("ocr.vision.endpoint"),
                          "'%s' is not in models.endpoints%s%s%s",
                          cfg->vision_endpoint, near ? " (did you mean '" : "",
                          near ? near : "", near ? "'?)" : "");
        }
}

/* A key that is missing is no reason to refuse to start: that endpoint's
 * calls fail (401) and its routes fall back, the other providers work. */
static void models_warn(const struct loader *ld)
{
        const struct config *cfg = ld->cfg;

        for (size_t i = 0; i < cfg->endpoints_n; i++) {
                const struct config_endpoint *ep = &cfg->endpoints[i];
                const char *v;
                if (!ep->api_key_env[0])
                        continue;
                v = env_get(ld->envp, ep->api_key_env);
                if (!v || !*v)
                        log_warn("config",
                                 "endpoint %s: api_key_env %s is %s: its "
                                 "calls will fail (401) and its routes fall "
                                 "back",
                                 ep->name, ep->api_key_env,
                                 v ? "empty" : "not set");
        }
}

/* topics.retry into cfg->retry (each item passed check_tier); a retry topic
 * is neither the jobs topic, nor the dead-letter topic, nor another tier. */
static void retry_finish(struct loader *ld)
{
        struct config *cfg = ld->cfg;
        const struct config_opt *o = opt_find("topics.retry");

        for (size_t i = 0; i < cfg->retry_items_n; i++) {
                const char *item = cfg->retry_items[i];
                const char *colon = strrchr(item, ':');
                struct config_retry_tier *t = &cfg->retry[cfg->retry_n];

                t->topic = xstrndup(item, (size_t)(colon - item));
                t->delay_ms = retry_delay_ms(colon + 1);
                cfg->retry_n++;
                if (strcmp(t->topic, cfg->topic_jobs) == 0 ||
                    strcmp(t->topic, cfg->topic_dlq) == 0)
                        opt_error(ld, o, "'%s' is also %s", t->topic,
                                  strcmp(t->topic, cfg->topic_jobs) == 0
                                          ? "topics.jobs"
                                          : "topics.dlq");
                for (size_t j = 0; j + 1 < cfg->retry_n; j++)
                        if (strcmp(cfg->retry[j].topic, t->topic) == 0)
                                opt_error(ld, o, "topic '%s' is listed twice",
                                          t->topic);
        }
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
        /* Resume early: a resumed partition takes a fetch round trip to
         * deliver again, and the work queued meanwhile must cover it. */
        if (!opt_is_set(ld, lw))
                cfg->low_water = cfg->max_inflight * 3 / 4;
        if (!cfg->price_map[0]) {
                free(cfg->price_map);
                cfg->price_map = xstrdup(access(PRICE_MAP_LOCAL, R_OK) == 0
                                                 ? PRICE_MAP_LOCAL
                                                 : PRICE_MAP_SHARED);
        }
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
        retry_finish(ld);
        models_finish(ld);
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
        ld.envp = envp;
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
        for (int i = 0; i < CONFIG_STAGES; i++)
                free(ld.step_at[i]);
        if (ld.nerr == 0) {
                models_warn(&ld);
                return 0;
        }
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

const struct config_endpoint *config_endpoint_find(const struct config *cfg,
                                                   const char *name)
{
        for (size_t i = 0; i < cfg->endpoints_n; i++)
                if (cfg->endpoints[i].name &&
                    strcmp(cfg->endpoints[i].name, name) == 0)
                        return &cfg->endpoints[i];
        return NULL;
}

const char *config_stage_name(int stage)
{
        if (stage < 0 || stage >= CONFIG_STAGES)
                return NULL;
        return stage_names[stage];
}

void config_cleanup(struct config *cfg)
{
        if (!cfg)
                return;
        for (size_t i = 0; i < NOPTS; i++) {
                if (opts[i].type == OPT_STR)
                        free(*(char **)((char *)cfg + opts[i].off));
                else if (opts[i].type == OPT_ROUTE)
                        route_clear((struct config_route *)((char *)cfg +
                                                            opts[i].off));
                else if (opts[i].type == OPT_NAMES)
                        list_clear(cfg, &opts[i]);
        }
        endpoints_clear(cfg);
        classes_clear(cfg);
        for (size_t i = 0; i < cfg->retry_n; i++)
                free(cfg->retry[i].topic);
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

/* Writes j as YAML flow, which JSON is, numbers in their shortest exact
 * form; a real keeps a '.' or an exponent so that it reads back a real. */
static void dump_json(FILE *f, const json_t *j)
{
        const char *name;
        json_t *x;
        char num[40], *s;
        size_t i = 0;

        switch (json_typeof(j)) {
        case JSON_OBJECT:
                fputc('{', f);
                json_object_foreach((json_t *)j, name, x)
                {
                        json_t *key = json_string(name);
                        fputs(i++ ? ", " : "", f);
                        dump_json(f, key);
                        json_decref(key);
                        fputs(": ", f);
                        dump_json(f, x);
                }
                fputc('}', f);
                break;
        case JSON_ARRAY:
                fputc('[', f);
                json_array_foreach(j, i, x)
                {
                        fputs(i ? ", " : "", f);
                        dump_json(f, x);
                }
                fputc(']', f);
                break;
        case JSON_STRING:
                s = json_dumps(j, JSON_ENCODE_ANY);
                fputs(s ? s : "\"\"", f);
                free(s);
                break;
        case JSON_INTEGER:
                fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
                break;
        case JSON_REAL:
                fmt_double(json_real_value(j), num, sizeof(num));
                fputs(num, f);
                if (!strpbrk(num, ".e"))
                        fputs(".0", f);
                break;
        case JSON_TRUE:
                fputs("true", f);
                break;
        case JSON_FALSE:
                fputs("false", f);
                break;
        case JSON_NULL:
                fputs("null", f);
                break;
        }
}

/* A header that may well carry a credential (X-Api-Key, Cookie, ...). */
static int header_secret(const char *name)
{
        static const char *const words[] = {"auth",    "key",      "token",
                                            "secret",  "password", "cookie",
                                            "session", NULL};

        for (size_t i = 0; words[i]; i++)
                if (strcasestr(name, words[i]))
                        return 1;
        return 0;
}

static void dump_headers(FILE *f, const json_t *h)
{
        json_t *copy = json_deep_copy(h), *v;
        const char *name;

        json_object_foreach(copy, name, v)
        {
                if (header_secret(name))
                        json_string_set(v, "***");
        }
        dump_json(f, copy);
        json_decref(copy);
}

/* Writes the value of o in base (struct config, an endpoint, a step). */
static void dump_field(FILE *f, const void *base, const struct config_opt *o)
{
        const char *field = (const char *)base + o->off;

        switch (o->type) {
        case OPT_STR:
                dump_str(f, *(char *const *)field ? *(char *const *)field : "");
                break;
        case OPT_INT:
                fprintf(f, "%d", *(const int *)field);
                break;
        case OPT_BOOL:
                fputs(*(const int *)field ? "true" : "false", f);
                break;
        case OPT_LONG:
                fprintf(f, "%ld", *(const long *)field);
                break;
        case OPT_SIZE:
                fprintf(f, "%lld", (long long)*(const int64_t *)field);
                break;
        case OPT_DOUBLE: {
                char num[40];
                double d;
                memcpy(&d, field, sizeof(d));
                fputs(fmt_double(d, num, sizeof(num)), f);
                break;
        }
        case OPT_FLAGS:
                fputc('[', f);
                for (unsigned i = 0, first = 1; o->choices[i]; i++) {
                        if (!(*(const unsigned *)field & 1u << i))
                                continue;
                        fprintf(f, "%s%s", first ? "" : ", ", o->choices[i]);
                        first = 0;
                }
                fputc(']', f);
                break;
        case OPT_NAMES: {
                char *const *names = *(char *const *const *)field;
                size_t count = *(const size_t *)((const char *)base + o->off_n);
                fputc('[', f);
                for (size_t i = 0; i < count; i++) {
                        fputs(i ? ", " : "", f);
                        dump_str(f, names[i]);
                }
                fputc(']', f);
                break;
        }
        case OPT_JSON:
                dump_json(f, *(json_t *const *)field);
                break;
        case OPT_HEADERS:
                dump_headers(f, *(json_t *const *)field);
                break;
        default:
                break;
        }
}

/* Does the step leave o at its "not given" value? */
static int step_unset(const struct config_step *step,
                      const struct config_opt *o)
{
        const char *field = (const char *)step + o->off;

        double d;

        switch (o->type) {
        case OPT_DOUBLE:
                memcpy(&d, field, sizeof(d));
                return d < 0;
        case OPT_LONG:
                return *(const long *)field == 0;
        case OPT_NAMES:
                return *(const size_t *)((const char *)step + o->off_n) == 0;
        default:
                return *(char *const *)field == NULL;
        }
}

/* [{endpoint: builtin, escalate_below: 0.8}, {endpoint: a}] */
static void dump_route(FILE *f, const struct config_route *route)
{
        fputc('[', f);
        for (size_t i = 0; i < route->n; i++) {
                const char *sep = "";
                fputs(i ? ", {" : "{", f);
                for (size_t j = 0; j < NSTEP_OPTS; j++) {
                        if (step_unset(&route->steps[i], &step_opts[j]))
                                continue;
                        fprintf(f, "%s%s: ", sep, step_opts[j].key);
                        dump_field(f, &route->steps[i], &step_opts[j]);
                        sep = ", ";
                }
                fputc('}', f);
        }
        fputc(']', f);
}

/* " []", or each endpoint as a block mapping on the lines that follow. */
static void dump_endpoints(FILE *f, const struct config *cfg)
{
        if (cfg->endpoints_n == 0)
                fputs(" []", f);
        for (size_t i = 0; i < cfg->endpoints_n; i++) {
                const struct config_endpoint *ep = &cfg->endpoints[i];
                const char *lead = "\n  - ";
                for (size_t j = 0; j < NEP_OPTS; j++) {
                        const struct config_opt *o = &ep_opts[j];
                        if ((o->flags & OPT_PRICES && !ep->has_prices) ||
                            (o->flags & OPT_GPU && !ep->has_gpu) ||
                            ((o->type == OPT_JSON || o->type == OPT_HEADERS) &&
                             !*(json_t *const *)((const char *)ep + o->off)))
                                continue;
                        fprintf(f, "%s%s: ", lead, o->key);
                        dump_field(f, ep, o);
                        lead = "\n    ";
                }
        }
}

void config_dump(const struct config *cfg, FILE *f)
{
        for (size_t i = 0; i < NOPTS; i++) {
                const struct config_opt *o = &opts[i];
                const char *field = (const char *)cfg + o->off;

                if (o->type == OPT_ENDPOINTS) {
                        fprintf(f, "%s:", o->key);
                        dump_endpoints(f, cfg);
                        fputc('\n', f);
                        continue;
                }
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
                } else if (o->type == OPT_LIST) {
                        fputc('[', f);
                        for (size_t j = 0; j < cfg->classes_n; j++)
                                fprintf(f, "%s%s", j ? ", " : "",
                                        cfg->classes[j]);
                        fputc(']', f);
                } else if (o->type == OPT_ROUTE) {
                        dump_route(f, (const struct config_route *)field);
                } else {
                        dump_field(f, cfg, o);
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

/* The type column of o. */
static const char *ref_type(const struct config_opt *o, char *buf, size_t n)
{
        char lo[32], hi[32], list[128], items[32];

        switch (o->type) {
        case OPT_STR:
                if (!o->choices)
                        return "string";
                snprintf(buf, n, "one of %s",
                         choices_text(o->choices, "`", list, sizeof(list)));
                return buf;
        case OPT_LIST:
                snprintf(buf, n, "list of %lld..%lld names", (long long)o->min,
                         (long long)o->max);
                return buf;
        case OPT_INT:
        case OPT_LONG:
        case OPT_SIZE:
                snprintf(buf, n, "%s %s..%s",
                         o->type == OPT_SIZE ? "size" : "integer",
                         fmt_bound(o, o->min, lo, sizeof(lo)),
                         fmt_bound(o, o->max, hi, sizeof(hi)));
                return buf;
        case OPT_DOUBLE:
                snprintf(buf, n, "number %s..%s",
                         fmt_double(o->fmin, lo, sizeof(lo)),
                         fmt_double(o->fmax, hi, sizeof(hi)));
                return buf;
        case OPT_BOOL:
                return "boolean";
        case OPT_FLAGS:
                snprintf(buf, n, "list of %s",
                         choices_text(o->choices, "`", list, sizeof(list)));
                return buf;
        case OPT_NAMES:
                snprintf(buf, n, "list of %lld..%lld %s", (long long)o->min,
                         (long long)o->max,
                         plural(o->item, items, sizeof(items)));
                return buf;
        case OPT_JSON:
                return "mapping";
        case OPT_HEADERS:
                return "mapping of strings";
        case OPT_ENDPOINTS:
                snprintf(buf, n, "list of %lld..%lld endpoints",
                         (long long)o->min, (long long)o->max);
                return buf;
        case OPT_ROUTE:
                snprintf(buf, n, "list of %lld..%lld steps", (long long)o->min,
                         (long long)o->max);
                return buf;
        }
        return "";
}

/* The default column of o: lists written as the YAML lists they are. */
static void ref_default(FILE *f, const struct config_opt *o)
{
        if (!o->def) {
                fputs(o->flags & OPT_REQUIRED ? "required" : "unset", f);
        } else if (o->type == OPT_LIST || o->type == OPT_FLAGS ||
                   o->type == OPT_NAMES || o->type == OPT_ROUTE ||
                   o->type == OPT_ENDPOINTS) {
                fputs("`[", f);
                for (const char *c = o->def; *c; c++)
                        if (*c == ',')
                                fputs(", ", f);
                        else
                                fputc(*c, f);
                fputs("]`", f);
        } else {
                fprintf(f, "`%s`", *o->def ? o->def : "\"\"");
        }
}

/* The rows of a sub-table: key, type, default, description. */
static void ref_table(FILE *f, const struct config_opt *tab, size_t n)
{
        char type[160];

        fputs("| key | type | default | description |\n"
              "|---|---|---|---|\n",
              f);
        for (size_t i = 0; i < n; i++) {
                fprintf(f, "| `%s` | %s | ", tab[i].key,
                        ref_type(&tab[i], type, sizeof(type)));
                ref_default(f, &tab[i]);
                fprintf(f, " | %s |\n", tab[i].desc);
        }
}

void config_reference(FILE *f)
{
        char env[64], type[160];

        fputs("| key | type | default | environment | description |\n"
              "|---|---|---|---|---|\n",
              f);
        for (size_t i = 0; i < NOPTS; i++) {
                const struct config_opt *o = &opts[i];

                fprintf(f, "| `%s` | %s | ", o->key,
                        ref_type(o, type, sizeof(type)));
                ref_default(f, o);
                if (o->flags & OPT_FILE)
                        fprintf(f, " | file only | %s |\n", o->desc);
                else
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
        fputs("\nEach entry of `models.endpoints` (file only; nested keys "
              "such as `prices: {input_per_million: 1}` may also be written "
              "dotted):\n\n",
              f);
        ref_table(f, ep_opts, NEP_OPTS);
        fputs("\nEach step of `models.routes.classify`, `.fields` and "
              "`.summarize` (file only; a step may also be written as just "
              "its endpoint's name). A document goes to the first step whose "
              "filters take it; the later steps are escalation and fallback "
              "when a step fails or its circuit is open:\n\n",
              f);
        ref_table(f, step_opts, NSTEP_OPTS);
}
