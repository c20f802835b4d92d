/*
 * config: the worker's settings, loaded once from one YAML file plus
 * DOCPIPE_* environment variables into an immutable struct config. Every
 * key lives in one table (config.c) with its type, default, bounds and
 * environment name; `kafka.*` keys are kept as they are for librdkafka.
 * A bad file is refused with `file:line: message`. Owns the strings and the
 * kafka property list inside struct config, and the remote-model settings
 * under `models:` (endpoints, per-stage routes, budgets, shadow sampling).
 */
#ifndef DOCPIPE_CONFIG_H
#define DOCPIPE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "err.h"

/* model.languages by default: the languages of most business documents,
 * of libexttextcat's 180 profiles. */
#define CONFIG_LANGUAGES_DEFAULT                                               \
        "af ar be bg bn bs ca cs cy da de el en es et eu fa fi fr ga gl he "   \
        "hi hr hu id is it ja ko lb lt lv mk ms mt nb nl nn pl pt ro ru sh "   \
        "sk sl sq sr sv sw th tl tr uk ur vi zh"
#define CONFIG_MAX_CLASSES 32
#define CONFIG_MAX_ENDPOINTS 64    /* models.endpoints */
#define CONFIG_MAX_STEPS 16        /* steps of one route */
#define CONFIG_MAX_RETRY_TIERS 8   /* topics.retry */
#define CONFIG_VISION_MAX_PAGES 16 /* ocr.vision.max_pages at most */

/* The stages that call a model, in pipeline order: the index of
 * struct config.routes and the bit (1u << stage) of shadow_stages. */
enum {
        CONFIG_STAGE_CLASSIFY,
        CONFIG_STAGE_FIELDS,
        CONFIG_STAGE_SUMMARIZE,
        CONFIG_STAGES
};

/*
 * One OpenAI-compatible endpoint, an entry of models.endpoints (file only).
 * Every string is set (never NULL) once loaded. Numbers are as written,
 * within the bounds config_reference lists; unlike struct
 * openai_endpoint_cfg, 0 means what it says: retries 0 is no retry,
 * breaker_failures 0 turns the breaker off (openai.h wants -1 for both).
 */
struct config_endpoint {
        char *name;            /* unique, [a-z0-9_-]{1,32}, not "builtin" */
        char *base_url;        /* http:// or https://, no query or fragment */
        char *model;           /* sent as "model" */
        char *api_key_env;     /* NAME of the variable holding the key; "" for
                                * none. The key itself is never in the config:
                                * read it with getenv when connecting. */
        char *price_key;       /* key in the price map; default model */
        char *ca_file;         /* PEM CA certificates verifying the server; ""
                                * for the system's */
        char *response_format; /* json_schema, json_object or none */
        int has_prices;        /* prices: given (overrides the map) */
        double in_per_m, out_per_m, cache_per_m; /* USD per million tokens;
                                                  * cache default in_per_m */
        int has_gpu; /* gpu: given (self-hosted, priced from GPU time) */
        double gpu_usd_per_hour, gpu_in_tps, gpu_out_tps;
        long context_window; /* tokens; 0: the price map's max_input_tokens,
                              * else 8192 (resolved when connecting) */
        int concurrency;     /* requests in flight */
        int rpm, tpm;        /* per minute; 0 unlimited */
        int timeout_ms, connect_timeout_ms; /* per attempt */
        int retries; /* after the first attempt; 0 none */
        int backoff_ms, max_backoff_ms;
        int breaker_failures; /* consecutive failures to open; 0 off */
        int breaker_cooldown_ms;
        int64_t max_reply_bytes;
        json_t *extra_body;    /* object merged into each request, or NULL */
        json_t *extra_headers; /* object of name -> string, or NULL */
        int line;              /* of the entry in the file */
};

/* One step of a route: which endpoint, and which documents it takes. */
struct config_step {
        char *endpoint;        /* "builtin" or a name of models.endpoints */
        double escalate_below; /* builtin step: confidence below this goes
                                * on to the next step; < 0: unset */
        char **languages;      /* ISO 639-1 codes; none: any language */
        size_t languages_n;
        char **classes; /* of model.classes (fields, summarize); none: any */
        size_t classes_n;
        long max_tokens; /* documents of at most this many estimated
                          * tokens; 0: the endpoint's context window */
        int line;        /* of the step in the file; 0 for the default */
};

/* The ordered steps of one stage: the first whose filters take the
 * document answers; the next ones are escalation and fallback. Never empty
 * once loaded. */
struct config_route {
        struct config_step *steps;
        size_t n;
};

/* One retry topic of topics.retry: a job that failed transiently waits
 * there delay_ms before it is tried again. */
