/*
 * Unit tests of eval.c, the measuring half of `docpipe eval`: labels from
 * JSON lines and from folders of sidecars (docgen's and invoice2data's),
 * their errors; the normalization under which two field values are the
 * same; the numbers of a report (accuracy, precision and recall, the
 * confusion table, exact, empty and wrong fields, calibration, tokens,
 * cost, time) computed by hand; the table printed from it.
 */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/eval.h"

/* ---- helpers ---------------------------------------------------------- */

static char *tmpdir_new(void)
{
        char *d = g_dir_make_tmp("docpipe-eval-XXXXXX", NULL);

        ck_assert_ptr_nonnull(d);
        return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char *p = g_build_filename(dir, name, NULL);

        ck_assert(g_file_set_contents(p, text, -1, NULL));
        g_free(p);
}

static void rm_tree(char *dir)
{
        GDir *d = g_dir_open(dir, 0, NULL);
        const char *n;

        while (d && (n = g_dir_read_name(d))) {
                char *p = g_build_filename(dir, n, NULL);
                g_unlink(p);
                g_free(p);
        }
        if (d)
                g_dir_close(d);
        g_rmdir(dir);
        g_free(dir);
}

/* eval_canonical of a JSON text, compared with want (NULL: absent). */
static void ck_canon(const char *field, const char *json, const char *want)
{
        json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
        char *c = eval_canonical(field, v);

        if (!want)
                ck_assert_msg(c == NULL, "%s %s: got '%s'", field, json, c);
        else
                ck_assert_msg(c && strcmp(c, want) == 0,
                              "%s %s: got '%s', want '%s'", field, json,
                              c ? c : "(null)", want);
        free(c);
        json_decref(v);
}

static void ck_same(const char *field, const char *a, const char *b, int same)
{
        json_t *va = json_loads(a, JSON_DECODE_ANY, NULL);
        json_t *vb = json_loads(b, JSON_DECODE_ANY, NULL);
        char *ca = eval_canonical(field, va), *cb = eval_canonical(field, vb);

        ck_assert_msg((ca && cb && strcmp(ca, cb) == 0) == same,
                      "%s: %s vs %s -> '%s' '%s'", field, a, b, ca, cb);
        free(ca);
        free(cb);
        json_decref(va);
        json_decref(vb);
}

/* ---- labels ----------------------------------------------------------- */

