/*
 * Unit tests of stages/extract.c: text and metadata of PDFs made here with
 * cairo, plain text, and every way a document is refused (corrupt,
 * encrypted, not a PDF, empty, over the byte, page and text caps, not
 * UTF-8, unsupported type), plus concurrent calls. The encrypted fixture
 * is tests/data/encrypted.pdf (cairo, then `qpdf --encrypt user owner 256`);
 * when it cannot be read and qpdf is installed, it is made again.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <check.h>
#include <gio/gio.h>
#include <poppler.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../stages/extract.h"

#define ENCRYPTED_PDF "tests/data/encrypted.pdf"

static struct config cfg;

static void setup(void)
{
        memset(&cfg, 0, sizeof(cfg));
        cfg.max_bytes = 1 << 20;
        cfg.max_pages = 10;
        cfg.max_text_bytes = 1 << 20;
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

/* Returns a new PDF (malloc'd, *len bytes) with one page per string of
 * pages; with meta, title, author, subject, creator and dates are set. */
static unsigned char *make_pdf(const char *const *pages, int n, int meta,
                               size_t *len)
{
        struct membuf m = {NULL, 0};
        cairo_surface_t *s =
            cairo_pdf_surface_create_for_stream(membuf_write, &m, 300, 200);
        cairo_t *cr = cairo_create(s);

        if (meta) {
                cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
                                               "Quarterly Report");
                cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR,
                                               "Ada Lovelace");
                cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT,
                                               "Numbers");
                cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
                                               "test_extract");
                cairo_pdf_surface_set_metadata(s,
                                               CAIRO_PDF_METADATA_CREATE_DATE,
                                               "2024-03-12T11:00:00+01:00");
                cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE,
                                               "2024-03-13T09:30:00Z");
        }
        cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, 14);
        for (int i = 0; i < n; i++) {
                cairo_move_to(cr, 20, 100);
                cairo_show_text(cr, pages[i]);
                cairo_show_page(cr);
        }
        cairo_destroy(cr);
        cairo_surface_finish(s);
        ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
        cairo_surface_destroy(s);
        *len = m.len;
        return m.p;
}

static const char *const two_pages[] = {"Hello page one", "Second page here"};

/* Returns a new document holding bytes (steals them). */
static struct doc *doc_with(unsigned char *bytes, size_t len, const char *ct)
{
        struct doc *doc = doc_new();

        doc->bytes = bytes;
        doc->len = len;
        doc_set_str(&doc->content_type, ct);
        return doc;
}

static struct doc *doc_pdf(int pages, int meta)
{
        const char *texts[20];
        unsigned char *p;
        size_t len;

        for (int i = 0; i < pages; i++)
                texts[i] = two_pages[i % 2];
        p = make_pdf(texts, pages, meta, &len);
        return doc_with(p, len, "application/pdf");
}

static struct doc *doc_text(const char *s, size_t len, const char *ct)
{
        unsigned char *p = xmalloc(len);

        memcpy(p, s, len);
        return doc_with(p, len, ct);
}

/* A string drawn at (x, y) of an A4 page. */
struct placed {
        double x, y;
        const char *s;
};

/* Returns a one-page A4 PDF of the strings of p, drawn in their order. */
static struct doc *doc_placed(const struct placed *p, size_t n)
{
        struct membuf m = {NULL, 0};
        cairo_surface_t *s =
            cairo_pdf_surface_create_for_stream(membuf_write, &m, 595, 842);
        cairo_t *cr = cairo_create(s);

        cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, 10);
        for (size_t i = 0; i < n; i++) {
                cairo_move_to(cr, p[i].x, p[i].y);
                cairo_show_text(cr, p[i].s);
        }
        cairo_show_page(cr);
        cairo_destroy(cr);
        cairo_surface_finish(s);
        ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
        cairo_surface_destroy(s);
        return doc_with(m.p, m.len, "application/pdf");
}

/* A receipt: the labels, then far to the right the column of amounts.
 * Poppler reads the amounts after all the labels; docpipe reads each
 * label with its amount, one physical line after another. */
