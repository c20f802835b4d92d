/*
 * cmd_worker: `docpipe worker`, `docpipe migrate` and `docpipe config`.
 * The worker wires the pieces together on one libuv loop: model layer,
 * store, pipeline, consumer, and the SIGTERM/SIGINT handlers that start a
 * drain; then tears them down in order once the drain ends. Owns the loop
 * and everything it creates for the run.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "consumer.h"
#include "costs.h"
#include "cpu.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "model/model.h"
#include "pipeline.h"
#include "requeue.h"
#include "store.h"

struct worker {
        uv_loop_t *loop;
        struct config cfg;
        struct model *model;
        struct store *store;
        struct pipeline *pipeline;
        struct consumer *consumer;
        struct requeue *requeue;
        struct metrics *metrics;
        struct http *http; /* NULL: worker.metrics_addr is empty */
        struct cpu *cpu;
        uv_signal_t sigterm, sigint;
        int signals;
        int exit_code;
};

static int worker_load_config(struct config *cfg, const char *path)
{
        struct err err;
        enum log_level lvl;

        err_clear(&err);
        if (config_load(cfg, path, &err) < 0) {
                fprintf(stderr, "docpipe: %s\n", err.msg);
                return -1;
        }
        if (log_level_parse(cfg->log_level, &lvl) == 0)
                log_set_level(lvl);
        return 0;
}

/* Migrations at start: Postgres may still be coming up (a pod starting
 * next to its database), so try for a while before giving up. */
static int worker_migrate(const struct config *cfg, int tries)
{
        struct err err;
        unsigned delay_ms = 250;

        for (int i = 1;; i++) {
                err_clear(&err);
                if (store_migrate(cfg->pg_dsn, &err) == 0)
                        return 0;
                if (i >= tries || err.cls != ERR_RETRY) {
                        log_error("postgres", "migrate: %s", err.msg);
                        return -1;
                }
                log_warn("postgres", "migrate: %s; retrying in %u ms", err.msg,
                         delay_ms);
                usleep(delay_ms * 1000);
                if (delay_ms < 4000)
                        delay_ms *= 2;
        }
}

static void worker_on_signal(uv_signal_t *h, int signum)
{
        struct worker *w = h->data;

        if (++w->signals > 1) {
                log_warn("worker", "second signal %d: leaving now", signum);
                consumer_close(w->consumer);
                _exit(1);
        }
        log_info("worker", "signal %d: draining", signum);
        pipeline_drain(w->pipeline);
}

static void worker_on_closed(uv_handle_t *h)
{
        (void)h;
}

static void worker_on_drained(void *arg, int timed_out, int fatal)
{
        struct worker *w = arg;
        struct pipeline_stats st;

        pipeline_stats(w->pipeline, &st);
        log_info("worker",
                 "drained: done=%llu dead=%llu requeued=%llu skipped=%llu "
                 "reused=%llu in_flight=%zu",
                 (unsigned long long)st.done, (unsigned long long)st.dead,
                 (unsigned long long)st.requeued,
                 (unsigned long long)st.skipped, (unsigned long long)st.reused,
                 st.inflight);
        w->exit_code = fatal ? 1 : 0;
        /* Nothing is in flight to the retry or dead-letter topics unless
         * the drain timed out (then the process leaves below, and those
         * jobs, their offsets unstored, come again). */
        if (!timed_out) {
                requeue_free(w->requeue);
                w->requeue = NULL;
        }
        /* Offsets of everything finished are stored: commit and leave. */
        consumer_close(w->consumer);
        w->consumer = NULL;
        /* Probes and scrapes were answered until now (ready: no). */
        http_free(w->http);
        w->http = NULL;
        if (timed_out) {
                /* Documents still running on the thread pool cannot be
                 * waited for any longer; their offsets were not stored,
                 * so they are redelivered. Leave without unwinding. */
                log_warn("worker", "abandoning %zu documents in flight",
                         st.inflight);
                _exit(w->exit_code);
        }
        store_free(w->store, w->cfg.drain_ms);
        w->store = NULL;
        pipeline_free(w->pipeline);
        w->pipeline = NULL;
        model_free(w->model);
        w->model = NULL;
        uv_close((uv_handle_t *)&w->sigterm, worker_on_closed);
        uv_close((uv_handle_t *)&w->sigint, worker_on_closed);
}

