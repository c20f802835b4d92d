/*
 * Unit tests of worker/model/shadow.c: which documents are sampled (the
 * same for the same id, about the asked fraction, none at 0, all at 1),
 * the canonical values field comparison rests on (numbers, strings,
 * dates, arrays, objects), and the three comparisons (classify, fields
 * with its per-field score and disagreeing names, summaries).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/doc.h"
#include "../../worker/model/shadow.h"

/* ---- sampling --------------------------------------------------------- */

START_TEST(test_sampled_deterministic)
{
        char id[32];

        for (int i = 0; i < 100; i++) {
                snprintf(id, sizeof(id), "doc-%d", i);
                ck_assert_int_eq(shadow_sampled(id, 0.3),
                                 shadow_sampled(id, 0.3));
                /* A document sampled at a rate is sampled at any higher
                 * one: raising the rate only adds documents. */
                if (shadow_sampled(id, 0.3))
                        ck_assert(shadow_sampled(id, 0.6));
        }
}
END_TEST

START_TEST(test_sampled_fraction)
{
        const double rates[] = {0.02, 0.1, 0.5, 0.9};
        char id[32];

        for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
                int n = 0;

                for (int i = 0; i < 20000; i++) {
                        snprintf(id, sizeof(id), "inv-%06d", i);
                        n += shadow_sampled(id, rates[r]);
                }
                ck_assert_msg(n > 20000 * rates[r] * 0.9 &&
                                      n < 20000 * rates[r] * 1.1,
                              "rate %.2f: %d of 20000", rates[r], n);
        }
}
END_TEST

START_TEST(test_sampled_bounds)
{
        ck_assert_int_eq(shadow_sampled("a", 0), 0);
        ck_assert_int_eq(shadow_sampled("a", -1), 0);
        ck_assert_int_eq(shadow_sampled("a", 1), 1);
        ck_assert_int_eq(shadow_sampled(NULL, 1), 0);
        ck_assert_int_eq(shadow_sampled("", 1), 1);
}
END_TEST

/* ---- canonical values ------------------------------------------------- */

/* Do two JSON texts have the same canonical value? */
static int same(const char *a, const char *b)
{
        json_t *ja = json_loads(a, JSON_DECODE_ANY, NULL);
        json_t *jb = json_loads(b, JSON_DECODE_ANY, NULL);
        char *ca, *cb;
        int eq;

        ck_assert_msg(ja && jb, "bad test JSON %s or %s", a, b);
        ca = shadow_canonical(ja);
        cb = shadow_canonical(jb);
        eq = ca && cb && strcmp(ca, cb) == 0;
        free(ca);
        free(cb);
        json_decref(ja);
        json_decref(jb);
        return eq;
}

START_TEST(test_canonical_numbers)
{
        ck_assert(same("\"1234.50\"", "1234.5"));
        ck_assert(same("\"1234.50\"", "\" 1234.5 \""));
        ck_assert(same("12", "12.0"));
        ck_assert(same("\"-0.00\"", "0"));
        ck_assert(same("\"123456789.12\"", "123456789.12"));
        ck_assert(!same("\"1234.50\"", "\"1234.51\""));
        ck_assert(!same("\"123456789.12\"", "123456789.13"));
        /* Not plain numbers: compared as text. */
        ck_assert(!same("\"1,234.50\"", "1234.5"));
        ck_assert(!same("\"1e3\"", "1000"));
}
END_TEST

START_TEST(test_canonical_strings)
{
        ck_assert(same("\"ACME  Ltd \"", "\"acme ltd\""));
        ck_assert(same("\"Straße\"", "\"STRASSE\""));
        ck_assert(same("\"ﬁle\"", "\"FILE\"")); /* NFKC: the ligature */
        ck_assert(!same("\"ACME Ltd\"", "\"ACME Limited\""));
        /* Dates: only the same date agrees. */
        ck_assert(same("\"2024-03-01\"", "\" 2024-03-01\""));
        ck_assert(!same("\"2024-03-01\"", "\"2024-03-02\""));
        ck_assert(!same("\"2024-03-01\"", "\"01/03/2024\""));
        ck_assert(!same("\"true\"", "true"));
}
END_TEST

START_TEST(test_canonical_structures)
{
        ck_assert(same("[\"a\", \"B\"]", "[\"b\", \"A\"]"));
        ck_assert(!same("[\"a\", \"a\"]", "[\"a\"]"));
        ck_assert(same("{\"x\": \"1.50\", \"y\": null}", "{\"x\": 1.5}"));
        ck_assert(!same("{\"x\": 1}", "{\"x\": 2}"));
        /* Separators inside values cannot make two lists alike. */
        ck_assert(!same("[\"a,b\"]", "[\"a\", \"b\"]"));
        ck_assert_ptr_null(shadow_canonical(NULL));
        {
                json_t *n = json_null();
                ck_assert_ptr_null(shadow_canonical(n));
                json_decref(n);
        }
}
END_TEST

/* ---- comparisons ------------------------------------------------------ */

START_TEST(test_compare_class)
{
        struct shadow_cmp c;

        memset(&c, 0, sizeof(c));
        shadow_compare_class("invoice", 0.7, "invoice", 0.95, &c);
        ck_assert(c.agree);
        ck_assert(c.score == 1);
        ck_assert_str_eq(json_string_value(json_object_get(c.primary, "class")),
                         "invoice");
        ck_assert(json_real_value(json_object_get(c.details,
                                                  "confidence_delta")) > 0.24);
        doc_shadow_cleanup(&c);

        memset(&c, 0, sizeof(c));
        shadow_compare_class("invoice", 0.7, "receipt", 0.9, &c);
        ck_assert(!c.agree);
        ck_assert(c.score == 0);
        doc_shadow_cleanup(&c);

        memset(&c, 0, sizeof(c));
        shadow_compare_class("invoice", 0.7, NULL, 0, &c);
        ck_assert(!c.agree);
        ck_assert_ptr_null(c.reference);
        doc_shadow_cleanup(&c);
}
END_TEST

