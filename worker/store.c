/*
 * store: docpipe's PostgreSQL (see store.h).
 *
 * store_migrate applies the embedded migrations on a connection of its own,
 * all of them in one transaction with their schema_migrations rows, under
 * a transaction-scoped advisory lock (so that it also works behind a
 * pooler in transaction mode).
 *
 * The rest runs on one store thread with its own connection. store_lookup,
 * store_put and the spend functions (loop thread) queue an op under s->mu;
 * the thread serves lookups and reservations as they come, then writes
 * the settlements queued so far, then puts in batches of at most
 * postgres.batch_max, one transaction per batch, waiting at most
 * postgres.batch_ms after the oldest queued put for a batch to fill. A
 * finished op moves to s->done and uv_async_send wakes the loop thread,
 * which calls the op's callback: callbacks only ever run on the loop thread.
 *
 * The tenant daily budget: a reservation is one conditional upsert of
 * tenant_spend (INSERT ... ON CONFLICT DO UPDATE ... WHERE committed + usd
 * <= cap), atomic against every other replica. While PostgreSQL is down it
 * waits at most STORE_RESERVE_WAIT_MS, then fails with ERR_RETRY: a budget
 * that cannot be checked is not passed. Settlements (real cost less the
 * estimate) have no callback; those queued together are summed per tenant
 * and day and written in one transaction, rows in one order. A COMMIT whose
 * reply is lost may or may not have happened: the settlement is then
 * written again only where that errs on the side of spending less (the
 * positive deltas), so a lost connection can leave a tenant counted too
 * high, never too low.
 *
 * The statements run per document are prepared once per connection
 * (store_stmt), or sent unprepared after a pooler has lost them once.
 *
 * Every write is one parameterized statement per document, an idempotent
 * upsert keyed by the document id, so a batch may be written again after a
 * lost connection (the COMMIT may or may not have happened) without doubling
 * anything. Connection trouble is retried with backoff (100 ms doubling to
 * 5 s, jittered) for as long as the store lives. A data error (SQLSTATE
 * class 22, 23 or 54) makes the batch be written again one document per
 * transaction, so that only the offending document fails, with ERR_INPUT;
 * so does any other error, which fails the documents it hits with
 * ERR_FATAL (a missing table, say).
 *
 * Owns: the thread, its connection, every queued or finished op (an op
 * borrows its doc until its callback).
 */
#include "store.h"

#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "migration.h"

#define STORE_BACKOFF_MIN_MS 100u
#define STORE_BACKOFF_MAX_MS 5000u
#define STORE_ARGS_MAX 40
/* store_free cancels a statement still running this long after its
 * deadline. */
#define STORE_CANCEL_GRACE_MS 1000
/* How long a reservation waits for an unreachable PostgreSQL. */
#define STORE_RESERVE_WAIT_MS 3000
/* pg_advisory_lock key of store_migrate: "docpipe" in ASCII. */
#define STORE_MIGRATE_LOCK "28269970549469285"

enum op_kind { OP_LOOKUP, OP_PUT, OP_RESERVE, OP_SETTLE };

/* One request. It is on exactly one list at a time: s->asks, s->puts or
 * s->settles (queued), the store thread's hands (running), s->done
 * (finished, waiting for the loop thread; never a settlement, which the
 * store thread frees). */
struct op {
        enum op_kind kind;
        struct doc *doc; /* lookup, put: borrowed until the callback */
        store_lookup_fn lookup_cb;
        store_put_fn put_cb;
        store_reserve_fn reserve_cb;
        void *arg;          /* of reserve_cb */
        char *tenant;       /* reserve, settle: owned */
        char day[16];       /* settle: given; reserve: answered */
        long long usd, cap; /* nano-dollars: reserve usd (under cap),
                               settle delta */
        int granted;        /* reserve */
        uint64_t seq;       /* order of arrival */
        uint64_t queued_ns; /* monotonic clock, for the batch timer */
        enum store_found found;
        PGresult *res;  /* STORE_REUSED: the row to copy from */
        struct err err; /* ERR_OK when it succeeded */
        struct op *next;
};

struct op_list {
        struct op *head, *tail;
        size_t n;
};

struct store {
        uv_loop_t *loop;
        uv_async_t async; /* wakes the loop thread: s->done has ops */

        char *dsn;     /* copied from the config */
        int batch_max; /* postgres.batch_max, at least 1 */
        int batch_ms;  /* postgres.batch_ms */

        pthread_t thread;
        pthread_mutex_t mu;
        pthread_cond_t cv; /* queued work, or stopping; CLOCK_MONOTONIC */
        /* Under mu. asks: lookups and reservations, answered at once. */
        struct op_list asks, puts, settles, done;
        int stopping;
        uint64_t deadline_ns; /* when stopping: give up from then on */
        uint64_t seq;

        /* Loop thread only. */
        int closed; /* store_free ran: new ops fail at once */

        /* Store thread only; cancel also under mu, for store_free. */
        PGconn *pg;
        PGcancel *cancel;
        unsigned backoff_ms;
        int troubled;           /* a problem was logged and is not over yet */
        atomic_int unreachable; /* troubled, for any thread to read
                                   (store_reachable) */
        uint64_t rand;
        unsigned prepared; /* bit (1u << stmt): prepared on pg */
        int unprepared;    /* statements went missing: plain from now on */
};

/* What a statement's failure means for the caller. */
enum pg_outcome {
        PG_OK,
        PG_DATA,  /* this document's data is refused: ERR_INPUT */
        PG_RETRY, /* connection, deadlock, shutdown: try again */
        PG_FATAL  /* anything else: the schema or the server is wrong */
};

static uint64_t store_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void op_list_push(struct op_list *l, struct op *op)
{
        op->next = NULL;
        if (l->tail)
                l->tail->next = op;
        else
                l->head = op;
        l->tail = op;
        l->n++;
}

static struct op *op_list_pop(struct op_list *l)
{
        struct op *op = l->head;

        if (!op)
                return NULL;
        l->head = op->next;
        if (!l->head)
                l->tail = NULL;
        l->n--;
        op->next = NULL;
        return op;
}

static void store_op_free(struct op *op)
{
        free(op->tenant);
        free(op);
}

/* ---- libpq helpers (any thread) ---------------------------------------- */

/* Copies the first line of a libpq message into buf. */
static const char *store_line(const char *msg, char *buf, size_t n)
{
        size_t len;

        if (!msg || !*msg)
                msg = "unknown error";
        if (strncmp(msg, "ERROR:  ", 8) == 0 ||
            strncmp(msg, "FATAL:  ", 8) == 0)
                msg += 8;
        else if (strncmp(msg, "NOTICE:  ", 9) == 0)
                msg += 9;
        len = strcspn(msg, "\n");
        if (len >= n)
                len = n - 1;
        memcpy(buf, msg, len);
        buf[len] = '\0';
        return buf;
}

/* Writes libpq's message msg about dsn to buf (size n), one line as
 * store_line, without the password: a DSN that cannot be parsed is quoted
 * back in pieces, the whole URI even ("invalid percent-encoded token:
 * "pa%zzss"", "... in URI: "postgresql://app:secret@[::1/db""), so there
 * every quoted piece of the DSN is masked; otherwise any quoted piece
 * holding the password is, and the password itself wherever it shows.
 * Returns buf. */
const char *store_dsn_line(const char *msg, const char *dsn, char *buf,
                           size_t n)
{
        PQconninfoOption *opts = PQconninfoParse(dsn, NULL);
        const char *pw = NULL, *p;
        char line[400];
        size_t o = 0;

        for (PQconninfoOption *opt = opts; opt && opt->keyword; opt++)
                if (strcmp(opt->keyword, "password") == 0 && opt->val &&
                    *opt->val)
                        pw = opt->val;
        store_line(msg, line, sizeof(line));
        for (p = line; *p && o + 1 < n;) {
                const char *end = *p == '"' ? strchr(p + 1, '"') : NULL;
                size_t len = end ? (size_t)(end - p - 1) : 0;
                char *piece = end ? xstrndup(p + 1, len) : NULL;
                int mask = piece && strcmp(piece, "=") != 0 &&
                           ((!opts && len && strstr(dsn, piece)) ||
                            (pw && strstr(piece, pw)));

                free(piece);
                if (!mask) {
                        buf[o++] = *p++;
                        continue;
                }
                o += (size_t)snprintf(buf + o, n - o, "\"***\"");
                if (o >= n)
                        o = n - 1;
                p = end + 1;
        }
        buf[o] = '\0';
        /* Anywhere else too (a password that is also the user name). */
        for (char *at = pw ? strstr(buf, pw) : NULL; at; at = strstr(at, pw)) {
                size_t pl = strlen(pw);

                if (pl >= 3) {
                        memcpy(at, "***", 3);
                        memmove(at + 3, at + pl, strlen(at + pl) + 1);
                } else {
                        memset(at, '*', pl);
                }
                at += pl < 3 ? pl : 3;
        }
        PQconninfoFree(opts);
        return buf;
}

