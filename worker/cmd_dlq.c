/*
 * cmd_dlq: `docpipe dlq list | show | replay`, the dead letters as the
 * dead_letters table keeps them (worker/requeue.c and store.c write them).
 * replay puts the very message a job came in back on the jobs topic (key,
 * payload, its own headers, where it was first consumed) with a
 * docpipe-replay header, under a row lock so that two replays cannot race,
 * and marks the dead letters replayed once Kafka has every message. Owns
 * its connection and producer for one command.
 */
#include <getopt.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "cmd.h"
#include "cmd_kafka.h"
#include "config.h"
#include "doc.h"
#include "log.h"
#include "requeue.h"
#include "store.h"

#define DLQ_MAX_IDS 256

static void dlq_usage(FILE *f)
{
        fputs("usage: docpipe dlq list [--stage S] [--class C] [--limit N] "
              "[--all]\n"
              "       docpipe dlq show ID\n"
              "       docpipe dlq replay (--id ID... | --doc DOCUMENT... | "
              "--stage S | --class C)\n"
              "                          [--force]\n\n"
              "The dead letters of the dead_letters table (postgres.dsn).\n"
              "list shows those not replayed yet (--all: every one), newest "
              "last;\nshow one by its id (or its document's id); replay "
              "puts the jobs\nselected (the options combine: all must "
              "match) back on topics.jobs,\nthe message as it came, and "
              "marks them replayed so that they are not\nreplayed twice "
              "(--force: replayed ones too). A replay is processed\nagain "
              "even though its document is dead, and takes the text "
              "already\nextracted from the same content. ERROR CLASS is "
              "input, retry or fatal.\n\n"
              "  -c, --config FILE   configuration (postgres.dsn, kafka.*, "
              "topics.jobs)\n"
              "  -b, --brokers LIST  bootstrap servers (replay)\n",
              f);
}

struct dlq_opts {
        const char *stage, *cls;
        const char *ids[DLQ_MAX_IDS], *docs[DLQ_MAX_IDS];
        int ids_n, docs_n;
        long limit;
        int all, force;
};

/* {"a","b"} as the text of a PostgreSQL array, new. */
static char *dlq_array(const char *const *items, int n)
{
        GString *s = g_string_new("{");

        for (int i = 0; i < n; i++) {
                g_string_append(s, i ? ",\"" : "\"");
                for (const char *p = items[i]; *p; p++) {
                        if (*p == '"' || *p == '\\')
                                g_string_append_c(s, '\\');
                        g_string_append_c(s, *p);
                }
                g_string_append_c(s, '"');
        }
        g_string_append_c(s, '}');
        return g_string_free(s, FALSE);
}

static PGresult *dlq_exec(PGconn *pg, const char *sql, int n,
                          const char *const *v)
{
        PGresult *res = PQexecParams(pg, sql, n, NULL, v, NULL, NULL, 0);

        if (PQresultStatus(res) != PGRES_TUPLES_OK &&
            PQresultStatus(res) != PGRES_COMMAND_OK) {
                fprintf(stderr, "docpipe dlq: %s", PQerrorMessage(pg));
                PQclear(res);
                return NULL;
        }
        return res;
}

/* The selection shared by list and replay: $1 stage, $2 class, $3 dead
 * letter ids, $4 document ids, $5 replayed ones too. */
#define DLQ_WHERE                                                              \
        " WHERE ($1::text IS NULL OR stage = $1)"                              \
        " AND ($2::text IS NULL OR error_class = $2)"                          \
        " AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))"                \
        " AND ($4::text[] IS NULL OR document_id = ANY($4::text[]))"           \
        " AND (replayed_at IS NULL OR $5::boolean)"

