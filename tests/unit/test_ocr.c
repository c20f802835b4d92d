/*
 * Unit tests of OCR in stages/extract.c and stages/ocr.c, on scans made
 * here: text drawn with cairo, rasterized, turned by 90 and 180 degrees,
 * noised; a two-page TIFF written with leptonica; a PDF with one text
 * page and one page that is only an image of text; lossy and lossless
 * WebP; image bombs (a PNG whose header claims 100000x100000 pixels, WebP
 * frames and a VP8X canvas claiming 16383x16383, a page over a small
 * cap).
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <check.h>
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/valgrind.h>

#include "../../stages/extract.h"
#include "../../stages/ocr.h"
#include "../../worker/job.h"
#include "../paper.h"

static struct config cfg;
/* One engine for the whole run, as a sandbox child keeps one: made in
 * main, started by the first test that needs it (in each forked test, or
 * once with CK_FORK=no, as under valgrind). */
static struct ocr *ocr;

static void setup(void)
{
        memset(&cfg, 0, sizeof(cfg));
        cfg.max_bytes = 64 << 20;
        cfg.max_pages = 10;
        cfg.max_text_bytes = 1 << 20;
        cfg.max_page_pixels = 50000000;
}

struct membuf {
        unsigned char *p;
        size_t len;
};

static cairo_status_t membuf_write(void *arg, const unsigned char *data,
                                   unsigned int n)
{
        struct membuf *m = arg;

        m->p = xrealloc(m->p, m->len + n);
        memcpy(m->p + m->len, data, n);
        m->len += n;
        return CAIRO_STATUS_SUCCESS;
}

static const char *const lines[] = {
        "INVOICE NUMBER 4711",
        "Total amount due 1234.56 EUR",
        "Payment within thirty days",
};

/* A new image surface (about 300 dpi for 10 pt text) with lines of
 * text, black on white; noise: that many random gray specks. */
static cairo_surface_t *scan_new(int noise)
{
        cairo_surface_t *s;
        cairo_t *cr = paper_new(1400, 500, "Sans", 42, &s);

        for (int i = 0; i < 3; i++) {
                cairo_move_to(cr, 60, 120 + 110 * i);
                cairo_show_text(cr, lines[i]);
        }
        srand(7);
        for (int i = 0; i < noise; i++) {
                double g = (rand() % 100) / 100.0;
                cairo_set_source_rgb(cr, g, g, g);
                cairo_rectangle(cr, rand() % 1400, rand() % 500, 2, 2);
                cairo_fill(cr);
        }
        cairo_destroy(cr);
        cairo_surface_flush(s);
        return s;
}

/* Returns s (freed) turned clockwise by quads quarter turns. */
static cairo_surface_t *scan_turn(cairo_surface_t *s, int quads)
{
        int w = cairo_image_surface_get_width(s);
        int h = cairo_image_surface_get_height(s);
        int tw = quads % 2 ? h : w, th = quads % 2 ? w : h;
        cairo_surface_t *t =
                cairo_image_surface_create(CAIRO_FORMAT_RGB24, tw, th);
        cairo_t *cr = cairo_create(t);

        cairo_translate(cr, tw / 2.0, th / 2.0);
        cairo_rotate(cr, quads * G_PI / 2);
        cairo_translate(cr, -w / 2.0, -h / 2.0);
        cairo_set_source_surface(cr, s, 0, 0);
        cairo_paint(cr);
        cairo_destroy(cr);
        cairo_surface_destroy(s);
        return t;
}

static unsigned char *png_of(cairo_surface_t *s, size_t *len)
{
        struct membuf m = {NULL, 0};

        ck_assert_int_eq(cairo_surface_write_to_png_stream(s, membuf_write, &m),
                         CAIRO_STATUS_SUCCESS);
        *len = m.len;
        return m.p;
}

static struct doc *doc_with(unsigned char *bytes, size_t len, const char *ct)
{
        struct doc *doc = doc_new();

        doc->bytes = bytes;
        doc->len = len;
        doc_set_str(&doc->content_type, ct);
        return doc;
}

/* Extracts doc (freed) and checks that its text has the words of lines
 * and that it has pages pages. */