/* Server notices ("relation already exists, skipping") are debug lines. */
static void store_on_notice(void *arg, const char *msg)
{
        (void)arg;
        if (log_enabled(LOG_DEBUG)) {
                char line[400];
                log_msg(LOG_DEBUG, "postgres", "%s",
                        store_line(msg, line, sizeof(line)));
        }
}

/* Connects to dsn. Our settings come before the DSN so that it may override
 * them, except client_encoding: docpipe's strings are UTF-8. Returns a new
 * connection, to be checked with PQstatus. */
static PGconn *store_pg_connect(const char *dsn, const char *app)
{
        const char *keys[] = {"connect_timeout",     "keepalives_idle",
                              "keepalives_interval", "keepalives_count",
                              "application_name",    "dbname",
                              "client_encoding",     NULL};
        const char *vals[] = {"10", "30", "10", "3", app, dsn, "UTF8", NULL};

        PGconn *pg = PQconnectdbParams(keys, vals, 1);

        if (pg)
                PQsetNoticeProcessor(pg, store_on_notice, NULL);
        return pg;
}

/* Classifies a statement's result (res may be NULL) and, unless PG_OK,
 * sets err with PostgreSQL's message and SQLSTATE. */
static enum pg_outcome store_outcome(PGconn *pg, const PGresult *res,
                                     struct err *err)
{
        ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        const char *state, *msg;
        char line[400];

        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
            st == PGRES_EMPTY_QUERY)
                return PG_OK;
        state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        if (!msg)
                msg = res ? PQresultErrorMessage(res) : PQerrorMessage(pg);
        store_line(msg, line, sizeof(line));
        if (!state || PQstatus(pg) != CONNECTION_OK) {
                err_set(err, ERR_RETRY, "postgres: %s", line);
                return PG_RETRY;
        }
        /* 22 data exception, 23 integrity constraint, 54 program limit
         * (an id too long for the index): the document's own fault. */
        if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0 ||
            strncmp(state, "54", 2) == 0) {
                err_set(err, ERR_INPUT, "postgres refused it: %s (%s)", line,
                        state);
                return PG_DATA;
        }
        /* 08 connection, 40 rollback (deadlock, serialization), 53
         * resources, 57 operator (shutdown, cancel), 58 system, 55P03
         * lock timeout: all pass. */
        if (strncmp(state, "08", 2) == 0 || strncmp(state, "40", 2) == 0 ||
            strncmp(state, "53", 2) == 0 || strncmp(state, "57", 2) == 0 ||
            strncmp(state, "58", 2) == 0 || strcmp(state, "55P03") == 0) {
                err_set(err, ERR_RETRY, "postgres: %s (%s)", line, state);
                return PG_RETRY;
        }
        err_set(err, ERR_FATAL, "postgres: %s (%s)", line, state);
        return PG_FATAL;
}

/* Runs sql with n parameters (NULL means SQL NULL), text unless formats
 * (may be NULL) says 1 for binary, of lengths. On PG_OK, *out (may be
 * NULL) gets the new result; otherwise err is set. */
static enum pg_outcome store_exec_bin(PGconn *pg, const char *sql, int n,
                                      const char *const *values,
                                      const int *lengths, const int *formats,
                                      PGresult **out, struct err *err)
{
        PGresult *res =
                PQexecParams(pg, sql, n, NULL, values, lengths, formats, 0);
        enum pg_outcome o = store_outcome(pg, res, err);

        if (o == PG_OK && out) {
                *out = res;
                return o;
        }
        PQclear(res);
        return o;
}

/* Runs sql with n text parameters (NULL means SQL NULL). On PG_OK, *out
 * (may be NULL) gets the new result; otherwise err is set. */
static enum pg_outcome store_exec(PGconn *pg, const char *sql, int n,
                                  const char *const *values, PGresult **out,
                                  struct err *err)
{
        return store_exec_bin(pg, sql, n, values, NULL, NULL, out, err);
}

/* ---- migrations ------------------------------------------------------- */

static const char SQL_MIGRATIONS_TABLE[] =
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY,"
        " name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())";

/* Applies migration m unless schema_migrations has it, in the caller's
 * transaction. Returns 1 when applied, 0 when it was already, -1. */
static int store_migrate_one(PGconn *pg, const struct migration *m,
                             struct err *err)
{
        char ver[16];
        const char *v[2] = {ver, m->name};
        PGresult *res = NULL;
        enum pg_outcome o;
        int done;

        snprintf(ver, sizeof(ver), "%d", m->version);
        o = store_exec(pg, "SELECT 1 FROM schema_migrations WHERE version = $1",
                       1, v, &res, err);
        if (o != PG_OK)
                return -1;
        done = PQntuples(res) > 0;
        PQclear(res);
        if (done)
                return 0;
        /* Simple query protocol: a migration may hold many statements. */
        res = PQexec(pg, m->sql);
        o = store_outcome(pg, res, err);
        PQclear(res);
        if (o == PG_OK)
                o = store_exec(pg,
                               "INSERT INTO schema_migrations (version, name) "
                               "VALUES ($1, $2)",
                               2, v, NULL, err);
        if (o != PG_OK) {
                err_prefix(err, "migration %s: ", m->name);
                return -1;
        }
        return 1;
}

int store_migrate(const char *dsn, struct err *err)
{
        PGconn *pg = store_pg_connect(dsn ? dsn : "", "docpipe-migrate");
        int rc = -1, last = 0, applied = 0;
        const char *newest = NULL;
        char line[400];

        if (PQstatus(pg) != CONNECTION_OK) {
                err_set(err, ERR_RETRY, "postgres: cannot connect: %s",
                        store_dsn_line(PQerrorMessage(pg), dsn ? dsn : "", line,
                                       sizeof(line)));
                goto out;
        }
        /* One transaction, under a lock that lasts as long: others wait
         * for it and then find nothing to do; a failure half-way leaves
         * nothing applied. A transaction-scoped lock, so that this works
         * behind a pooler in transaction mode too (a session lock would
         * stay with whichever server connection the pool gave it). */
        if (store_exec(pg, "BEGIN", 0, NULL, NULL, err) != PG_OK)
                goto out;
        if (store_exec(pg,
                       "SELECT pg_advisory_xact_lock(" STORE_MIGRATE_LOCK ")",
                       0, NULL, NULL, err) != PG_OK)
                goto out;
        if (store_exec(pg, SQL_MIGRATIONS_TABLE, 0, NULL, NULL, err) != PG_OK)
                goto out;
        /* In version order, whatever the order of the array. */
        for (;;) {
                const struct migration *next = NULL;
                for (int i = 0; i < migrations_n; i++) {
                        if (migrations[i].version > last &&
                            (!next || migrations[i].version < next->version))
                                next = &migrations[i];
                }
                if (!next)
                        break;
                switch (store_migrate_one(pg, next, err)) {
                case -1:
                        goto out;
                case 1:
                        applied++;
                        newest = next->name;
                }
                last = next->version;
        }
        if (store_exec(pg, "COMMIT", 0, NULL, NULL, err) != PG_OK)
                goto out;
        if (applied)
                log_info("postgres", "%d migrations applied, up to %s", applied,
                         newest);
        rc = 0;
out:
        PQfinish(pg);
        return rc;
}

/* ---- statements ------------------------------------------------------- */

/* clang-format off */
/* Parameters $1..$14 of both writes: the documents row. */
#define SQL_DOC_COLUMNS                                                        \
        "id, tenant, source, content_type, sha256, bytes, pages, status, "     \
        "title, author, created_at_doc, metadata, kafka_topic, "               \
        "kafka_partition, kafka_offset, processed_at, updated_at"
#define SQL_DOC_VALUES(status)                                                 \
        "$1, coalesce($2, 'default'), $3, $4, $5, $6::bigint, $7::integer, "   \
        "'" status "', $8, $9, docpipe_timestamptz($10), $11::jsonb, $12, "    \
        "$13::integer, $14::bigint, now(), now()"
#define SQL_DOC_UPDATE(status)                                                 \
        "tenant = EXCLUDED.tenant, source = EXCLUDED.source, "                 \
        "content_type = EXCLUDED.content_type, sha256 = EXCLUDED.sha256, "     \
        "bytes = EXCLUDED.bytes, pages = EXCLUDED.pages, "                     \
        "status = '" status "', title = EXCLUDED.title, "                      \
        "author = EXCLUDED.author, created_at_doc = EXCLUDED.created_at_doc, " \
        "metadata = EXCLUDED.metadata, kafka_topic = EXCLUDED.kafka_topic, "   \
        "kafka_partition = EXCLUDED.kafka_partition, "                         \
        "kafka_offset = EXCLUDED.kafka_offset, processed_at = now(), "         \
        "updated_at = now()"