START_TEST(test_compare_fields)
{
        json_t *p =
                json_pack("{s:s,s:s,s:s,s:s,s:s,s:n}", "total", "1234.50",
                          "currency", "EUR", "vendor", "ACME Ltd", "date",
                          "2024-03-01", "due_date", "2024-03-31", "po", NULL);
        json_t *r = json_pack("{s:f,s:s,s:s,s:s,s:s}", "total", 1234.5,
                              "currency", "eur", "vendor", " acme  ltd", "date",
                              "2024-03-02", "iban", "DE44");
        json_t *dis;
        struct shadow_cmp c;

        memset(&c, 0, sizeof(c));
        shadow_compare_fields(p, r, &c);
        /* Compared: currency, date, due_date, iban, total, vendor (po is
         * null on one side and absent on the other). Agree: currency,
         * total, vendor. */
        ck_assert(!c.agree);
        ck_assert_msg(c.score > 0.49 && c.score < 0.51, "score %f", c.score);
        ck_assert_int_eq(
                json_integer_value(json_object_get(c.details, "compared")), 6);
        ck_assert_int_eq(
                json_integer_value(json_object_get(c.details, "agreeing")), 3);
        dis = json_object_get(c.details, "disagree");
        ck_assert_int_eq(json_array_size(dis), 3);
        ck_assert_str_eq(json_string_value(json_array_get(dis, 0)), "date");
        ck_assert_str_eq(json_string_value(json_array_get(dis, 1)), "due_date");
        ck_assert_str_eq(json_string_value(json_array_get(dis, 2)), "iban");
        /* The answers are kept as they were, copies. */
        ck_assert(json_equal(c.primary, p));
        ck_assert(c.primary != p);
        doc_shadow_cleanup(&c);

        memset(&c, 0, sizeof(c));
        shadow_compare_fields(p, p, &c);
        ck_assert(c.agree);
        ck_assert(c.score == 1);
        doc_shadow_cleanup(&c);
        json_decref(p);
        json_decref(r);
}
END_TEST

START_TEST(test_compare_fields_empty)
{
        json_t *e = json_object();
        json_t *one = json_pack("{s:s}", "total", "1.00");
        struct shadow_cmp c;

        memset(&c, 0, sizeof(c));
        shadow_compare_fields(e, e, &c);
        ck_assert(c.agree);
        ck_assert(c.score == 1);
        doc_shadow_cleanup(&c);

        /* One answer with no fields at all: nothing agrees. */
        memset(&c, 0, sizeof(c));
        shadow_compare_fields(NULL, one, &c);
        ck_assert(!c.agree);
        ck_assert(c.score == 0);
        ck_assert_ptr_null(c.primary);
        doc_shadow_cleanup(&c);
        json_decref(e);
        json_decref(one);
}
END_TEST

START_TEST(test_compare_summary)
{
        struct shadow_cmp c;

        memset(&c, 0, sizeof(c));
        shadow_compare_summary("Invoice from ACME for 12.50 EUR.",
                               "ACME invoice: 12.50 EUR", &c);
        /* Words {invoice, from, acme, for, 12, 50, eur} and {acme,
         * invoice, 12, 50, eur}: 5 of 7. */
        ck_assert_msg(c.score > 0.71 && c.score < 0.72, "score %f", c.score);
        ck_assert(c.agree);
        doc_shadow_cleanup(&c);

        memset(&c, 0, sizeof(c));
        shadow_compare_summary("A bank statement.", "An annual report.", &c);
        ck_assert(!c.agree);
        ck_assert(c.score == 0);
        doc_shadow_cleanup(&c);
}
END_TEST

/* doc_add_shadow replaces a comparison of the same stage. */
START_TEST(test_doc_add_shadow)
{
        struct doc *doc = doc_new();
        struct shadow_cmp c;

        memset(&c, 0, sizeof(c));
        snprintf(c.stage, sizeof(c.stage), "classify");
        shadow_compare_class("invoice", 1, "receipt", 1, &c);
        doc_add_shadow(doc, &c);
        memset(&c, 0, sizeof(c));
        snprintf(c.stage, sizeof(c.stage), "classify");
        shadow_compare_class("invoice", 1, "invoice", 1, &c);
        doc_add_shadow(doc, &c);
        ck_assert_uint_eq(doc->shadows_n, 1);
        ck_assert(doc->shadows[0].agree);
        doc_free(doc);
}
END_TEST

static Suite *shadow_suite(void)
{
        Suite *s = suite_create("shadow");
        struct {
                const char *name;
                const TTest *test;
        } cases[] = {
                {"sampled deterministic", test_sampled_deterministic},
                {"sampled fraction", test_sampled_fraction},
                {"sampled bounds", test_sampled_bounds},
                {"canonical numbers", test_canonical_numbers},
                {"canonical strings", test_canonical_strings},
                {"canonical structures", test_canonical_structures},
                {"compare class", test_compare_class},
                {"compare fields", test_compare_fields},
                {"compare fields empty", test_compare_fields_empty},
                {"compare summary", test_compare_summary},
                {"doc_add_shadow", test_doc_add_shadow},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                TCase *tc = tcase_create(cases[i].name);
                tcase_add_test(tc, cases[i].test);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(shadow_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