START_TEST(test_pdf_physical_lines)
{
        static const struct placed receipt[] = {
            {40, 100, "Coffee beans 500g"}, {40, 115, "Bananas 1kg"},
            {40, 130, "SUBTOTAL"},          {40, 145, "SALES TAX 8.25%"},
            {40, 160, "TOTAL USD"},         {40, 175, "Thank you!"},
            {400, 100, "12.39"},            {400, 115, "2.88"},
            {400, 130, "88.65"},            {400, 145, "7.31"},
            {400, 160, "95.96"},
        };
        struct doc *doc = doc_placed(receipt, G_N_ELEMENTS(receipt));
        struct err err;

        ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
        ck_assert_msg(strstr(doc->text, "Coffee beans 500g 12.39\n"), "%s",
                      doc->text);
        ck_assert_msg(strstr(doc->text, "\nTOTAL USD 95.96\nThank you!"),
                      "%s", doc->text);
        doc_free(doc);
}
END_TEST

/* Two columns of prose: read one column, then the other, as Poppler
 * does; not line by line across the gutter. */
START_TEST(test_pdf_text_columns)
{
        static const struct placed page[] = {
            {40, 100, "the first column starts here"},
            {40, 113, "and it goes on for a while"},
            {40, 126, "with words that make a text"},
            {40, 139, "which a reader reads down to"},
            {40, 152, "the end of this left column"},
            {40, 165, "before moving to the right one."},
            {300, 100, "The second column is read after"},
            {300, 113, "the whole first one, from its"},
            {300, 126, "top line down to its bottom"},
            {300, 139, "line, as any newspaper reader"},
            {300, 152, "would expect it to be read by"},
            {300, 165, "a program that extracts text."},
        };
        struct doc *doc = doc_placed(page, G_N_ELEMENTS(page));
        struct err err;
        const char *a, *b;

        ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
        a = strstr(doc->text, "before moving to the right one.");
        b = strstr(doc->text, "The second column is read after");
        ck_assert_msg(a && b && a < b, "%s", doc->text);
        ck_assert_msg(strstr(doc->text, "the first column starts here\nand "
                                        "it goes on"),
                      "%s", doc->text);
        doc_free(doc);
}
END_TEST

/* Runs extract_document and expects ERR_INPUT with part in the message. */
static void expect_input(struct doc *doc, const char *part)
{
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(extract_document(doc, &cfg, &err), -1);
        ck_assert_int_eq(err.cls, ERR_INPUT);
        ck_assert_msg(strstr(err.msg, part), "message '%s' lacks '%s'", err.msg,
                      part);
        ck_assert_ptr_null(doc->text);
        doc_free(doc);
}

START_TEST(test_pdf_text)
{
        struct doc *doc = doc_pdf(2, 0);
        struct err err;
        const char *ff;

        err_clear(&err);
        ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
        ck_assert_int_eq(err.cls, ERR_OK);
        ck_assert_int_eq(doc->pages, 2);
        ck_assert_uint_eq(doc->text_len, strlen(doc->text));
        ff = strchr(doc->text, '\f');
        ck_assert_ptr_nonnull(ff);
        ck_assert_ptr_null(strchr(ff + 1, '\f'));
        ck_assert_ptr_nonnull(strstr(doc->text, "Hello page one"));
        ck_assert_ptr_nonnull(strstr(ff, "Second page here"));
        ck_assert(strstr(doc->text, "Hello page one") < ff);
        /* No metadata was set: none is invented. */
        ck_assert_ptr_null(doc->title);
        ck_assert_ptr_null(doc->author);
        ck_assert_ptr_null(doc->subject);
        doc_free(doc);
}
END_TEST

START_TEST(test_pdf_metadata)
{
        struct doc *doc = doc_pdf(1, 1);
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
        ck_assert_str_eq(doc->title, "Quarterly Report");
        ck_assert_str_eq(doc->author, "Ada Lovelace");
        ck_assert_str_eq(doc->subject, "Numbers");
        ck_assert_str_eq(doc->creator, "test_extract");
        ck_assert_ptr_nonnull(doc->producer);
        ck_assert_ptr_nonnull(strstr(doc->producer, "cairo"));
        /* 11:00 at +01:00 is 10:00 UTC. */
        ck_assert_str_eq(doc->created, "2024-03-12T10:00:00Z");
        ck_assert_str_eq(doc->modified, "2024-03-13T09:30:00Z");
        doc_free(doc);
}
END_TEST