/* The document whose result a reused document copied: the first one done
 * with the same content, itself not a copy when possible. The lookup and
 * the write choose the same way. */
#define SQL_REUSE_ORDER \
        "ORDER BY r.reused_from IS NOT NULL, d.processed_at, d.id"

/* A result: $15 class, $16 confidence, $17 fields, $18 summary,
 * $19 language, $20 model, $21 reused, $22 model calls (JSON array),
 * $23 shadow comparisons (JSON array), $24 the OCR'd pages' confidence
 * (JSON object or NULL). A dead letter of the same document, if any, is
 * over. */
static const char SQL_PUT_RESULT[] =
        "WITH doc AS ("
        " INSERT INTO documents AS d (" SQL_DOC_COLUMNS ", ocr_confidence)"
        " VALUES (" SQL_DOC_VALUES("done") ", $24::jsonb)"
        " ON CONFLICT (id) DO UPDATE SET " SQL_DOC_UPDATE("done")
        ", ocr_confidence = EXCLUDED.ocr_confidence"
        " RETURNING d.id"
        "), res AS ("
        " INSERT INTO results AS x (document_id, class, confidence, fields,"
        "  summary, language, model, reused_from)"
        " SELECT doc.id, $15, $16::double precision, $17::jsonb, $18, $19,"
        "  $20, CASE WHEN $21::boolean THEN"
        "  (SELECT coalesce(r.reused_from, d.id)"
        "   FROM documents d JOIN results r ON r.document_id = d.id"
        "   WHERE d.sha256 = $5 AND d.status = 'done' AND d.id <> $1"
        "   " SQL_REUSE_ORDER " LIMIT 1) END"
        " FROM doc"
        " ON CONFLICT (document_id) DO UPDATE SET class = EXCLUDED.class,"
        "  confidence = EXCLUDED.confidence, fields = EXCLUDED.fields,"
        "  summary = EXCLUDED.summary, language = EXCLUDED.language,"
        "  model = EXCLUDED.model, reused_from = EXCLUDED.reused_from,"
        "  updated_at = now()"
        " RETURNING x.document_id"
        "), gone AS ("
        " DELETE FROM dead_letters WHERE document_id IN (SELECT id FROM doc)"
        "), unext AS ("
        " DELETE FROM extractions WHERE sha256 = $5"
        "), calls AS ("
        " INSERT INTO model_calls (document_id, seq, stage, provider, model,"
        "  input_tokens, cached_input_tokens, output_tokens, cost_usd,"
        "  latency_ms, outcome, endpoint, price_version, usage, shadow)"
        " SELECT doc.id, c.seq, c.stage, c.provider, c.model,"
        "  c.input_tokens, c.cached_input_tokens, c.output_tokens,"
        "  c.cost_usd, c.latency_ms, c.outcome, nullif(c.endpoint, ''),"
        "  nullif(c.price_version, ''), c.usage, coalesce(c.shadow, false)"
        " FROM doc, jsonb_to_recordset($22::jsonb) AS c(seq integer,"
        "  stage text, provider text, model text, input_tokens bigint,"
        "  cached_input_tokens bigint, output_tokens bigint,"
        "  cost_usd numeric, latency_ms double precision, outcome text,"
        "  endpoint text, price_version text, usage jsonb, shadow boolean)"
        " ON CONFLICT (document_id, stage, seq) DO NOTHING"
        "), shadows AS ("
        " INSERT INTO shadow_comparisons AS s (document_id, stage,"
        "  primary_model, reference_model, agree, score, primary_answer,"
        "  reference_answer, details)"
        " SELECT doc.id, c.stage, c.primary_model, c.reference_model,"
        "  c.agree, c.score, c.primary_answer, c.reference_answer, c.details"
        " FROM doc, jsonb_to_recordset($23::jsonb) AS c(stage text,"
        "  primary_model text, reference_model text, agree boolean,"
        "  score double precision, primary_answer jsonb,"
        "  reference_answer jsonb, details jsonb)"
        " ON CONFLICT (document_id, stage) DO UPDATE SET"
        "  primary_model = EXCLUDED.primary_model,"
        "  reference_model = EXCLUDED.reference_model,"
        "  agree = EXCLUDED.agree, score = EXCLUDED.score,"
        "  primary_answer = EXCLUDED.primary_answer,"
        "  reference_answer = EXCLUDED.reference_answer,"
        "  details = EXCLUDED.details"
        ")"
        " SELECT count(*) FROM res";

/* A dead letter: $15 stage, $16 error class, $17 message, $18 attempts,
 * $19 job; the message as it came: $20 key and $21 payload (binary), $22
 * its own headers; $23 the headers the dead-letter topic has it with, and
 * $24..$26 where; $27..$31 the extraction (text, subject, creator,
 * producer, modified) when the document got that far, kept for a replay
 * (extractions). Nothing at all when the document is already done. A new
 * failure after a replay makes the dead letter pending again. */
static const char SQL_PUT_DEAD[] =
        "WITH doc AS ("
        " INSERT INTO documents AS d (" SQL_DOC_COLUMNS ")"
        " VALUES (" SQL_DOC_VALUES("dead") ")"
        " ON CONFLICT (id) DO UPDATE SET " SQL_DOC_UPDATE("dead")
        " WHERE d.status <> 'done'"
        " RETURNING d.id"
        "), ext AS ("
        " INSERT INTO extractions (sha256, text, pages, title, author,"
        "  subject, creator, producer, created, modified)"
        " SELECT $5, $27::text, $7::integer, $8, $9, $28::text, $29::text,"
        "  $30::text, $10, $31::text"
        " FROM doc WHERE $5 IS NOT NULL AND $27::text IS NOT NULL"
        " ON CONFLICT (sha256) DO NOTHING"
        ")"
        " INSERT INTO dead_letters AS l (document_id, stage, error_class,"
        "  message, attempts, job, msg_key, msg_value, msg_headers,"
        "  dlq_headers, dlq_topic, dlq_partition, dlq_offset)"
        " SELECT doc.id, $15, $16, $17, $18::integer, $19::jsonb,"
        "  $20::bytea, $21::bytea, $22::jsonb, $23::jsonb, $24,"
        "  $25::integer, $26::bigint FROM doc"
        " ON CONFLICT (document_id) DO UPDATE SET stage = EXCLUDED.stage,"
        "  error_class = EXCLUDED.error_class, message = EXCLUDED.message,"
        "  attempts = EXCLUDED.attempts, job = EXCLUDED.job,"
        "  msg_key = EXCLUDED.msg_key, msg_value = EXCLUDED.msg_value,"
        "  msg_headers = EXCLUDED.msg_headers,"
        "  dlq_headers = EXCLUDED.dlq_headers,"
        "  dlq_topic = EXCLUDED.dlq_topic,"
        "  dlq_partition = EXCLUDED.dlq_partition,"
        "  dlq_offset = EXCLUDED.dlq_offset, replayed_at = NULL,"
        "  updated_at = now()";

/* A reservation: $1 tenant, $2 nano-dollars, $3 the cap in nano-dollars.
 * A row (the day) when it was granted, none when it would pass the cap.
 * ON CONFLICT DO UPDATE locks the tenant's row and checks its WHERE
 * against the latest committed version: replicas take turns. */
static const char SQL_RESERVE[] =
        "INSERT INTO tenant_spend AS t (tenant, day, committed_usd)"
        " SELECT $1, (now() AT TIME ZONE 'UTC')::date,"
        "  $2::numeric / 1000000000"
        " WHERE $2::numeric <= $3::numeric"
        " ON CONFLICT (tenant, day) DO UPDATE"
        " SET committed_usd = t.committed_usd + EXCLUDED.committed_usd,"
        "  updated_at = now()"
        " WHERE t.committed_usd + EXCLUDED.committed_usd"
        "  <= $3::numeric / 1000000000"
        " RETURNING t.day::text";

/* A settlement: $1 tenant, $2 day, $3 nano-dollars to add. */
static const char SQL_SETTLE[] =
        "UPDATE tenant_spend"
        " SET committed_usd = committed_usd + $3::numeric / 1000000000,"
        "  updated_at = now()"
        " WHERE tenant = $1 AND day = $2::date";

/* $1 id, $2 sha256 (NULL: only the id counts), $3 a replay (a dead
 * document is processed again). Rank 0: the id has an outcome; rank 1: a
 * result to copy; rank 2: an extraction to take (columns 7 to 15). */