static void worker_usage(FILE *f)
{
        fputs("usage: docpipe worker [-c FILE]\n\n"
              "Consumes jobs from the jobs topic in a consumer group and\n"
              "writes results, costs and dead letters to PostgreSQL.\n"
              "Applies pending migrations first. SIGTERM or SIGINT drains:\n"
              "no new work, in-flight documents finish (worker.drain_"
              "timeout_ms),\noffsets are committed, exit 0.\n\n"
              "  -c, --config FILE   YAML configuration (default: built-in "
              "defaults)\n"
              "Environment: DOCPIPE_<SECTION>_<KEY> overrides a setting, "
              "e.g.\n  DOCPIPE_POSTGRES_DSN, DOCPIPE_KAFKA_BOOTSTRAP_SERVERS."
              "\n",
              f);
}

/* Parses -c/--config; returns -1 on a usage error, 1 for --help. */
static int worker_parse_args(int argc, char **argv, const char **path,
                             void (*usage)(FILE *))
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        *path = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 1;
                default:
                        usage(stderr);
                        return -1;
                }
        }
        if (optind != argc) {
                usage(stderr);
                return -1;
        }
        return 0;
}

int cmd_worker(int argc, char **argv)
{
        struct worker w;
        const char *path = NULL;
        char threads[16];
        struct err err;
        sigset_t sigs;
        int rc;

        memset(&w, 0, sizeof(w));
        rc = worker_parse_args(argc, argv, &path, worker_usage);
        if (rc)
                return rc > 0 ? 0 : 2;
        /* A SIGTERM while starting (migrations may wait for Postgres)
         * stays pending until the loop's handlers are in place, and then
         * drains like any other; threads started meanwhile (librdkafka's,
         * the store's) inherit the mask and never take it. */
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        pthread_sigmask(SIG_BLOCK, &sigs, NULL);
        if (worker_load_config(&w.cfg, path) < 0)
                return 2;
        /* The CPU pool: libuv reads this once, at its first use. */
        snprintf(threads, sizeof(threads), "%d", w.cfg.threads);
        setenv("UV_THREADPOOL_SIZE", threads, 1);

        if (worker_migrate(&w.cfg, 10) < 0) {
                config_cleanup(&w.cfg);
                return 1;
        }
        /* For the view reference_costs; no document depends on it. */
        err_clear(&err);
        if (costs_write_reference(&w.cfg, &err) < 0)
                log_warn("worker", "%s", err.msg);
        w.loop = uv_default_loop();
        /* Two items per pool thread: one running, one ready. */
        w.cpu = cpu_new(w.loop, w.cfg.threads * 2);
        err_clear(&err);
        /* The store first: the model layer keeps the tenant budget's
         * ledger in it. */
        w.store = store_new(w.loop, &w.cfg, &err);
        if (!w.store)
                goto fail;
        w.model = model_new(w.loop, &w.cfg, w.store, &err);
        if (!w.model)
                goto fail;
        w.pipeline = pipeline_new(w.loop, &w.cfg, w.store, w.model,
                                  worker_on_drained, &w, &err);
        if (!w.pipeline)
                goto fail;
        w.requeue = requeue_new(w.loop, &w.cfg, &err);
        if (!w.requeue)
                goto fail;
        pipeline_set_requeue(w.pipeline, w.requeue);
        w.metrics = metrics_new();
        pipeline_set_metrics(w.pipeline, w.metrics);
        /* A port in use (several workers on one host with the default)
         * is no reason not to work: said loudly, and the probes of an
         * orchestrator that needs them fail visibly. */
        if (w.cfg.metrics_addr[0]) {
                w.http = http_new(w.loop, w.cfg.metrics_addr, w.metrics,
                                  w.store, &err);
                if (!w.http)
                        log_error("worker",
                                  "%s; running without /metrics, /healthz "
                                  "and /readyz",
                                  err.msg);
        }
        w.consumer = consumer_new(w.loop, &w.cfg, pipeline_on_message,
                                  w.pipeline, &err);
        if (!w.consumer)
                goto fail;
        pipeline_set_consumer(w.pipeline, w.consumer);
        consumer_set_metrics(w.consumer, w.metrics);

        uv_signal_init(w.loop, &w.sigterm);
        uv_signal_init(w.loop, &w.sigint);
        w.sigterm.data = w.sigint.data = &w;
        uv_signal_start(&w.sigterm, worker_on_signal, SIGTERM);
        uv_signal_start(&w.sigint, worker_on_signal, SIGINT);
        pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
        log_info("worker",
                 "started: %d threads, at most %d documents in "
                 "flight",
                 w.cfg.threads, w.cfg.max_inflight);

        uv_run(w.loop, UV_RUN_DEFAULT);
        uv_loop_close(w.loop);
        cpu_free(w.cpu);
        metrics_free(w.metrics);
        config_cleanup(&w.cfg);
        log_info("worker", "stopped");
        return w.exit_code;
fail:
        log_error("worker", "%s", err.msg);
        http_free(w.http);
        requeue_free(w.requeue);
        if (w.pipeline)
                pipeline_free(w.pipeline);
        store_free(w.store, 0);
        model_free(w.model);
        uv_run(w.loop, UV_RUN_DEFAULT);
        uv_loop_close(w.loop);
        cpu_free(w.cpu);
        metrics_free(w.metrics);
        config_cleanup(&w.cfg);
        return 1;
}

