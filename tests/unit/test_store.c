/*
 * Unit tests of store.c against a real PostgreSQL: migrations (twice, and
 * from four threads at once), results and dead letters through a real uv
 * loop, idempotency, lookups (done, reused, new), batching, a data error
 * that fails only its own document, a lost connection in the middle of a
 * transaction, and closing with work queued; the tenant budget's ledger
 * (reservations up to the cap, settlements, two stores racing, an
 * unreachable server) and shadow comparisons written with the result.
 *
 * The cluster: TEST_PG_DSN when set (tests/check.sh shares one),
 * otherwise a private one started with tests/pg.sh in a temporary
 * directory (DOCPIPE_PG_SH may name the script). Each run creates a
 * database of its own and drops it at the end.
 */
#include <check.h>
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../worker/doc.h"
#include "../../worker/migration.h"
#include "../../worker/store.h"

static char base_dsn[1024]; /* the cluster's maintenance database */
static char test_dsn[1200]; /* this run's database */
static char test_db[64];
static char pg_dir[256]; /* our own cluster, or "" */
static const char *pg_sh;

/* ---- helpers ---------------------------------------------------------- */

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void quiet(void *arg, const char *msg)
{
        (void)arg;
        (void)msg;
}

static PGconn *connect_or_die(const char *dsn)
{
        PGconn *pg = PQconnectdb(dsn);

        PQsetNoticeProcessor(pg, quiet, NULL);
        if (PQstatus(pg) != CONNECTION_OK) {
                fprintf(stderr, "test_store: cannot connect: %s",
                        PQerrorMessage(pg));
                exit(1);
        }
        return pg;
}

static int in_tests; /* ck_assert works only inside a test */

static void exec_ok(PGconn *pg, const char *sql)
{
        PGresult *res = PQexec(pg, sql);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
                 PQresultStatus(res) == PGRES_TUPLES_OK;

        PQclear(res);
        if (!ok && !in_tests) {
                fprintf(stderr, "test_store: %s: %s", sql, PQerrorMessage(pg));
                exit(1);
        }
        if (in_tests)
                ck_assert_msg(ok, "%s: %s", sql, PQerrorMessage(pg));
}

/* The first column of the first row of a query, as text ("" for none or
 * NULL), in buf. Test SQL only: ids are the tests' own. */
static const char *q_text(PGconn *pg, char *buf, size_t n, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static const char *q_text(PGconn *pg, char *buf, size_t n, const char *fmt, ...)
{
        char sql[2048];
        PGresult *res;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(sql, sizeof(sql), fmt, ap);
        va_end(ap);
        res = PQexec(pg, sql);
        ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
                      PQerrorMessage(pg));
        snprintf(buf, n, "%s",
                 PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)
                         ? PQgetvalue(res, 0, 0)
                         : "");
        PQclear(res);
        return buf;
}

#define Q(pg, ...) q_text(pg, qbuf, sizeof(qbuf), __VA_ARGS__)
#define QL(pg, ...) atol(Q(pg, __VA_ARGS__))

/* A database of its own; returns its DSN in out. */
static void db_create(const char *name, char *out, size_t n)
{
        PGconn *pg = connect_or_die(base_dsn);
        char sql[256];

        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
                 name);
        exec_ok(pg, sql);
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
        exec_ok(pg, sql);
        PQfinish(pg);
        snprintf(out, n, "%s dbname=%s", base_dsn, name);
}

static void db_drop(const char *name)
{
        PGconn *pg = connect_or_die(base_dsn);
        char sql[256];

        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
                 name);
        exec_ok(pg, sql);
        PQfinish(pg);
}

/* ---- documents -------------------------------------------------------- */

/* What a test knows about one document in flight (doc->owner). */
struct rec {
        struct harness *h;
        int put_done, lookup_done;
        int on_loop_thread;
        int has_err;
        struct err err;
        enum store_found found;
        uint64_t at_ms;
};

static void add_call(struct doc *doc, const char *stage, long in, long out,
                     double cost)
{
        struct model_call c;

        memset(&c, 0, sizeof(c));
        snprintf(c.stage, sizeof(c.stage), "%s", stage);
        snprintf(c.provider, sizeof(c.provider), "builtin");
        snprintf(c.model, sizeof(c.model), "builtin-1");
        c.input_tokens = in;
        c.cached_tokens = in / 10;
        c.output_tokens = out;
        c.cost_usd = cost;
        c.latency_ms = 1.5;
        snprintf(c.outcome, sizeof(c.outcome), "ok");
        doc_add_call(doc, &c);
}

/* A finished document with a result and three model calls. */
static struct doc *doc_result(const char *id, const char *sha)
{
        struct doc *doc = doc_new();
        char job[256];

        doc->id = xstrdup(id);
        doc->tenant = xstrdup("acme");
        doc->source = xstrdup("kafka");
        doc->content_type = xstrdup("application/pdf");
        snprintf(doc->sha256, sizeof(doc->sha256), "%s", sha ? sha : "");
        doc->len = 1234;
        doc->pages = 2;
        doc->title = xstrdup("Invoice 7");
        doc->author = xstrdup("ACME Ltd");
        doc->created = xstrdup("2024-03-01T10:00:00Z");
        doc->metadata = json_pack("{s:s}", "batch", "b1");
        doc->topic = xstrdup("docpipe.jobs");
        doc->partition = 3;
        doc->offset = 42;
        snprintf(job, sizeof(job), "{\"id\":\"%s\"}", id);
        doc->job_json = xstrdup(job);
        doc->language = xstrdup("en");
        doc->class = xstrdup("invoice");
        doc->confidence = 0.93;
        doc->fields =
                json_pack("{s:s,s:s}", "total", "12.50", "currency", "EUR");
        doc->summary = xstrdup("An invoice from ACME for 12.50 EUR.");
        doc->model = xstrdup("builtin/builtin-1");
        add_call(doc, "classify", 100, 5, 0.0001);
        add_call(doc, "fields", 200, 20, 0.0002);
        add_call(doc, "summarize", 300, 30, 0.0003);
        return doc;
}

/* A document that failed in extract. */
static struct doc *doc_dead(const char *id)
{
        struct doc *doc = doc_new();
        char job[256];

        doc->id = xstrdup(id);
        doc->tenant = xstrdup("acme");
        doc->source = xstrdup("kafka");
        snprintf(job, sizeof(job), "{\"id\":\"%s\",\"source\":\"x\"}", id);
        doc->job_json = xstrdup(job);
        doc->topic = xstrdup("docpipe.jobs");
        doc->partition = 0;
        doc->offset = 7;
        doc->failed_stage = "extract";
        err_set(&doc->err, ERR_INPUT, "extract: corrupt PDF (%s)", id);
        return doc;
}

/* ---- a loop with a store ---------------------------------------------- */

struct harness {
        uv_loop_t loop;
        uv_timer_t tick;
        struct config cfg;
        struct store *s;
        pthread_t loop_thread;
        int puts, lookups, reserves; /* callbacks seen */
};

static void on_tick(uv_timer_t *t)
{
        (void)t; /* only wakes uv_run(UV_RUN_ONCE) up */
}

static void harness_init(struct harness *h, const char *dsn, int batch_max,
                         int batch_ms)
{
        struct err err;

        memset(h, 0, sizeof(*h));
        ck_assert_int_eq(uv_loop_init(&h->loop), 0);
        uv_timer_init(&h->loop, &h->tick);
        uv_timer_start(&h->tick, on_tick, 10, 10);
        h->cfg.pg_dsn = (char *)dsn;
        h->cfg.pg_batch_max = batch_max;
        h->cfg.pg_batch_ms = batch_ms;
        h->loop_thread = pthread_self();
        err_clear(&err);
        h->s = store_new(&h->loop, &h->cfg, &err);
        ck_assert_msg(h->s != NULL, "store_new: %s", err.msg);
}