static const char SQL_LOOKUP[] =
        "SELECT 0, NULL::text, NULL::double precision, NULL::text, NULL::text,"
        " NULL::text, NULL::text, NULL::integer, NULL::text, NULL::text,"
        " NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,"
        " NULL::text"
        " FROM documents WHERE id = $1 AND (status = 'done'"
        "  OR (status = 'dead' AND NOT $3::boolean))"
        " UNION ALL "
        "(SELECT 1, r.class, r.confidence, r.fields::text, r.summary,"
        "  r.language, r.model, d.pages, d.title, d.author,"
        "  to_json(d.created_at_doc) #>> '{}', NULL, NULL, NULL, NULL, NULL"
        " FROM documents d JOIN results r ON r.document_id = d.id"
        " WHERE d.sha256 = $2 AND d.status = 'done' AND d.id <> $1"
        " " SQL_REUSE_ORDER " LIMIT 1)"
        " UNION ALL "
        "(SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, e.pages, e.title,"
        "  e.author, e.created, e.text, e.subject, e.creator, e.producer,"
        "  e.modified FROM extractions e WHERE e.sha256 = $2)"
        " ORDER BY 1 LIMIT 1";
/* clang-format on */

/* The statements run for every document or call, prepared once per
 * connection: PostgreSQL parses and plans SQL_PUT_RESULT's six statements
 * once, not once a document (that was most of its CPU). */
enum stmt {
        STMT_PUT_RESULT,
        STMT_PUT_DEAD,
        STMT_LOOKUP,
        STMT_RESERVE,
        STMT_SETTLE,
        STMT_N
};

static const struct {
        const char *name, *sql;
} stmts[STMT_N] = {
        [STMT_PUT_RESULT] = {"docpipe_put_result", SQL_PUT_RESULT},
        [STMT_PUT_DEAD] = {"docpipe_put_dead", SQL_PUT_DEAD},
        [STMT_LOOKUP] = {"docpipe_lookup", SQL_LOOKUP},
        [STMT_RESERVE] = {"docpipe_reserve", SQL_RESERVE},
        [STMT_SETTLE] = {"docpipe_settle", SQL_SETTLE},
};

/* Runs statement st on s->pg as store_exec_bin does, preparing it first
 * if this connection has not. A statement that went missing (a pooler in
 * transaction mode hands each transaction another server connection:
 * SQLSTATE 26000) fails this once with ERR_RETRY, and statements are sent
 * unprepared from then on. */
static enum pg_outcome store_stmt(struct store *s, enum stmt st, int n,
                                  const char *const *values, const int *lengths,
                                  const int *formats, PGresult **out,
                                  struct err *err)
{
        PGresult *res;
        enum pg_outcome o;
        const char *state;

        if (s->unprepared)
                return store_exec_bin(s->pg, stmts[st].sql, n, values, lengths,
                                      formats, out, err);
        if (!(s->prepared & (1u << st))) {
                res = PQprepare(s->pg, stmts[st].name, stmts[st].sql, 0, NULL);
                o = store_outcome(s->pg, res, err);
                PQclear(res);
                if (o != PG_OK)
                        return o;
                s->prepared |= 1u << st;
        }
        res = PQexecPrepared(s->pg, stmts[st].name, n, values, lengths, formats,
                             0);
        o = store_outcome(s->pg, res, err);
        state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        if (o != PG_OK && state && strcmp(state, "26000") == 0) {
                log_warn("store",
                         "prepared statement %s went missing (a pooler in "
                         "transaction mode?): statements are sent "
                         "unprepared from now on",
                         stmts[st].name);
                s->unprepared = 1;
                err_set(err, ERR_RETRY, "postgres: %s went missing",
                        stmts[st].name);
                o = PG_RETRY;
        }
        if (o == PG_OK && out) {
                *out = res;
                return o;
        }
        PQclear(res);
        return o;
}

/* ---- parameters ------------------------------------------------------- */

/* The text parameters of one statement. */
struct args {
        const char *v[STORE_ARGS_MAX];
        int len[STORE_ARGS_MAX]; /* of binary parameters */
        int fmt[STORE_ARGS_MAX]; /* 0 text, 1 binary */
        int n;
        char num[STORE_ARGS_MAX][32];
        char *owned[STORE_ARGS_MAX]; /* freed by args_cleanup */
        int owned_n;
};

static void args_str(struct args *a, const char *s)
{
        a->v[a->n++] = s;
}

/* Steals s (may be NULL). */
static void args_own(struct args *a, char *s)
{
        if (s)
                a->owned[a->owned_n++] = s;
        a->v[a->n++] = s;
}

/* A binary parameter (bytea): p (NULL: SQL NULL), borrowed. */
static void args_bin(struct args *a, const void *p, size_t len)
{
        a->len[a->n] = p ? (int)len : 0;
        a->fmt[a->n] = 1;
        a->v[a->n++] = p;
}

static void args_int(struct args *a, long long x)
{
        snprintf(a->num[a->n], sizeof(a->num[a->n]), "%lld", x);
        a->v[a->n] = a->num[a->n];
        a->n++;
}

static void args_cleanup(struct args *a)
{
        for (int i = 0; i < a->owned_n; i++)
                free(a->owned[i]);
        a->owned_n = 0;
}

/* Length of the UTF-8 sequence at p that PostgreSQL accepts (no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t store_utf8_seq(const unsigned char *p)
{
        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xC2 && p[0] <= 0xDF)
                return (p[1] & 0xC0) == 0x80 ? 2 : 0;
        if (p[0] >= 0xE0 && p[0] <= 0xEF) {
                if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
                        return 0;
                if ((p[0] == 0xE0 && p[1] < 0xA0) ||
                    (p[0] == 0xED && p[1] >= 0xA0))
                        return 0;
                return 3;
        }
        if (p[0] >= 0xF0 && p[0] <= 0xF4) {
                if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
                    (p[3] & 0xC0) != 0x80)
                        return 0;
                if ((p[0] == 0xF0 && p[1] < 0x90) ||
                    (p[0] == 0xF4 && p[1] >= 0x90))
                        return 0;
                return 4;
        }
        return 0;
}

static int store_utf8_valid(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;

        while (*p) {
                size_t k = store_utf8_seq(p);
                if (!k)
                        return 0;
                p += k;
        }
        return 1;
}

/* Returns a new copy of s with every byte that is not valid UTF-8
 * replaced by U+FFFD. */
static char *store_utf8_fix(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

        while (*p) {
                size_t k = store_utf8_seq(p);
                if (k) {
                        memcpy(o, p, k);
                        o += k;
                        p += k;
                } else {
                        memcpy(o, "\xEF\xBF\xBD", 3);
                        o += 3;
                        p++;
                }
        }
        *o = '\0';
        return out;
}

/* A text parameter; with fix, made valid UTF-8 first. */
static void args_text(struct args *a, const char *s, int fix)
{
        if (s && fix && !store_utf8_valid(s))
                args_own(a, store_utf8_fix(s));
        else
                args_str(a, s);
}

/* A JSON string from a fixed-size buffer that may hold anything. */
static json_t *store_jstr(const char *s, size_t cap)
{
        size_t len = strnlen(s, cap);
        json_t *j = json_stringn(s, len);
        char *tmp;

        if (j)
                return j;
        tmp = xstrndup(s, len);
        {
                char *fixed = store_utf8_fix(tmp);
                j = json_string(fixed);
                free(fixed);
        }
        free(tmp);
        return j ? j : json_string("");
}

static json_t *store_jreal(double x)
{
        return isfinite(x) ? json_real(x) : json_null();
}

/* Returns the new JSON text of doc's model calls, seq = place in the list. */
static char *store_calls_json(const struct doc *doc)
{
        json_t *a = json_array();
        char *s;

        for (size_t i = 0; i < doc->calls_n; i++) {
                const struct model_call *c = &doc->calls[i];
                json_t *o = json_object();
                json_object_set_new(o, "seq", json_integer((json_int_t)i));
                json_object_set_new(o, "stage",
                                    store_jstr(c->stage, sizeof(c->stage)));
                json_object_set_new(
                        o, "provider",
                        store_jstr(c->provider, sizeof(c->provider)));
                json_object_set_new(o, "model",
                                    store_jstr(c->model, sizeof(c->model)));
                json_object_set_new(o, "input_tokens",
                                    json_integer(c->input_tokens));
                json_object_set_new(o, "cached_input_tokens",
                                    json_integer(c->cached_tokens));
                json_object_set_new(o, "output_tokens",
                                    json_integer(c->output_tokens));
                /* To the nano-dollar, as the budget's ledger counts it. */
                json_object_set_new(
                        o, "cost_usd",
                        json_real((double)doc_usd_nano(c->cost_usd) / 1e9));
                json_object_set_new(o, "latency_ms",
                                    store_jreal(c->latency_ms));
                json_object_set_new(o, "outcome",
                                    store_jstr(c->outcome, sizeof(c->outcome)));
                json_object_set_new(
                        o, "endpoint",
                        store_jstr(c->endpoint, sizeof(c->endpoint)));
                json_object_set_new(
                        o, "price_version",
                        store_jstr(c->price_version, sizeof(c->price_version)));
                json_object_set_new(o, "usage",
                                    c->usage ? json_incref(c->usage)
                                             : json_null());
                json_object_set_new(o, "shadow", json_boolean(c->shadow));
                json_array_append_new(a, o);
        }
        s = json_dumps(a, JSON_COMPACT);
        json_decref(a);
        return s ? s : xstrdup("[]");
}

