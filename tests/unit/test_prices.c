/*
 * Unit tests of worker/model/prices.c: the shipped LiteLLM price map
 * (size, look-ups, tiers, version), malformed map files, usage objects in
 * the OpenAI/vLLM, DeepSeek, Ollama and Gemini-gateway styles and broken
 * ones, costs against hand computation with the map's own numbers, GPU-hour
 * pricing and config overrides. Runs from the repository root; map files of
 * the failure cases are written to mkstemp files and removed.
 */
#include <check.h>
#include <glib.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../worker/doc.h"
#include "../../worker/model/prices.h"

#define MAP "deploy/prices/model_prices.json"

static struct prices *map;

static void setup(void)
{
        struct err err;

        err_clear(&err);
        map = prices_load(MAP, &err);
        ck_assert_msg(map != NULL, "%s", err.msg);
}

static void teardown(void)
{
        prices_free(map);
        map = NULL;
}

/* Asserts got is want USD: to the micro-dollar, within 1e-9, and within
 * the bound prices.c promises (cost * 2^-50, plus 2^-53 for want's own
 * rounding). want is the hand-computed decimal. */
#define ck_assert_usd(got, want)                                               \
        do {                                                                   \
                double g_ = (got), w_ = (want);                                \
                ck_assert_msg(fabs(g_ - w_) <= 1e-9, "%s = %.17g, want %.17g", \
                              #got, g_, w_);                                   \
                ck_assert_msg(fabs(g_ - w_) <= ldexp(w_, -49),                 \
                              "%s = %.17g, want %.17g (bound)", #got, g_, w_); \
                ck_assert_int_eq(llround(g_ * 1e6), llround(w_ * 1e6));        \
        } while (0)

/* Asserts a and b are the same price to the last bit but one. */
#define ck_assert_price(a, b)                                                  \
        ck_assert_msg(fabs((a) - (b)) <= 2 * ldexp(fabs(b), -52),              \
                      "%s = %.17g, want %.17g", #a, (double)(a), (double)(b))

/* Writes text to a new temporary file and returns its path (new). */
static char *write_tmp(const char *text)
{
        char *path = xstrdup("/tmp/docpipe-test-prices-XXXXXX");
        int fd = mkstemp(path);
        size_t len = strlen(text);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
        close(fd);
        return path;
}

/* Loads text as a price map and expects ERR_FATAL with part and the path in
 * the message. */
static void load_fails(const char *text, const char *part)
{
        char *path = write_tmp(text);
        struct err err;

        err_clear(&err);
        ck_assert_ptr_null(prices_load(path, &err));
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_msg(strstr(err.msg, part), "'%s' lacks '%s'", err.msg, part);
        ck_assert_msg(strstr(err.msg, path), "'%s' lacks the path", err.msg);
        unlink(path);
        free(path);
}

/* Parses the usage JSON text into *u; returns usage_parse's result. */
static int parse(const char *text, struct usage *u, struct err *err)
{
        json_error_t jerr;
        json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
        int r;

        ck_assert_msg(j != NULL, "%s: %s", text, jerr.text);
        err_clear(err);
        r = usage_parse(j, u, err);
        json_decref(j);
        return r;
}

/* Expects usage text to fail with ERR_INPUT and part in the message, and
 * to leave u untouched. */
static void usage_fails(const char *text, const char *part)
{
        struct usage u = {-7, -7, -7, -7};
        struct err err;

        ck_assert_msg(parse(text, &u, &err) == -1, "%s parsed", text);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_msg(strstr(err.msg, part), "'%s' lacks '%s'", err.msg, part);
        ck_assert_int_eq(u.prompt_tokens, -7);
        ck_assert_int_eq(u.completion_tokens, -7);
}

/* The cost of usage text for model key, via the map. */
static double cost_of(const char *key, const char *text)
{
        struct price price;
        struct usage u;
        struct err err;

        ck_assert_msg(parse(text, &u, &err) == 0, "%s: %s", text, err.msg);
        ck_assert_int_eq(prices_get(map, key, u.prompt_tokens, &price), 0);
        return usage_cost(&u, &price);
}

START_TEST(test_shipped_map)
{
        struct prices *again;
        struct err err;
        gchar *bytes, *sum;
        gsize len;
        char want[32];

        ck_assert_uint_gt(prices_count(map), 2000);
        /* The version is the file's SHA-256, cut to 16 hex digits. */
        ck_assert(g_file_get_contents(MAP, &bytes, &len, NULL));
        sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)bytes,
                                          len);
        snprintf(want, sizeof(want), "sha256:%.16s", sum);
        ck_assert_str_eq(prices_version(map), want);
        ck_assert_uint_eq(strlen(prices_version(map)), 23);
        g_free(sum);
        g_free(bytes);

        again = prices_load(MAP, &err);
        ck_assert_ptr_nonnull(again);
        ck_assert_str_eq(prices_version(again), prices_version(map));
        ck_assert_uint_eq(prices_count(again), prices_count(map));
        prices_free(again);
        prices_free(NULL);
}
END_TEST

START_TEST(test_lookup)
{
        struct price p, q;

        ck_assert_int_eq(prices_get(map, "deepseek-v4-flash", 1000, &p), 0);
        ck_assert_double_eq(p.input, 1.4e-07);
        ck_assert_double_eq(p.output, 2.8e-07);
        ck_assert_double_eq(p.cache_read, 2.8e-09);
        ck_assert_int_eq(p.max_input_tokens, 1000000);
        ck_assert_int_eq(p.max_output_tokens, 8192);
        ck_assert_int_eq(p.tiered, 0);
        ck_assert_str_eq(p.provider, "deepseek");

        ck_assert_int_eq(prices_get(map, "gpt-5", 1000, &p), 0);
        ck_assert_double_eq(p.input, 1.25e-06);
        ck_assert_double_eq(p.cache_read, 1.25e-07);
        ck_assert_double_eq(p.output, 1e-05);
        ck_assert_int_eq(p.max_input_tokens, 272000);
        ck_assert_str_eq(p.provider, "openai");

        /* Not in the map as it is: found by the part after the last '/'. */
        ck_assert_int_eq(prices_get(map, "my-gateway/openai/gpt-5", 1, &q), 0);
        ck_assert_double_eq(q.input, p.input);
        /* A key of its own wins over the fallback. */
        ck_assert_int_eq(prices_get(map, "deepseek/deepseek-v4-flash", 1, &q),
                         0);
        ck_assert_str_eq(q.provider, "deepseek");

        /* A float limit (2000000.0) is read too. */
        ck_assert_int_eq(prices_get(map, "xai/grok-4-1-fast", 1, &q), 0);
        ck_assert_int_eq(q.max_input_tokens, 2000000);
}
END_TEST

START_TEST(test_unknown)
{
        struct price p = {.input = 42};

        ck_assert_int_eq(prices_get(map, "no-such-model", 1, &p), -1);
        ck_assert_int_eq(prices_get(map, "vendor/no-such-model", 1, &p), -1);
        ck_assert_int_eq(prices_get(map, "", 1, &p), -1);
        ck_assert_int_eq(prices_get(map, "sample_spec", 1, &p), -1);
        ck_assert_int_eq(prices_get(map, "last_updated", 1, &p), -1);
        /* Priced per image, not per token: left out. */
        ck_assert_int_eq(
                prices_get(map,
                           "1024-x-1024/50-steps/stability.stable-diffusion-"
                           "xl-v1",
                           1, &p),
                -1);
        ck_assert_int_eq(prices_get(map, "exa_ai/search", 1, &p), -1);
        ck_assert_int_eq(prices_get(NULL, "gpt-5", 1, &p), -1);
        ck_assert_int_eq(prices_get(map, NULL, 1, &p), -1);
        ck_assert_double_eq(p.input, 42);
}
END_TEST

START_TEST(test_tiered)
{
        static const char *key = "dashscope/qwen-flash";
        struct price p;

        /* The tier is chosen by the prompt: lo < prompt <= hi. */
        ck_assert_int_eq(prices_get(map, key, 1000, &p), 0);
        ck_assert_int_eq(p.tiered, 1);
        ck_assert_double_eq(p.input, 5e-08);
        ck_assert_double_eq(p.output, 4e-07);
        ck_assert_double_eq(p.cache_read, 5e-08);
        ck_assert_int_eq(prices_get(map, key, 256000, &p), 0);
        ck_assert_double_eq(p.input, 5e-08);
        ck_assert_int_eq(prices_get(map, key, 256001, &p), 0);
        ck_assert_double_eq(p.input, 2.5e-07);
        ck_assert_double_eq(p.output, 2e-06);
        ck_assert_int_eq(prices_get(map, key, 0, &p), 0);
        ck_assert_double_eq(p.input, 5e-08);
        /* Past the last range: the last tier. */
        ck_assert_int_eq(prices_get(map, key, 5000000, &p), 0);
        ck_assert_double_eq(p.input, 2.5e-07);
        ck_assert_int_eq(p.max_input_tokens, 997952);

        /* Below: 256000 * 5e-8 + 1000 * 4e-7 = 0.0128 + 0.0004. Above, the
         * whole call at the upper tier: 256001 * 2.5e-7 + 1000 * 2e-6
         * = 0.06400025 + 0.002. */
        ck_assert_usd(cost_of(key, "{\"prompt_tokens\": 256000,"
                                   "\"completion_tokens\": 1000}"),
                      0.0132);
        ck_assert_usd(cost_of(key, "{\"prompt_tokens\": 256001,"
                                   "\"completion_tokens\": 1000}"),
                      0.06600025);

        /* Tiers with their own cache price (qwen3-coder-flash). */
        ck_assert_int_eq(
                prices_get(map, "dashscope/qwen3-coder-flash", 40000, &p), 0);
        ck_assert_double_eq(p.input, 5e-07);
        ck_assert_double_eq(p.cache_read, 1.2e-07);
}
END_TEST

START_TEST(test_cost_openai)
{
        /* gpt-5: (12345 - 10240) * 1.25e-6 + 10240 * 1.25e-7 + 678 * 1e-5
         * = 0.00263125 + 0.00128 + 0.00678; reasoning is inside the 678. */
        ck_assert_usd(
                cost_of("gpt-5",
                        "{\"prompt_tokens\": 12345, \"completion_tokens\": 678,"
                        " \"total_tokens\": 13023,"
                        " \"prompt_tokens_details\": {\"cached_tokens\": 10240,"
                        "  \"audio_tokens\": 0},"
                        " \"completion_tokens_details\": "
                        "{\"reasoning_tokens\": 512,"
                        "  \"accepted_prediction_tokens\": 0}}"),
                0.01069125);
        /* Near the cap: 876543210 * 1.25e-6 + 123456789 * 1.25e-7
         * + 987654321 * 1e-5 = 1095.6790125 + 15.432098625 + 9876.54321. */
        ck_assert_usd(cost_of("gpt-5", "{\"prompt_tokens\": 999999999,"
                                       " \"completion_tokens\": 987654321,"
                                       " \"prompt_tokens_details\": "
                                       "{\"cached_tokens\": 123456789}}"),
                      10987.654321125);
}
END_TEST

START_TEST(test_cost_deepseek)
{
        static const char *key = "deepseek-v4-flash";

        /* 400000 * 1.4e-7 + 600000 * 2.8e-9 + 2000 * 2.8e-7
         * = 0.056 + 0.00168 + 0.00056 */
        ck_assert_usd(
                cost_of(key,
                        "{\"prompt_tokens\": 1000000, \"completion_tokens\":"
                        " 2000, \"total_tokens\": 1002000,"
                        " \"prompt_cache_hit_tokens\": 600000,"
                        " \"prompt_cache_miss_tokens\": 400000,"
                        " \"prompt_tokens_details\": {\"cached_tokens\":"
                        " 600000}}"),
                0.05824);
        /* Without prompt_tokens: hit + miss. 23457 * 1.4e-7 + 100000 *
         * 2.8e-9 + 4321 * 2.8e-7 = 0.00328398 + 0.00028 + 0.00120988 */
        ck_assert_usd(cost_of(key, "{\"completion_tokens\": 4321,"
                                   " \"prompt_cache_hit_tokens\": 100000,"
                                   " \"prompt_cache_miss_tokens\": 23457}"),
                      0.0047738600);
        /* The whole map agrees with deepseek/...: same numbers. */
        ck_assert_usd(cost_of("deepseek/deepseek-v4-flash",
                              "{\"completion_tokens\": 4321,"
                              " \"prompt_cache_hit_tokens\": 100000,"
                              " \"prompt_cache_miss_tokens\": 23457}"),
                      0.0047738600);
}
END_TEST

START_TEST(test_cost_no_cache_price)
{
        struct price p;

        /* gpt-4 has no cache price: cached tokens cost full input. 7000 *
         * 3e-5 + 1000 * 3e-5 + 500 * 6e-5 = 0.24 + 0.03 */
        ck_assert_int_eq(prices_get(map, "gpt-4", 1, &p), 0);
        ck_assert_double_eq(p.cache_read, p.input);
        ck_assert_usd(cost_of("gpt-4",
                              "{\"prompt_tokens\": 8000, \"completion_tokens\":"
                              " 500, \"prompt_tokens_details\":"
                              " {\"cached_tokens\": 1000}}"),
                      0.27);
        ck_assert_usd(cost_of("gpt-4", "{\"prompt_tokens\": 8000,"
                                       " \"completion_tokens\": 500}"),
                      0.27);
}
END_TEST

START_TEST(test_usage_styles)
{
        struct usage u;
        struct err err;

        /* vLLM: details null. */
        ck_assert_int_eq(parse("{\"prompt_tokens\": 120, \"total_tokens\": 150,"
                               " \"completion_tokens\": 30,"
                               " \"prompt_tokens_details\": null}",
                               &u, &err),
                         0);
        ck_assert_int_eq(u.prompt_tokens, 120);
        ck_assert_int_eq(u.completion_tokens, 30);
        ck_assert_int_eq(u.cached_tokens, 0);
        ck_assert_int_eq(u.reasoning_tokens, 0);

        /* Ollama: no details at all. */
        ck_assert_int_eq(parse("{\"prompt_tokens\": 26, \"completion_tokens\":"
                               " 298, \"total_tokens\": 324}",
                               &u, &err),
                         0);
        ck_assert_int_eq(u.prompt_tokens, 26);
        ck_assert_int_eq(u.completion_tokens, 298);
        ck_assert_int_eq(u.cached_tokens, 0);

        /* OpenAI: reasoning is part of completion, not added. */
        ck_assert_int_eq(parse("{\"prompt_tokens\": 10, \"completion_tokens\":"
                               " 100, \"total_tokens\": 110,"
                               " \"completion_tokens_details\":"
                               " {\"reasoning_tokens\": 60}}",
                               &u, &err),
                         0);
        ck_assert_int_eq(u.completion_tokens, 100);
        ck_assert_int_eq(u.reasoning_tokens, 60);

        /* A Gemini gateway leaving reasoning out of completion_tokens: the
         * total shows it, and it is billed once as output. */
        ck_assert_int_eq(parse("{\"prompt_tokens\": 21, \"completion_tokens\":"
                               " 0, \"total_tokens\": 81,"
                               " \"completion_tokens_details\":"
                               " {\"reasoning_tokens\": 60}}",
                               &u, &err),
                         0);
        ck_assert_int_eq(u.completion_tokens, 60);
        ck_assert_int_eq(u.reasoning_tokens, 60);

        /* DeepSeek with only the miss count. */
        ck_assert_int_eq(parse("{\"prompt_tokens\": 100, \"completion_tokens\":"
                               " 1, \"prompt_cache_miss_tokens\": 36}",
                               &u, &err),
                         0);
        ck_assert_int_eq(u.cached_tokens, 64);
        ck_assert_int_eq(u.prompt_tokens, 100);
}
END_TEST

START_TEST(test_usage_malformed)
{
        struct usage u;
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(usage_parse(NULL, &u, &err), -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_str_eq(err.msg, "reply has no usage");
        usage_fails("null", "reply has no usage");
        usage_fails("[1, 2]", "usage is an array");
        usage_fails("{}", "no prompt_tokens");
        usage_fails("{\"prompt_tokens\": 5}", "no completion_tokens");
        usage_fails("{\"prompt_tokens\": -1, \"completion_tokens\": 2}",
                    "prompt_tokens = -1 is outside");
        usage_fails("{\"prompt_tokens\": \"12\", \"completion_tokens\": 2}",
                    "prompt_tokens is a string");
        usage_fails("{\"prompt_tokens\": 12, \"completion_tokens\": 2.5}",
                    "completion_tokens is a number, not an integer");
        usage_fails("{\"prompt_tokens\": 2000000000, \"completion_tokens\": 2}",
                    "outside [0, 1000000000]");
        usage_fails("{\"prompt_tokens\": 10, \"completion_tokens\": 2,"
                    " \"prompt_tokens_details\": {\"cached_tokens\": 11}}",
                    "inconsistent usage: 11 cached");
        usage_fails("{\"prompt_tokens\": 10, \"completion_tokens\": 2,"
                    " \"prompt_tokens_details\": {\"cached_tokens\": -3}}",
                    "prompt_tokens_details.cached_tokens = -3");
        usage_fails("{\"prompt_tokens\": 10, \"completion_tokens\": 2,"
                    " \"prompt_tokens_details\": 4}",
                    "prompt_tokens_details is a number, not an object");
        usage_fails("{\"prompt_tokens\": 10, \"completion_tokens\": 2,"
                    " \"prompt_cache_hit_tokens\": 4,"
                    " \"prompt_cache_miss_tokens\": 5}",
                    "inconsistent usage: prompt_cache_hit_tokens 4");
        usage_fails("{\"prompt_tokens\": 10, \"completion_tokens\": 2,"
                    " \"prompt_cache_hit_tokens\": 4,"
                    " \"prompt_tokens_details\": {\"cached_tokens\": 5}}",
                    "cached_tokens 5 != prompt_cache_hit_tokens 4");
        usage_fails("{\"prompt_tokens\": 10, \"completion_tokens\": 2,"
                    " \"prompt_cache_miss_tokens\": 11}",
                    "inconsistent usage");
        usage_fails(
                "{\"prompt_tokens\": 10, \"completion_tokens\": 2,"
                " \"total_tokens\": 12,"
                " \"completion_tokens_details\": {\"reasoning_tokens\": 3}}",
                "reasoning_tokens 3 > completion_tokens 2");
}
END_TEST

START_TEST(test_map_malformed)
{
        struct err err;
        char *path;

        err_clear(&err);
        ck_assert_ptr_null(prices_load("/nonexistent/prices.json", &err));
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_str_eq(err.msg, "price map /nonexistent/prices.json: No such "
                                  "file or directory");

        load_fails("", "not JSON");
        load_fails("{\"gpt-5\": {\"input_cost_per_token\": 1e-6,", "not JSON");
        load_fails("[{\"input_cost_per_token\": 1}]",
                   "is an array, not an object of models");
        load_fails("\"prices\"", "is a string");
        load_fails("{}", "no model with token prices");
        /* Bad entries are left out, so nothing is left. */
        load_fails("{\"sample_spec\": {\"input_cost_per_token\": 0.0},"
                   " \"last_updated\": \"2026-07-24\","
                   " \"a\": {\"input_cost_per_token\": -1e-6},"
                   " \"b\": {\"input_cost_per_token\": \"1e-6\"},"
                   " \"c\": {\"output_cost_per_image\": 0.04},"
                   " \"d\": {\"tiered_pricing\": [{\"input_cost_per_token\":"
                   "  1e-6, \"range\": [5, 1]}]}}",
                   "no model with token prices");

        /* Over the cap. */
        ck_assert_ptr_null(prices_load_max(MAP, 1024, &err));
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_str_eq(err.msg, "price map " MAP ": larger than the cap of "
                                  "1024 bytes");

        /* A directory is not a file. */
        ck_assert_ptr_null(prices_load("deploy/prices", &err));
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "deploy/prices"));

        /* Exactly at the cap is fine. */
        path = write_tmp("{\"m\": {\"input_cost_per_token\": 1e-6}}");
        err_clear(&err);
        {
                struct prices *p = prices_load_max(path, 37, &err);
                struct price price;

                ck_assert_msg(p != NULL, "%s", err.msg);
                ck_assert_uint_eq(prices_count(p), 1);
                ck_assert_int_eq(prices_get(p, "m", 1, &price), 0);
                ck_assert_double_eq(price.input, 1e-6);
                ck_assert_double_eq(price.output, 0);
                ck_assert_double_eq(price.cache_read, 1e-6);
                ck_assert_str_eq(price.provider, "");
                prices_free(p);
        }
        ck_assert_ptr_null(prices_load_max(path, 36, &err));
        unlink(path);
        free(path);
}
END_TEST