static void harness_close(struct harness *h, int deadline_ms)
{
        store_free(h->s, deadline_ms);
        h->s = NULL;
        uv_close((uv_handle_t *)&h->tick, NULL);
        uv_run(&h->loop, UV_RUN_DEFAULT);
        ck_assert_int_eq(uv_loop_close(&h->loop), 0);
}

/* Runs the loop until *count reaches want or timeout_ms passes. */
static void harness_wait(struct harness *h, const int *count, int want,
                         int timeout_ms)
{
        uint64_t end = now_ms() + (uint64_t)timeout_ms;

        while (*count < want && now_ms() < end)
                uv_run(&h->loop, UV_RUN_ONCE);
        ck_assert_msg(*count >= want, "timed out: %d of %d callbacks", *count,
                      want);
}

static void on_put(struct doc *doc, const struct err *err)
{
        struct rec *r = doc->owner;

        r->put_done++;
        r->on_loop_thread = pthread_equal(pthread_self(), r->h->loop_thread);
        r->has_err = err != NULL;
        if (err)
                r->err = *err;
        r->at_ms = now_ms();
        r->h->puts++;
}

static void on_lookup(struct doc *doc, enum store_found found,
                      const struct err *err)
{
        struct rec *r = doc->owner;

        r->lookup_done++;
        r->on_loop_thread = pthread_equal(pthread_self(), r->h->loop_thread);
        r->has_err = err != NULL;
        if (err)
                r->err = *err;
        r->found = found;
        r->at_ms = now_ms();
        r->h->lookups++;
}

static void put(struct harness *h, struct doc *doc, struct rec *r)
{
        memset(r, 0, sizeof(*r));
        r->h = h;
        doc->owner = r;
        store_put(h->s, doc, on_put);
}

static void lookup(struct harness *h, struct doc *doc, struct rec *r)
{
        memset(r, 0, sizeof(*r));
        r->h = h;
        doc->owner = r;
        store_lookup(h->s, doc, on_lookup);
}

/* Puts doc, waits for its callback, expects success. */
static void put_ok(struct harness *h, struct doc *doc)
{
        struct rec r;
        int want = h->puts + 1;

        put(h, doc, &r);
        harness_wait(h, &h->puts, want, 30000);
        ck_assert_msg(!r.has_err, "put %s: %s", doc->id, r.err.msg);
        ck_assert(r.on_loop_thread);
}

static enum store_found lookup_ok(struct harness *h, struct doc *doc)
{
        struct rec r;
        int want = h->lookups + 1;

        lookup(h, doc, &r);
        harness_wait(h, &h->lookups, want, 30000);
        ck_assert_msg(!r.has_err, "lookup %s: %s", doc->id, r.err.msg);
        ck_assert(r.on_loop_thread);
        return r.found;
}

/* ---- migrations ------------------------------------------------------- */

START_TEST(test_migrate_twice)
{
        char dsn[1200], qbuf[256], name[80];
        struct err err;
        PGconn *pg;

        snprintf(name, sizeof(name), "%s_m2", test_db);
        db_create(name, dsn, sizeof(dsn));
        err_clear(&err);
        ck_assert_msg(store_migrate(dsn, &err) == 0, "%s", err.msg);
        ck_assert_msg(store_migrate(dsn, &err) == 0, "%s", err.msg);
        pg = connect_or_die(dsn);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM schema_migrations"),
                         migrations_n);
        ck_assert_str_eq(Q(pg, "SELECT name FROM schema_migrations "
                               "WHERE version = 1"),
                         "001_init");
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM pg_class WHERE "
                                "relname IN ('documents', 'results', "
                                "'model_calls', 'dead_letters', "
                                "'document_costs')"),
                         5);
        PQfinish(pg);
        db_drop(name);
}
END_TEST

struct migrate_arg {
        const char *dsn;
        pthread_barrier_t *go;
        int rc;
        struct err err;
};

static void *migrate_thread(void *p)
{
        struct migrate_arg *a = p;

        pthread_barrier_wait(a->go);
        err_clear(&a->err);
        a->rc = store_migrate(a->dsn, &a->err);
        return NULL;
}

START_TEST(test_migrate_concurrent)
{
        char dsn[1200], qbuf[256], name[80];
        struct migrate_arg a[4];
        pthread_t t[4];
        pthread_barrier_t go;
        PGconn *pg;

        snprintf(name, sizeof(name), "%s_mc", test_db);
        db_create(name, dsn, sizeof(dsn));
        pthread_barrier_init(&go, NULL, 4);
        for (int i = 0; i < 4; i++) {
                a[i].dsn = dsn;
                a[i].go = &go;
                ck_assert_int_eq(
                        pthread_create(&t[i], NULL, migrate_thread, &a[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
                pthread_join(t[i], NULL);
                ck_assert_msg(a[i].rc == 0, "thread %d: %s", i, a[i].err.msg);
        }
        pthread_barrier_destroy(&go);
        pg = connect_or_die(dsn);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM schema_migrations"),
                         migrations_n);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM documents"), 0);
        PQfinish(pg);
        db_drop(name);
}
END_TEST

START_TEST(test_migrate_unreachable)
{
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(store_migrate("host=/nonexistent/docpipe port=1 "
                                       "connect_timeout=2",
                                       &err),
                         -1);
        ck_assert_int_eq(err.cls, ERR_RETRY);
        ck_assert_msg(strstr(err.msg, "cannot connect"), "%s", err.msg);
}
END_TEST

/* ---- writes ----------------------------------------------------------- */

START_TEST(test_put_result_and_dead_letter)
{
        struct harness h;
        struct doc *ok = doc_result("w-ok", "aa01");
        struct doc *dead = doc_dead("w-dead");
        struct rec r1, r2;
        char qbuf[512];
        PGconn *pg;

        harness_init(&h, test_dsn, 10, 20);
        put(&h, ok, &r1);
        put(&h, dead, &r2);
        harness_wait(&h, &h.puts, 2, 30000);
        ck_assert_msg(!r1.has_err, "%s", r1.err.msg);
        ck_assert_msg(!r2.has_err, "%s", r2.err.msg);
        ck_assert(r1.on_loop_thread && r2.on_loop_thread);
        harness_close(&h, 1000);

        pg = connect_or_die(test_dsn);
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', status, tenant, source, "
                               "content_type, sha256, bytes, pages, title, "
                               "author, metadata->>'batch', kafka_topic, "
                               "kafka_partition, kafka_offset, "
                               "created_at_doc = '2024-03-01T10:00:00Z') "
                               "FROM documents WHERE id = 'w-ok'"),
                         "done|acme|kafka|application/pdf|aa01|1234|2|"
                         "Invoice 7|ACME Ltd|b1|docpipe.jobs|3|42|t");
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', class, confidence, "
                               "fields->>'total', fields->>'currency', "
                               "summary, language, model, "
                               "reused_from IS NULL) "
                               "FROM results WHERE document_id = 'w-ok'"),
                         "invoice|0.93|12.50|EUR|An invoice from ACME for "
                         "12.50 EUR.|en|builtin/builtin-1|t");
        ck_assert_str_eq(Q(pg, "SELECT string_agg(concat_ws(':', seq, stage, "
                               "provider, model, input_tokens, "
                               "cached_input_tokens, output_tokens, "
                               "cost_usd, latency_ms, outcome), ' ' "
                               "ORDER BY seq) FROM model_calls "
                               "WHERE document_id = 'w-ok'"),
                         "0:classify:builtin:builtin-1:100:10:5:0.000100000:"
                         "1.5:ok 1:fields:builtin:builtin-1:200:20:20:"
                         "0.000200000:1.5:ok 2:summarize:builtin:builtin-1:"
                         "300:30:30:0.000300000:1.5:ok");
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', tenant, class, tokens, "
                               "cost_usd) FROM document_costs "
                               "WHERE document_id = 'w-ok'"),
                         "acme|invoice|655|0.000600000");
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', d.status, d.sha256 IS "
                               "NULL, d.bytes IS NULL, l.stage, "
                               "l.error_class, l.message, l.attempts, "
                               "l.job->>'id') FROM documents d JOIN "
                               "dead_letters l ON l.document_id = d.id "
                               "WHERE d.id = 'w-dead'"),
                         "dead|t|t|extract|input|extract: corrupt PDF "
                         "(w-dead)|1|w-dead");
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM results "
                                "WHERE document_id = 'w-dead'"),
                         0);
        PQfinish(pg);
        doc_free(ok);
        doc_free(dead);
}
END_TEST

