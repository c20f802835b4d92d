/*
 * Unit tests of metrics.c and http.c: the Prometheus text rendering
 * (every sample line well-formed, counters, histograms, label escaping,
 * label slots running out), librdkafka statistics into lag and readiness,
 * the health and readiness rules, and the listener itself on loopback
 * (status codes, content type, a port in use).
 */
#include <check.h>
#include <curl/curl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../../worker/doc.h"
#include "../../worker/http.h"
#include "../../worker/metrics.h"

/* Renders m into a new string (pg_ok, now = the heartbeat + 1 s). */
static char *render(struct metrics *m, int pg_ok)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        metrics_render(m, f, pg_ok, 1000000000ULL);
        fclose(f);
        return text;
}

/* Every line is a comment (# HELP / # TYPE) or a sample "name{labels}
 * value" of the text format; every sample's family was announced. */
static void assert_well_formed(const char *text)
{
        regex_t sample, help, type;
        char *copy = strdup(text), *save = NULL, *line;
        int samples = 0;

        ck_assert_int_eq(
                regcomp(&sample,
                        "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
                        "(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\""
                        "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\")*)?"
                        "\\})? (-?[0-9.e+]+|\\+Inf|NaN)$",
                        REG_EXTENDED),
                0);
        ck_assert_int_eq(regcomp(&help, "^# HELP [a-z_]+ .+$", REG_EXTENDED),
                         0);
        ck_assert_int_eq(regcomp(&type,
                                 "^# TYPE [a-z_]+ (counter|gauge|histogram)$",
                                 REG_EXTENDED),
                         0);
        ck_assert(text[strlen(text) - 1] == '\n');
        for (line = strtok_r(copy, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                if (line[0] == '#') {
                        ck_assert_msg(
                                regexec(&help, line, 0, NULL, 0) == 0 ||
                                        regexec(&type, line, 0, NULL, 0) == 0,
                                "bad comment: %s", line);
                        continue;
                }
                ck_assert_msg(regexec(&sample, line, 0, NULL, 0) == 0,
                              "bad sample: %s", line);
                samples++;
        }
        ck_assert_int_gt(samples, 0);
        regfree(&sample);
        regfree(&help);
        regfree(&type);
        free(copy);
}

static void assert_has(const char *text, const char *line)
{
        char *want = NULL;

        ck_assert_int_gt(asprintf(&want, "\n%s\n", line), 0);
        ck_assert_msg(strstr(text, want) != NULL, "missing line: %s\n%s", line,
                      text);
        free(want);
}

static void add_call(struct doc *doc, const char *stage, const char *ep,
                     const char *model, long in, long cached, long out,
                     double usd, const char *outcome)
{
        struct model_call c;

        memset(&c, 0, sizeof(c));
        snprintf(c.stage, sizeof(c.stage), "%s", stage);
        snprintf(c.endpoint, sizeof(c.endpoint), "%s", ep);
        snprintf(c.model, sizeof(c.model), "%s", model);
        snprintf(c.outcome, sizeof(c.outcome), "%s", outcome);
        c.input_tokens = in;
        c.cached_tokens = cached;
        c.output_tokens = out;
        c.cost_usd = usd;
        doc_add_call(doc, &c);
}

START_TEST(test_empty)
{
        struct metrics *m = metrics_new();
        char *text;

        metrics_heartbeat(m, 0);
        text = render(m, 1);
        assert_well_formed(text);
        assert_has(text, "# TYPE docpipe_documents_done_total counter");
        assert_has(text, "docpipe_documents_in_flight 0");
        assert_has(text,
                   "docpipe_document_duration_seconds_bucket{le=\"+Inf\"} 0");
        assert_has(text, "docpipe_document_duration_seconds_count 0");
        assert_has(text, "docpipe_postgres_up 1");
        assert_has(text, "docpipe_ready 0");
        assert_has(text, "docpipe_loop_heartbeat_age_seconds 1.000");
        free(text);
        metrics_free(m);
        metrics_free(NULL);
}
END_TEST

START_TEST(test_documents)
{
        struct metrics *m = metrics_new();
        struct doc *done = doc_new(), *dead = doc_new(), *again = doc_new();
        struct doc *retried = doc_new();
        char *text;

        for (int i = 0; i < 5; i++)
                metrics_doc_started(m);
        done->class = strdup("invoice");
        add_call(done, "classify", "builtin", "builtin-v1", 100, 0, 3, 0, "ok");
        add_call(done, "fields", "deepseek", "deepseek-v4-flash", 2000, 500,
                 100, 0.000123456, "ok");
        add_call(done, "fields", "deepseek", "deepseek-v4-flash", 10, 0, 0,
                 0.0000001, "retry");
        metrics_doc_finished(m, done, 1, NULL, 0.3);
        dead->failed_stage = "extract";
        err_set(&dead->err, ERR_INPUT, "corrupt PDF");
        metrics_doc_finished(m, dead, 1, NULL, 0.01);
        again->skipped = 1;
        metrics_doc_finished(m, again, 1, NULL, 0.001);
        retried->failed_stage = "fields";
        err_set(&retried->err, ERR_RETRY, "429");
        metrics_doc_finished(m, retried, 1, "docpipe.jobs.retry.1m", 2);
        metrics_retry(m, "fields");
        metrics_retry(m, "fields");

        text = render(m, 1);
        assert_well_formed(text);
        assert_has(text, "docpipe_documents_done_total{class=\"invoice\"} 1");
        assert_has(text, "docpipe_documents_failed_total{stage=\"extract\","
                         "class=\"input\"} 1");
        assert_has(text, "docpipe_documents_skipped_total 1");
        assert_has(text, "docpipe_requeued_total{topic=\"docpipe.jobs.retry."
                         "1m\"} 1");
        assert_has(text, "docpipe_documents_in_flight 1");
        assert_has(text, "docpipe_stage_retries_total{stage=\"fields\"} 2");
        assert_has(text, "docpipe_model_calls_total{endpoint=\"deepseek\","
                         "model=\"deepseek-v4-flash\",outcome=\"ok\"} 1");
        assert_has(text, "docpipe_model_calls_total{endpoint=\"deepseek\","
                         "model=\"deepseek-v4-flash\",outcome=\"failed\"} 1");
        assert_has(text, "docpipe_model_tokens_total{endpoint=\"deepseek\","
                         "model=\"deepseek-v4-flash\",kind=\"input\"} 2010");
        assert_has(text, "docpipe_model_tokens_total{endpoint=\"deepseek\","
                         "model=\"deepseek-v4-flash\",kind=\"cached_input\"} "
                         "500");
        assert_has(text, "docpipe_model_tokens_total{endpoint=\"builtin\","
                         "model=\"builtin-v1\",kind=\"output\"} 3");
        /* Nano-dollars, exactly: 0.000123456 + 0.0000001. */
        assert_has(text, "docpipe_model_cost_usd_total{endpoint=\"deepseek\","
                         "model=\"deepseek-v4-flash\"} 0.000123556");
        assert_has(text, "docpipe_model_cost_usd_total{endpoint=\"builtin\","
                         "model=\"builtin-v1\"} 0.000000000");
        /* 0.001, 0.01, 0.3, 2 seconds. */
        assert_has(text,
                   "docpipe_document_duration_seconds_bucket{le=\"0.005\"} 1");
        assert_has(text,
                   "docpipe_document_duration_seconds_bucket{le=\"0.01\"} 2");
        assert_has(text,
                   "docpipe_document_duration_seconds_bucket{le=\"0.25\"} 2");
        assert_has(text,
                   "docpipe_document_duration_seconds_bucket{le=\"0.5\"} 3");
        assert_has(text,
                   "docpipe_document_duration_seconds_bucket{le=\"2.5\"} 4");
        assert_has(text,
                   "docpipe_document_duration_seconds_bucket{le=\"+Inf\"} 4");
        assert_has(text, "docpipe_document_duration_seconds_sum 2.311000");
        assert_has(text, "docpipe_document_duration_seconds_count 4");
        free(text);
        doc_free(done);
        doc_free(dead);
        doc_free(again);
        doc_free(retried);
        metrics_free(m);
}
END_TEST

START_TEST(test_stage_histogram)
{
        struct metrics *m = metrics_new();
        char *text;

        metrics_stage(m, "extract", 0.004);
        metrics_stage(m, "extract", 0.2);
        metrics_stage(m, "extract", 1000);
        metrics_stage(m, "store", 0.02);
        text = render(m, 1);
        assert_well_formed(text);
        assert_has(text, "docpipe_stage_duration_seconds_bucket{stage=\"extract"
                         "\",le=\"0.005\"} 1");
        assert_has(text, "docpipe_stage_duration_seconds_bucket{stage=\"extract"
                         "\",le=\"300\"} 2");
        assert_has(text, "docpipe_stage_duration_seconds_bucket{stage=\"extract"
                         "\",le=\"+Inf\"} 3");
        assert_has(text, "docpipe_stage_duration_seconds_count{stage=\"extract"
                         "\"} 3");
        assert_has(text, "docpipe_stage_duration_seconds_sum{stage=\"extract\"}"
                         " 1000.204000");
        assert_has(text, "docpipe_stage_duration_seconds_count{stage=\"store\"}"
                         " 1");
        /* A stage never seen has no series. */
        ck_assert_ptr_null(strstr(text, "stage=\"fetch\""));
        free(text);
        metrics_free(m);
}
END_TEST

START_TEST(test_label_escaping)
{
        struct metrics *m = metrics_new();
        struct doc *doc = doc_new();
        char *text;

        doc->class = strdup("a\"b\\c\nd");
        metrics_doc_started(m);
        metrics_doc_finished(m, doc, 1, NULL, 0);
        text = render(m, 1);
        assert_well_formed(text);
        assert_has(text, "docpipe_documents_done_total{class=\"a\\\"b\\\\c\\nd"
                         "\"} 1");
        free(text);
        doc_free(doc);
        metrics_free(m);
}
END_TEST

/* More document classes than slots: the rest count as "other", and the
 * total is kept. */
START_TEST(test_label_overflow)
{
        struct metrics *m = metrics_new();
        unsigned long long total = 0;
        char *text, *p;

        for (int i = 0; i < 200; i++) {
                struct doc *doc = doc_new();
                char name[32];

                snprintf(name, sizeof(name), "class%d", i);
                doc->class = strdup(name);
                metrics_doc_started(m);
                metrics_doc_finished(m, doc, 1, NULL, 0);
                doc_free(doc);
        }
        text = render(m, 1);
        assert_well_formed(text);
        ck_assert_ptr_nonnull(
                strstr(text, "docpipe_documents_done_total{class=\"other\"}"));
        for (p = text; (p = strstr(p, "\ndocpipe_documents_done_total{"));) {
                p = strchr(p, '}');
                total += strtoull(p + 2, NULL, 10);
        }
        ck_assert_uint_eq(total, 200);
        free(text);
        metrics_free(m);
}
END_TEST

/* What librdkafka 2.0.2 writes, cut down to the fields docpipe reads. */
static const char stats_json[] =
        "{\"name\":\"rdkafka#consumer-1\",\"cgrp\":{\"state\":\"up\","
        "\"join_state\":\"steady\",\"rebalance_cnt\":3,"
        "\"assignment_size\":2},\"topics\":{\"docpipe.jobs\":{\"topic\":"
        "\"docpipe.jobs\",\"partitions\":{"
        "\"0\":{\"partition\":0,\"desired\":true,\"consumer_lag\":7},"
        "\"1\":{\"partition\":1,\"desired\":true,\"consumer_lag\":-1},"
        "\"2\":{\"partition\":2,\"desired\":false,\"consumer_lag\":5},"
        "\"3\":{\"partition\":3,\"desired\":true,\"consumer_lag\":0},"
        "\"-1\":{\"partition\":-1,\"desired\":false,\"consumer_lag\":-1}}}}}";

START_TEST(test_kafka_stats)
{
        struct metrics *m = metrics_new();
        char why[128], *text;

        ck_assert_int_eq(metrics_ready(m, 1, why, sizeof(why)), 0);
        ck_assert_str_eq(why, "no Kafka statistics yet");
        metrics_kafka_stats(m, stats_json, strlen(stats_json));
        text = render(m, 1);
        assert_well_formed(text);
        assert_has(text, "docpipe_kafka_consumer_lag{topic=\"docpipe.jobs\","
                         "partition=\"0\"} 7");
        assert_has(text, "docpipe_kafka_consumer_lag{topic=\"docpipe.jobs\","
                         "partition=\"3\"} 0");
        /* Unknown lag, a partition not assigned, the internal -1: none. */
        ck_assert_ptr_null(strstr(text, "partition=\"1\""));
        ck_assert_ptr_null(strstr(text, "partition=\"2\""));
        ck_assert_ptr_null(strstr(text, "partition=\"-1\""));
        assert_has(text, "docpipe_kafka_assigned_partitions 2");
        assert_has(text, "docpipe_kafka_rebalances_total 3");
        assert_has(text, "docpipe_ready 1");
        free(text);
        ck_assert_int_eq(metrics_ready(m, 1, why, sizeof(why)), 1);
        ck_assert_str_eq(why, "ready: 2 partitions assigned");
        /* Not JSON: the last snapshot stays. */
        metrics_kafka_stats(m, "{", 1);
        text = render(m, 1);
        assert_has(text, "docpipe_kafka_consumer_lag{topic=\"docpipe.jobs\","
                         "partition=\"0\"} 7");
        free(text);
        metrics_free(m);
}
END_TEST

START_TEST(test_ready)
{
        static const char none[] =
                "{\"cgrp\":{\"state\":\"up\",\"assignment_size\":0}}";
        static const char down[] =
                "{\"cgrp\":{\"state\":\"wait-coord\",\"assignment_size\":0}}";
        struct metrics *m = metrics_new();
        char why[128];

        /* In the group without a partition (more members than
         * partitions): ready. */
        metrics_kafka_stats(m, none, strlen(none));
        ck_assert_int_eq(metrics_ready(m, 1, why, sizeof(why)), 1);
        ck_assert_ptr_nonnull(strstr(why, "no partition assigned"));
        ck_assert_int_eq(metrics_ready(m, 0, why, sizeof(why)), 0);
        ck_assert_str_eq(why, "PostgreSQL unreachable");
        metrics_kafka_stats(m, down, strlen(down));
        ck_assert_int_eq(metrics_ready(m, 1, why, sizeof(why)), 0);
        ck_assert_str_eq(why, "the consumer group's coordinator is not up");
        metrics_kafka_stats(m, none, strlen(none));
        metrics_draining(m);
        ck_assert_int_eq(metrics_ready(m, 1, why, sizeof(why)), 0);
        ck_assert_str_eq(why, "draining");
        metrics_free(m);
}
END_TEST

START_TEST(test_alive)
{
        struct metrics *m = metrics_new();
        uint64_t t0 = 5000000000ULL;
        char why[128];

        metrics_heartbeat(m, t0);
        ck_assert_int_eq(metrics_alive(m, t0 + 1000000000ULL, why, sizeof(why)),
                         1);
        ck_assert_int_eq(metrics_alive(m, t0 + METRICS_STALL_MS * 1000000ULL,
                                       why, sizeof(why)),
                         1);
        ck_assert_int_eq(metrics_alive(m,
                                       t0 + (METRICS_STALL_MS + 1) * 1000000ULL,
                                       why, sizeof(why)),
                         0);
        ck_assert_ptr_nonnull(strstr(why, "has not turned for 30001 ms"));
        /* A clock read before the heartbeat was stamped. */
        ck_assert_int_eq(metrics_alive(m, t0 - 1, why, sizeof(why)), 1);
        metrics_free(m);
}
END_TEST

/* ---- the listener ---- */

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
        char **body = arg;
        size_t old = *body ? strlen(*body) : 0;

        *body = realloc(*body, old + size * n + 1);
        memcpy(*body + old, p, size * n);
        (*body)[old + size * n] = '\0';
        return size * n;
}