START_TEST(test_labels_lines)
{
        char *d = tmpdir_new(), *p = g_build_filename(d, "set.jsonl", NULL);
        struct eval_set set;
        struct err err;

        memset(&set, 0, sizeof(set));
        write_file(d, "set.jsonl",
                   "# a comment, then a blank line\n"
                   "\n"
                   "{\"path\": \"a.pdf\", \"type\": \"invoice\", \"fields\": "
                   "{\"total\": \"12.00\"}, \"language\": \"de\"}\n"
                   "{\"path\": \"/abs/b.txt\", \"class\": \"receipt\"}\n");
        ck_assert_int_eq(eval_labels_load(&set, p, NULL, &err), 0);
        ck_assert_uint_eq(set.n, 2);
        ck_assert(g_str_has_suffix(set.v[0].path, "/a.pdf"));
        ck_assert(g_str_has_prefix(set.v[0].path, d));
        ck_assert_str_eq(set.v[0].id, "a.pdf");
        ck_assert_str_eq(set.v[0].type, "invoice");
        ck_assert_str_eq(set.v[0].language, "de");
        ck_assert_str_eq(
                json_string_value(json_object_get(set.v[0].fields, "total")),
                "12.00");
        ck_assert_str_eq(set.v[1].path, "/abs/b.txt");
        ck_assert_str_eq(set.v[1].type, "receipt");
        ck_assert_ptr_null(set.v[1].language);
        ck_assert_uint_eq(json_object_size(set.v[1].fields), 0);
        eval_set_cleanup(&set);

        /* Errors name the file and the line. */
        write_file(d, "set.jsonl", "{\"path\": \"a.pdf\"}\n{\"type\": 1}\n");
        ck_assert_int_eq(eval_labels_load(&set, p, NULL, &err), -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_msg(strstr(err.msg, "set.jsonl:2:") &&
                              strstr(err.msg, "\"path\""),
                      "%s", err.msg);
        eval_set_cleanup(&set);
        write_file(d, "set.jsonl", "{\"path\": \"a.pdf\", \"fields\": []}\n");
        ck_assert_int_eq(eval_labels_load(&set, p, NULL, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.msg, "\"fields\" must be"));
        eval_set_cleanup(&set);
        write_file(d, "set.jsonl", "not json\n");
        ck_assert_int_eq(eval_labels_load(&set, p, NULL, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.msg, "set.jsonl:1:"));
        eval_set_cleanup(&set);
        ck_assert_int_eq(eval_labels_load(&set, "/nonexistent/x", NULL, &err),
                         -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        g_free(p);
        rm_tree(d);
}
END_TEST

START_TEST(test_labels_folder)
{
        char *d = tmpdir_new();
        struct eval_set set;
        struct err err;

        memset(&set, 0, sizeof(set));
        /* docgen's ground truth */
        write_file(d, "b.pdf", "%PDF-1.4");
        write_file(d, "b.json",
                   "{\"type\": \"contract\", \"language\": \"fr\", "
                   "\"fields\": {\"parties\": [\"A SA\", \"B SARL\"]}, "
                   "\"pages\": 3}");
        /* invoice2data's expectation, mapped to the invoice schema */
        write_file(d, "a.pdf", "%PDF-1.4");
        write_file(d, "a.json",
                   "[{\"issuer\": \"Coolblue B.V.\", \"amount\": 717.97, "
                   "\"date\": \"2014-04-19\", \"invoice_number\": "
                   "\"993548900\", \"currency\": \"EUR\", \"lines\": []}]");
        /* no sidecar: skipped, or typed with a default */
        write_file(d, "c.pdf", "%PDF-1.4");
        write_file(d, "notes.txt", "not a document of the set");
        ck_assert_int_eq(eval_labels_load(&set, d, NULL, &err), 0);
        ck_assert_uint_eq(set.n, 2);
        ck_assert_uint_eq(set.skipped, 1);
        ck_assert_str_eq(set.v[0].id, "a.pdf"); /* sorted */
        ck_assert_str_eq(set.v[0].type, "invoice");
        ck_assert_str_eq(
                json_string_value(json_object_get(set.v[0].fields, "vendor")),
                "Coolblue B.V.");
        ck_assert_str_eq(
                json_string_value(json_object_get(set.v[0].fields, "total")),
                "717.97");
        ck_assert_str_eq(json_string_value(json_object_get(set.v[0].fields,
                                                           "issue_date")),
                         "2014-04-19");
        ck_assert_ptr_null(json_object_get(set.v[0].fields, "lines"));
        ck_assert_str_eq(set.v[1].type, "contract");
        ck_assert_str_eq(set.v[1].language, "fr");
        eval_set_cleanup(&set);

        ck_assert_int_eq(eval_labels_load(&set, d, "tax_form", &err), 0);
        ck_assert_uint_eq(set.n, 3);
        ck_assert_uint_eq(set.skipped, 0);
        ck_assert_str_eq(set.v[2].type, "tax_form");
        eval_set_cleanup(&set);

        write_file(d, "a.json", "{\"no\": \"type\"}");
        ck_assert_int_eq(eval_labels_load(&set, d, NULL, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.msg, "a.json"));
        eval_set_cleanup(&set);
        rm_tree(d);
}
END_TEST

/* ---- normalization ---------------------------------------------------- */

START_TEST(test_canonical)
{
        /* amounts: numbers, to the cent */
        ck_same("total", "\"1234.50\"", "1234.5", 1);
        ck_same("total", "\"1234.50\"", "\"1234.51\"", 0);
        ck_canon("total", "\"-0.00\"", "0.00");
        ck_canon("total", "4.11", "4.11");
        ck_canon("revenue", "\"12 million\"", "12 million");
        /* names: case, punctuation and legal forms at the end */
        ck_same("vendor", "\"Coolblue B.V.\"", "\"Coolblue\"", 1);
        ck_same("vendor", "\"Aldridge Energie GmbH & Co. KG\"",
                "\"ALDRIDGE ENERGIE\"", 1);
        ck_same("customer", "\"Amazon Web Services, Inc.\"",
                "\"Amazon Web Services\"", 1);
        ck_same("vendor", "\"Acme GmbH\"", "\"Acme AG\"", 1);
        ck_same("vendor", "\"Acme\"", "\"Acne\"", 0);
        /* a legal form alone stays a name */
        ck_canon("vendor", "\"GmbH\"", "gmbh");
        /* ids: case, white space and a leading '#' */
        ck_same("invoice_number", "\"# BLR_WFLD2015\"", "\"blr_wfld2015\"", 1);
        ck_same("iban", "\"DE89 3704 0044 0532 0130 00\"",
                "\"DE89370400440532013000\"", 1);
        ck_same("invoice_number", "\"INV-1\"", "\"INV-2\"", 0);
        /* other text: case and white space, NFKC */
        ck_same("issue_date", "\"2024-03-12\"", "\" 2024-03-12 \"", 1);
        ck_same("form", "\"W-2\"", "\"w-2\"", 1);
        ck_same("governing_law", "\"England and Wales\"",
                "\"england  and wales\"", 1);
        /* arrays: multisets */
        ck_same("parties", "[\"A SA\", \"B SARL\"]", "[\"b\", \"a\"]", 1);
        ck_same("parties", "[\"A\", \"B\"]", "[\"A\", \"C\"]", 0);
        /* nothing */
        ck_canon("total", "null", NULL);
        ck_canon("vendor", "\"\"", NULL);
        ck_canon("parties", "[]", NULL);
        ck_assert_ptr_null(eval_canonical("total", NULL));
}
END_TEST

/* ---- scoring ---------------------------------------------------------- */

/* Four documents, two routes; every number of the report by hand. */
static void make_set(struct eval_set *set, struct eval_answer *a)
{
        static const char *const types[] = {"invoice", "invoice", "receipt",
                                            "other"};
        int i;

        memset(set, 0, sizeof(*set));
        set->n = 4;
        set->skipped = 1;
        set->v = calloc(4, sizeof(*set->v));
        for (i = 0; i < 4; i++) {
                set->v[i].path = g_strdup_printf("/x/d%d.pdf", i);
                set->v[i].id = g_strdup_printf("d%d.pdf", i);
                set->v[i].type = strdup(types[i]);
                set->v[i].language = strdup(i == 2 ? "de" : "en");
                set->v[i].fields = json_object();
        }
        json_object_set_new(set->v[0].fields, "total", json_string("10.00"));
        json_object_set_new(set->v[0].fields, "vendor",
                            json_string("Acme GmbH"));
        json_object_set_new(set->v[1].fields, "total", json_string("20.00"));
        json_object_set_new(set->v[1].fields, "vendor",
                            json_string("Beta Ltd"));
        json_object_set_new(set->v[2].fields, "total", json_string("3.50"));
        /* route 0 ("a"): invoice right (total right, vendor wrong),
         * invoice right (total empty, vendor right), receipt as invoice,
         * other right; route 1 ("b"): all failed but one. */
        memset(a, 0, 8 * sizeof(*a));
        a[0].cls = strdup("invoice");
        a[0].confidence = 0.9;
        a[0].language = strdup("en");
        a[0].fields = json_pack("{ss ss}", "total", "10.0", "vendor", "Acme");
        a[0].input_tokens = 100;
        a[0].output_tokens = 10;
        a[0].seconds = 0.5;
        a[2].cls = strdup("invoice");
        a[2].confidence = 0.85;
        a[2].language = strdup("en");
        a[2].fields = json_pack("{ss}", "vendor", "BETA");
        a[2].input_tokens = 200;
        a[2].output_tokens = 20;
        a[2].seconds = 1.5;
        a[4].cls = strdup("invoice");
        a[4].confidence = 0.6;
        a[4].language = strdup("en"); /* wrong: de */
        a[4].fields = json_pack("{ss}", "total", "3.50");
        a[6].cls = strdup("other");
        a[6].confidence = 0.3;
        a[6].language = strdup("en");
        /* route 1 */
        a[1].cls = strdup("invoice");
        a[1].confidence = 0.99;
        a[1].fields = json_pack("{ss ss}", "total", "11.00", "vendor", "Gamma");
        a[1].cost_usd = 0.25;
        a[1].input_tokens = 1000;
        a[1].output_tokens = 50;
        a[1].seconds = 2.0;
        for (i = 3; i < 8; i += 2) {
                a[i].failed = 1;
                snprintf(a[i].error, sizeof(a[i].error), "fields: HTTP 500");
                a[i].cost_usd = 0.25;
                a[i].seconds = 4.0;
        }
}

static double num(const json_t *o, const char *path)
{
        gchar **parts = g_strsplit(path, "/", -1);
        const json_t *v = o;
        double x;

        for (int i = 0; parts[i] && v; i++) {
                char *end;
                long k = strtol(parts[i], &end, 10);
                v = *end == '\0' && json_is_array(v)
                            ? json_array_get(v, (size_t)k)
                            : json_object_get(v, parts[i]);
        }
        ck_assert_msg(json_is_number(v), "%s is not a number", path);
        x = json_number_value(v);
        g_strfreev(parts);
        return x;
}

START_TEST(test_score)
{
        static const char *const routes[] = {"a", "b"};
        static const char *const taxonomy[] = {"invoice", "receipt", "other"};
        struct eval_set set;
        struct eval_answer a[8];
        const double ex[4] = {0.1, 0.2, 0.3, 0.4};
        json_t *r, *ra, *rb;
        int i;

        make_set(&set, a);
        r = eval_score(&set, routes, 2, a, ex, taxonomy, 3);
        ck_assert_double_eq_tol(num(r, "documents"), 4, 1e-9);
        ck_assert_double_eq_tol(num(r, "skipped"), 1, 1e-9);
        ck_assert_double_eq_tol(num(r, "extract_seconds_per_document"), 0.25,
                                1e-9);
        ra = json_array_get(json_object_get(r, "routes"), 0);
        rb = json_array_get(json_object_get(r, "routes"), 1);
        ck_assert_str_eq(json_string_value(json_object_get(ra, "route")), "a");
        /* classes: 3 of 4 right */
        ck_assert_double_eq_tol(num(ra, "type_accuracy"), 0.75, 1e-9);
        ck_assert_double_eq_tol(num(ra, "classes/invoice/precision"), 2.0 / 3.0,
                                1e-4);
        ck_assert_double_eq_tol(num(ra, "classes/invoice/recall"), 1.0, 1e-9);
        ck_assert_double_eq_tol(num(ra, "classes/receipt/recall"), 0.0, 1e-9);
        /* nothing given as a receipt: no precision */
        ck_assert(json_is_null(json_object_get(
                json_object_get(json_object_get(ra, "classes"), "receipt"),
                "precision")));
        ck_assert_double_eq_tol(num(ra, "confusion/receipt/invoice"), 1, 1e-9);
        ck_assert_double_eq_tol(num(ra, "confusion/invoice/invoice"), 2, 1e-9);
        ck_assert_double_eq_tol(num(ra, "language_accuracy"), 0.75, 1e-9);
        /* calibration: >= 0.8: 2 docs both right; 0.5-0.8: 1 wrong;
         * < 0.5: 1 right */
        ck_assert_double_eq_tol(num(ra, "calibration/0/documents"), 2, 1e-9);
        ck_assert_double_eq_tol(num(ra, "calibration/0/accuracy"), 1, 1e-9);
        ck_assert_double_eq_tol(num(ra, "calibration/1/accuracy"), 0, 1e-9);
        ck_assert_double_eq_tol(num(ra, "calibration/2/documents"), 1, 1e-9);
        /* fields: invoice.total 2 labeled, 1 right, 1 empty;
         * invoice.vendor 2 labeled, both right: "Acme" is "Acme GmbH",
         * "BETA" is "Beta Ltd" (case and legal forms go) */
        ck_assert_double_eq_tol(num(ra, "fields/invoice.total/expected"), 2,
                                1e-9);
        ck_assert_double_eq_tol(num(ra, "fields/invoice.total/correct"), 1,
                                1e-9);
        ck_assert_double_eq_tol(num(ra, "fields/invoice.total/empty"), 1, 1e-9);
        ck_assert_double_eq_tol(num(ra, "fields/invoice.total/precision"), 1,
                                1e-9);
        ck_assert_double_eq_tol(num(ra, "fields/invoice.vendor/correct"), 2,
                                1e-9);
        /* receipt.total: filled (under the wrong class) and right */
        ck_assert_double_eq_tol(num(ra, "fields/receipt.total/correct"), 1,
                                1e-9);
        ck_assert_double_eq_tol(num(ra, "fields_all/expected"), 5, 1e-9);
        ck_assert_double_eq_tol(num(ra, "fields_all/exact"), 0.8, 1e-9);
        ck_assert_double_eq_tol(num(ra, "tokens/input"), 300, 1e-9);
        ck_assert_double_eq_tol(num(ra, "tokens/per_document"), 82.5, 1e-9);
        ck_assert_double_eq_tol(num(ra, "seconds_per_document"), 0.5, 1e-9);
        ck_assert_double_eq_tol(num(ra, "seconds_max"), 1.5, 1e-9);
        /* route b: 3 failed, one answered wrongly on both fields */
        ck_assert_double_eq_tol(num(rb, "failed"), 3, 1e-9);
        ck_assert_double_eq_tol(num(rb, "type_accuracy"), 0.25, 1e-9);
        ck_assert_double_eq_tol(num(rb, "confusion/receipt/(none)"), 1, 1e-9);
        ck_assert_double_eq_tol(num(rb, "fields/invoice.total/wrong"), 1, 1e-9);
        ck_assert_double_eq_tol(num(rb, "fields/invoice.total/empty"), 1, 1e-9);
        ck_assert_double_eq_tol(num(rb, "fields/invoice.total/precision"), 0,
                                1e-9);
        ck_assert_double_eq_tol(num(rb, "cost_usd"), 1.0, 1e-9);
        ck_assert_double_eq_tol(num(rb, "cost_per_document_usd"), 0.25, 1e-9);
        /* every mismatch is listed, the failures with their error: 3
         * errors, 3 classes, 5 fields; no language given, none scored */
        ck_assert_uint_eq(json_array_size(json_object_get(rb, "mismatches")),
                          3 + 3 + 5);
        ck_assert_double_eq_tol(num(rb, "language_labeled"), 0, 1e-9);
        json_decref(r);
        for (i = 0; i < 8; i++)
                eval_answer_cleanup(&a[i]);
        eval_set_cleanup(&set);
}
END_TEST

START_TEST(test_print)
{
        static const char *const routes[] = {"builtin", "remote"};
        struct eval_set set;
        struct eval_answer a[8];
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        json_t *r;
        int i;

        make_set(&set, a);
        r = eval_score(&set, routes, 2, a, NULL, NULL, 0);
        eval_print(r, f, 1);
        fclose(f);
        ck_assert_ptr_nonnull(strstr(buf, "docpipe eval: 4 documents"));
        ck_assert_ptr_nonnull(strstr(buf, "(1 without a label skipped)"));
        ck_assert_ptr_nonnull(strstr(buf, "builtin"));
        ck_assert_ptr_nonnull(strstr(buf, "remote"));
        ck_assert_ptr_nonnull(strstr(buf, "0.750 (3/4)"));
        ck_assert_ptr_nonnull(strstr(buf, "invoice.total (2)"));
        ck_assert_ptr_nonnull(strstr(buf, "confusion, builtin"));
        ck_assert_ptr_nonnull(strstr(buf, "mismatches, remote"));
        ck_assert_ptr_nonnull(strstr(buf, "fields: HTTP 500"));
        ck_assert_ptr_nonnull(strstr(buf, "$1.000000 ($250.00/1000)"));
        free(buf);
        json_decref(r);
        for (i = 0; i < 8; i++)
                eval_answer_cleanup(&a[i]);
        eval_set_cleanup(&set);
}
END_TEST

static Suite *eval_suite(void)
{
        Suite *s = suite_create("eval");
        TCase *tc;

        tc = tcase_create("labels_lines");
        tcase_add_test(tc, test_labels_lines);
        suite_add_tcase(s, tc);
        tc = tcase_create("labels_folder");
        tcase_add_test(tc, test_labels_folder);
        suite_add_tcase(s, tc);
        tc = tcase_create("canonical");
        tcase_add_test(tc, test_canonical);
        suite_add_tcase(s, tc);
        tc = tcase_create("score");
        tcase_add_test(tc, test_score);
        suite_add_tcase(s, tc);
        tc = tcase_create("print");
        tcase_add_test(tc, test_print);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(eval_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