START_TEST(test_map_partly_bad)
{
        char *path = write_tmp(
                "{\"good\": {\"input_cost_per_token\": 2e-6,"
                "  \"output_cost_per_token\": 8e-6, \"max_input_tokens\": "
                "\"x\"},"
                " \"neg\": {\"input_cost_per_token\": -2e-6},"
                " \"nan\": {\"output_cost_per_token\": null,"
                "  \"input_cost_per_token\": true},"
                " \"tiers\": {\"tiered_pricing\": [{\"input_cost_per_token\": "
                "2e-6,"
                "  \"range\": [1000, 9000]}, {\"input_cost_per_token\": 1e-6,"
                "  \"output_cost_per_token\": 3e-6, \"range\": [0, 1000]}]}}");
        struct err err;
        struct prices *p = prices_load(path, &err);
        struct price price;

        ck_assert_msg(p != NULL, "%s", err.msg);
        ck_assert_uint_eq(prices_count(p), 2);
        ck_assert_int_eq(prices_get(p, "good", 1, &price), 0);
        ck_assert_int_eq(price.max_input_tokens, 0);
        ck_assert_int_eq(prices_get(p, "neg", 1, &price), -1);
        ck_assert_int_eq(prices_get(p, "nan", 1, &price), -1);
        /* Tiers out of order in the file are sorted. */
        ck_assert_int_eq(prices_get(p, "tiers", 1000, &price), 0);
        ck_assert_double_eq(price.input, 1e-6);
        ck_assert_double_eq(price.output, 3e-6);
        ck_assert_int_eq(prices_get(p, "tiers", 1001, &price), 0);
        ck_assert_double_eq(price.input, 2e-6);
        ck_assert_double_eq(price.output, 0);
        prices_free(p);
        unlink(path);
        free(path);
}
END_TEST

