/*
 * Unit tests of requeue.c and of topics.retry in config.c: the retry tiers
 * as configured (and refused), which tier a failed job goes to, when a
 * retry topic's message is due, the id of a keyless job that came back,
 * and the headers a retry topic or the dead-letter topic gets.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/config.h"
#include "../../worker/doc.h"
#include "../../worker/requeue.h"

/* Loads the defaults plus DOCPIPE_TOPICS_RETRY=value (NULL: unset);
 * returns config_load_env's result, err set on failure. */
static int load_retry(struct config *cfg, const char *value, struct err *err)
{
        char var[512];
        char *envp[2] = {var, NULL};

        snprintf(var, sizeof(var), "DOCPIPE_TOPICS_RETRY=%s",
                 value ? value : "");
        err_clear(err);
        return config_load_env(cfg, NULL, value ? envp : NULL, err);
}

/* The header name's last value as a static string ("" when missing). */
static const char *hget(const rd_kafka_headers_t *hdrs, const char *name)
{
        static char buf[600];
        const void *val = NULL;
        size_t size = 0;

        buf[0] = '\0';
        if (rd_kafka_header_get_last(hdrs, name, &val, &size) == 0 && val)
                snprintf(buf, sizeof(buf), "%.*s", (int)size,
                         (const char *)val);
        return buf;
}

static int hcount(const rd_kafka_headers_t *hdrs, const char *name)
{
        const void *val;
        size_t size;
        int n = 0;

        while (rd_kafka_header_get(hdrs, (size_t)n, name, &val, &size) == 0)
                n++;
        return n;
}

START_TEST(test_tiers_default)
{
        struct config cfg;
        struct err err;

        ck_assert_int_eq(load_retry(&cfg, NULL, &err), 0);
        ck_assert_uint_eq(cfg.retry_n, 2);
        ck_assert_str_eq(cfg.retry[0].topic, "docpipe.jobs.retry.1m");
        ck_assert_int_eq(cfg.retry[0].delay_ms, 60000);
        ck_assert_str_eq(cfg.retry[1].topic, "docpipe.jobs.retry.10m");
        ck_assert_int_eq(cfg.retry[1].delay_ms, 600000);
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_tiers_units)
{
        struct config cfg;
        struct err err;

        ck_assert_int_eq(
                load_retry(&cfg, "a:100ms, b.x:2s,c-1:3m,d:1h,e:7d", &err), 0);
        ck_assert_uint_eq(cfg.retry_n, 5);
        ck_assert_str_eq(cfg.retry[1].topic, "b.x");
        ck_assert_int_eq(cfg.retry[0].delay_ms, 100);
        ck_assert_int_eq(cfg.retry[1].delay_ms, 2000);
        ck_assert_int_eq(cfg.retry[2].delay_ms, 180000);
        ck_assert_int_eq(cfg.retry[3].delay_ms, 3600000);
        ck_assert_int_eq(cfg.retry[4].delay_ms, 7 * 86400000LL);
        config_cleanup(&cfg);
        /* Empty: no tier, transient failures go to the dead letters. */
        ck_assert_int_eq(load_retry(&cfg, "", &err), 0);
        ck_assert_uint_eq(cfg.retry_n, 0);
        config_cleanup(&cfg);
}
END_TEST

/* value is refused, with a message that contains want. */
static void refused(const char *value, const char *want)
{
        struct config cfg;
        struct err err;

        ck_assert_int_eq(load_retry(&cfg, value, &err), -1);
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_msg(strstr(err.msg, "DOCPIPE_TOPICS_RETRY") &&
                              strstr(err.msg, want),
                      "%s: got '%s'", value, err.msg);
}

START_TEST(test_tiers_refused)
{
        refused("docpipe.jobs.retry", "is not TOPIC:DELAY");
        refused(":1s", "is not TOPIC:DELAY");
        refused("a:5x", "delay '5x'");
        refused("a:99ms", "delay '99ms'");
        refused("a:8d", "delay '8d'");
        refused("a:s", "delay 's'");
        refused("a b:1s", "not a valid topic name");
        refused("a:1s,a:2s", "'a' is listed twice");
        refused("docpipe.jobs:1s", "is also topics.jobs");
        refused("docpipe.jobs.dlq:1s", "is also topics.dlq");
        refused("a:1s,b:1s,c:1s,d:1s,e:1s,f:1s,g:1s,h:1s,i:1s",
                "more than 8 retry tiers");
}
END_TEST