START_TEST(test_idempotent)
{
        struct harness h;
        struct doc *a = doc_result("i-a", "bb01");
        struct doc *a_dead = doc_dead("i-a");
        struct doc *b_dead = doc_dead("i-b");
        struct doc *b = doc_result("i-b", "bb02");
        struct rec r1, r2;
        char qbuf[512];
        PGconn *pg;

        harness_init(&h, test_dsn, 10, 20);
        /* Twice in one batch, then once more in a batch of its own. */
        put(&h, a, &r1);
        put(&h, a, &r2);
        harness_wait(&h, &h.puts, 2, 30000);
        ck_assert(!r1.has_err && !r2.has_err);
        put_ok(&h, a);
        /* A later failure of the same document does not undo its result. */
        put_ok(&h, a_dead);
        /* A dead letter, twice, then a result: the result wins. */
        put_ok(&h, b_dead);
        err_set(&b_dead->err, ERR_RETRY, "fetch: timed out");
        b_dead->failed_stage = "fetch";
        b_dead->attempts = 3;
        put_ok(&h, b_dead);
        pg = connect_or_die(test_dsn);
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', stage, error_class, "
                               "message, attempts) FROM dead_letters "
                               "WHERE document_id = 'i-b'"),
                         "fetch|retry|fetch: timed out|4");
        put_ok(&h, b);
        harness_close(&h, 1000);

        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM documents "
                                "WHERE id LIKE 'i-%%'"),
                         2);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM documents "
                                "WHERE id LIKE 'i-%%' AND status = 'done'"),
                         2);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM results "
                                "WHERE document_id LIKE 'i-%%'"),
                         2);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM model_calls "
                                "WHERE document_id = 'i-a'"),
                         3);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM model_calls "
                                "WHERE document_id = 'i-b'"),
                         3);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM dead_letters "
                                "WHERE document_id LIKE 'i-%%'"),
                         0);
        PQfinish(pg);
        doc_free(a);
        doc_free(a_dead);
        doc_free(b);
        doc_free(b_dead);
}
END_TEST

START_TEST(test_lookup)
{
        static const char sha[] = "cc0000000000000000000000000000000000000000"
                                  "0000000000000000000001";
        struct harness h;
        struct doc *orig = doc_result("l-orig", sha);
        struct doc *dead = doc_dead("l-dead");
        struct doc *copy = doc_new(), *copy2 = doc_new(), *fresh = doc_new();
        struct doc *nohash = doc_new();
        char qbuf[512];
        PGconn *pg;

        harness_init(&h, test_dsn, 10, 20);
        doc_set_str(&fresh->id, "l-fresh");
        snprintf(fresh->sha256, sizeof(fresh->sha256), "%s", "cc02");
        ck_assert_int_eq(lookup_ok(&h, fresh), STORE_NEW);
        ck_assert_int_eq(lookup_ok(&h, orig), STORE_NEW);
        put_ok(&h, orig);
        put_ok(&h, dead);
        ck_assert_int_eq(lookup_ok(&h, orig), STORE_DONE);
        ck_assert_int_eq(lookup_ok(&h, dead), STORE_DONE);

        /* Same bytes under another id: the result is copied. */
        doc_set_str(&copy->id, "l-copy");
        doc_set_str(&copy->tenant, "acme");
        snprintf(copy->sha256, sizeof(copy->sha256), "%s", sha);
        copy->len = 1234;
        ck_assert_int_eq(lookup_ok(&h, copy), STORE_REUSED);
        ck_assert_int_eq(copy->reused, 1);
        ck_assert_str_eq(copy->class, "invoice");
        ck_assert(copy->confidence > 0.92 && copy->confidence < 0.94);
        ck_assert_str_eq(
                json_string_value(json_object_get(copy->fields, "total")),
                "12.50");
        ck_assert_str_eq(copy->summary, orig->summary);
        ck_assert_str_eq(copy->language, "en");
        ck_assert_str_eq(copy->model, "builtin/builtin-1");
        ck_assert_str_eq(copy->title, "Invoice 7");
        ck_assert_int_eq(copy->pages, 2);
        ck_assert_uint_eq(copy->calls_n, 0);
        put_ok(&h, copy);
        /* A copy of the copy names the original. */
        doc_set_str(&copy2->id, "l-copy2");
        snprintf(copy2->sha256, sizeof(copy2->sha256), "%s", sha);
        ck_assert_int_eq(lookup_ok(&h, copy2), STORE_REUSED);
        put_ok(&h, copy2);
        /* No hash: only the id counts. */
        doc_set_str(&nohash->id, "l-nohash");
        ck_assert_int_eq(lookup_ok(&h, nohash), STORE_NEW);
        harness_close(&h, 1000);

        pg = connect_or_die(test_dsn);
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', r.reused_from, "
                               "r.class, r.fields->>'total', d.status, "
                               "d.pages) FROM results r JOIN documents d ON "
                               "d.id = r.document_id "
                               "WHERE r.document_id = 'l-copy'"),
                         "l-orig|invoice|12.50|done|2");
        ck_assert_str_eq(Q(pg, "SELECT reused_from FROM results "
                               "WHERE document_id = 'l-copy2'"),
                         "l-orig");
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM model_calls "
                                "WHERE document_id LIKE 'l-copy%%'"),
                         0);
        PQfinish(pg);
        doc_free(orig);
        doc_free(dead);
        doc_free(copy);
        doc_free(copy2);
        doc_free(fresh);
        doc_free(nohash);
}
END_TEST

/* A dead letter after extraction, with the message it came in: the row
 * keeps the message and the dead-letter topic's side; a new document of
 * the same content takes the text; the dead document itself is skipped
 * unless it is a replay; once a document of that content is done the
 * extraction goes. */