static void migrate_usage(FILE *f)
{
        fputs("usage: docpipe migrate [-c FILE]\n\n"
              "Applies the PostgreSQL migrations that are not applied yet\n"
              "(postgres.dsn, or DOCPIPE_POSTGRES_DSN). Safe to run twice\n"
              "and from several processes at once.\n",
              f);
}

int cmd_migrate(int argc, char **argv)
{
        struct config cfg;
        const char *path = NULL;
        int rc;

        memset(&cfg, 0, sizeof(cfg));
        rc = worker_parse_args(argc, argv, &path, migrate_usage);
        if (rc)
                return rc > 0 ? 0 : 2;
        if (worker_load_config(&cfg, path) < 0)
                return 2;
        rc = worker_migrate(&cfg, 1) < 0 ? 1 : 0;
        config_cleanup(&cfg);
        return rc;
}

static void config_usage(FILE *f)
{
        fputs("usage: docpipe config [-c FILE]\n"
              "       docpipe config check FILE\n"
              "       docpipe config --reference\n\n"
              "Loads the configuration (file, then DOCPIPE_* environment),\n"
              "reports every error as FILE:LINE: message, or prints the\n"
              "effective settings with secrets masked. --reference prints\n"
              "the Markdown table of every key.\n",
              f);
}

int cmd_config(int argc, char **argv)
{
        struct config cfg;
        const char *path = NULL;
        int rc;

        if (argc == 2 && strcmp(argv[1], "--reference") == 0) {
                config_reference(stdout);
                return 0;
        }
        if (argc >= 2 && strcmp(argv[1], "check") == 0)
                return cmd_config_check(argc - 1, argv + 1);
        memset(&cfg, 0, sizeof(cfg));
        rc = worker_parse_args(argc, argv, &path, config_usage);
        if (rc)
                return rc > 0 ? 0 : 2;
        if (worker_load_config(&cfg, path) < 0)
                return 2;
        config_dump(&cfg, stdout);
        config_cleanup(&cfg);
        return 0;
}