static int dlq_list(PGconn *pg, const struct dlq_opts *o)
{
        char limit[32];
        const char *v[6] = {
                o->stage, o->cls, NULL, NULL, o->all ? "true" : "false", limit};
        PGresult *res;
        int n;

        snprintf(limit, sizeof(limit), "%ld", o->limit);
        res = dlq_exec(pg,
                       "SELECT * FROM (SELECT id, document_id, stage,"
                       " error_class, attempts,"
                       " to_char(created_at, 'YYYY-MM-DD HH24:MI:SS'), replays,"
                       " left(replace(message, E'\\n', ' '), 70)"
                       " FROM dead_letters" DLQ_WHERE
                       " ORDER BY id DESC LIMIT $6::bigint) l ORDER BY id",
                       6, v);
        if (!res)
                return 1;
        n = PQntuples(res);
        printf("%-6s %-24s %-10s %-6s %8s %-19s %7s  %s\n", "id", "document",
               "stage", "class", "attempts", "created", "replays", "message");
        for (int i = 0; i < n; i++)
                printf("%-6s %-24s %-10s %-6s %8s %-19s %7s  %s\n",
                       PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
                       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5),
                       PQgetvalue(res, i, 6), PQgetvalue(res, i, 7));
        printf("(%d dead letters)\n", n);
        PQclear(res);
        return 0;
}

/* Prints a JSON text (may be NULL) indented under a label. */
static void dlq_print_json(const char *label, const char *text)
{
        json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
        char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                            JSON_ENCODE_ANY)
                    : NULL;

        printf("%s:%s%s\n", label, s ? "\n" : " ", s ? s : "-");
        free(s);
        json_decref(j);
}

static int dlq_show(PGconn *pg, const char *id)
{
        const char *v[1] = {id};
        PGresult *res;
        static const char *const labels[] = {
                "id",           "document", "stage",   "error class",
                "message",      "attempts", "created", "updated",
                "replayed",     "replays",  "dlq",     "key",
                "payload bytes"};

        res = dlq_exec(
                pg,
                "SELECT id, document_id, stage, error_class, message, attempts,"
                " created_at, updated_at, coalesce(replayed_at::text, 'no'),"
                " replays, coalesce(dlq_topic || '/' || dlq_partition || '@' ||"
                " dlq_offset, '-'), coalesce(encode(msg_key, 'escape'),"
                " '-'), coalesce(length(msg_value), 0), msg_headers::text,"
                " dlq_headers::text, job::text"
                " FROM dead_letters WHERE id::text = $1 OR document_id = $1"
                " ORDER BY id::text = $1 DESC LIMIT 1",
                1, v);
        if (!res)
                return 1;
        if (PQntuples(res) == 0) {
                fprintf(stderr, "docpipe dlq: no dead letter %s\n", id);
                PQclear(res);
                return 1;
        }
        for (int i = 0; i < 13; i++)
                printf("%s: %s\n", labels[i], PQgetvalue(res, 0, i));
        dlq_print_json("headers",
                       PQgetisnull(res, 0, 13) ? NULL : PQgetvalue(res, 0, 13));
        dlq_print_json("dlq headers",
                       PQgetisnull(res, 0, 14) ? NULL : PQgetvalue(res, 0, 14));
        dlq_print_json("job",
                       PQgetisnull(res, 0, 15) ? NULL : PQgetvalue(res, 0, 15));
        PQclear(res);
        return 0;
}

/* The headers of a replay: the message's own (msg_headers), where it was
 * first consumed (from dlq_headers), and docpipe-replay = the dead
 * letter's id. New. */
static rd_kafka_headers_t *dlq_replay_headers(const char *own, const char *dlq,
                                              const char *id)
{
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(8);
        static const char *const origin[] = {
                REQUEUE_H_TOPIC, REQUEUE_H_PARTITION, REQUEUE_H_OFFSET,
                REQUEUE_H_TIMESTAMP, NULL};
        json_t *a = own ? json_loads(own, 0, NULL) : NULL;
        json_t *o = dlq ? json_loads(dlq, 0, NULL) : NULL;
        json_t *pair;
        size_t i;

        json_array_foreach(a, i, pair)
        {
                const char *name = json_string_value(json_array_get(pair, 0));
                json_t *v = json_array_get(pair, 1);
                const char *b64 =
                        json_string_value(json_object_get(v, "base64"));

                if (!name)
                        continue;
                if (json_is_string(v)) {
                        rd_kafka_header_add(hdrs, name, -1,
                                            json_string_value(v),
                                            (ssize_t)json_string_length(v));
                } else if (b64) {
                        gsize len = 0;
                        guchar *raw = g_base64_decode(b64, &len);
                        rd_kafka_header_add(hdrs, name, -1, raw, (ssize_t)len);
                        g_free(raw);
                } else {
                        rd_kafka_header_add(hdrs, name, -1, NULL, 0);
                }
        }
        for (i = 0; origin[i]; i++) {
                const char *v =
                        json_string_value(json_object_get(o, origin[i]));
                if (v)
                        rd_kafka_header_add(hdrs, origin[i], -1, v, -1);
        }
        rd_kafka_header_add(hdrs, REQUEUE_H_REPLAY, -1, id, -1);
        json_decref(a);
        json_decref(o);
        return hdrs;
}