START_TEST(test_dead_letter_kafka_and_extraction)
{
        static const char sha[] = "dd0000000000000000000000000000000000000000"
                                  "0000000000000000000001";
        static const unsigned char payload[] = {'%', 'P', 'D', 'F', 0, 0xff};
        struct harness h;
        struct doc *dead = doc_dead("x-dead");
        struct doc *same = doc_new(), *again = doc_new();
        struct doc *done = doc_result("x-done", sha);
        char qbuf[512];
        PGconn *pg;

        harness_init(&h, test_dsn, 10, 20);
        snprintf(dead->sha256, sizeof(dead->sha256), "%s", sha);
        dead->failed_stage = "classify";
        err_set(&dead->err, ERR_RETRY, "endpoint x: HTTP 503");
        dead->attempts = 1;
        dead->msg.attempts = 4;
        dead->text = xstrdup("Invoice 9\fpage two");
        dead->text_len = strlen(dead->text);
        dead->pages = 2;
        dead->title = xstrdup("Inv 9");
        dead->subject = xstrdup("billing");
        dead->msg.value = xmalloc(sizeof(payload));
        memcpy(dead->msg.value, payload, sizeof(payload));
        dead->msg.len = sizeof(payload);
        dead->msg.key = xstrdup("x-dead");
        dead->msg.keylen = 6;
        dead->msg.own_headers = xstrdup("[[\"content-type\",\"app/x\"]]");
        dead->msg.dlq_headers = xstrdup("{\"docpipe-http-status\":\"503\"}");
        dead->msg.dlq_topic = "docpipe.jobs.dlq";
        dead->msg.dlq_partition = 1;
        dead->msg.dlq_offset = 17;
        put_ok(&h, dead);

        /* Same content, another id: new, with the text taken. */
        doc_set_str(&same->id, "x-same");
        snprintf(same->sha256, sizeof(same->sha256), "%s", sha);
        ck_assert_int_eq(lookup_ok(&h, same), STORE_NEW);
        ck_assert_str_eq(same->text, "Invoice 9\fpage two");
        ck_assert_uint_eq(same->text_len, strlen(same->text));
        ck_assert_int_eq(same->pages, 2);
        ck_assert_str_eq(same->title, "Inv 9");
        ck_assert_str_eq(same->subject, "billing");
        ck_assert_ptr_null(same->author);
        /* The dead document: skipped, unless replayed. */
        doc_set_str(&again->id, "x-dead");
        snprintf(again->sha256, sizeof(again->sha256), "%s", sha);
        ck_assert_int_eq(lookup_ok(&h, again), STORE_DONE);
        again->msg.replay = 1;
        ck_assert_int_eq(lookup_ok(&h, again), STORE_NEW);
        ck_assert_str_eq(again->text, "Invoice 9\fpage two");

        pg = connect_or_die(test_dsn);
        ck_assert_str_eq(
                Q(pg,
                  "SELECT concat_ws('|', stage, error_class, attempts, "
                  "encode(msg_key, 'escape'), encode(msg_value, 'hex'), "
                  "msg_headers->0->>1, dlq_headers->>'docpipe-http-status', "
                  "dlq_topic, dlq_partition, dlq_offset, replays, "
                  "replayed_at IS NULL) FROM dead_letters "
                  "WHERE document_id = 'x-dead'"),
                "classify|retry|6|x-dead|2550444600ff|app/x|503|"
                "docpipe.jobs.dlq|1|17|0|t");
        /* Replayed, then dead again: pending again. */
        exec_ok(pg, "UPDATE dead_letters SET replayed_at = now(), "
                    "replays = 1 WHERE document_id = 'x-dead'");
        put_ok(&h, dead);
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', replays, replayed_at "
                               "IS NULL) FROM dead_letters WHERE "
                               "document_id = 'x-dead'"),
                         "1|t");
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM extractions"), 1);
        /* Done: the extraction goes, and the result is what is reused. */
        put_ok(&h, done);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM extractions"), 0);
        PQfinish(pg);
        harness_close(&h, 1000);
        doc_free(dead);
        doc_free(same);
        doc_free(again);
        doc_free(done);
}
END_TEST

START_TEST(test_lookup_not_delayed_by_batch)
{
        struct harness h;
        struct doc *p = doc_result("p-1", NULL);
        struct doc *l = doc_new();
        struct rec rp, rl;
        uint64_t t0;

        /* A batch that waits 1.5 s to fill. */
        harness_init(&h, test_dsn, 1000, 1500);
        doc_set_str(&l->id, "p-unknown");
        t0 = now_ms();
        put(&h, p, &rp);
        lookup(&h, l, &rl);
        harness_wait(&h, &h.lookups, 1, 30000);
        ck_assert_int_eq(rl.found, STORE_NEW);
        ck_assert_msg(rl.at_ms - t0 < 1000, "lookup took %llu ms",
                      (unsigned long long)(rl.at_ms - t0));
        ck_assert_int_eq(rp.put_done, 0);
        harness_wait(&h, &h.puts, 1, 30000);
        ck_assert(!rp.has_err);
        ck_assert_msg(rp.at_ms - t0 >= 1400, "put after %llu ms",
                      (unsigned long long)(rp.at_ms - t0));
        harness_close(&h, 1000);
        doc_free(p);
        doc_free(l);
}
END_TEST

START_TEST(test_batch_200)
{
        enum { N = 200 };
        struct harness h;
        struct doc *docs[N];
        struct rec recs[N];
        char qbuf[256], id[32];
        PGconn *pg;
        long txns;

        harness_init(&h, test_dsn, 64, 50);
        for (int i = 0; i < N; i++) {
                snprintf(id, sizeof(id), "b-%03d", i);
                docs[i] = doc_result(id, NULL);
        }
        for (int i = 0; i < N; i++)
                put(&h, docs[i], &recs[i]);
        harness_wait(&h, &h.puts, N, 60000);
        for (int i = 0; i < N; i++) {
                ck_assert_msg(!recs[i].has_err, "%d: %s", i, recs[i].err.msg);
                ck_assert_int_eq(recs[i].put_done, 1);
                ck_assert(recs[i].on_loop_thread);
        }
        harness_close(&h, 1000);
        pg = connect_or_die(test_dsn);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM results "
                                "WHERE document_id LIKE 'b-%%'"),
                         N);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM model_calls "
                                "WHERE document_id LIKE 'b-%%'"),
                         3 * N);
        /* Written in batches of at most 64: a few transactions. */
        txns = QL(pg, "SELECT count(DISTINCT xmin::text) FROM documents "
                      "WHERE id LIKE 'b-%%'");
        ck_assert_msg(txns >= 4 && txns <= 20, "%ld transactions", txns);
        PQfinish(pg);
        for (int i = 0; i < N; i++)
                doc_free(docs[i]);
}
END_TEST

START_TEST(test_data_error_isolated)
{
        enum { N = 11, BAD = 4, HUGE = 10 };
        struct harness h;
        struct doc *docs[N], *odd;
        struct rec recs[N];
        char qbuf[512], id[32], *huge = xmalloc(9001);
        PGconn *pg;

        harness_init(&h, test_dsn, N, 200);
        for (int i = 0; i < N; i++) {
                snprintf(id, sizeof(id), "e-%02d", i);
                docs[i] = doc_result(id, NULL);
        }
        doc_set_str(&docs[BAD]->summary, "bad \xff\xfe bytes");
        /* An id too long for the index (random, so that it does not
         * compress): SQLSTATE 54000, this document's own fault too. */
        srand(7);
        for (int i = 0; i < 9000; i++)
                huge[i] = (char)('a' + rand() % 26);
        huge[9000] = '\0';
        free(docs[HUGE]->id);
        docs[HUGE]->id = huge;
        /* A creation date nobody can read is no reason to refuse. */
        doc_set_str(&docs[BAD + 1]->created, "D:2024 sometime");
        for (int i = 0; i < N; i++)
                put(&h, docs[i], &recs[i]);
        harness_wait(&h, &h.puts, N, 30000);
        for (int i = 0; i < N; i++) {
                if (i == BAD || i == HUGE)
                        continue;
                ck_assert_msg(!recs[i].has_err, "%d: %s", i, recs[i].err.msg);
        }
        ck_assert(recs[HUGE].has_err);
        ck_assert_msg(recs[HUGE].err.cls == ERR_INPUT, "%s",
                      recs[HUGE].err.msg);
        ck_assert(recs[BAD].has_err);
        ck_assert_int_eq(recs[BAD].err.cls, ERR_INPUT);
        ck_assert_msg(strstr(recs[BAD].err.msg, "UTF8"), "%s",
                      recs[BAD].err.msg);

        /* What the pipeline does next: a dead letter instead. */
        docs[BAD]->err = recs[BAD].err;
        docs[BAD]->failed_stage = "store";
        put_ok(&h, docs[BAD]);

        /* A dead letter with bad bytes and a job that is not JSON still
         * lands, its text repaired. */
        odd = doc_dead("e-odd");
        doc_set_str(&odd->title, "T\xc3\x28itle");
        doc_set_str(&odd->job_json, "{\"id\": \"e-odd\", \"source\": \xff");
        put_ok(&h, odd);
        harness_close(&h, 1000);

        pg = connect_or_die(test_dsn);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM results "
                                "WHERE document_id LIKE 'e-%%'"),
                         N - 2);
        ck_assert_str_eq(Q(pg, "SELECT status FROM documents "
                               "WHERE id = 'e-04'"),
                         "dead");
        ck_assert_str_eq(Q(pg, "SELECT stage || ' ' || error_class FROM "
                               "dead_letters WHERE document_id = 'e-04'"),
                         "store input");
        ck_assert_str_eq(Q(pg, "SELECT coalesce(created_at_doc::text, "
                               "'null') FROM documents WHERE id = 'e-05'"),
                         "null");
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', d.status, d.title, "
                               "jsonb_typeof(l.job), l.job #>> '{}') "
                               "FROM documents d JOIN dead_letters l ON "
                               "l.document_id = d.id WHERE d.id = 'e-odd'"),
                         "dead|T\xef\xbf\xbd(itle|string|{\"id\": "
                         "\"e-odd\", \"source\": \xef\xbf\xbd");
        PQfinish(pg);
        for (int i = 0; i < N; i++)
                doc_free(docs[i]);
        doc_free(odd);
}
END_TEST