static json_t *store_jval(json_t *j)
{
        return j ? json_incref(j) : json_null();
}

/* Returns the new JSON text of doc's shadow comparisons. */
static char *store_shadows_json(const struct doc *doc)
{
        json_t *a = json_array();
        char *s;

        for (size_t i = 0; i < doc->shadows_n; i++) {
                const struct shadow_cmp *c = &doc->shadows[i];
                json_t *o = json_object();

                json_object_set_new(o, "stage",
                                    store_jstr(c->stage, sizeof(c->stage)));
                json_object_set_new(
                        o, "primary_model",
                        store_jstr(c->primary_model, sizeof(c->primary_model)));
                json_object_set_new(o, "reference_model",
                                    store_jstr(c->reference_model,
                                               sizeof(c->reference_model)));
                json_object_set_new(o, "agree", json_boolean(c->agree));
                json_object_set_new(
                        o, "score",
                        json_real(isfinite(c->score) ? c->score : 0));
                json_object_set_new(o, "primary_answer",
                                    store_jval(c->primary));
                json_object_set_new(o, "reference_answer",
                                    store_jval(c->reference));
                json_object_set_new(o, "details", store_jval(c->details));
                json_array_append_new(a, o);
        }
        /* 15 digits: 0.1, not 0.10000000000000001. */
        s = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(15));
        json_decref(a);
        return s ? s : xstrdup("[]");
}

/* Returns the new JSON text of j (may be NULL). With fix, NULL instead of
 * text that jsonb refuses (\u0000). */
static char *store_json_text(const json_t *j, int fix)
{
        char *s;

        if (!j)
                return NULL;
        s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        if (s && fix && strstr(s, "\\u0000")) {
                free(s);
                s = NULL;
        }
        return s;
}

/* The job of a dead letter as jsonb can take it. Without fix, as it is;
 * with fix, when it is not JSON that jsonb takes, as a JSON string. */
static void args_job(struct args *a, const char *job, int fix)
{
        json_t *j, *str;
        char *text;

        if (!job || !fix) {
                args_str(a, job);
                return;
        }
        j = json_loads(job, JSON_DECODE_ANY, NULL);
        if (j && !strstr(job, "\\u0000")) {
                json_decref(j);
                args_str(a, job);
                return;
        }
        if (j)
                json_decref(j);
        text = store_utf8_fix(job);
        str = json_string(text);
        free(text);
        args_own(a, str ? json_dumps(str, JSON_ENCODE_ANY) : NULL);
        if (str)
                json_decref(str);
}

/* $1..$14: the documents row. */
static void args_doc(struct args *a, const struct doc *doc, int fix)
{
        args_text(a, doc->id, fix);
        args_text(a, doc->tenant, fix);
        args_text(a, doc->source, fix);
        args_text(a, doc->content_type, fix);
        args_str(a, doc->sha256[0] ? doc->sha256 : NULL);
        if (doc->sha256[0])
                args_int(a, (long long)doc->len);
        else
                args_str(a, NULL);
        if (doc->pages > 0)
                args_int(a, doc->pages);
        else
                args_str(a, NULL);
        args_text(a, doc->title, fix);
        args_text(a, doc->author, fix);
        args_text(a, doc->created, fix);
        args_own(a, store_json_text(doc->metadata, fix));
        args_text(a, doc->topic, fix);
        if (doc->topic && doc->partition >= 0)
                args_int(a, doc->partition);
        else
                args_str(a, NULL);
        if (doc->topic && doc->offset >= 0)
                args_int(a, (long long)doc->offset);
        else
                args_str(a, NULL);
}

/* Writes one put's statement (inside the caller's transaction, if any).
 * With fix, a dead letter's text is made acceptable first. */
static enum pg_outcome store_put_one(struct store *s, const struct op *op,
                                     int fix, struct err *err)
{
        const struct doc *doc = op->doc;
        struct args a;
        enum pg_outcome o;

        memset(&a, 0, sizeof(a));
        args_doc(&a, doc, fix);
        if (doc->err.cls == ERR_OK) {
                args_str(&a, doc->class);
                snprintf(a.num[a.n], sizeof(a.num[a.n]), "%.17g",
                         doc->confidence);
                args_str(&a, isfinite(doc->confidence) ? a.num[a.n] : NULL);
                args_own(&a, store_json_text(doc->fields, 0));
                args_str(&a, doc->summary);
                args_str(&a, doc->language);
                args_str(&a, doc->model);
                args_str(&a, doc->reused ? "true" : "false");
                args_own(&a, store_calls_json(doc));
                args_own(&a, store_shadows_json(doc));
                args_str(&a, doc->ocr_confidence);
                o = store_stmt(s, STMT_PUT_RESULT, a.n, a.v, NULL, NULL, NULL,
                               err);
        } else {
                args_text(&a, doc->failed_stage, fix);
                args_str(&a, err_class_name(doc->err.cls));
                args_text(&a, doc->err.msg, fix);
                args_int(&a, (long long)doc->msg.attempts + doc->attempts + 1);
                args_job(&a, doc->job_json, fix);
                args_bin(&a, doc->msg.key, doc->msg.keylen);
                args_bin(&a, doc->msg.value, doc->msg.len);
                args_str(&a, doc->msg.own_headers);
                args_str(&a, doc->msg.dlq_headers);
                if (doc->msg.dlq_offset >= 0) {
                        args_str(&a, doc->msg.dlq_topic);
                        args_int(&a, doc->msg.dlq_partition);
                        args_int(&a, (long long)doc->msg.dlq_offset);
                } else {
                        args_str(&a, NULL);
                        args_str(&a, NULL);
                        args_str(&a, NULL);
                }
                args_text(&a, doc->text, fix);
                args_text(&a, doc->subject, fix);
                args_text(&a, doc->creator, fix);
                args_text(&a, doc->producer, fix);
                args_text(&a, doc->modified, fix);
                o = store_stmt(s, STMT_PUT_DEAD, a.n, a.v, a.len, a.fmt, NULL,
                               err);
        }
        args_cleanup(&a);
        return o;
}

/* ---- the store thread ------------------------------------------------- */