START_TEST(test_gpu)
{
        struct price p = price_from_gpu(2.0, 5000, 500);
        struct usage u = {.prompt_tokens = 5000, .completion_tokens = 500};

        ck_assert_price(p.input, 2.0 / 3600 / 5000);
        ck_assert_price(p.output, 2.0 / 3600 / 500);
        ck_assert_double_eq(p.cache_read, p.input);
        /* One second of prefill and one of decoding: 2 / 1800 USD. */
        ck_assert_usd(usage_cost(&u, &p), 2.0 / 1800);
        u.cached_tokens = 5000;
        ck_assert_usd(usage_cost(&u, &p), 2.0 / 1800);

        p = price_from_gpu(2.0, 0, -1);
        ck_assert_double_eq(p.input, 0);
        ck_assert_double_eq(p.output, 0);
        p = price_from_gpu(NAN, 100, 100);
        ck_assert_double_eq(p.input, 0);
        p = price_from_gpu(0, 100, 100);
        ck_assert_double_eq(p.output, 0);
}
END_TEST

/* Applies the override text to *p; returns prices_override's result. */
static int override(struct price *p, const char *text, struct err *err)
{
        json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
        int r;

        ck_assert_ptr_nonnull(j);
        err_clear(err);
        r = prices_override(p, j, err);
        json_decref(j);
        return r;
}