struct config_retry_tier {
        char *topic;
        int64_t delay_ms;
};

struct config_kv {
        char *key; /* without the "kafka." prefix */
        char *value;
        int line; /* its line in the file; 0: a default or the environment */
};

struct config {
        /* kafka.* pass-through to librdkafka (bootstrap.servers, group.id,
         * session.timeout.ms, security.protocol, sasl.*, ssl.*, ...). */
        struct config_kv *kafka;
        size_t kafka_n;

        char *topic_jobs;   /* topics.jobs, default docpipe.jobs */
        char *topic_dlq;    /* topics.dlq, default docpipe.jobs.dlq */
        char **retry_items; /* topics.retry as written, "topic:delay" */
        size_t retry_items_n;
        struct config_retry_tier
                retry[CONFIG_MAX_RETRY_TIERS]; /* parsed
                                                * from retry_items, in
                                                * order */
        size_t retry_n;

        char *pg_dsn;     /* postgres.dsn (env DOCPIPE_POSTGRES_DSN) */
        int pg_batch_max; /* postgres.batch_max: documents per write */
        int pg_batch_ms;  /* postgres.batch_ms: longest wait to fill one */

        int max_inflight;     /* worker.max_inflight: pause partitions here */
        int low_water;        /* worker.low_water: resume below this */
        int threads;          /* worker.threads: CPU thread pool size */
        int drain_ms;         /* worker.drain_timeout_ms on SIGTERM */
        int retries;          /* worker.retries: in-place retries, transient */
        int retry_backoff_ms; /* worker.retry_backoff_ms: first backoff */
        char *log_level;      /* worker.log_level */
        char *metrics_addr;   /* worker.metrics_addr: HOST:PORT of /metrics,
                                 /healthz, /readyz; "" none */

        int64_t max_bytes;      /* limits.max_bytes of one document */
        int max_pages;          /* limits.max_pages */
        int64_t max_text_bytes; /* limits.max_text_bytes extracted */
        int64_t max_job_bytes;  /* limits.max_job_bytes of a JSON envelope */
        int64_t max_page_text_bytes; /* limits.max_page_text_bytes of one
                                        page; 0 (tests only): no cap */
        int64_t extract_memory;      /* limits.extract_memory: address space of
                                        one extraction child (RLIMIT_AS) */
        int extract_timeout_ms;      /* limits.extract_timeout_ms: one document
                                        in a child, wall clock and CPU time */
        int extract_page_ms;         /* limits.extract_page_ms: one page in a
                                        child; 0: no per-page limit */
        int max_page_pixels;         /* limits.max_page_pixels of one image page
                                        or scanned page at 300 dpi */
        char *ocr_languages;         /* ocr.languages: Tesseract's "eng+deu" */
        /* ocr.vision.*: OCR'd pages also read by a vision model. */
        char *vision_endpoint;    /* ocr.vision.endpoint: one of
                                     models.endpoints; "": no vision route */
        char *vision_mode;        /* ocr.vision.mode: "fallback" (pages under
                                     vision_below) or "always" */
        int vision_below;         /* ocr.vision.below_confidence, 0..100 */
        int vision_max_pages;     /* ocr.vision.max_pages of one document */
        int vision_max_side;      /* ocr.vision.max_side: longest side sent,
                                     pixels */
        int64_t vision_max_bytes; /* ocr.vision.max_image_bytes: one PNG */
        char *vision_on_failure;  /* ocr.vision.on_failure: "ocr" keeps
                                     OCR's text, "retry" fails the stage
                                     (ERR_RETRY) */

        char *sandbox_mode;   /* sandbox.mode: "process" (PDFs parsed in
                                 child processes) or "inline" */
        int sandbox_children; /* sandbox.children; 0: worker.threads */
        int sandbox_recycle;  /* sandbox.recycle_after: documents per
                                 child before it is replaced */

        char *file_root;         /* sources.file_root: file:// confined here;
                                    empty means file:// is refused */
        int64_t http_max_bytes;  /* sources.http_max_bytes */
        int http_timeout_ms;     /* sources.http_timeout_ms */
        char **http_allow_hosts; /* sources.http_allow_hosts: names, or
                                    ".suffix" for a domain and all
                                    under it; none: any host */
        size_t http_allow_hosts_n;
        int http_allow_private; /* sources.http_allow_private: 1 lets
                                   http(s) reach private, loopback and
                                   link-local addresses */

        char *classes[CONFIG_MAX_CLASSES]; /* model.classes: taxonomy */
        size_t classes_n;
        int summary_max_chars; /* model.summary_max_chars */
        char *lang_dir;        /* model.language_data: libexttextcat dir */
        char *languages;       /* model.languages: profile codes or "all" */