START_TEST(test_schema_error_isolated)
{
        char dsn[1200], name[80], qbuf[256];
        struct harness h;
        struct doc *ok = doc_result("s-ok", NULL), *dead = doc_dead("s-dead");
        struct rec r1, r2;
        struct err err;
        PGconn *pg;

        snprintf(name, sizeof(name), "%s_se", test_db);
        db_create(name, dsn, sizeof(dsn));
        err_clear(&err);
        ck_assert_msg(store_migrate(dsn, &err) == 0, "%s", err.msg);
        pg = connect_or_die(dsn);
        exec_ok(pg, "ALTER TABLE model_calls RENAME TO model_calls_gone");
        harness_init(&h, dsn, 10, 50);
        put(&h, ok, &r1);
        put(&h, dead, &r2);
        harness_wait(&h, &h.puts, 2, 30000);
        harness_close(&h, 1000);
        /* A result needs model_calls; a dead letter does not. */
        ck_assert(r1.has_err);
        ck_assert_int_eq(r1.err.cls, ERR_FATAL);
        ck_assert_msg(strstr(r1.err.msg, "model_calls"), "%s", r1.err.msg);
        ck_assert_msg(!r2.has_err, "%s", r2.err.msg);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM dead_letters"), 1);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM documents"), 1);
        PQfinish(pg);
        db_drop(name);
        doc_free(ok);
        doc_free(dead);
}
END_TEST

/* pid of the store's backend in our database, 0 if none; with
 * waiting_only, only while it waits for a lock. */
static long store_backend(PGconn *pg, int waiting_only)
{
        char qbuf[64];

        return QL(pg,
                  "SELECT pid FROM pg_stat_activity WHERE datname = "
                  "current_database() AND application_name = "
                  "'docpipe-store'%s LIMIT 1",
                  waiting_only ? " AND wait_event_type = 'Lock'" : "");
}

START_TEST(test_lost_connection)
{
        enum { N = 10 };
        struct harness h;
        struct doc *docs[3 * N];
        struct rec recs[3 * N];
        char qbuf[256], id[32];
        PGconn *pg = connect_or_die(test_dsn), *locker;
        uint64_t end;
        long pid;

        harness_init(&h, test_dsn, 20, 20);
        for (int i = 0; i < 3 * N; i++) {
                snprintf(id, sizeof(id), "c-%02d", i);
                docs[i] = doc_result(id, NULL);
        }
        for (int i = 0; i < N; i++)
                put(&h, docs[i], &recs[i]);
        harness_wait(&h, &h.puts, N, 30000);

        /* Between batches: the next batch reconnects. */
        pid = store_backend(pg, 0);
        ck_assert_int_gt(pid, 0);
        ck_assert_str_eq(Q(pg, "SELECT pg_terminate_backend(%ld)", pid), "t");
        for (int i = N; i < 2 * N; i++)
                put(&h, docs[i], &recs[i]);
        harness_wait(&h, &h.puts, 2 * N, 30000);

        /* In the middle of a transaction: model_calls is locked so the
         * batch stops half-way; its backend is killed there. */
        locker = connect_or_die(test_dsn);
        exec_ok(locker, "BEGIN");
        exec_ok(locker, "LOCK TABLE model_calls IN EXCLUSIVE MODE");
        for (int i = 2 * N; i < 3 * N; i++)
                put(&h, docs[i], &recs[i]);
        end = now_ms() + 20000;
        while ((pid = store_backend(pg, 1)) == 0 && now_ms() < end)
                usleep(20000);
        ck_assert_msg(pid > 0, "the batch never waited for the lock");
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM documents "
                                "WHERE id >= 'c-20' AND id LIKE 'c-%%'"),
                         0);
        ck_assert_str_eq(Q(pg, "SELECT pg_terminate_backend(%ld)", pid), "t");
        exec_ok(locker, "ROLLBACK");
        PQfinish(locker);
        harness_wait(&h, &h.puts, 3 * N, 30000);
        for (int i = 0; i < 3 * N; i++)
                ck_assert_msg(!recs[i].has_err, "%d: %s", i, recs[i].err.msg);
        harness_close(&h, 1000);

        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM results "
                                "WHERE document_id LIKE 'c-%%'"),
                         3 * N);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM model_calls "
                                "WHERE document_id LIKE 'c-%%'"),
                         9 * N);
        PQfinish(pg);
        for (int i = 0; i < 3 * N; i++)
                doc_free(docs[i]);
}
END_TEST

/* ---- closing ---------------------------------------------------------- */

START_TEST(test_free_flushes)
{
        enum { N = 5 };
        struct harness h;
        struct doc *docs[N];
        struct rec recs[N];
        char qbuf[64], id[32];
        uint64_t t0;
        PGconn *pg;

        /* The batch would wait 10 s; closing writes it now. */
        harness_init(&h, test_dsn, 100, 10000);
        for (int i = 0; i < N; i++) {
                snprintf(id, sizeof(id), "f-%d", i);
                docs[i] = doc_result(id, NULL);
                put(&h, docs[i], &recs[i]);
        }
        t0 = now_ms();
        store_free(h.s, 5000);
        h.s = NULL;
        ck_assert_msg(now_ms() - t0 < 4000, "store_free took %llu ms",
                      (unsigned long long)(now_ms() - t0));
        for (int i = 0; i < N; i++) {
                ck_assert_int_eq(recs[i].put_done, 1);
                ck_assert_msg(!recs[i].has_err, "%s", recs[i].err.msg);
        }
        harness_close(&h, 0);
        pg = connect_or_die(test_dsn);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM results "
                                "WHERE document_id LIKE 'f-%%'"),
                         N);
        PQfinish(pg);
        for (int i = 0; i < N; i++)
                doc_free(docs[i]);
}
END_TEST

START_TEST(test_free_cancels_stuck_statement)
{
        struct harness h;
        struct doc *doc = doc_result("k-1", NULL);
        PGconn *pg = connect_or_die(test_dsn), *locker;
        struct rec r;
        uint64_t t0, end;
        char qbuf[64];

        harness_init(&h, test_dsn, 1, 0);
        locker = connect_or_die(test_dsn);
        exec_ok(locker, "BEGIN");
        exec_ok(locker, "LOCK TABLE model_calls IN EXCLUSIVE MODE");
        put(&h, doc, &r);
        end = now_ms() + 20000;
        while (store_backend(pg, 1) == 0 && now_ms() < end)
                usleep(20000);
        ck_assert_msg(store_backend(pg, 1) > 0, "the write never waited");
        t0 = now_ms();
        store_free(h.s, 200);
        h.s = NULL;
        ck_assert_msg(now_ms() - t0 < 5000, "store_free took %llu ms",
                      (unsigned long long)(now_ms() - t0));
        ck_assert_int_eq(r.put_done, 1);
        ck_assert_int_eq(r.err.cls, ERR_RETRY);
        exec_ok(locker, "ROLLBACK");
        PQfinish(locker);
        harness_close(&h, 0);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM documents "
                                "WHERE id = 'k-1'"),
                         0);
        PQfinish(pg);
        doc_free(doc);
}
END_TEST

static int again_calls;

/* A callback that tries again, as the pipeline does after ERR_INPUT. */
static void on_put_again(struct doc *doc, const struct err *err)
{
        struct rec *r = doc->owner;

        on_put(doc, err);
        if (again_calls++ == 0)
                store_put(r->h->s, doc, on_put);
}

