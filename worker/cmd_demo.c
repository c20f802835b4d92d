/*
 * cmd_demo: `docpipe demo`, the whole path on the sample documents. It
 * makes a fresh database on the given PostgreSQL, starts librdkafka's mock
 * cluster in this process, starts worker processes in one consumer group
 * (this same binary), submits every PDF of the samples folder, waits until
 * each has an outcome, prints a table from PostgreSQL and stops everything
 * it started. Owns the cluster, the producer and the worker processes.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_kafka.h"
#include "config.h"
#include "doc.h"
#include "log.h"
#include "model/prices.h"

#define DEMO_DB "docpipe_demo"
#define DEMO_MAX_WORKERS 8

static void demo_usage(FILE *f)
{
        fputs("usage: docpipe demo [--dsn DSN] [--samples DIR] [--workers N]"
              " [--timeout S]\n\n"
              "Runs the whole pipeline on the sample documents: a fresh "
              "database\n'" DEMO_DB "' on the PostgreSQL at DSN (default "
              "DOCPIPE_POSTGRES_DSN), the mock\nKafka cluster, N workers "
              "(default 2) in one consumer group, every PDF\nof DIR "
              "(default build/samples) submitted, then a table of the "
              "results.\n`make demo` starts a private PostgreSQL and "
              "generates the samples first.\n",
              f);
}

static double demo_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs sql on a connection to dsn; returns 0 or -1 with err. */
static void demo_quiet(void *arg, const char *message)
{
        (void)arg;
        (void)message;
}

static int demo_exec(const char *dsn, const char *sql, struct err *err)
{
        PGconn *pg = PQconnectdb(dsn);
        PGresult *res;
        int rc = 0;

        if (PQstatus(pg) != CONNECTION_OK) {
                err_set(err, ERR_FATAL, "postgres: %s", PQerrorMessage(pg));
                PQfinish(pg);
                return -1;
        }
        PQsetNoticeProcessor(pg, demo_quiet, NULL); /* "does not exist" */
        res = PQexec(pg, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK &&
            PQresultStatus(res) != PGRES_TUPLES_OK)
                rc = err_set(err, ERR_FATAL, "postgres: %s",
                             PQerrorMessage(pg));
        PQclear(res);
        PQfinish(pg);
        return rc;
}

static pid_t demo_spawn_worker(const char *self, int n, const char *brokers,
                               const char *dsn, const char *logdir)
{
        char path[512];
        pid_t pid = fork();

        if (pid != 0)
                return pid;
        snprintf(path, sizeof(path), "%s/worker-%d.log", logdir, n);
        if (!freopen(path, "w", stderr))
                _exit(127);
        setenv("DOCPIPE_KAFKA_BOOTSTRAP_SERVERS", brokers, 1);
        setenv("DOCPIPE_KAFKA_GROUP_ID", "docpipe-demo", 1);
        /* The mock cluster's rejoin waits session.timeout.ms - 1 s. */
        setenv("DOCPIPE_KAFKA_SESSION_TIMEOUT_MS", "6000", 1);
        setenv("DOCPIPE_POSTGRES_DSN", dsn, 1);
        /* Several workers on this host: each a free port (in its log). */
        setenv("DOCPIPE_WORKER_METRICS_ADDR", "127.0.0.1:0", 1);
        execl(self, self, "worker", (char *)NULL);
        _exit(127);
}

static int demo_has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int demo_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the sorted paths of DIR's PDFs (new array of new strings). */
static char **demo_samples(const char *dir, size_t *n)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        char **paths = NULL;
        size_t cap = 0;

        *n = 0;
        if (!d)
                return NULL;
        while ((de = readdir(d))) {
                char path[1024];
                if (!demo_has_suffix(de->d_name, ".pdf"))
                        continue;
                if (*n == cap) {
                        cap = cap ? cap * 2 : 16;
                        paths = xrealloc(paths, cap * sizeof(*paths));
                }
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                paths[(*n)++] = xstrdup(path);
        }
        closedir(d);
        if (*n)
                qsort(paths, *n, sizeof(*paths), demo_cmp);
        return paths;
}