static void expect_words(struct doc *doc, int pages)
{
        struct err err;

        err_clear(&err);
        ck_assert_msg(extract_document_ocr(doc, &cfg, ocr, NULL, NULL, &err) ==
                              0,
                      "%s", err.msg);
        ck_assert_int_eq(doc->pages, pages);
        ck_assert_msg(strstr(doc->text, "INVOICE") &&
                              strstr(doc->text, "1234.56") &&
                              strstr(doc->text, "Payment"),
                      "text: %s", doc->text);
        ck_assert_ptr_nonnull(doc->ocr_confidence);
        ck_assert_ptr_nonnull(strstr(doc->ocr_confidence, "{\"1\":"));
        doc_free(doc);
}

static void expect_input(struct doc *doc, const char *what)
{
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(extract_document_ocr(doc, &cfg, ocr, NULL, NULL, &err),
                         -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_msg(strstr(err.msg, what), "message: %s", err.msg);
        doc_free(doc);
}

START_TEST(test_png)
{
        cairo_surface_t *s = scan_new(0);
        size_t len;
        unsigned char *p = png_of(s, &len);

        cairo_surface_destroy(s);
        ck_assert_str_eq(job_sniff(p, len), "image/png");
        expect_words(doc_with(p, len, "image/png"), 1);
}
END_TEST

START_TEST(test_turned_noised)
{
        /* 90 and 180 degrees, with specks: turned upright again. */
        for (int q = 1; q <= 2; q++) {
                cairo_surface_t *s = scan_turn(scan_new(1500), q);
                size_t len;
                unsigned char *p = png_of(s, &len);

                cairo_surface_destroy(s);
                expect_words(doc_with(p, len, "image/png"), 1);
        }
}
END_TEST

static PIX *pix_of(cairo_surface_t *s);

START_TEST(test_jpeg)
{
        cairo_surface_t *s = scan_new(0);
        PIX *pix = pix_of(s);
        l_uint8 *data = NULL;
        size_t len = 0;
        unsigned char *p;

        cairo_surface_destroy(s);
        ck_assert_int_eq(pixWriteMemJpeg(&data, &len, pix, 85, 0), 0);
        pixDestroy(&pix);
        p = xmalloc(len);
        memcpy(p, data, len);
        lept_free(data);
        ck_assert_str_eq(job_sniff(p, len), "image/jpeg");
        expect_words(doc_with(p, len, "image/jpeg"), 1);
}
END_TEST

/* A new 8-bit gray Pix of s. */
static PIX *pix_of(cairo_surface_t *s)
{
        size_t len;
        unsigned char *p = png_of(s, &len);
        PIX *pix = pixReadMem(p, len);

        free(p);
        ck_assert_ptr_nonnull(pix);
        return pix;
}

/* A new lossy (VP8) or lossless (VP8L) WebP of the scan; *len its size. */
static unsigned char *webp_of(int lossless, size_t *len)
{
        cairo_surface_t *s = scan_new(0);
        PIX *pix = pix_of(s);
        l_uint8 *data = NULL;
        unsigned char *p;

        cairo_surface_destroy(s);
        ck_assert_int_eq(pixWriteMemWebP(&data, len, pix, 85, lossless), 0);
        pixDestroy(&pix);
        ck_assert_mem_eq(data + 12, lossless ? "VP8L" : "VP8 ", 4);
        p = xmalloc(*len);
        memcpy(p, data, *len);
        lept_free(data);
        return p;
}

START_TEST(test_webp)
{
        for (int lossless = 0; lossless <= 1; lossless++) {
                size_t len;
                unsigned char *p = webp_of(lossless, &len);

                ck_assert_str_eq(job_sniff(p, len), "image/webp");
                expect_words(doc_with(p, len, "image/webp"), 1);
        }
}
END_TEST

/* The largest size written into the frame header of a VP8 chunk (at 20:
 * 3-byte frame tag, start code, 14-bit sizes: 16383 x 16383) or a VP8L
 * one (at 20: signature 0x2f, then width-1 and height-1 in 14 bits each:
 * 16384 x 16384). */
static void webp_claim_max(unsigned char *p, int lossless)
{
        if (lossless) {
                ck_assert_int_eq(p[20], 0x2f);
                p[21] = p[22] = p[23] = 0xff;
                p[24] |= 0x0f;
        } else {
                ck_assert_mem_eq(p + 23, "\x9d\x01\x2a", 3);
                p[26] = 0xff;
                p[27] = 0x3f;
                p[28] = 0xff;
                p[29] = 0x3f;
        }
}

START_TEST(test_webp_bomb)
{
        size_t len, xlen;
        unsigned char *p, *x;

        /* VP8 and VP8L frames that claim 16383 or 16384 squared: refused
         * from the header, before anything is decoded (they would not
         * decode: "cannot be decoded" would name no cap). */
        for (int lossless = 0; lossless <= 1; lossless++) {
                p = webp_of(lossless, &len);
                webp_claim_max(p, lossless);
                ck_assert_str_eq(job_sniff(p, len), "image/webp");
                expect_input(doc_with(p, len, "image/webp"),
                             lossless ? "16384x16384 pixels, over the cap of "
                                        "50000000 pixels "
                                        "(limits.max_page_pixels)"
                                      : "16383x16383 pixels, over the cap of "
                                        "50000000 pixels "
                                        "(limits.max_page_pixels)");
        }

        /* The extended format: a VP8X chunk whose canvas says the same,
         * in front of that VP8 chunk. */
        p = webp_of(0, &len);
        webp_claim_max(p, 0);
        xlen = len + 18;
        x = xmalloc(xlen);
        memcpy(x, "RIFF", 4);
        x[4] = (unsigned char)((xlen - 8) & 0xff);
        x[5] = (unsigned char)(((xlen - 8) >> 8) & 0xff);
        x[6] = (unsigned char)(((xlen - 8) >> 16) & 0xff);
        x[7] = (unsigned char)(((xlen - 8) >> 24) & 0xff);
        memcpy(x + 8, "WEBPVP8X\x0a\0\0\0\0\0\0\0", 16);
        /* canvas width-1 and height-1, 24 bits each: 16382 = 0x3ffe */
        memcpy(x + 24, "\xfe\x3f\0\xfe\x3f\0", 6);
        memcpy(x + 30, p + 12, len - 12);
        free(p);
        ck_assert_str_eq(job_sniff(x, xlen), "image/webp");
        expect_input(doc_with(x, xlen, "image/webp"),
                     "16383x16383 pixels, over the cap");

        /* A real page over a small cap. */
        p = webp_of(0, &len);
        cfg.max_page_pixels = 100000;
        expect_input(doc_with(p, len, "image/webp"), "limits.max_page_pixels");
}
END_TEST

START_TEST(test_tiff_pages)
{
        PIXA *pixa = pixaCreate(2);
        cairo_surface_t *s = scan_new(0);
        l_uint8 *data = NULL;
        size_t len = 0;
        unsigned char *p;
        struct doc *doc;

        for (int i = 0; i < 2; i++)
                pixaAddPix(pixa, pix_of(s), L_INSERT);
        cairo_surface_destroy(s);
        ck_assert_int_eq(pixaWriteMemMultipageTiff(&data, &len, pixa), 0);
        pixaDestroy(&pixa);
        p = xmalloc(len);
        memcpy(p, data, len);
        lept_free(data);
        ck_assert_str_eq(job_sniff(p, len), "image/tiff");
        doc = doc_with(p, len, "image/tiff");
        {
                struct err err;
                const char *ff;

                err_clear(&err);
                ck_assert_msg(extract_document_ocr(doc, &cfg, ocr, NULL, NULL,
                                                   &err) == 0,
                              "%s", err.msg);
                ck_assert_int_eq(doc->pages, 2);
                ff = strchr(doc->text, '\f');
                ck_assert_ptr_nonnull(ff);
                ck_assert_ptr_nonnull(strstr(doc->text, "INVOICE"));
                ck_assert_ptr_nonnull(strstr(ff, "INVOICE"));
                doc_free(doc);
        }
        cfg.max_pages = 1;
        p = xmalloc(len);
        {
                /* The same again, over a one-page cap. */
                PIXA *two = pixaCreate(2);
                cairo_surface_t *t = scan_new(0);
                for (int i = 0; i < 2; i++)
                        pixaAddPix(two, pix_of(t), L_INSERT);
                cairo_surface_destroy(t);
                ck_assert_int_eq(pixaWriteMemMultipageTiff(&data, &len, two),
                                 0);
                pixaDestroy(&two);
                p = xrealloc(p, len);
                memcpy(p, data, len);
                lept_free(data);
        }
        expect_input(doc_with(p, len, "image/tiff"), "limits.max_pages");
}
END_TEST

START_TEST(test_mixed_pdf)
{
        /* Page 1 text, page 2 only an image of text: both read, page 1
         * from its text layer. */
        struct membuf m = {NULL, 0};
        cairo_surface_t *pdf =
                cairo_pdf_surface_create_for_stream(membuf_write, &m, 595, 842);
        cairo_surface_t *img = scan_new(300);
        cairo_t *cr = cairo_create(pdf);
        struct doc *doc;
        struct err err;
        const char *ff;

        cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, 12);
        cairo_move_to(cr, 50, 100);
        cairo_show_text(cr, "Cover letter with a real text layer, "
                            "quite enough characters for the page");
        cairo_move_to(cr, 50, 130);
        cairo_show_text(cr, "Dear customer, please find the scan attached.");
        cairo_show_page(cr);
        /* 1400 px at 300 dpi: 336 pt wide. */
        cairo_save(cr);
        cairo_translate(cr, 50, 100);
        cairo_scale(cr, 72.0 / 300, 72.0 / 300);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_paint(cr);
        cairo_restore(cr);
        cairo_show_page(cr);
        cairo_destroy(cr);
        cairo_surface_finish(pdf);
        cairo_surface_destroy(pdf);
        cairo_surface_destroy(img);

        doc = doc_with(m.p, m.len, "application/pdf");
        err_clear(&err);
        ck_assert_msg(extract_document_ocr(doc, &cfg, ocr, NULL, NULL, &err) ==
                              0,
                      "%s", err.msg);
        ck_assert_int_eq(doc->pages, 2);
        ff = strchr(doc->text, '\f');
        ck_assert_ptr_nonnull(ff);
        ck_assert_msg(strstr(doc->text, "Dear customer") &&
                              strstr(doc->text, "Dear customer") < ff,
                      "text: %s", doc->text);
        ck_assert_msg(strstr(ff, "INVOICE") && strstr(ff, "1234.56"),
                      "text: %s", doc->text);
        /* Only page 2 was OCR'd; its confidence is kept. */
        ck_assert_ptr_nonnull(doc->ocr_confidence);
        ck_assert_msg(strncmp(doc->ocr_confidence, "{\"2\":", 5) == 0 &&
                              !strchr(doc->ocr_confidence, ','),
                      "ocr_confidence: %s", doc->ocr_confidence);
        doc_free(doc);
}
END_TEST

