/*
 * config: the worker's settings, loaded once from one YAML file plus
 * DOCPIPE_* environment variables into an immutable struct config. Every
 * key lives in one table (config.c) with its type, default, bounds and
 * environment name; `kafka.*` keys are kept as they are for librdkafka.
 * A bad file is refused with `file:line: message`. Owns the strings and the
 * kafka property list inside struct config.
 */
#ifndef DOCPIPE_CONFIG_H
#define DOCPIPE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define CONFIG_MAX_CLASSES 32

struct config_kv {
        char *key; /* without the "kafka." prefix */
        char *value;
};

struct config {
        /* kafka.* pass-through to librdkafka (bootstrap.servers, group.id,
         * session.timeout.ms, security.protocol, sasl.*, ssl.*, ...). */
        struct config_kv *kafka;
        size_t kafka_n;

        char *topic_jobs;  /* topics.jobs, default docpipe.jobs */
        char *topic_dlq;   /* topics.dlq, default docpipe.jobs.dlq */

        char *pg_dsn;      /* postgres.dsn (env DOCPIPE_POSTGRES_DSN) */
        int pg_batch_max;  /* postgres.batch_max: documents per write */
        int pg_batch_ms;   /* postgres.batch_ms: longest wait to fill one */

        int max_inflight;  /* worker.max_inflight: pause partitions here */
        int low_water;     /* worker.low_water: resume below this */
        int threads;       /* worker.threads: CPU thread pool size */
        int drain_ms;      /* worker.drain_timeout_ms on SIGTERM */
        int retries;       /* worker.retries: in-place retries, transient */
        int retry_backoff_ms; /* worker.retry_backoff_ms: first backoff */
        char *log_level;   /* worker.log_level */

        int64_t max_bytes;     /* limits.max_bytes of one document */
        int max_pages;         /* limits.max_pages */
        int64_t max_text_bytes;/* limits.max_text_bytes extracted */
        int64_t max_job_bytes; /* limits.max_job_bytes of a JSON envelope */

        char *file_root;       /* sources.file_root: file:// confined here;
                                  empty means file:// is refused */
        int64_t http_max_bytes;/* sources.http_max_bytes */
        int http_timeout_ms;   /* sources.http_timeout_ms */

        char *classes[CONFIG_MAX_CLASSES]; /* model.classes: taxonomy */
        size_t classes_n;
        int summary_max_chars;  /* model.summary_max_chars */
        char *lang_dir;         /* model.language_data: libexttextcat dir */

        char *path; /* the file it came from, or NULL for defaults */
};

/* Loads defaults, then path (may be NULL: defaults only), then DOCPIPE_*
 * environment overrides. On error returns -1 with err "file:line: ..." and
 * leaves cfg empty. cfg must be released with config_cleanup. */
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

/* Writes the effective settings to f, one `key: value` line each in the
 * flat form the loader also reads, secrets masked: the password in
 * postgres.dsn, kafka properties whose name contains "password" or
 * "secret", and kafka.ssl.key.pem. */
void config_dump(const struct config *cfg, FILE *f);

/* Writes the Markdown reference of every key (key, type and bounds,
 * default, environment variable, description) to f; the README's
 * configuration section is generated from it. */
void config_reference(FILE *f);

#endif
