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

void config_cleanup(struct config *cfg);

/* Value of kafka.<key>, borrowed, or NULL. */
const char *config_kafka_get(const struct config *cfg, const char *key);

/* Sets (or replaces) kafka.<key>; copies both strings. */
void config_kafka_set(struct config *cfg, const char *key, const char *value);

/* Writes the effective settings as YAML-ish lines to f, secrets masked. */
void config_dump(const struct config *cfg, FILE *f);

#endif