START_TEST(test_next_tier)
{
        struct config cfg;
        struct err err;
        struct doc *doc = doc_new();

        ck_assert_int_eq(load_retry(&cfg, "r.a:1s,r.b:2s", &err), 0);
        doc->topic = strdup("docpipe.jobs");
        err_set(&doc->err, ERR_RETRY, "HTTP 500");
        ck_assert_int_eq(requeue_tier_of(&cfg, "docpipe.jobs"), -1);
        ck_assert_int_eq(requeue_tier_of(&cfg, "r.b"), 1);
        ck_assert_int_eq(requeue_next_tier(&cfg, doc), 0);
        free(doc->topic);
        doc->topic = strdup("r.a");
        ck_assert_int_eq(requeue_next_tier(&cfg, doc), 1);
        free(doc->topic);
        doc->topic = strdup("r.b");
        ck_assert_int_eq(requeue_next_tier(&cfg, doc), -1);
        /* Permanent: the dead letters at once, from anywhere. */
        free(doc->topic);
        doc->topic = strdup("docpipe.jobs");
        err_set(&doc->err, ERR_INPUT, "not a PDF");
        ck_assert_int_eq(requeue_next_tier(&cfg, doc), -1);
        config_cleanup(&cfg);
        /* No tiers. */
        ck_assert_int_eq(load_retry(&cfg, "", &err), 0);
        err_set(&doc->err, ERR_RETRY, "HTTP 500");
        ck_assert_int_eq(requeue_next_tier(&cfg, doc), -1);
        config_cleanup(&cfg);
        doc_free(doc);
}
END_TEST

START_TEST(test_due)
{
        struct config cfg;
        struct err err;
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(2);
        int64_t now = 1700000000000LL;

        ck_assert_int_eq(load_retry(&cfg, "r.a:10s", &err), 0);
        /* Not a retry topic: due now. */
        ck_assert_int_eq(requeue_due(&cfg, "docpipe.jobs", NULL, now, now), 0);
        /* No header: the timestamp plus the delay. */
        ck_assert_int_eq(requeue_due(&cfg, "r.a", NULL, now - 4000, now),
                         now + 6000);
        ck_assert_int_eq(requeue_due(&cfg, "r.a", hdrs, now - 20000, now),
                         now - 10000);
        ck_assert_int_eq(requeue_due(&cfg, "r.a", NULL, -1, now), 0);
        /* The header wins, but never past now plus the delay. */
        rd_kafka_header_add(hdrs, REQUEUE_H_DUE, -1, "1700000003000", -1);
        ck_assert_int_eq(requeue_due(&cfg, "r.a", hdrs, now - 9000, now),
                         now + 3000);
        rd_kafka_header_add(hdrs, REQUEUE_H_DUE, -1, "1800000000000", -1);
        ck_assert_int_eq(requeue_due(&cfg, "r.a", hdrs, now, now), now + 10000);
        /* A header that is no number: the timestamp. */
        rd_kafka_header_add(hdrs, REQUEUE_H_DUE, -1, "soon", -1);
        ck_assert_int_eq(requeue_due(&cfg, "r.a", hdrs, now, now), now + 10000);
        rd_kafka_headers_destroy(hdrs);
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_origin)
{
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(4);
        char topic[64];
        int32_t part = -1;
        int64_t off = -1;

        ck_assert_int_eq(
                requeue_origin(NULL, topic, sizeof(topic), &part, &off), -1);
        rd_kafka_header_add(hdrs, REQUEUE_H_TOPIC, -1, "docpipe.jobs", -1);
        rd_kafka_header_add(hdrs, REQUEUE_H_PARTITION, -1, "3", -1);
        ck_assert_int_eq(
                requeue_origin(hdrs, topic, sizeof(topic), &part, &off), -1);
        rd_kafka_header_add(hdrs, REQUEUE_H_OFFSET, -1, "42x", -1);
        ck_assert_int_eq(
                requeue_origin(hdrs, topic, sizeof(topic), &part, &off), -1);
        rd_kafka_header_add(hdrs, REQUEUE_H_OFFSET, -1, "42", -1);
        ck_assert_int_eq(
                requeue_origin(hdrs, topic, sizeof(topic), &part, &off), 0);
        ck_assert_str_eq(topic, "docpipe.jobs");
        ck_assert_int_eq(part, 3);
        ck_assert_int_eq(off, 42);
        rd_kafka_headers_destroy(hdrs);
}
END_TEST

/* A document of docpipe.jobs/3@42 that failed in classify, its second
 * delivery's third try, with one good and one failed model call. */