static uint64_t store_rand(struct store *s)
{
        /* splitmix64: jitter only. */
        uint64_t z = (s->rand += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

/* Waits on s->cv until t_ns at the latest; s->mu held. */
static void store_wait_until(struct store *s, uint64_t t_ns)
{
        struct timespec ts;

        ts.tv_sec = (time_t)(t_ns / 1000000000u);
        ts.tv_nsec = (long)(t_ns % 1000000000u);
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

/* Has store_free's deadline passed? */
static int store_expired(struct store *s)
{
        int expired;

        pthread_mutex_lock(&s->mu);
        expired = s->stopping && store_now_ns() >= s->deadline_ns;
        pthread_mutex_unlock(&s->mu);
        return expired;
}

/* Sleeps the next backoff step, uniform in [step/2, step], but not past
 * limit_ns. Returns -1 when store_free's deadline comes first. */
static int store_backoff_until(struct store *s, uint64_t limit_ns)
{
        unsigned ms = s->backoff_ms;
        uint64_t until, wait_ms = ms / 2 + store_rand(s) % (ms / 2 + 1);
        int rc = 0;

        s->backoff_ms =
                ms * 2 > STORE_BACKOFF_MAX_MS ? STORE_BACKOFF_MAX_MS : ms * 2;
        until = store_now_ns() + wait_ms * 1000000u;
        if (until > limit_ns)
                until = limit_ns;
        pthread_mutex_lock(&s->mu);
        for (;;) {
                uint64_t now = store_now_ns();
                if (s->stopping && now >= s->deadline_ns) {
                        rc = -1;
                        break;
                }
                if (now >= until)
                        break;
                store_wait_until(s, s->stopping && s->deadline_ns < until
                                            ? s->deadline_ns
                                            : until);
        }
        pthread_mutex_unlock(&s->mu);
        return rc;
}

static int store_backoff(struct store *s)
{
        return store_backoff_until(s, UINT64_MAX);
}

/* Logs a problem once, when it starts. */
static void store_trouble(struct store *s, const struct err *err)
{
        if (s->troubled)
                return;
        s->troubled = 1;
        atomic_store(&s->unreachable, 1);
        log_warn("postgres", "%s; retrying with backoff", err->msg);
}

/* A statement went through: the problem, if any, is over. */
static void store_fine(struct store *s)
{
        s->backoff_ms = STORE_BACKOFF_MIN_MS;
        if (s->troubled)
                log_info("postgres", "reachable again");
        s->troubled = 0;
        atomic_store(&s->unreachable, 0);
}

/* Sets (or, with NULL, closes) the store thread's connection. */
static void store_set_pg(struct store *s, PGconn *pg)
{
        PGcancel *cancel = pg ? PQgetCancel(pg) : NULL;

        pthread_mutex_lock(&s->mu);
        if (s->cancel)
                PQfreeCancel(s->cancel);
        s->cancel = cancel;
        pthread_mutex_unlock(&s->mu);
        if (s->pg)
                PQfinish(s->pg);
        s->pg = pg;
        s->prepared = 0;
}

/* After a failed statement: a broken connection is dropped, an open
 * transaction rolled back. */
static void store_reset(struct store *s)
{
        if (!s->pg)
                return;
        if (PQstatus(s->pg) == CONNECTION_OK &&
            PQtransactionStatus(s->pg) != PQTRANS_IDLE)
                PQclear(PQexec(s->pg, "ROLLBACK"));
        if (PQstatus(s->pg) != CONNECTION_OK ||
            PQtransactionStatus(s->pg) != PQTRANS_IDLE)
                store_set_pg(s, NULL);
}

static void store_closed_err(struct err *err)
{
        err_set(err, ERR_RETRY, "store closed");
}

/* Connects unless connected, retrying with backoff. Returns -1 with err
 * "store closed" when store_free's deadline passes first, or with why it
 * cannot connect when until_ns does. */
static int store_connect_until(struct store *s, uint64_t until_ns,
                               struct err *err)
{
        char line[400];

        while (!s->pg) {
                PGconn *pg;

                if (store_expired(s)) {
                        store_closed_err(err);
                        return -1;
                }
                pg = store_pg_connect(s->dsn, "docpipe-store");
                if (PQstatus(pg) == CONNECTION_OK) {
                        store_set_pg(s, pg);
                        return 0;
                }
                err_set(err, ERR_RETRY, "postgres: cannot connect: %s",
                        store_dsn_line(PQerrorMessage(pg), s->dsn, line,
                                       sizeof(line)));
                PQfinish(pg);
                store_trouble(s, err);
                if (store_now_ns() >= until_ns)
                        return -1;
                if (store_backoff_until(s, until_ns) < 0) {
                        store_closed_err(err);
                        return -1;
                }
        }
        return 0;
}

/* Connects unless connected, retrying with backoff. Returns -1 when
 * store_free's deadline passes first. */
static int store_connect(struct store *s)
{
        struct err err;

        return store_connect_until(s, UINT64_MAX, &err);
}

/* Hands op to the loop thread. */
static void store_finish(struct store *s, struct op *op)
{
        pthread_mutex_lock(&s->mu);
        op_list_push(&s->done, op);
        pthread_mutex_unlock(&s->mu);
        uv_async_send(&s->async);
}

static void store_serve_lookup(struct store *s, struct op *op)
{
        const struct doc *doc = op->doc;
        const char *v[3] = {doc->id, doc->sha256[0] ? doc->sha256 : NULL,
                            doc->msg.replay ? "true" : "false"};

        if (!doc->id) {
                err_set(&op->err, ERR_INPUT, "store: document without id");
                return;
        }
        for (;;) {
                PGresult *res = NULL;
                enum pg_outcome o;

                if (store_connect(s) < 0) {
                        store_closed_err(&op->err);
                        return;
                }
                o = store_stmt(s, STMT_LOOKUP, 3, v, NULL, NULL, &res,
                               &op->err);
                if (o == PG_OK) {
                        store_fine(s);
                        err_clear(&op->err);
                        if (PQntuples(res) == 0) {
                                op->found = STORE_NEW;
                        } else if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
                                op->found = STORE_DONE;
                        } else {
                                /* A result to copy, or (rank 2, still
                                 * STORE_NEW) an extraction to take. */
                                op->found =
                                        strcmp(PQgetvalue(res, 0, 0), "1") == 0
                                                ? STORE_REUSED
                                                : STORE_NEW;
                                op->res = res;
                                res = NULL;
                        }
                        PQclear(res);
                        return;
                }
                store_reset(s);
                if (o != PG_RETRY)
                        return;
                store_trouble(s, &op->err);
                if (store_backoff(s) < 0) {
                        store_closed_err(&op->err);
                        return;
                }
        }
}

/* Answers a reservation; see store_spend_reserve. */
static void store_serve_reserve(struct store *s, struct op *op)
{
        uint64_t until =
                op->queued_ns + (uint64_t)STORE_RESERVE_WAIT_MS * 1000000u;
        char usd[32], cap[32];
        const char *v[3] = {op->tenant, usd, cap};

        snprintf(usd, sizeof(usd), "%lld", op->usd);
        snprintf(cap, sizeof(cap), "%lld", op->cap);
        for (;;) {
                PGresult *res = NULL;
                enum pg_outcome o;

                if (store_connect_until(s, until, &op->err) < 0)
                        break;
                o = store_stmt(s, STMT_RESERVE, 3, v, NULL, NULL, &res,
                               &op->err);
                if (o == PG_OK) {
                        store_fine(s);
                        err_clear(&op->err);
                        op->granted = PQntuples(res) > 0;
                        if (op->granted)
                                snprintf(op->day, sizeof(op->day), "%s",
                                         PQgetvalue(res, 0, 0));
                        PQclear(res);
                        return;
                }
                store_reset(s);
                if (o != PG_RETRY)
                        break;
                store_trouble(s, &op->err);
                if (store_now_ns() >= until)
                        break;
                if (store_backoff_until(s, until) < 0) {
                        store_closed_err(&op->err);
                        break;
                }
        }
        err_prefix(&op->err, "tenant budget of %s: ", op->tenant);
}

static int store_settle_cmp(const void *a, const void *b)
{
        const struct op *x = *(const struct op *const *)a;
        const struct op *y = *(const struct op *const *)b;
        int c = strcmp(x->tenant, y->tenant);

        return c ? c : strcmp(x->day, y->day);
}

/* The statements of one settlement transaction. On PG_RETRY, *committing
 * says whether COMMIT was sent (and so may have happened). */
static enum pg_outcome store_settle_txn(struct store *s, struct op **sums,
                                        size_t n, int *committing,
                                        struct err *err)
{
        enum pg_outcome o;

        *committing = 0;
        o = store_exec(s->pg, "BEGIN", 0, NULL, NULL, err);
        for (size_t i = 0; o == PG_OK && i < n; i++) {
                char delta[32];
                const char *v[3] = {sums[i]->tenant, sums[i]->day, delta};

                snprintf(delta, sizeof(delta), "%lld", sums[i]->usd);
                o = store_stmt(s, STMT_SETTLE, 3, v, NULL, NULL, NULL, err);
        }
        if (o != PG_OK)
                return o;
        *committing = 1;
        return store_exec(s->pg, "COMMIT", 0, NULL, NULL, err);
}

/* Writes settlements (ops, sorted here; the caller frees them) summed
 * per tenant and day in one transaction, rows in one order for every
 * replica. */
static void store_write_settles(struct store *s, struct op **ops, size_t n)
{
        struct op **sums = xcalloc(n, sizeof(*sums));
        size_t m = 0;
        struct err err;

        qsort(ops, n, sizeof(*ops), store_settle_cmp);
        for (size_t i = 0; i < n; i++) {
                if (m > 0 && store_settle_cmp(&sums[m - 1], &ops[i]) == 0)
                        sums[m - 1]->usd += ops[i]->usd;
                else
                        sums[m++] = ops[i];
        }
        for (;;) {
                enum pg_outcome o;
                int committing;
                size_t k = 0;

                for (size_t i = 0; i < m; i++)
                        if (sums[i]->usd != 0)
                                sums[k++] = sums[i];
                m = k;
                if (m == 0)
                        goto out;
                if (store_connect(s) < 0)
                        break;
                err_clear(&err);
                o = store_settle_txn(s, sums, m, &committing, &err);
                if (o == PG_OK) {
                        store_fine(s);
                        goto out;
                }
                store_reset(s);
                if (o != PG_RETRY) {
                        log_error("postgres",
                                  "tenant budget: %zu settlements lost: %s", m,
                                  err.msg);
                        goto out;
                }
                if (committing) {
                        /* It may have been written: again only what errs
                         * high. */
                        for (size_t i = 0; i < m; i++) {
                                if (sums[i]->usd >= 0)
                                        continue;
                                log_warn("postgres",
                                         "tenant budget of %s on %s: "
                                         "settlement of %.9f USD may be "
                                         "lost (COMMIT unanswered): the "
                                         "tenant may count that much high",
                                         sums[i]->tenant, sums[i]->day,
                                         (double)sums[i]->usd / 1e9);
                                sums[i]->usd = 0;
                        }
                }
                store_trouble(s, &err);
                if (store_backoff(s) < 0)
                        break;
        }
        log_warn("postgres",
                 "tenant budget: %zu settlements not written: "
                 "store closed",
                 m);
out:
        free(sums);
}

static int store_op_cmp(const void *a, const void *b)
{
        const struct op *x = *(const struct op *const *)a;
        const struct op *y = *(const struct op *const *)b;
        int c = strcmp(x->doc->id ? x->doc->id : "",
                       y->doc->id ? y->doc->id : "");

        if (c)
                return c;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The whole batch in one transaction. On failure, *bad is the op that
 * failed (or n when BEGIN or COMMIT did). */
static enum pg_outcome store_txn(struct store *s, struct op **ops, size_t n,
                                 size_t *bad, struct err *err)
{
        enum pg_outcome o;

        *bad = n;
        o = store_exec(s->pg, "BEGIN", 0, NULL, NULL, err);
        for (size_t i = 0; o == PG_OK && i < n; i++) {
                o = store_put_one(s, ops[i], 0, err);
                if (o != PG_OK)
                        *bad = i;
        }
        if (o == PG_OK)
                o = store_exec(s->pg, "COMMIT", 0, NULL, NULL, err);
        return o;
}

/* After a data error: each put in a transaction of its own, so that only
 * the offending ones fail. A dead letter that is refused is tried once
 * more with its text made acceptable (dead letters must land). */
static void store_write_each(struct store *s, struct op **ops, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                struct op *op = ops[i];
                int fix = 0;

                for (;;) {
                        enum pg_outcome o;

                        if (store_connect(s) < 0) {
                                for (; i < n; i++)
                                        store_closed_err(&ops[i]->err);
                                return;
                        }
                        o = store_put_one(s, op, fix, &op->err);
                        if (o == PG_OK) {
                                store_fine(s);
                                err_clear(&op->err);
                                break;
                        }
                        store_reset(s);
                        if (o == PG_DATA && op->doc->err.cls != ERR_OK &&
                            !fix) {
                                fix = 1;
                                continue;
                        }
                        if (o != PG_RETRY)
                                break; /* op->err says why */
                        store_trouble(s, &op->err);
                        if (store_backoff(s) < 0) {
                                for (; i < n; i++)
                                        store_closed_err(&ops[i]->err);
                                return;
                        }
                }
        }
}

/* Writes a batch of puts; sets each op's err. */
static void store_write(struct store *s, struct op **ops, size_t n)
{
        struct err err;
        size_t bad;

        /* One lock order for every writer: fewer deadlocks between
         * workers that write the same documents. */
        qsort(ops, n, sizeof(*ops), store_op_cmp);
        for (;;) {
                enum pg_outcome o;

                if (store_connect(s) < 0)
                        break;
                err_clear(&err);
                o = store_txn(s, ops, n, &bad, &err);
                if (o == PG_OK) {
                        store_fine(s);
                        for (size_t i = 0; i < n; i++)
                                err_clear(&ops[i]->err);
                        return;
                }
                store_reset(s);
                if (o == PG_DATA || o == PG_FATAL) {
                        /* Whether one document or the schema is at fault,
                         * one per transaction tells them apart. */
                        log_msg(o == PG_DATA ? LOG_INFO : LOG_ERROR, "postgres",
                                "batch of %zu: doc=%s: %s; writing them "
                                "one per transaction",
                                n,
                                bad < n && ops[bad]->doc->id ? ops[bad]->doc->id
                                                             : "?",
                                err.msg);
                        store_write_each(s, ops, n);
                        return;
                }
                store_trouble(s, &err);
                if (store_backoff(s) < 0)
                        break;
        }
        for (size_t i = 0; i < n; i++)
                store_closed_err(&ops[i]->err);
}

static void *store_main(void *arg)
{
        struct store *s = arg;
        struct op **batch = xcalloc((size_t)s->batch_max, sizeof(*batch));

        pthread_mutex_lock(&s->mu);
        for (;;) {
                uint64_t now = store_now_ns(), due;
                struct op *op;
                size_t n;

                if (s->stopping && now >= s->deadline_ns)
                        break;
                op = op_list_pop(&s->asks);
                if (op) {
                        /* Lookups and reservations do not wait for the
                         * batch timer. */
                        pthread_mutex_unlock(&s->mu);
                        if (op->kind == OP_RESERVE)
                                store_serve_reserve(s, op);
                        else
                                store_serve_lookup(s, op);
                        store_finish(s, op);
                        pthread_mutex_lock(&s->mu);
                        continue;
                }
                if (s->settles.n > 0) {
                        struct op_list l = s->settles;
                        struct op **ops;

                        memset(&s->settles, 0, sizeof(s->settles));
                        pthread_mutex_unlock(&s->mu);
                        ops = xcalloc(l.n, sizeof(*ops));
                        n = l.n;
                        for (size_t i = 0; i < n; i++)
                                ops[i] = op_list_pop(&l);
                        store_write_settles(s, ops, n);
                        /* Summed into the first of each: free them all. */
                        for (size_t i = 0; i < n; i++)
                                store_op_free(ops[i]);
                        free(ops);
                        pthread_mutex_lock(&s->mu);
                        continue;
                }
                if (s->puts.n == 0) {
                        if (s->stopping)
                                break;
                        pthread_cond_wait(&s->cv, &s->mu);
                        continue;
                }
                due = s->puts.head->queued_ns +
                      (uint64_t)s->batch_ms * 1000000u;
                if (s->puts.n < (size_t)s->batch_max && !s->stopping &&
                    now < due) {
                        store_wait_until(s, due);
                        continue;
                }
                for (n = 0; n < (size_t)s->batch_max && s->puts.head; n++)
                        batch[n] = op_list_pop(&s->puts);
                pthread_mutex_unlock(&s->mu);
                store_write(s, batch, n);
                pthread_mutex_lock(&s->mu);
                for (size_t i = 0; i < n; i++)
                        op_list_push(&s->done, batch[i]);
                uv_async_send(&s->async);
        }
        pthread_mutex_unlock(&s->mu);
        store_set_pg(s, NULL);
        free(batch);
        return NULL;
}

/* ---- the loop thread -------------------------------------------------- */

/* Copies the result of a same-content document into doc. */
static void store_reuse(struct doc *doc, const PGresult *res)
{
        json_t *fields = NULL;

        doc_set_str(&doc->class,
                    PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1));
        doc->confidence = PQgetisnull(res, 0, 2)
                                  ? 0
                                  : strtod(PQgetvalue(res, 0, 2), NULL);
        if (!PQgetisnull(res, 0, 3))
                fields = json_loads(PQgetvalue(res, 0, 3), 0, NULL);
        if (doc->fields)
                json_decref(doc->fields);
        doc->fields = fields;
        doc_set_str(&doc->summary,
                    PQgetisnull(res, 0, 4) ? NULL : PQgetvalue(res, 0, 4));
        doc_set_str(&doc->language,
                    PQgetisnull(res, 0, 5) ? NULL : PQgetvalue(res, 0, 5));
        doc_set_str(&doc->model,
                    PQgetisnull(res, 0, 6) ? NULL : PQgetvalue(res, 0, 6));
        if (!PQgetisnull(res, 0, 7))
                doc->pages = atoi(PQgetvalue(res, 0, 7));
        /* Same bytes, same metadata: only where extraction left none. */
        if (!doc->title && !PQgetisnull(res, 0, 8))
                doc_set_str(&doc->title, PQgetvalue(res, 0, 8));
        if (!doc->author && !PQgetisnull(res, 0, 9))
                doc_set_str(&doc->author, PQgetvalue(res, 0, 9));
        if (!doc->created && !PQgetisnull(res, 0, 10))
                doc_set_str(&doc->created, PQgetvalue(res, 0, 10));
        doc->reused = 1;
}

/* A column of res's first row as a new string into *dst, unless *dst
 * has one already or the column is NULL. */
static void store_fill(char **dst, const PGresult *res, int col)
{
        if (!*dst && !PQgetisnull(res, 0, col))
                *dst = xstrdup(PQgetvalue(res, 0, col));
}

/* Takes the text an earlier, failed document of the same content had
 * extracted (SQL_LOOKUP's rank 2): the extract stage is then skipped. */
static void store_take_extraction(struct doc *doc, const PGresult *res)
{
        if (doc->text)
                return;
        doc->text = xstrdup(PQgetvalue(res, 0, 11));
        doc->text_len = (size_t)PQgetlength(res, 0, 11);
        if (!PQgetisnull(res, 0, 7))
                doc->pages = atoi(PQgetvalue(res, 0, 7));
        store_fill(&doc->title, res, 8);
        store_fill(&doc->author, res, 9);
        store_fill(&doc->created, res, 10);
        store_fill(&doc->subject, res, 12);
        store_fill(&doc->creator, res, 13);
        store_fill(&doc->producer, res, 14);
        store_fill(&doc->modified, res, 15);
}

/* Calls op's callback and frees op. */
static void store_complete(struct op *op)
{
        const struct err *err = op->err.cls == ERR_OK ? NULL : &op->err;

        if (op->kind == OP_LOOKUP) {
                if (!err && op->found == STORE_REUSED)
                        store_reuse(op->doc, op->res);
                else if (!err && op->found == STORE_NEW && op->res)
                        store_take_extraction(op->doc, op->res);
                PQclear(op->res);
                op->lookup_cb(op->doc, err ? STORE_NEW : op->found, err);
        } else if (op->kind == OP_RESERVE) {
                op->reserve_cb(op->arg, err ? 0 : op->granted, op->day, err);
        } else {
                op->put_cb(op->doc, err);
        }
        store_op_free(op);
}

/* A settlement that will not be written. */
static void store_settle_drop(struct op *op)
{
        log_warn("postgres",
                 "tenant budget of %s on %s: settlement of %.9f USD not "
                 "written: store closed",
                 op->tenant, op->day, (double)op->usd / 1e9);
        store_op_free(op);
}

static struct op *store_pop_done(struct store *s)
{
        struct op *op;

        pthread_mutex_lock(&s->mu);
        op = op_list_pop(&s->done);
        pthread_mutex_unlock(&s->mu);
        return op;
}

static void store_on_async(uv_async_t *async)
{
        struct store *s = async->data;
        struct op *op;

        /* One at a time: a callback may call store_free, which completes
         * the rest itself. */
        while ((op = store_pop_done(s)))
                store_complete(op);
}

static void store_on_closed(uv_handle_t *h)
{
        struct store *s = h->data;

        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s->dsn);
        free(s);
}