        /* models.*: remote models. Endpoints and routes come from the file
         * only; the rest also from DOCPIPE_MODELS_*. */
        char **reference_models; /* models.reference_models: price map
                                    keys written to reference_prices */
        size_t reference_models_n;
        char *price_map; /* models.price_map, a LiteLLM price map; empty
                          * in the file is resolved at load to
                          * deploy/prices/model_prices.json if readable
                          * from the working directory, else
                          * /usr/share/docpipe/model_prices.json */
        struct config_endpoint *endpoints; /* models.endpoints */
        size_t endpoints_n;
        struct config_route routes[CONFIG_STAGES]; /* models.routes.<stage>,
                                                    * default [builtin] */
        double budget_doc_usd;        /* models.budget.per_document_usd; 0
                                       * no cap */
        double budget_tenant_day_usd; /* models.budget.per_tenant_day_usd */
        double shadow_rate;           /* models.shadow.rate: fraction 0..1 */
        char *shadow_endpoint;        /* models.shadow.endpoint; "" none */
        unsigned shadow_stages;       /* models.shadow.stages: 1u << stage */

        char *path; /* the file it came from, or NULL for defaults */
};

/* Loads defaults, then path (may be NULL: defaults only), then DOCPIPE_*
 * environment overrides. On error returns -1 with err "file:line: ..." and
 * leaves cfg empty. cfg must be released with config_cleanup.
 * An endpoint whose api_key_env names a variable that is unset or empty is
 * not an error: it is logged as a warning (its calls will fail with 401 and
 * its routes fall back), so a worker can start with one provider down. */
int config_load(struct config *cfg, const char *path, struct err *err);

/* config_load with the environment taken from envp (NULL-terminated
 * "NAME=value" strings, borrowed; envp may be NULL: no overrides) instead of
 * environ, so tests need not touch the process environment.
 * Environment rules: DOCPIPE_<KEY> for every table key, the key uppercased
 * with '.' as '_' (DOCPIPE_WORKER_MAX_INFLIGHT); DOCPIPE_KAFKA_<PROPERTY>
 * sets librdkafka's <property>, lowercased, '_' read as '.' and "__" as '_'
 * (DOCPIPE_KAFKA_SASL_PASSWORD, DOCPIPE_KAFKA_LOG__LEVEL). Unknown DOCPIPE_*
 * names are ignored with a warning; Kubernetes service links
 * (*_SERVICE_HOST, *_SERVICE_PORT*, *_PORT, *_PORT_<digit>*) silently.
 * models.endpoints and models.routes.<stage> are read from the file only:
 * DOCPIPE_MODELS_ENDPOINTS and DOCPIPE_MODELS_ROUTES_* are refused with an
 * error rather than ignored. api_key_env variables are looked up in envp
 * too (NULL: all unset).
 * Every error found is reported, one per line in err->msg as they fit, file
 * errors first ("FILE:LINE: key: message"), then environment errors
 * ("env DOCPIPE_X: message"). err->cls is ERR_FATAL. */
int config_load_env(struct config *cfg, const char *path, char *const *envp,
                    struct err *err);

/* Frees everything cfg owns and zeroes it. Safe on a zeroed, failed or
 * already cleaned struct; cfg may be NULL. */
void config_cleanup(struct config *cfg);

/* Value of kafka.<key>, borrowed, or NULL. */
const char *config_kafka_get(const struct config *cfg, const char *key);

/* Sets (or replaces) kafka.<key>; copies both strings. */
void config_kafka_set(struct config *cfg, const char *key, const char *value);

/* The endpoint named name, borrowed from cfg, or NULL: unknown, or
 * "builtin" (the in-process model is no endpoint). */
const struct config_endpoint *config_endpoint_find(const struct config *cfg,
                                                   const char *name);

/* "classify", "fields", "summarize" for CONFIG_STAGE_*; NULL otherwise. */
const char *config_stage_name(int stage);

/* Writes the effective settings to f, one `key: value` line each in the
 * flat form the loader also reads (models.endpoints as a block list, each
 * route as a flow list), secrets masked: the password in postgres.dsn,
 * kafka properties whose name contains "password" or "secret",
 * kafka.ssl.key.pem, and extra_headers values whose name suggests a
 * credential (auth, key, token, secret, cookie, password). API keys are
 * never in the config: only the name of their variable is shown. */
void config_dump(const struct config *cfg, FILE *f);

/* Writes the Markdown reference of every key (key, type and bounds,
 * default, environment variable, description) to f, then the keys of one
 * endpoint and of one route step; the README's configuration section is
 * generated from it. */
void config_reference(FILE *f);

#endif