START_TEST(test_free_unreachable)
{
        struct harness h;
        struct doc *p = doc_result("u-1", NULL), *q = doc_result("u-2", NULL);
        struct doc *l = doc_new();
        struct rec rp, rq, rl;
        struct store *s;
        uint64_t t0;

        harness_init(&h,
                     "host=/nonexistent/docpipe port=5999 dbname=x "
                     "connect_timeout=2",
                     10, 10);
        doc_set_str(&l->id, "u-3");
        put(&h, p, &rp);
        lookup(&h, l, &rl);
        memset(&rq, 0, sizeof(rq));
        rq.h = &h;
        q->owner = &rq;
        store_put(h.s, q, on_put_again);
        t0 = now_ms();
        while (now_ms() - t0 < 300)
                uv_run(&h.loop, UV_RUN_ONCE);
        ck_assert_int_eq(h.puts + h.lookups, 0);
        /* store_free is called by harness_close: it gives up at once. */
        s = h.s;
        t0 = now_ms();
        store_free(s, 300);
        h.s = NULL;
        ck_assert_msg(now_ms() - t0 < 3000, "store_free took %llu ms",
                      (unsigned long long)(now_ms() - t0));
        ck_assert_int_eq(rp.put_done, 1);
        ck_assert_int_eq(rp.err.cls, ERR_RETRY);
        ck_assert_msg(strstr(rp.err.msg, "store closed"), "%s", rp.err.msg);
        ck_assert_int_eq(rl.lookup_done, 1);
        ck_assert_int_eq(rl.err.cls, ERR_RETRY);
        /* The retry from inside the callback failed at once too. */
        ck_assert_int_eq(rq.put_done, 2);
        ck_assert_int_eq(rq.err.cls, ERR_RETRY);
        harness_close(&h, 0);
        doc_free(p);
        doc_free(q);
        doc_free(l);
}
END_TEST

START_TEST(test_bad_dsn)
{
        uv_loop_t loop;
        struct config cfg;
        struct err err;

        memset(&cfg, 0, sizeof(cfg));
        cfg.pg_dsn = (char *)"host=/tmp port='unterminated";
        cfg.pg_batch_max = 10;
        ck_assert_int_eq(uv_loop_init(&loop), 0);
        err_clear(&err);
        ck_assert_ptr_null(store_new(&loop, &cfg, &err));
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_msg(strstr(err.msg, "postgres.dsn"), "%s", err.msg);
        ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

/* libpq quotes a DSN it cannot parse back, the whole URI at times: no
 * message of the store may carry the password. */
START_TEST(test_dsn_password_hidden)
{
        static const struct {
                const char *dsn;
                int parses;
        } cases[] = {
                {"postgresql://app:Mk-pw-1@[::1/db", 0},
                {"postgresql://app:Mk%zz-pw-2@localhost/db", 0},
                {"postgresql://app:Mk-pw-3@localhost/db?bogus=1", 0},
                {"host=/tmp password=Mk pw-4", 0},
                {"host=/tmp password='Mk-pw-5", 0},
                {"host=/nonexistent/docpipe port=1 connect_timeout=2 "
                 "password=Mk-pw-6",
                 1},
                {"postgresql://app:Mk-pw-7@/db?host=/nonexistent/"
                 "docpipe&port=1",
                 1},
        };
        uv_loop_t loop;
        struct config cfg;
        struct err err;

        ck_assert_int_eq(uv_loop_init(&loop), 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *dsn = cases[i].dsn;

                err_clear(&err);
                ck_assert_int_eq(store_migrate(dsn, &err), -1);
                ck_assert_msg(!strstr(err.msg, "pw-"), "%s: %s", dsn, err.msg);
                ck_assert_msg(strstr(err.msg, "cannot connect"), "%s", err.msg);
                if (cases[i].parses)
                        continue;
                memset(&cfg, 0, sizeof(cfg));
                cfg.pg_dsn = (char *)dsn;
                cfg.pg_batch_max = 10;
                err_clear(&err);
                ck_assert_ptr_null(store_new(&loop, &cfg, &err));
                ck_assert_int_eq(err.cls, ERR_FATAL);
                ck_assert_msg(strstr(err.msg, "postgres.dsn"), "%s", err.msg);
                ck_assert_msg(!strstr(err.msg, "pw-"), "%s: %s", dsn, err.msg);
        }
        ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

/* ---- the tenant budget's ledger ---------------------------------------- */

/* What a test knows about one reservation. */
struct grant {
        struct harness *h;
        int done, granted, on_loop_thread, has_err;
        char day[16];
        struct err err;
};

static void on_reserved(void *arg, int granted, const char *day,
                        const struct err *err)
{
        struct grant *g = arg;

        g->done++;
        g->granted = granted;
        snprintf(g->day, sizeof(g->day), "%s", day ? day : "");
        g->has_err = err != NULL;
        if (err)
                g->err = *err;
        g->on_loop_thread = pthread_equal(pthread_self(), g->h->loop_thread);
        g->h->reserves++;
}

static void reserve(struct harness *h, struct store *s, const char *tenant,
                    long long usd, long long cap, struct grant *g)
{
        memset(g, 0, sizeof(*g));
        g->h = h;
        store_spend_reserve(s, tenant, usd, cap, on_reserved, g);
}

/* Reserves and waits for the answer; expects no error. */
static int reserve_ok(struct harness *h, const char *tenant, long long usd,
                      long long cap, char *day)
{
        struct grant g;
        int want = h->reserves + 1;

        reserve(h, h->s, tenant, usd, cap, &g);
        harness_wait(h, &h->reserves, want, 30000);
        ck_assert_msg(!g.has_err, "reserve: %s", g.err.msg);
        ck_assert(g.on_loop_thread);
        if (day)
                snprintf(day, 16, "%s", g.day);
        return g.granted;
}

START_TEST(test_spend_reserve_settle)
{
        struct harness h;
        char day[16], qbuf[256];
        PGconn *pg = connect_or_die(test_dsn);

        harness_init(&h, test_dsn, 10, 20);
        ck_assert_int_eq(reserve_ok(&h, "t1", 400, 1000, day), 1);
        ck_assert_str_eq(day, Q(pg, "SELECT (now() AT TIME ZONE 'UTC')"
                                    "::date::text"));
        ck_assert_int_eq(reserve_ok(&h, "t1", 400, 1000, NULL), 1);
        /* 1200 > 1000: refused, and nothing added. */
        ck_assert_int_eq(reserve_ok(&h, "t1", 400, 1000, NULL), 0);
        ck_assert_int_eq(reserve_ok(&h, "t1", 200, 1000, NULL), 1);
        /* Another tenant has a day of its own; above the cap alone, even
         * a first reservation is refused. */
        ck_assert_int_eq(reserve_ok(&h, "t2", 400, 1000, NULL), 1);
        ck_assert_int_eq(reserve_ok(&h, "t3", 1001, 1000, NULL), 0);
        ck_assert_str_eq(Q(pg, "SELECT string_agg(tenant || '=' || "
                               "committed_usd, ' ' ORDER BY tenant) "
                               "FROM tenant_spend WHERE tenant LIKE 't_'"),
                         "t1=0.000001000 t2=0.000000400");
        /* Settled to the real costs: the first call cost 300, the second
         * 450, the third nothing (failed). Written in the background,
         * before store_free returns. */
        store_spend_settle(h.s, "t1", day, -100);
        store_spend_settle(h.s, "t1", day, 50);
        store_spend_settle(h.s, "t1", day, -200);
        store_spend_settle(h.s, "t1", day, 0);
        harness_close(&h, 5000);
        ck_assert_str_eq(Q(pg, "SELECT committed_usd FROM tenant_spend "
                               "WHERE tenant = 't1'"),
                         "0.000000750");
        PQfinish(pg);
}
END_TEST

/* Two stores (two connections, as two replicas) race for one cap: the
 * grants add up to what fits, never more. */
START_TEST(test_spend_race)
{
        enum { N = 200 };
        struct harness h;
        struct grant *g = calloc(N, sizeof(*g));
        struct store *s2;
        struct err err;
        char qbuf[256];
        int granted = 0;
        PGconn *pg;

        harness_init(&h, test_dsn, 10, 20);
        err_clear(&err);
        s2 = store_new(&h.loop, &h.cfg, &err);
        ck_assert_msg(s2 != NULL, "%s", err.msg);
        for (int i = 0; i < N; i++)
                reserve(&h, i % 2 ? h.s : s2, "race", 30, 2990, &g[i]);
        harness_wait(&h, &h.reserves, N, 60000);
        for (int i = 0; i < N; i++) {
                ck_assert_msg(!g[i].has_err, "%s", g[i].err.msg);
                granted += g[i].granted;
        }
        ck_assert_int_eq(granted, 99);
        store_free(s2, 1000);
        harness_close(&h, 1000);
        pg = connect_or_die(test_dsn);
        ck_assert_str_eq(Q(pg, "SELECT committed_usd FROM tenant_spend "
                               "WHERE tenant = 'race'"),
                         "0.000002970");
        PQfinish(pg);
        free(g);
}
END_TEST

/* A budget that cannot be checked is not passed: ERR_RETRY after a few
 * seconds of trying. */
START_TEST(test_spend_unreachable)
{
        struct harness h;
        struct grant g;
        uint64_t t0 = now_ms(), ms;

        harness_init(&h,
                     "host=/nonexistent/docpipe port=5999 dbname=x "
                     "connect_timeout=2",
                     10, 10);
        reserve(&h, h.s, "t1", 100, 1000, &g);
        harness_wait(&h, &h.reserves, 1, 15000);
        ms = now_ms() - t0;
        ck_assert(g.has_err);
        ck_assert_int_eq(g.err.cls, ERR_RETRY);
        ck_assert_int_eq(g.granted, 0);
        ck_assert_msg(strstr(g.err.msg, "tenant budget of t1") &&
                              strstr(g.err.msg, "cannot connect"),
                      "%s", g.err.msg);
        ck_assert_msg(ms >= 2500 && ms < 10000, "answered after %llu ms",
                      (unsigned long long)ms);
        /* A settlement that cannot be written is dropped at close. */
        store_spend_settle(h.s, "t1", "2024-01-01", 5);
        t0 = now_ms();
        harness_close(&h, 300);
        ck_assert_msg(now_ms() - t0 < 3000, "close took %llu ms",
                      (unsigned long long)(now_ms() - t0));
}
END_TEST

/* Shadow calls and comparisons go with the result, idempotently. */
START_TEST(test_put_shadow)
{
        struct harness h;
        struct doc *doc = doc_result("sh-1", "ab01");
        struct shadow_cmp c;
        char qbuf[512];
        PGconn *pg;

        add_call(doc, "classify", 50, 5, 0.001);
        doc->calls[3].shadow = 1;
        memset(&c, 0, sizeof(c));
        snprintf(c.stage, sizeof(c.stage), "classify");
        snprintf(c.primary_model, sizeof(c.primary_model), "fake/x");
        snprintf(c.reference_model, sizeof(c.reference_model), "ref/gpt-5");
        c.score = 0;
        c.primary = json_pack("{s:s}", "class", "invoice");
        c.reference = json_pack("{s:s}", "class", "receipt");
        c.details = json_pack("{s:f}", "confidence_delta", 0.1);
        doc_add_shadow(doc, &c);

        harness_init(&h, test_dsn, 10, 20);
        put_ok(&h, doc);
        put_ok(&h, doc);
        harness_close(&h, 1000);
        pg = connect_or_die(test_dsn);
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', stage, primary_model, "
                               "reference_model, agree, score, "
                               "primary_answer->>'class', "
                               "reference_answer->>'class', "
                               "details->>'confidence_delta') "
                               "FROM shadow_comparisons "
                               "WHERE document_id = 'sh-1'"),
                         "classify|fake/x|ref/gpt-5|f|0|invoice|receipt|0.1");
        ck_assert_str_eq(Q(pg, "SELECT string_agg(seq || ':' || stage || ':' "
                               "|| shadow, ' ' ORDER BY seq) "
                               "FROM model_calls WHERE document_id = 'sh-1'"),
                         "0:classify:false 1:fields:false 2:summarize:false "
                         "3:classify:true");
        ck_assert_str_eq(Q(pg, "SELECT concat_ws('|', tenant, documents, "
                               "agreement) FROM shadow_agreement "
                               "WHERE stage = 'classify' AND "
                               "primary_model = 'fake/x'"),
                         "acme|1|0");
        PQfinish(pg);
        doc_free(doc);
}
END_TEST