START_TEST(test_pdf_parameters)
{
        /* A content type with parameters and capitals is still a PDF. */
        struct doc *doc = doc_pdf(1, 0);
        struct err err;

        doc_set_str(&doc->content_type, "Application/PDF; x=y");
        err_clear(&err);
        ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
        ck_assert_int_eq(doc->pages, 1);
        doc_free(doc);
}
END_TEST

START_TEST(test_pdf_corrupt)
{
        struct doc *doc = doc_pdf(2, 0);

        /* Keep the header, garble the rest. */
        for (size_t i = 16; i < doc->len; i++)
                doc->bytes[i] = (unsigned char)(i * 7 + 3);
        expect_input(doc, "corrupt PDF: ");
}
END_TEST

START_TEST(test_pdf_truncated)
{
        struct doc *doc = doc_pdf(2, 0);

        doc->len = 200;
        expect_input(doc, "corrupt PDF");
}
END_TEST

START_TEST(test_not_a_pdf)
{
        static const char s[] = "this is not a PDF at all";

        expect_input(doc_text(s, sizeof(s) - 1, "application/pdf"),
                     "corrupt PDF");
}
END_TEST

/* Returns the bytes of the encrypted fixture (new), making it with qpdf
 * when the file cannot be read. */
static unsigned char *read_encrypted(size_t *len)
{
        gchar *data = NULL;
        gsize n = 0;
        unsigned char *p;

        if (!g_file_get_contents(ENCRYPTED_PDF, &data, &n, NULL)) {
                char dir[] = "/tmp/test_extract.XXXXXX", in[64], out[64],
                     cmd[256];
                unsigned char *plain;
                size_t plen;
                FILE *f;

                ck_assert_ptr_nonnull(mkdtemp(dir));
                snprintf(in, sizeof(in), "%s/in.pdf", dir);
                snprintf(out, sizeof(out), "%s/out.pdf", dir);
                plain = make_pdf(two_pages, 1, 0, &plen);
                f = fopen(in, "wb");
                ck_assert_ptr_nonnull(f);
                fwrite(plain, 1, plen, f);
                fclose(f);
                free(plain);
                snprintf(cmd, sizeof(cmd),
                         "qpdf --encrypt user owner 256 -- %s %s", in, out);
                ck_assert_msg(system(cmd) == 0,
                              "%s not found and qpdf "
                              "failed",
                              ENCRYPTED_PDF);
                ck_assert(g_file_get_contents(out, &data, &n, NULL));
                unlink(in);
                unlink(out);
                rmdir(dir);
        }
        p = xmalloc(n);
        memcpy(p, data, n);
        g_free(data);
        *len = n;
        return p;
}

START_TEST(test_pdf_encrypted)
{
        size_t len;
        unsigned char *p = read_encrypted(&len);

        expect_input(doc_with(p, len, "application/pdf"),
                     "encrypted PDF (no password)");
}
END_TEST

START_TEST(test_pdf_wrong_password)
{
        /* The trap extract.c avoids: a wrong password through the stream
         * constructor gives an error, never a crash. */
        size_t len;
        unsigned char *p = read_encrypted(&len);
        GInputStream *stream =
            g_memory_input_stream_new_from_data(p, (gssize)len, NULL);
        GError *gerr = NULL;
        PopplerDocument *pdf = poppler_document_new_from_stream(
            stream, (goffset)len, "wrong", NULL, &gerr);

        ck_assert_ptr_null(pdf);
        ck_assert_ptr_nonnull(gerr);
        ck_assert(
            g_error_matches(gerr, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED));
        g_error_free(gerr);
        g_object_unref(stream);
        free(p);
}
END_TEST

START_TEST(test_empty)
{
        struct doc *doc = doc_new();

        doc_set_str(&doc->content_type, "application/pdf");
        expect_input(doc, "empty document");
}
END_TEST