static struct doc *failed_doc(void)
{
        struct doc *doc = doc_new();
        struct model_call ok = {.stage = "classify",
                                .provider = "builtin",
                                .model = "builtin-1",
                                .input_tokens = 100,
                                .output_tokens = 20,
                                .outcome = "ok"};
        struct model_call bad = {.stage = "classify",
                                 .provider = "deepseek",
                                 .model = "deepseek-v4-flash",
                                 .input_tokens = 30,
                                 .output_tokens = 0,
                                 .cost_usd = 0.25,
                                 .outcome = "retry",
                                 .http_status = 503};

        doc->id = strdup("inv-1");
        doc->topic = strdup("docpipe.jobs");
        doc->partition = 3;
        doc->offset = 42;
        doc->msg.timestamp = 1700000000123LL;
        doc->failed_stage = "classify";
        doc->attempts = 2;
        err_set(&doc->err, ERR_RETRY, "endpoint fake: HTTP 503");
        doc_add_call(doc, &ok);
        doc_add_call(doc, &bad);
        return doc;
}

START_TEST(test_headers_first_delivery)
{
        struct config cfg;
        struct err err;
        struct doc *doc = failed_doc();
        rd_kafka_headers_t *hdrs;
        const char *name;
        const void *val;
        size_t size;

        ck_assert_int_eq(load_retry(&cfg, "r.a:10s", &err), 0);
        config_kafka_set(&cfg, "group.id", "grp");
        doc->msg.hdrs = rd_kafka_headers_new(2);
        rd_kafka_header_add(doc->msg.hdrs, "content-type", -1,
                            "application/pdf", -1);
        hdrs = requeue_headers_new(&cfg, doc, -1, 1700000005000LL);
        /* Its own headers first, as they were. */
        ck_assert_int_eq(rd_kafka_header_get_all(hdrs, 0, &name, &val, &size),
                         0);
        ck_assert_str_eq(name, "content-type");
        ck_assert_str_eq(hget(hdrs, "content-type"), "application/pdf");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_TOPIC), "docpipe.jobs");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_PARTITION), "3");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_OFFSET), "42");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_TIMESTAMP), "1700000000123");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_GROUP), "grp");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_ID), "inv-1");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_STAGE), "classify");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_CLASS), "retry");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_ERROR),
                         "endpoint fake: HTTP 503");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_ATTEMPTS), "3");
        /* The failed call says most. */
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_MODEL), "deepseek-v4-flash");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_PROVIDER), "deepseek");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_HTTP), "503");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_TOKENS), "150");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_COST), "0.250000000");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_FAILED_AT), "1700000005000");
        /* The dead-letter topic: no due time; no replay. */
        ck_assert_int_eq(hcount(hdrs, REQUEUE_H_DUE), 0);
        ck_assert_int_eq(hcount(hdrs, REQUEUE_H_REPLAY), 0);
        rd_kafka_headers_destroy(hdrs);
        /* A retry topic: due after its delay. */
        hdrs = requeue_headers_new(&cfg, doc, 0, 1700000005000LL);
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_DUE), "1700000015000");
        rd_kafka_headers_destroy(hdrs);
        config_cleanup(&cfg);
        doc_free(doc);
}
END_TEST

START_TEST(test_headers_carried)
{
        struct config cfg;
        struct err err;
        struct doc *doc = failed_doc();
        rd_kafka_headers_t *old = rd_kafka_headers_new(12), *hdrs;

        ck_assert_int_eq(load_retry(&cfg, "r.a:10s,r.b:1m", &err), 0);
        /* It came back from r.a: first consumed on docpipe.jobs/1@7. */
        free(doc->topic);
        doc->topic = strdup("r.a");
        rd_kafka_header_add(old, "content-type", -1, "text/plain", -1);
        rd_kafka_header_add(old, REQUEUE_H_TOPIC, -1, "docpipe.jobs", -1);
        rd_kafka_header_add(old, REQUEUE_H_PARTITION, -1, "1", -1);
        rd_kafka_header_add(old, REQUEUE_H_OFFSET, -1, "7", -1);
        rd_kafka_header_add(old, REQUEUE_H_TIMESTAMP, -1, "1600000000000", -1);
        rd_kafka_header_add(old, REQUEUE_H_ATTEMPTS, -1, "4", -1);
        rd_kafka_header_add(old, REQUEUE_H_TOKENS, -1, "1000", -1);
        rd_kafka_header_add(old, REQUEUE_H_COST, -1, "0.5", -1);
        rd_kafka_header_add(old, REQUEUE_H_DUE, -1, "1", -1);
        rd_kafka_header_add(old, REQUEUE_H_REPLAY, -1, "17", -1);
        doc->msg.hdrs = old;
        doc->msg.attempts = 4; /* as requeue_keep reads it */
        hdrs = requeue_headers_new(&cfg, doc, 1, 1700000005000LL);
        ck_assert_str_eq(hget(hdrs, "content-type"), "text/plain");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_TOPIC), "docpipe.jobs");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_PARTITION), "1");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_OFFSET), "7");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_TIMESTAMP), "1600000000000");
        /* So far, in total. */
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_ATTEMPTS), "7");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_TOKENS), "1150");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_COST), "0.750000000");
        /* Each docpipe header once: the old ones are replaced. */
        ck_assert_int_eq(hcount(hdrs, REQUEUE_H_TOPIC), 1);
        ck_assert_int_eq(hcount(hdrs, REQUEUE_H_ATTEMPTS), 1);
        ck_assert_int_eq(hcount(hdrs, REQUEUE_H_DUE), 1);
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_DUE), "1700000065000");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_REPLAY), "17");
        rd_kafka_headers_destroy(hdrs);
        config_cleanup(&cfg);
        doc_free(doc);
}
END_TEST