static int dlq_replay(PGconn *pg, const struct config *cfg,
                      const struct dlq_opts *o)
{
        char *ids = o->ids_n ? dlq_array(o->ids, o->ids_n) : NULL;
        char *docs = o->docs_n ? dlq_array(o->docs, o->docs_n) : NULL;
        const char *v[5] = {o->stage, o->cls, ids, docs,
                            o->force ? "true" : "false"};
        const char **done = NULL;
        PGresult *res = NULL, *r;
        rd_kafka_t *rk = NULL;
        struct err err;
        int failed = 0, n = 0, sent = 0, skipped = 0, rc = 1;

        r = dlq_exec(pg, "BEGIN", 0, NULL);
        if (!r)
                goto out;
        PQclear(r);
        /* Locked until COMMIT: a second replay skips them, a worker's
         * write of the same dead letter waits for the mark. */
        res = dlq_exec(pg,
                       "SELECT id, document_id, msg_key, msg_value,"
                       " msg_headers::text, dlq_headers::text,"
                       " msg_value IS NULL AND msg_key IS NULL"
                       " FROM dead_letters" DLQ_WHERE
                       " ORDER BY id FOR UPDATE SKIP LOCKED",
                       5, v);
        if (!res)
                goto out;
        n = PQntuples(res);
        done = xcalloc((size_t)n + 1, sizeof(*done));
        err_clear(&err);
        rk = kafka_submitter_new(cfg, &failed, &err);
        if (!rk) {
                fprintf(stderr, "docpipe dlq: %s\n", err.msg);
                goto out;
        }
        for (int i = 0; i < n; i++) {
                const char *id = PQgetvalue(res, i, 0);
                unsigned char *key = NULL, *val = NULL;
                size_t keylen = 0, len = 0;
                rd_kafka_headers_t *hdrs;
                rd_kafka_resp_err_t e;

                if (strcmp(PQgetvalue(res, i, 6), "t") == 0) {
                        fprintf(stderr,
                                "docpipe dlq: %s (%s): no message kept (a "
                                "dead letter from before retry topics): "
                                "skipped\n",
                                id, PQgetvalue(res, i, 1));
                        skipped++;
                        continue;
                }
                if (!PQgetisnull(res, i, 2))
                        key = PQunescapeBytea(
                                (const unsigned char *)PQgetvalue(res, i, 2),
                                &keylen);
                if (!PQgetisnull(res, i, 3))
                        val = PQunescapeBytea(
                                (const unsigned char *)PQgetvalue(res, i, 3),
                                &len);
                hdrs = dlq_replay_headers(
                        PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4),
                        PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5),
                        id);
                e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(cfg->topic_jobs),
                                      RD_KAFKA_V_KEY(key, keylen),
                                      RD_KAFKA_V_VALUE(val, len),
                                      RD_KAFKA_V_HEADERS(hdrs),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_END);
                PQfreemem(key);
                PQfreemem(val);
                if (e) {
                        rd_kafka_headers_destroy(hdrs);
                        fprintf(stderr, "docpipe dlq: %s: produce: %s\n", id,
                                rd_kafka_err2str(e));
                        failed++;
                        continue;
                }
                done[sent++] = id;
                printf("replaying dead letter %s (document %s) to %s\n", id,
                       PQgetvalue(res, i, 1), cfg->topic_jobs);
        }
        if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
                failed += rd_kafka_outq_len(rk);
        if (failed) {
                /* Which ones went is unknown: mark none. A job that is
                 * there twice is done once. */
                fprintf(stderr,
                        "docpipe dlq: %d messages not delivered: nothing "
                        "marked replayed; run it again\n",
                        failed);
                goto out;
        }
        if (sent > 0) {
                char *list = dlq_array(done, sent);
                const char *u[1] = {list};
                r = dlq_exec(pg,
                             "UPDATE dead_letters SET replayed_at = now(),"
                             " replays = replays + 1, updated_at = now()"
                             " WHERE id = ANY($1::bigint[])",
                             1, u);
                free(list);
                if (!r)
                        goto out;
                PQclear(r);
        }
        r = dlq_exec(pg, "COMMIT", 0, NULL);
        if (!r)
                goto out;
        PQclear(r);
        printf("docpipe dlq: %d replayed, %d skipped\n", sent, skipped);
        rc = 0;