/* GETs path from 127.0.0.1:port; returns the status, the body in *body
 * (new) and the content type in ctype. */
static long get(int port, const char *path, char **body, char *ctype, size_t n)
{
        CURL *curl = curl_easy_init();
        char url[128];
        char *ct = NULL;
        long status = 0;

        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
        *body = NULL;
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
        ck_assert_int_eq(curl_easy_perform(curl), CURLE_OK);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(ctype, n, "%s", ct ? ct : "");
        curl_easy_cleanup(curl);
        return status;
}

START_TEST(test_http)
{
        uv_loop_t loop;
        struct metrics *m = metrics_new();
        struct http *h, *h2;
        struct err err;
        char *body, ctype[128], addr[64];
        static const char up[] =
                "{\"cgrp\":{\"state\":\"up\",\"assignment_size\":4}}";

        uv_loop_init(&loop);
        err_clear(&err);
        h = http_new(&loop, "127.0.0.1:0", m, NULL, &err);
        ck_assert_msg(h != NULL, "%s", err.msg);
        ck_assert_int_gt(http_port(h), 0);

        ck_assert_int_eq(
                get(http_port(h), "/healthz", &body, ctype, sizeof(ctype)),
                200);
        ck_assert_str_eq(body, "alive\n");
        free(body);
        ck_assert_int_eq(
                get(http_port(h), "/readyz", &body, ctype, sizeof(ctype)), 503);
        free(body);
        metrics_kafka_stats(m, up, strlen(up));
        ck_assert_int_eq(
                get(http_port(h), "/readyz", &body, ctype, sizeof(ctype)), 200);
        ck_assert_str_eq(body, "ready: 4 partitions assigned\n");
        free(body);
        ck_assert_int_eq(
                get(http_port(h), "/metrics", &body, ctype, sizeof(ctype)),
                200);
        ck_assert_str_eq(ctype, "text/plain; version=0.0.4; charset=utf-8");
        assert_well_formed(body);
        assert_has(body, "docpipe_kafka_assigned_partitions 4");
        free(body);
        ck_assert_int_eq(
                get(http_port(h), "/nothing", &body, ctype, sizeof(ctype)),
                404);
        free(body);

        /* The same port again: refused, and the message says so. */
        snprintf(addr, sizeof(addr), "127.0.0.1:%d", http_port(h));
        h2 = http_new(&loop, addr, m, NULL, &err);
        ck_assert_ptr_null(h2);
        ck_assert_ptr_nonnull(strstr(err.msg, "Address already in use"));
        ck_assert_ptr_nonnull(strstr(err.msg, "worker.metrics_addr"));
        ck_assert_int_eq(err.cls, ERR_FATAL);

        http_free(h);
        http_free(NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        ck_assert_int_eq(uv_loop_close(&loop), 0);
        metrics_free(m);
}
END_TEST

START_TEST(test_http_bad_address)
{
        uv_loop_t loop;
        struct metrics *m = metrics_new();
        struct err err;

        uv_loop_init(&loop);
        err_clear(&err);
        ck_assert_ptr_null(
                http_new(&loop, "no-such-host.invalid:9090", m, NULL, &err));
        ck_assert_ptr_nonnull(strstr(err.msg, "cannot resolve"));
        ck_assert_int_eq(uv_loop_close(&loop), 0);
        metrics_free(m);
}
END_TEST

static Suite *metrics_suite(void)
{
        Suite *s = suite_create("metrics");
        TCase *tc;

        tc = tcase_create("rendering");
        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_documents);
        tcase_add_test(tc, test_stage_histogram);
        tcase_add_test(tc, test_label_escaping);
        tcase_add_test(tc, test_label_overflow);
        suite_add_tcase(s, tc);
        tc = tcase_create("kafka statistics");
        tcase_add_test(tc, test_kafka_stats);
        suite_add_tcase(s, tc);
        tc = tcase_create("health");
        tcase_add_test(tc, test_ready);
        tcase_add_test(tc, test_alive);
        suite_add_tcase(s, tc);
        tc = tcase_create("listener");
        tcase_add_test(tc, test_http);
        tcase_add_test(tc, test_http_bad_address);
        tcase_set_timeout(tc, 30);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(metrics_suite());
        int failed;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        curl_global_cleanup();
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