static long demo_count(PGconn *pg)
{
        PGresult *res = PQexec(pg, "SELECT count(*) FROM documents");
        long n = -1;

        if (PQresultStatus(res) == PGRES_TUPLES_OK)
                n = atol(PQgetvalue(res, 0, 0));
        PQclear(res);
        return n;
}

/* The fields worth a glance, per class, in order of preference. */
static void demo_key_fields(const char *json, char *out, size_t n)
{
        static const char *keys[] = {
                "invoice_number",  "merchant", "account_holder",
                "company",         "form",     "total",
                "closing_balance", "revenue",  "currency",
                "issue_date",      "date",     "period_end",
                "fiscal_year",     "tax_year", "effective_date",
                "governing_law",
        };
        json_t *fields = json_loads(json, 0, NULL);
        size_t len = 0, shown = 0;

        out[0] = '\0';
        if (!fields)
                return;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && shown < 3;
             i++) {
                json_t *v = json_object_get(fields, keys[i]);
                char val[64];
                if (json_is_string(v))
                        snprintf(val, sizeof(val), "%s", json_string_value(v));
                else if (json_is_integer(v))
                        snprintf(val, sizeof(val), "%lld",
                                 (long long)json_integer_value(v));
                else
                        continue;
                len += (size_t)snprintf(out + len, n > len ? n - len : 0,
                                        "%s%s=%s", shown ? " " : "", keys[i],
                                        val);
                shown++;
        }
        json_decref(fields);
}

/* Copies the first sentence-ish of s into out, at most width columns. */
static void demo_clip(const char *s, char *out, size_t width)
{
        size_t i = 0, cols = 0;

        while (s[i] && s[i] != '\n' && cols < width) {
                if (((unsigned char)s[i] & 0xC0) != 0x80)
                        cols++;
                i++;
        }
        while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
                i++;
        memcpy(out, s, i);
        out[i] = '\0';
        if (s[i] && s[i] != '\n')
                strcat(out, "...");
}

static int demo_table(PGconn *pg)
{
        PGresult *res = PQexec(
                pg,
                "SELECT d.id, d.status, coalesce(r.class, '-'), "
                "coalesce(round(r.confidence::numeric, 2)::text, '-'), "
                "coalesce(r.fields::text, '{}'), coalesce(r.summary, "
                "dl.message, ''), "
                "coalesce((SELECT sum(input_tokens + output_tokens) FROM "
                "model_calls m WHERE m.document_id = d.id), 0), "
                "coalesce((SELECT sum(cost_usd) FROM model_calls m WHERE "
                "m.document_id = d.id), 0), d.pages, coalesce(r.language, '') "
                "FROM documents d LEFT JOIN results r ON r.document_id = d.id "
                "LEFT JOIN dead_letters dl ON dl.document_id = d.id "
                "ORDER BY d.id");
        long tokens = 0;
        double cost = 0;

        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                fprintf(stderr, "docpipe demo: %s", PQerrorMessage(pg));
                PQclear(res);
                return -1;
        }
        printf("\n%-26s %-16s %5s %5s %-4s %-52s %-48s %7s %9s\n", "document",
               "class", "conf", "pages", "lang", "key fields",
               "summary (first line)", "tokens", "cost $");
        for (int i = 0; i < PQntuples(res); i++) {
                char fields[256], summary[256], keyf[256];
                demo_key_fields(PQgetvalue(res, i, 4), keyf, sizeof(keyf));
                demo_clip(keyf, fields, 52);
                demo_clip(PQgetvalue(res, i, 5), summary, 45);
                printf("%-26s %-16s %5s %5s %-4s %-52s %-48s %7s %9.6f\n",
                       PQgetvalue(res, i, 0),
                       strcmp(PQgetvalue(res, i, 1), "dead") == 0
                               ? "DEAD LETTER"
                               : PQgetvalue(res, i, 2),
                       PQgetvalue(res, i, 3), PQgetvalue(res, i, 8),
                       PQgetvalue(res, i, 9), fields, summary,
                       PQgetvalue(res, i, 6), atof(PQgetvalue(res, i, 7)));
                tokens += atol(PQgetvalue(res, i, 6));
                cost += atof(PQgetvalue(res, i, 7));
        }
        printf("\n%d documents, %ld tokens (estimated), $%.6f on the builtin "
               "model.\n",
               PQntuples(res), tokens, cost);
        PQclear(res);
        return 0;
}