/* ---- the cluster ------------------------------------------------------ */

/* tests/pg.sh: named by DOCPIPE_PG_SH, or under the working directory
 * (make runs the tests from the top), or two levels above the binary
 * (build/tests/test_store). */
static const char *find_pg_sh(void)
{
        const char *env = getenv("DOCPIPE_PG_SH");
        char exe[1024];
        ssize_t n;

        if (env)
                return env;
        if (access("tests/pg.sh", R_OK) == 0)
                return "tests/pg.sh";
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                static char path[1200];

                exe[n] = '\0';
                /* .../build/tests/test_store: three levels up. */
                for (int up = 0; up < 3; up++) {
                        char *slash = strrchr(exe, '/');
                        if (slash)
                                *slash = '\0';
                }
                snprintf(path, sizeof(path), "%s/tests/pg.sh", exe);
                if (access(path, R_OK) == 0)
                        return path;
        }
        return "tests/pg.sh";
}

/* Runs `sh pg.sh CMD DIR`; its first line of output in out (may be
 * NULL). Returns the exit status. */
static int pg_sh_run(const char *cmd, char *out, size_t n)
{
        char line[1600];
        FILE *f;
        int rc;

        snprintf(line, sizeof(line), "sh '%s' %s '%s'", pg_sh, cmd, pg_dir);
        f = popen(line, "r");
        if (!f)
                return -1;
        if (out) {
                if (!fgets(out, (int)n, f))
                        out[0] = '\0';
                out[strcspn(out, "\n")] = '\0';
        }
        while (fgets(line, sizeof(line), f)) {
                /* drain, so that the script is not cut off */
        }
        rc = pclose(f);
        return rc;
}

static int cluster_up(void)
{
        const char *env = getenv("TEST_PG_DSN");
        PGconn *pg;
        unsigned r;

        if (env && *env) {
                snprintf(base_dsn, sizeof(base_dsn), "%s", env);
        } else {
                pg_sh = find_pg_sh();
                snprintf(pg_dir, sizeof(pg_dir),
                         "/tmp/docpipe-test-store.XXXXXX");
                if (!mkdtemp(pg_dir)) {
                        perror("test_store: mkdtemp");
                        pg_dir[0] = '\0';
                        return -1;
                }
                if (pg_sh_run("start", base_dsn, sizeof(base_dsn)) != 0 ||
                    !base_dsn[0]) {
                        fprintf(stderr, "test_store: %s start failed\n", pg_sh);
                        return -1;
                }
        }
        srand((unsigned)time(NULL) ^ (unsigned)getpid());
        r = (unsigned)rand();
        snprintf(test_db, sizeof(test_db), "docpipe_test_store_%d_%x",
                 (int)getpid(), r);
        pg = connect_or_die(base_dsn);
        PQfinish(pg);
        db_create(test_db, test_dsn, sizeof(test_dsn));
        return 0;
}

static pid_t main_pid; /* check forks a child per test */

/* At exit of the main process, however it exits: drops the database and
 * removes the cluster it started. */