START_TEST(test_bomb)
{
        /* A small PNG whose header claims 100000 x 100000 pixels: refused
         * from the header, before anything is decoded. */
        cairo_surface_t *s = scan_new(0);
        size_t len;
        unsigned char *p = png_of(s, &len);
        static const unsigned char big[8] = {0, 1, 0x86, 0xa0,
                                             0, 1, 0x86, 0xa0};

        cairo_surface_destroy(s);
        memcpy(p + 16, big, 8); /* IHDR width and height */
        expect_input(doc_with(p, len, "image/png"), "limits.max_page_pixels");

        /* A real page over a small cap. */
        s = scan_new(0);
        p = png_of(s, &len);
        cairo_surface_destroy(s);
        cfg.max_page_pixels = 100000;
        expect_input(doc_with(p, len, "image/png"), "limits.max_page_pixels");
}
END_TEST

/* A till roll: 80 mm at 300 dpi, items on the left and their amounts
 * right-aligned far from them, the total among them. */
static cairo_surface_t *till_new(void)
{
        static const char *const items[] = {
                "Sourdough bread", "Whole milk 1L",  "Coffee beans",
                "Cheddar cheese",  "Pasta 500g",     "Olive oil",
                "Orange juice",    "AA batteries",   "Notebook A5",
                "Green tea",       "Butter 250g",    "Apples 1kg"};
        static const char *const amounts[] = {
                "3.44", "1.29", "9.00", "2.99", "1.95", "8.14",
                "3.75", "4.06", "4.95", "2.49", "2.19", "3.20"};
        cairo_surface_t *s;
        cairo_t *cr = paper_new(945, 2300, "Monospace", 34, &s);
        double y = 160;

        cairo_move_to(cr, 200, 100);
        cairo_show_text(cr, "CORNER MARKET");
        for (int i = 0; i < 12; i++, y += 70) {
                cairo_text_extents_t e;

                cairo_move_to(cr, 40, y + 80);
                cairo_show_text(cr, items[i]);
                cairo_text_extents(cr, amounts[i], &e);
                cairo_move_to(cr, 905 - e.x_advance, y + 80);
                cairo_show_text(cr, amounts[i]);
        }
        cairo_move_to(cr, 40, y + 160);
        cairo_show_text(cr, "TOTAL USD");
        cairo_move_to(cr, 905 - 5 * 21, y + 160);
        cairo_show_text(cr, "47.45");
        cairo_move_to(cr, 40, y + 260);
        cairo_show_text(cr, "Thank you for shopping");
        cairo_destroy(cr);
        cairo_surface_flush(s);
        return s;
}