START_TEST(test_override)
{
        struct price p = {0}, gpt5;
        struct err err;

        ck_assert_int_eq(override(&p,
                                  "{\"input_per_million\": 0.14,"
                                  " \"output_per_million\": 0.28}",
                                  &err),
                         0);
        ck_assert_price(p.input, 1.4e-07);
        ck_assert_price(p.output, 2.8e-07);
        ck_assert_double_eq(p.cache_read, p.input);
        ck_assert_int_eq(override(&p,
                                  "{\"cache_read_per_million\": 0.0028,"
                                  " \"max_input_tokens\": 131072}",
                                  &err),
                         0);
        ck_assert_price(p.cache_read, 2.8e-09);
        ck_assert_price(p.input, 1.4e-07);
        ck_assert_int_eq(p.max_input_tokens, 131072);

        /* Over a map price: the untouched fields stay. */
        ck_assert_int_eq(prices_get(map, "gpt-5", 1, &gpt5), 0);
        ck_assert_int_eq(override(&gpt5, "{\"output_per_million\": 8}", &err),
                         0);
        ck_assert_price(gpt5.output, 8e-06);
        ck_assert_double_eq(gpt5.input, 1.25e-06);
        ck_assert_double_eq(gpt5.cache_read, 1.25e-07);

        p = gpt5;
        ck_assert_int_eq(override(&p, "{\"input_per_milion\": 1}", &err), -1);
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_str_eq(err.msg,
                         "price override: unknown key input_per_milion");
        ck_assert_int_eq(override(&p,
                                  "{\"output_per_million\": 1,"
                                  " \"input_per_million\": -1}",
                                  &err),
                         -1);
        ck_assert_ptr_nonnull(strstr(err.msg, "input_per_million"));
        ck_assert_int_eq(override(&p, "{\"input_per_million\": \"1\"}", &err),
                         -1);
        ck_assert_int_eq(override(&p, "{\"max_input_tokens\": 1.5}", &err), -1);
        ck_assert_int_eq(override(&p, "[1]", &err), -1);
        /* p is untouched by the failures. */
        ck_assert_double_eq(p.input, gpt5.input);
        ck_assert_double_eq(p.output, gpt5.output);
        ck_assert_double_eq(p.cache_read, gpt5.cache_read);
        ck_assert_int_eq(p.max_input_tokens, gpt5.max_input_tokens);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *test)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test);
        suite_add_tcase(s, tc);
}

static Suite *prices_suite(void)
{
        Suite *s = suite_create("prices");

        add(s, "shipped_map", test_shipped_map);
        add(s, "lookup", test_lookup);
        add(s, "unknown", test_unknown);
        add(s, "tiered", test_tiered);
        add(s, "cost_openai", test_cost_openai);
        add(s, "cost_deepseek", test_cost_deepseek);
        add(s, "cost_no_cache_price", test_cost_no_cache_price);
        add(s, "usage_styles", test_usage_styles);
        add(s, "usage_malformed", test_usage_malformed);
        add(s, "map_malformed", test_map_malformed);
        add(s, "map_partly_bad", test_map_partly_bad);
        add(s, "gpu", test_gpu);
        add(s, "override", test_override);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(prices_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