/* Queues op, or fails it at once when the store is closed. */
static void store_queue(struct store *s, struct op *op)
{
        if (s->closed && op->kind == OP_SETTLE) {
                store_settle_drop(op);
                return;
        }
        if (s->closed) {
                store_closed_err(&op->err);
                store_complete(op);
                return;
        }
        op->queued_ns = store_now_ns();
        pthread_mutex_lock(&s->mu);
        op->seq = s->seq++;
        if (op->kind == OP_LOOKUP || op->kind == OP_RESERVE) {
                op_list_push(&s->asks, op);
                pthread_cond_signal(&s->cv);
        } else if (op->kind == OP_SETTLE) {
                op_list_push(&s->settles, op);
                if (s->settles.n == 1)
                        pthread_cond_signal(&s->cv);
        } else {
                op_list_push(&s->puts, op);
                /* The thread wants to know when a batch starts (to time
                 * it) and when one is full; not of every put between. */
                if (s->puts.n == 1 || s->puts.n >= (size_t)s->batch_max)
                        pthread_cond_signal(&s->cv);
        }
        pthread_mutex_unlock(&s->mu);
}

void store_lookup(struct store *s, struct doc *doc, store_lookup_fn cb)
{
        struct op *op = xcalloc(1, sizeof(*op));

        op->kind = OP_LOOKUP;
        op->doc = doc;
        op->lookup_cb = cb;
        store_queue(s, op);
}