out:
        if (rc)
                PQclear(PQexec(pg, "ROLLBACK"));
        if (rk)
                rd_kafka_destroy(rk);
        free(done);
        PQclear(res);
        free(ids);
        free(docs);
        return rc;
}

int cmd_dlq(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"brokers", required_argument, NULL, 'b'},
                {"stage", required_argument, NULL, 's'},
                {"class", required_argument, NULL, 'C'},
                {"limit", required_argument, NULL, 'n'},
                {"id", required_argument, NULL, 'i'},
                {"doc", required_argument, NULL, 'd'},
                {"all", no_argument, NULL, 'a'},
                {"force", no_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct dlq_opts o = {.limit = 100};
        const char *path = NULL, *brokers = NULL, *verb;
        struct config cfg;
        struct err err;
        PGconn *pg = NULL;
        int c, rc = 2;

        if (argc < 2 || cmd_wants_help(argc, argv)) {
                dlq_usage(argc < 2 ? stderr : stdout);
                return argc < 2 ? 2 : 0;
        }
        verb = argv[1];
        optind = 2;
        while ((c = getopt_long(argc, argv, "c:b:h", opts, NULL)) != -1) {
                char *end = NULL;
                switch (c) {
                case 'c':
                        path = optarg;
                        break;
                case 'b':
                        brokers = optarg;
                        break;
                case 's':
                        o.stage = optarg;
                        break;
                case 'C':
                        o.cls = optarg;
                        break;
                case 'n':
                        o.limit = strtol(optarg, &end, 10);
                        if (!*optarg || *end || o.limit < 1) {
                                fprintf(stderr,
                                        "docpipe dlq: bad --limit "
                                        "'%s'\n",
                                        optarg);
                                return 2;
                        }
                        break;
                case 'i':
                        strtoll(optarg, &end, 10);
                        if (!*optarg || *end || o.ids_n == DLQ_MAX_IDS) {
                                fprintf(stderr,
                                        "docpipe dlq: bad --id '%s' "
                                        "(a dead letter's number)\n",
                                        optarg);
                                return 2;
                        }
                        o.ids[o.ids_n++] = optarg;
                        break;
                case 'd':
                        if (o.docs_n == DLQ_MAX_IDS)
                                return 2;
                        o.docs[o.docs_n++] = optarg;
                        break;
                case 'a':
                        o.all = 1;
                        break;
                case 'f':
                        o.force = 1;
                        break;
                default:
                        dlq_usage(stderr);
                        return 2;
                }
        }
        if (strcmp(verb, "list") == 0   ? optind != argc
            : strcmp(verb, "show") == 0 ? optind != argc - 1
            : strcmp(verb, "replay") == 0
                    ? optind != argc ||
                              (!o.stage && !o.cls && !o.ids_n && !o.docs_n)
                    : 1) {
                dlq_usage(stderr);
                return 2;
        }
        memset(&cfg, 0, sizeof(cfg));
        err_clear(&err);
        if (config_load(&cfg, path, &err) < 0) {
                fprintf(stderr, "docpipe: %s\n", err.msg);
                return 2;
        }
        if (brokers)
                config_kafka_set(&cfg, "bootstrap.servers", brokers);
        pg = PQconnectdb(cfg.pg_dsn ? cfg.pg_dsn : "");
        if (PQstatus(pg) != CONNECTION_OK) {
                char line[400];

                /* libpq may quote the DSN back, password and all. */
                fprintf(stderr, "docpipe dlq: postgres: %s\n",
                        store_dsn_line(PQerrorMessage(pg),
                                       cfg.pg_dsn ? cfg.pg_dsn : "", line,
                                       sizeof(line)));
                rc = 1;
        } else if (strcmp(verb, "list") == 0) {
                rc = dlq_list(pg, &o);
        } else if (strcmp(verb, "show") == 0) {
                rc = dlq_show(pg, argv[optind]);
        } else {
                rc = dlq_replay(pg, &cfg, &o);
        }
        PQfinish(pg);
        config_cleanup(&cfg);
        return rc;
}