static void cluster_down(void)
{
        if (getpid() != main_pid)
                return;
        in_tests = 0;
        if (test_db[0]) {
                PGconn *pg = PQconnectdb(base_dsn);
                char sql[256];
                PGresult *res;

                snprintf(sql, sizeof(sql),
                         "DROP DATABASE IF EXISTS %s WITH (FORCE)", test_db);
                PQsetNoticeProcessor(pg, quiet, NULL);
                res = PQexec(pg, sql);
                PQclear(res);
                PQfinish(pg);
                test_db[0] = '\0';
        }
        if (pg_dir[0]) {
                pg_sh_run("destroy", NULL, 0);
                rmdir(pg_dir); /* when pg.sh could not even start */
                pg_dir[0] = '\0';
        }
}

/* ---- behind a pooler -------------------------------------------------- */

/* Starts PgBouncer (Debian's) in front of the test cluster in dir, in
 * transaction mode, resetting each server connection after every
 * transaction (DISCARD ALL, which drops prepared statements, as a pool
 * that hands each transaction another connection does). Returns its pid;
 * *port gets its port. */
static pid_t pgbouncer_start(const char *dir, int *port)
{
        PQconninfoOption *opts = PQconninfoParse(base_dsn, NULL);
        const char *host = NULL, *pgport = NULL;
        char path[512];
        FILE *f;
        pid_t pid;

        ck_assert_ptr_nonnull(opts);
        for (PQconninfoOption *o = opts; o->keyword; o++) {
                if (strcmp(o->keyword, "host") == 0)
                        host = o->val;
                else if (strcmp(o->keyword, "port") == 0)
                        pgport = o->val;
        }
        ck_assert_msg(host && pgport, "no host and port in %s", base_dsn);
        *port = 20000 + (int)(getpid() % 20000);
        snprintf(path, sizeof(path), "%s/pgbouncer.ini", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f,
                "[databases]\n* = host=%s port=%s user=postgres\n"
                "[pgbouncer]\nlisten_addr =\nlisten_port = %d\n"
                "unix_socket_dir = %s\nauth_type = any\n"
                "pool_mode = transaction\ndefault_pool_size = 2\n"
                "server_reset_query = DISCARD ALL\n"
                "server_reset_query_always = 1\n"
                "logfile = %s/pgbouncer.log\npidfile = %s/pgbouncer.pid\n",
                host, pgport, *port, dir, dir, dir);
        fclose(f);
        PQconninfoFree(opts);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                /* It will not run as root: as postgres, then. */
                if (getuid() == 0)
                        execlp("pgbouncer", "pgbouncer", "-q", "-u", "postgres",
                               path, (char *)NULL);
                else
                        execlp("pgbouncer", "pgbouncer", "-q", path,
                               (char *)NULL);
                fprintf(stderr,
                        "test_store: pgbouncer: %s (deploy/deps.sh "
                        "installs it)\n",
                        strerror(errno));
                _exit(127);
        }
        return pid;
}

START_TEST(test_pooler)
{
        enum { N = 20 };
        char dir[] = "/tmp/docpipe-pgb.XXXXXX", dsn[1400], id[32];
        char qbuf[256];
        PQconninfoOption *opts;
        const char *db = NULL;
        struct harness h;
        struct doc *docs[N], *look;
        struct rec recs[N], lrec;
        PGconn *pg = connect_or_die(test_dsn), *via;
        struct err err;
        uint64_t end;
        pid_t pid;
        int port, st;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_eq(chmod(dir, 0777), 0);
        opts = PQconninfoParse(test_dsn, NULL);
        for (PQconninfoOption *o = opts; o->keyword; o++)
                if (strcmp(o->keyword, "dbname") == 0)
                        db = o->val;
        pid = pgbouncer_start(dir, &port);
        snprintf(dsn, sizeof(dsn), "host=%s port=%d user=postgres dbname=%s",
                 dir, port, db);
        PQconninfoFree(opts);
        end = now_ms() + 10000;
        for (;;) {
                via = PQconnectdb(dsn);
                if (PQstatus(via) == CONNECTION_OK || now_ms() > end ||
                    waitpid(pid, &st, WNOHANG) == pid)
                        break;
                PQfinish(via);
                usleep(50000);
        }
        ck_assert_msg(PQstatus(via) == CONNECTION_OK, "pgbouncer: %s",
                      PQerrorMessage(via));
        PQfinish(via);

        /* Migrations through the pooler: twice, as workers starting one
         * after the other do; a session lock would stay with a pooled
         * server connection and block the second for ever. */
        for (int i = 0; i < 2; i++) {
                err_clear(&err);
                ck_assert_msg(store_migrate(dsn, &err) == 0, "migrate %d: %s",
                              i, err.msg);
        }

        harness_init(&h, dsn, 5, 20);
        for (int i = 0; i < N; i++) {
                snprintf(id, sizeof(id), "pool-%02d", i);
                docs[i] = doc_result(id, NULL);
                put(&h, docs[i], &recs[i]);
                /* One batch at a time: each its own transaction, so the
                 * statements prepared in one are gone in the next. */
                if (i % 5 == 4)
                        harness_wait(&h, &h.puts, i + 1, 30000);
        }
        look = doc_result("pool-00", NULL);
        lookup(&h, look, &lrec);
        harness_wait(&h, &h.lookups, 1, 30000);
        ck_assert_msg(!lrec.has_err, "lookup: %s", lrec.err.msg);
        ck_assert_int_eq(lrec.found, STORE_DONE);
        for (int i = 0; i < N; i++)
                ck_assert_msg(!recs[i].has_err, "%d: %s", i, recs[i].err.msg);
        harness_close(&h, 1000);

        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM results "
                                "WHERE document_id LIKE 'pool-%%'"),
                         N);
        ck_assert_int_eq(QL(pg, "SELECT count(*) FROM model_calls "
                                "WHERE document_id LIKE 'pool-%%'"),
                         3 * N);
        PQfinish(pg);
        kill(pid, SIGTERM);
        waitpid(pid, &st, 0);
        for (int i = 0; i < N; i++)
                doc_free(docs[i]);
        doc_free(look);
        snprintf(qbuf, sizeof(qbuf), "rm -rf %s", dir);
        ck_assert_int_eq(system(qbuf), 0);
}
END_TEST

static Suite *store_suite(void)
{
        Suite *s = suite_create("store");
        struct {
                const char *name;
                const TTest *test;
        } cases[] = {
                {"migrate twice", test_migrate_twice},
                {"migrate concurrently", test_migrate_concurrent},
                {"migrate unreachable", test_migrate_unreachable},
                {"result and dead letter", test_put_result_and_dead_letter},
                {"idempotent", test_idempotent},
                {"lookup", test_lookup},
                {"dead letter's Kafka side, extraction",
                 test_dead_letter_kafka_and_extraction},
                {"lookup not delayed", test_lookup_not_delayed_by_batch},
                {"batch of 200", test_batch_200},
                {"data error isolated", test_data_error_isolated},
                {"schema error isolated", test_schema_error_isolated},
                {"lost connection", test_lost_connection},
                {"free flushes", test_free_flushes},
                {"free unreachable", test_free_unreachable},
                {"free cancels", test_free_cancels_stuck_statement},
                {"bad dsn", test_bad_dsn},
                {"dsn password hidden", test_dsn_password_hidden},
                {"spend reserve and settle", test_spend_reserve_settle},
                {"spend race", test_spend_race},
                {"spend unreachable", test_spend_unreachable},
                {"put shadow", test_put_shadow},
                {"behind a pooler", test_pooler},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                TCase *tc = tcase_create(cases[i].name);
                tcase_set_timeout(tc, 300);
                tcase_add_test(tc, cases[i].test);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(void)
{
        SRunner *sr;
        int failed;

        main_pid = getpid();
        atexit(cluster_down);
        if (cluster_up() < 0)
                return 1;
        {
                struct err err;
                err_clear(&err);
                if (store_migrate(test_dsn, &err) < 0) {
                        fprintf(stderr, "test_store: migrate: %s\n", err.msg);
                        return 1;
                }
        }
        sr = srunner_create(store_suite());
        in_tests = 1;
        srunner_run_all(sr, CK_NORMAL);
        in_tests = 0;
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