START_TEST(test_max_bytes)
{
        struct doc *doc = doc_pdf(1, 0);

        cfg.max_bytes = 100;
        expect_input(doc, "over the cap of 100 (limits.max_bytes)");
}
END_TEST

START_TEST(test_max_bytes_first)
{
        /* The byte cap is checked before the type: even an unsupported
         * document that is too big is refused for its size. */
        struct doc *doc = doc_text("0123456789", 10, "image/png");

        cfg.max_bytes = 5;
        expect_input(doc, "limits.max_bytes");
}
END_TEST

START_TEST(test_max_pages)
{
        cfg.max_pages = 1;
        expect_input(doc_pdf(2, 0), "document has 2 pages, over the cap of 1 "
                                    "(limits.max_pages)");
}
END_TEST

START_TEST(test_max_text)
{
        cfg.max_text_bytes = 20;
        expect_input(doc_pdf(2, 0), "limits.max_text_bytes");
}
END_TEST

START_TEST(test_max_page_text)
{
        /* Pages of 15 and 17 bytes ("...\n"); the '\f' between them is
         * no page's. */
        cfg.max_page_text_bytes = 16;
        expect_input(doc_pdf(2, 0), "page 2 has 17 bytes of text, over the "
                                    "cap of 16 (limits.max_page_text_bytes)");
}
END_TEST

static void count_page(void *arg, int page, int pages)
{
        int *seen = arg;

        ck_assert_int_eq(page, seen[0]);
        ck_assert_int_eq(pages, 3);
        seen[0]++;
}

START_TEST(test_page_hook)
{
        struct doc *doc = doc_pdf(3, 0);
        struct err err;
        int seen[1] = {0};

        err_clear(&err);
        ck_assert_int_eq(
            extract_document_paged(doc, &cfg, count_page, seen, &err), 0);
        ck_assert_int_eq(seen[0], 3);
        ck_assert_int_eq(doc->pages, 3);
        doc_free(doc);
}
END_TEST

START_TEST(test_text_plain)
{
        static const char s[] = "Grüße\nzweite Zeile";
        struct doc *doc = doc_text(s, sizeof(s) - 1, "text/plain");
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
        ck_assert_str_eq(doc->text, s);
        ck_assert_uint_eq(doc->text_len, sizeof(s) - 1);
        ck_assert_int_eq(doc->pages, 1);
        ck_assert_ptr_ne(doc->text, (char *)doc->bytes);
        doc_free(doc);

        doc = doc_text("a,b\n1,2\n", 8, "text/csv; charset=utf-8");
        ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
        doc_free(doc);
        doc = doc_text("# Title\n", 8, "text/markdown");
        ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
        doc_free(doc);
}
END_TEST

START_TEST(test_text_invalid)
{
        expect_input(doc_text("bad \xff\xfe bytes", 12, "text/plain"),
                     "text document is not valid UTF-8");
        expect_input(doc_text("nul\0inside", 10, "text/plain"),
                     "text document is not valid UTF-8");
        /* Overlong encoding of '/'. */
        expect_input(doc_text("a\xc0\xaf", 3, "text/plain"), "not valid UTF-8");
}
END_TEST

START_TEST(test_text_cap)
{
        cfg.max_text_bytes = 4;
        expect_input(doc_text("too long", 8, "text/plain"),
                     "limits.max_text_bytes");
}
END_TEST

START_TEST(test_unsupported)
{
        expect_input(doc_text("GIF89a", 6, "image/gif"),
                     "unsupported content type image/gif");
        expect_input(doc_text("x", 1, NULL), "unsupported content type");
}
END_TEST

START_TEST(test_failure_keeps_doc)
{
        /* A failed call leaves what an earlier one filled in. */
        struct doc *doc = doc_pdf(2, 1);
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
        cfg.max_pages = 1;
        ck_assert_int_eq(extract_document(doc, &cfg, &err), -1);
        ck_assert_int_eq(doc->pages, 2);
        ck_assert_str_eq(doc->title, "Quarterly Report");
        ck_assert_ptr_nonnull(doc->text);
        doc_free(doc);
}
END_TEST

struct run {
        const unsigned char *pdf;
        size_t len;
        int ok;
};