START_TEST(test_headers_no_call)
{
        struct config cfg;
        struct err err;
        struct doc *doc = doc_new();
        rd_kafka_headers_t *old = rd_kafka_headers_new(4), *hdrs;

        ck_assert_int_eq(load_retry(&cfg, "", &err), 0);
        doc->topic = strdup("docpipe.jobs");
        doc->failed_stage = "job";
        err_set(&doc->err, ERR_INPUT, "bad \xff byte");
        /* No call in this delivery: the last one that failed before. */
        rd_kafka_header_add(old, REQUEUE_H_MODEL, -1, "m", -1);
        rd_kafka_header_add(old, REQUEUE_H_PROVIDER, -1, "p", -1);
        rd_kafka_header_add(old, REQUEUE_H_HTTP, -1, "429", -1);
        doc->msg.hdrs = old;
        hdrs = requeue_headers_new(&cfg, doc, -1, 5);
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_ID), "");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_CLASS), "input");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_ATTEMPTS), "1");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_MODEL), "m");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_PROVIDER), "p");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_HTTP), "429");
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_TOKENS), "0");
        /* Made valid UTF-8 for whoever reads the topic. */
        ck_assert_str_eq(hget(hdrs, REQUEUE_H_ERROR), "bad \xef\xbf\xbd byte");
        rd_kafka_headers_destroy(hdrs);
        config_cleanup(&cfg);
        doc_free(doc);
}
END_TEST

START_TEST(test_headers_json)
{
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(4);
        char *s;

        rd_kafka_header_add(hdrs, "content-type", -1, "text/plain", -1);
        rd_kafka_header_add(hdrs, "bin", -1, "a\0b", 3);
        rd_kafka_header_add(hdrs, "none", -1, NULL, 0);
        rd_kafka_header_add(hdrs, REQUEUE_H_STAGE, -1, "extract", -1);
        rd_kafka_header_add(hdrs, REQUEUE_H_HTTP, -1, "", -1);
        s = requeue_headers_json(hdrs, 0);
        ck_assert_str_eq(s, "[[\"content-type\",\"text/plain\"],"
                            "[\"bin\",{\"base64\":\"YQBi\"}],"
                            "[\"none\",null]]");
        free(s);
        s = requeue_headers_json(hdrs, 1);
        ck_assert_str_eq(s, "{\"docpipe-stage\":\"extract\","
                            "\"docpipe-http-status\":\"\"}");
        free(s);
        s = requeue_headers_json(NULL, 0);
        ck_assert_str_eq(s, "[]");
        free(s);
        rd_kafka_headers_destroy(hdrs);
}
END_TEST

static Suite *requeue_suite(void)
{
        Suite *s = suite_create("requeue");
        TCase *tc;

        tc = tcase_create("tiers");
        tcase_add_test(tc, test_tiers_default);
        tcase_add_test(tc, test_tiers_units);
        tcase_add_test(tc, test_tiers_refused);
        tcase_add_test(tc, test_next_tier);
        suite_add_tcase(s, tc);
        tc = tcase_create("due and origin");
        tcase_add_test(tc, test_due);
        tcase_add_test(tc, test_origin);
        suite_add_tcase(s, tc);
        tc = tcase_create("headers");
        tcase_add_test(tc, test_headers_first_delivery);
        tcase_add_test(tc, test_headers_carried);
        tcase_add_test(tc, test_headers_no_call);
        tcase_add_test(tc, test_headers_json);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(requeue_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
