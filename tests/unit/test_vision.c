/*
 * test_vision: stages/vision.c's vision_splice, which puts a vision
 * model's transcriptions in place of the OCR text of their pages: pages
 * replaced or kept, the text cap, ranges that do not fit the text. The
 * calls themselves are tested end to end by tests/integration (t_vision)
 * against the fake server; the request and the reply parser by
 * test_prompts.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../../stages/vision.h"

/* A document of three pages whose OCR text is "one", "two", "three",
 * with images of pages 1 and 3 (or of the pages given). */
static struct doc *doc_three(void)
{
        struct doc *doc = doc_new();
        const char *text = "one\ftwo\fthree";

        doc->id = xstrdup("t");
        doc->text = xstrdup(text);
        doc->text_len = strlen(text);
        doc->pages = 3;
        doc->images = xcalloc(2, sizeof(*doc->images));
        doc->images_n = 2;
        doc->images[0] = (struct doc_page_image){.page = 1,
                                                 .confidence = 40,
                                                 .text_off = 0,
                                                 .text_len = 3,
                                                 .png = xmalloc(8),
                                                 .png_len = 8};
        doc->images[1] = (struct doc_page_image){.page = 3,
                                                 .confidence = 50,
                                                 .text_off = 8,
                                                 .text_len = 5,
                                                 .png = xmalloc(8),
                                                 .png_len = 8};
        return doc;
}

START_TEST(test_splice_replaces)
{
        struct doc *doc = doc_three();
        char *texts[2] = {"ONE\nread again", "THREE"};
        struct err err;

        ck_assert_int_eq(vision_splice(doc, texts, 1 << 20, &err), 0);
        ck_assert_str_eq(doc->text, "ONE\nread again\ftwo\fTHREE");
        ck_assert_uint_eq(doc->text_len, strlen(doc->text));
        ck_assert_uint_eq(doc->images_n, 2); /* the caller frees them */
        doc_free(doc);
}
END_TEST

START_TEST(test_splice_keeps)
{
        struct doc *doc = doc_three();
        char *texts[2] = {NULL, "3"};
        struct err err;

        ck_assert_int_eq(vision_splice(doc, texts, 1 << 20, &err), 0);
        ck_assert_str_eq(doc->text, "one\ftwo\f3");
        doc_free(doc);
}
END_TEST

START_TEST(test_splice_cap)
{
        struct doc *doc = doc_three();
        char *texts[2] = {"a longer page one", "3"};
        struct err err;

        /* 13 bytes now; the first answer would make it 27. */
        ck_assert_int_eq(vision_splice(doc, texts, 20, &err), 0);
        ck_assert_str_eq(doc->text, "one\ftwo\f3");
        doc_free(doc);
}
END_TEST

START_TEST(test_splice_bad_ranges)
{
        struct doc *doc = doc_three();
        char *texts[2] = {"ONE", "THREE"};
        struct err err;

        doc->images[1].text_len = 6; /* past the end */
        ck_assert_int_eq(vision_splice(doc, texts, 1 << 20, &err), -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_str_eq(err.msg, "vision: page 3's text is out of bounds");
        ck_assert_str_eq(doc->text, "one\ftwo\fthree"); /* unchanged */
        doc->images[1].text_len = 5;
        doc->images[1].text_off = 1; /* overlaps page 1's */
        ck_assert_int_eq(vision_splice(doc, texts, 1 << 20, &err), -1);
        doc->images[1].text_off = (size_t)-2; /* would wrap */
        ck_assert_int_eq(vision_splice(doc, texts, 1 << 20, &err), -1);
        ck_assert_str_eq(doc->text, "one\ftwo\fthree");
        doc_free(doc);
}
END_TEST

static Suite *vision_suite(void)
{
        Suite *s = suite_create("vision");
        struct {
                const char *name;
                const TTest *test;
        } cases[] = {
                {"splice replaces", test_splice_replaces},
                {"splice keeps", test_splice_keeps},
                {"splice cap", test_splice_cap},
                {"splice bad ranges", test_splice_bad_ranges},
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                TCase *tc = tcase_create(cases[i].name);

                tcase_add_test(tc, cases[i].test);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(vision_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