static void *run_extract(void *arg)
{
        struct run *r = arg;

        for (int i = 0; i < 5; i++) {
                unsigned char *p = xmalloc(r->len);
                struct doc *doc;
                struct err err;

                memcpy(p, r->pdf, r->len);
                doc = doc_with(p, r->len, "application/pdf");
                err_clear(&err);
                if (extract_document(doc, &cfg, &err) == 0 && doc->pages == 2 &&
                    strstr(doc->text, "Second page here"))
                        r->ok++;
                doc_free(doc);
        }
        return NULL;
}

START_TEST(test_threads)
{
        pthread_t t[4];
        struct run r[4];
        size_t len;
        unsigned char *pdf = make_pdf(two_pages, 2, 1, &len);

        for (int i = 0; i < 4; i++) {
                r[i] = (struct run){pdf, len, 0};
                ck_assert_int_eq(
                    pthread_create(&t[i], NULL, run_extract, &r[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
                pthread_join(t[i], NULL);
                ck_assert_int_eq(r[i].ok, 5);
        }
        free(pdf);
}
END_TEST

/* Poppler's complaints (a repaired file, say) go to GLib's log under
 * the domain "Poppler". */
static int poppler_said;

static void count_poppler(const gchar *domain, GLogLevelFlags level,
                          const gchar *msg, gpointer arg)
{
        (void)domain;
        (void)level;
        (void)msg;
        (void)arg;
        poppler_said++;
}

/* The empty document the first PDF of a process opens and keeps (see
 * extract_hold) is a clean PDF: Poppler repairs nothing and says nothing
 * while documents are read (each test runs in a process of its own, so
 * this is that first PDF), and they read the same every time. */
START_TEST(test_hold)
{
        size_t len;
        unsigned char *pdf = make_pdf(two_pages, 2, 1, &len);
        guint h = g_log_set_handler("Poppler", G_LOG_LEVEL_MASK, count_poppler,
                                    NULL);

        poppler_said = 0;
        for (int round = 0; round < 3; round++) {
                unsigned char *p = xmalloc(len);
                struct doc *doc;
                struct err err;

                memcpy(p, pdf, len);
                doc = doc_with(p, len, "application/pdf");
                err_clear(&err);
                ck_assert_int_eq(extract_document(doc, &cfg, &err), 0);
                ck_assert_int_eq(doc->pages, 2);
                ck_assert_ptr_nonnull(strstr(doc->text, "Second page here"));
                doc_free(doc);
        }
        ck_assert_int_eq(poppler_said, 0);
        g_log_remove_handler("Poppler", h);
        free(pdf);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *test)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test);
        suite_add_tcase(s, tc);
}

static Suite *extract_suite(void)
{
        Suite *s = suite_create("extract");

        add(s, "pdf_text", test_pdf_text);
        add(s, "hold", test_hold);
        add(s, "pdf_physical_lines", test_pdf_physical_lines);
        add(s, "pdf_text_columns", test_pdf_text_columns);
        add(s, "pdf_metadata", test_pdf_metadata);
        add(s, "pdf_parameters", test_pdf_parameters);
        add(s, "pdf_corrupt", test_pdf_corrupt);
        add(s, "pdf_truncated", test_pdf_truncated);
        add(s, "not_a_pdf", test_not_a_pdf);
        add(s, "pdf_encrypted", test_pdf_encrypted);
        add(s, "pdf_wrong_password", test_pdf_wrong_password);
        add(s, "empty", test_empty);
        add(s, "max_bytes", test_max_bytes);
        add(s, "max_bytes_first", test_max_bytes_first);
        add(s, "max_pages", test_max_pages);
        add(s, "max_text", test_max_text);
        add(s, "max_page_text", test_max_page_text);
        add(s, "page_hook", test_page_hook);
        add(s, "text_plain", test_text_plain);
        add(s, "text_invalid", test_text_invalid);
        add(s, "text_cap", test_text_cap);
        add(s, "unsupported", test_unsupported);
        add(s, "failure_keeps_doc", test_failure_keeps_doc);
        add(s, "threads", test_threads);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(extract_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