/* What the same tokens would have cost on a few hosted models, priced
 * from the price map: the comparison a team makes before choosing. */
static void demo_elsewhere(PGconn *pg, const char *price_map)
{
        static const char *const models[] = {"deepseek/deepseek-v4-flash",
                                             "gpt-5", "claude-opus-4-6"};
        PGresult *res = PQexec(pg, "SELECT coalesce(sum(input_tokens), 0),"
                                   " coalesce(sum(output_tokens), 0)"
                                   " FROM model_calls");
        struct prices *p;
        struct err err;
        struct usage u;

        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                PQclear(res);
                return;
        }
        memset(&u, 0, sizeof(u));
        u.prompt_tokens = atol(PQgetvalue(res, 0, 0));
        u.completion_tokens = atol(PQgetvalue(res, 0, 1));
        PQclear(res);
        err_clear(&err);
        p = prices_load(price_map, &err);
        if (!p)
                return;
        printf("The same tokens, uncached, elsewhere (price map %s):",
               prices_version(p));
        for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
                struct price pr;
                if (prices_get(p, models[i], u.prompt_tokens, &pr) == 0)
                        printf("%s %s $%.6f", i ? "," : "", models[i],
                               usage_cost(&u, &pr));
        }
        printf(".\n");
        prices_free(p);
}