START_TEST(test_till_roll)
{
        /* A tall narrow image is read as one column: each amount stays
         * on its label's line (automatic segmentation made two columns
         * of them, the total's label alone on its line). */
        cairo_surface_t *s = till_new();
        size_t len;
        unsigned char *p = png_of(s, &len);
        struct doc *doc = doc_with(p, len, "image/png");
        struct err err;

        cairo_surface_destroy(s);
        err_clear(&err);
        ck_assert_msg(extract_document_ocr(doc, &cfg, ocr, NULL, NULL, &err) ==
                              0,
                      "%s", err.msg);
        ck_assert_msg(strstr(doc->text, "TOTAL USD 47.45") &&
                              strstr(doc->text, "Coffee beans 9.00"),
                      "text: %s", doc->text);
        doc_free(doc);
}
END_TEST

START_TEST(test_corrupt_image)
{
        static const unsigned char junk[] = "\x89PNG\r\n\x1a\nnot really";
        static const unsigned char riff[] = "RIFF\x10\0\0\0WEBPVP8 junk";
        unsigned char *p = xmalloc(sizeof(junk));
        size_t len;

        memcpy(p, junk, sizeof(junk));
        expect_input(doc_with(p, sizeof(junk), "image/png"), "image");
        p = xmalloc(sizeof(riff));
        memcpy(p, riff, sizeof(riff));
        ck_assert_str_eq(job_sniff(p, sizeof(riff)), "image/webp");
        expect_input(doc_with(p, sizeof(riff), "image/webp"), "image");
        /* A WebP cut short after its header: the header passes, the
         * decoder does not. */
        p = webp_of(0, &len);
        expect_input(doc_with(p, 60, "image/webp"), "cannot be decoded");
}
END_TEST

static void add(Suite *s, const char *name, const TTest *test)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test);
        suite_add_tcase(s, tc);
}

static Suite *ocr_suite(void)
{
        Suite *s = suite_create("ocr");

        add(s, "png", test_png);
        add(s, "jpeg", test_jpeg);
        add(s, "webp", test_webp);
        add(s, "webp_bomb", test_webp_bomb);
        /* Under valgrind Tesseract's own work takes a minute; the turns
         * and the TIFF run in the plain and the ASan builds. */
        if (!RUNNING_ON_VALGRIND) {
                add(s, "turned_noised", test_turned_noised);
                add(s, "tiff_pages", test_tiff_pages);
        }
        add(s, "mixed_pdf", test_mixed_pdf);
        add(s, "till_roll", test_till_roll);
        add(s, "bomb", test_bomb);
        add(s, "corrupt_image", test_corrupt_image);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(ocr_suite());
        int failed;

        ocr = ocr_new();
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        ocr_free(ocr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