void store_put(struct store *s, struct doc *doc, store_put_fn cb)
{
        struct op *op = xcalloc(1, sizeof(*op));

        op->kind = OP_PUT;
        op->doc = doc;
        op->put_cb = cb;
        store_queue(s, op);
}

void store_spend_reserve(struct store *s, const char *tenant, long long usd,
                         long long cap, store_reserve_fn cb, void *arg)
{
        struct op *op = xcalloc(1, sizeof(*op));

        op->kind = OP_RESERVE;
        op->tenant = xstrdup(tenant);
        op->usd = usd;
        op->cap = cap;
        op->reserve_cb = cb;
        op->arg = arg;
        store_queue(s, op);
}

void store_spend_settle(struct store *s, const char *tenant, const char *day,
                        long long delta)
{
        struct op *op;

        if (delta == 0)
                return;
        op = xcalloc(1, sizeof(*op));
        op->kind = OP_SETTLE;
        op->tenant = xstrdup(tenant);
        snprintf(op->day, sizeof(op->day), "%s", day);
        op->usd = delta;
        store_queue(s, op);
}

int store_reachable(struct store *s)
{
        return !atomic_load(&s->unreachable);
}

struct store *store_new(uv_loop_t *loop, const struct config *cfg,
                        struct err *err)
{
        const char *dsn = cfg->pg_dsn ? cfg->pg_dsn : "";
        PQconninfoOption *opts;
        pthread_condattr_t ca;
        sigset_t all, old;
        char *msg = NULL;
        struct store *s;
        int rc;

        /* A DSN that cannot be parsed will not get better by retrying. */
        opts = PQconninfoParse(dsn, &msg);
        if (!opts) {
                char line[400];
                err_set(err, ERR_FATAL, "postgres.dsn: %s",
                        store_dsn_line(msg ? msg : "cannot parse it", dsn, line,
                                       sizeof(line)));
                PQfreemem(msg);
                return NULL;
        }
        PQconninfoFree(opts);

        s = xcalloc(1, sizeof(*s));
        s->loop = loop;
        s->dsn = xstrdup(dsn);
        s->batch_max = cfg->pg_batch_max > 0 ? cfg->pg_batch_max : 1;
        s->batch_ms = cfg->pg_batch_ms > 0 ? cfg->pg_batch_ms : 0;
        s->backoff_ms = STORE_BACKOFF_MIN_MS;
        s->rand = store_now_ns() ^ (uint64_t)(uintptr_t)s;
        pthread_mutex_init(&s->mu, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&s->cv, &ca);
        pthread_condattr_destroy(&ca);
        rc = uv_async_init(loop, &s->async, store_on_async);
        if (rc < 0) {
                err_set(err, ERR_FATAL, "store: uv_async_init: %s",
                        uv_strerror(rc));
                pthread_cond_destroy(&s->cv);
                pthread_mutex_destroy(&s->mu);
                free(s->dsn);
                free(s);
                return NULL;
        }
        s->async.data = s;
        /* Signals are the loop thread's business. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        rc = pthread_create(&s->thread, NULL, store_main, s);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) {
                err_set(err, ERR_FATAL, "store: cannot start its thread: %s",
                        strerror(rc));
                uv_close((uv_handle_t *)&s->async, store_on_closed);
                return NULL;
        }
        return s;
}

void store_free(struct store *s, int deadline_ms)
{
        struct timespec ts;
        struct op *op;
        long ms, nsec;

        if (!s)
                return;
        pthread_mutex_lock(&s->mu);
        s->stopping = 1;
        s->deadline_ns =
                store_now_ns() +
                (uint64_t)(deadline_ms > 0 ? deadline_ms : 0) * 1000000u;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        /* A statement that hangs past the deadline (a lock, a stuck
         * server) is cancelled: it then fails and the thread gives up. */
        clock_gettime(CLOCK_REALTIME, &ts);
        ms = (deadline_ms > 0 ? deadline_ms : 0) + STORE_CANCEL_GRACE_MS;
        nsec = ts.tv_nsec + (ms % 1000) * 1000000L;
        ts.tv_sec += ms / 1000 + nsec / 1000000000L;
        ts.tv_nsec = nsec % 1000000000L;
        if (pthread_timedjoin_np(s->thread, NULL, &ts) != 0) {
                log_warn("postgres",
                         "still busy %d ms past the deadline: "
                         "cancelling the statement",
                         STORE_CANCEL_GRACE_MS);
                pthread_mutex_lock(&s->mu);
                if (s->cancel) {
                        char buf[256];
                        PQcancel(s->cancel, buf, sizeof(buf));
                }
                pthread_mutex_unlock(&s->mu);
                pthread_join(s->thread, NULL);
        }
        s->closed = 1;
        /* What was done, with its outcome; then what never was. */
        while ((op = store_pop_done(s)))
                store_complete(op);
        for (;;) {
                pthread_mutex_lock(&s->mu);
                op = op_list_pop(&s->asks);
                if (!op)
                        op = op_list_pop(&s->puts);
                pthread_mutex_unlock(&s->mu);
                if (!op)
                        break;
                store_closed_err(&op->err);
                store_complete(op);
        }
        for (;;) {
                pthread_mutex_lock(&s->mu);
                op = op_list_pop(&s->settles);
                pthread_mutex_unlock(&s->mu);
                if (!op)
                        break;
                store_settle_drop(op);
        }
        uv_close((uv_handle_t *)&s->async, store_on_closed);
}