int cmd_demo(int argc, char **argv)
{
        static const struct option opts[] = {
                {"dsn", required_argument, NULL, 'd'},
                {"samples", required_argument, NULL, 's'},
                {"workers", required_argument, NULL, 'w'},
                {"timeout", required_argument, NULL, 'T'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        const char *dsn = getenv("DOCPIPE_POSTGRES_DSN");
        const char *dir = "build/samples", *logdir = "build/demo-logs";
        int workers = 2, timeout = 180, c, failed = 0, rc = 1;
        rd_kafka_mock_cluster_t *mcluster = NULL;
        rd_kafka_t *mock_rk = NULL, *rk = NULL;
        pid_t pids[DEMO_MAX_WORKERS] = {0};
        char dbdsn[1024], self[1024];
        struct submit_opts o = {
                .tenant = "demo", .stages = STAGE_ALL, .mode = SUBMIT_ENVELOPE};
        char **paths = NULL;
        size_t n = 0;
        struct config cfg;
        const char *topics[16];
        size_t topics_n;
        struct err err;
        PGconn *pg = NULL;
        double t0;
        ssize_t sl;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'd':
                        dsn = optarg;
                        break;
                case 's':
                        dir = optarg;
                        break;
                case 'w':
                        workers = atoi(optarg);
                        break;
                case 'T':
                        timeout = atoi(optarg);
                        break;
                case 'h':
                        demo_usage(stdout);
                        return 0;
                default:
                        demo_usage(stderr);
                        return 2;
                }
        }
        if (!dsn || workers < 1 || workers > DEMO_MAX_WORKERS) {
                demo_usage(stderr);
                return 2;
        }
        memset(&cfg, 0, sizeof(cfg));
        err_clear(&err);
        if (config_load(&cfg, NULL, &err) < 0) {
                fprintf(stderr, "docpipe demo: %s\n", err.msg);
                return 2;
        }
        paths = demo_samples(dir, &n);
        if (n == 0) {
                fprintf(stderr,
                        "docpipe demo: no PDFs in %s (run `make "
                        "demo`, or build/docgen samples %s)\n",
                        dir, dir);
                goto out;
        }
        sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (sl <= 0)
                goto out;
        self[sl] = '\0';
        mkdir("build", 0755);
        mkdir(logdir, 0755);

        /* A fresh database, so that every run shows the same thing. */
        if (demo_exec(dsn, "DROP DATABASE IF EXISTS " DEMO_DB " WITH (FORCE)",
                      &err) < 0 ||
            demo_exec(dsn, "CREATE DATABASE " DEMO_DB, &err) < 0) {
                fprintf(stderr, "docpipe demo: %s\n", err.msg);
                goto out;
        }
        snprintf(dbdsn, sizeof(dbdsn), "%s dbname=" DEMO_DB, dsn);

        /* The jobs, dead-letter and retry topics of the configuration. */
        topics_n = kafka_config_topics(&cfg, topics, 16);
        mock_rk = kafka_mock_new(1, 4, topics, topics_n, &mcluster, &err);
        if (!mock_rk) {
                fprintf(stderr, "docpipe demo: %s\n", err.msg);
                goto out;
        }
        printf("docpipe demo: mock Kafka cluster at %s, database %s\n",
               rd_kafka_mock_cluster_bootstraps(mcluster), DEMO_DB);
        for (int i = 0; i < workers; i++) {
                pids[i] = demo_spawn_worker(
                        self, i + 1, rd_kafka_mock_cluster_bootstraps(mcluster),
                        dbdsn, logdir);
                if (pids[i] < 0) {
                        fprintf(stderr, "docpipe demo: fork: %s\n",
                                strerror(errno));
                        goto out;
                }
        }
        printf("docpipe demo: %d workers started (logs in %s/)\n", workers,
               logdir);

        config_kafka_set(&cfg, "bootstrap.servers",
                         rd_kafka_mock_cluster_bootstraps(mcluster));
        rk = kafka_submitter_new(&cfg, &failed, &err);
        if (!rk) {
                fprintf(stderr, "docpipe demo: %s\n", err.msg);
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                if (kafka_submit_file(rk, cfg.topic_jobs, paths[i], &o, &err) <
                    0) {
                        fprintf(stderr, "docpipe demo: %s\n", err.msg);
                        goto out;
                }
        }
        rd_kafka_flush(rk, 30000);
        if (failed) {
                fprintf(stderr, "docpipe demo: %d jobs not delivered\n",
                        failed);
                goto out;
        }
        printf("docpipe demo: %zu documents submitted; waiting for the "
               "results\n",
               n);
        fflush(stdout);

        t0 = demo_now();
        pg = PQconnectdb(dbdsn);
        while (demo_now() - t0 < timeout) {
                long done = PQstatus(pg) == CONNECTION_OK ? demo_count(pg) : -1;
                int status;
                if (done >= (long)n)
                        break;
                for (int i = 0; i < workers; i++) {
                        if (pids[i] > 0 &&
                            waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                                fprintf(stderr,
                                        "docpipe demo: worker %d exited "
                                        "(status %d); see %s/worker-%d.log\n",
                                        i + 1, status, logdir, i + 1);
                                pids[i] = 0;
                                goto out;
                        }
                }
                usleep(200 * 1000);
                if (PQstatus(pg) != CONNECTION_OK) {
                        PQfinish(pg);
                        pg = PQconnectdb(dbdsn);
                }
        }
        if (demo_count(pg) < (long)n) {
                fprintf(stderr, "docpipe demo: timed out after %d s\n",
                        timeout);
                goto out;
        }
        printf("docpipe demo: all %zu documents done in %.1f s\n", n,
               demo_now() - t0);
        rc = demo_table(pg) < 0 ? 1 : 0;
        if (rc == 0)
                demo_elsewhere(pg, cfg.price_map);
        printf("\nQuery them: psql \"%s\" -c 'SELECT * FROM "
               "document_costs'\n",
               dbdsn);
out:
        for (int i = 0; i < workers; i++)
                if (pids[i] > 0)
                        kill(pids[i], SIGTERM);
        for (int i = 0; i < workers; i++) {
                int status = 0;
                if (pids[i] <= 0)
                        continue;
                waitpid(pids[i], &status, 0);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        fprintf(stderr,
                                "docpipe demo: worker %d ended with "
                                "status %d\n",
                                i + 1, status);
                        rc = 1;
                }
        }
        if (pg)
                PQfinish(pg);
        if (rk)
                rd_kafka_destroy(rk);
        if (mcluster)
                rd_kafka_mock_cluster_destroy(mcluster);
        if (mock_rk)
                rd_kafka_destroy(mock_rk);
        for (size_t i = 0; i < n; i++)
                free(paths[i]);
        free(paths);
        config_cleanup(&cfg);
        return rc;
}
