/*
 * Unit tests of stages/sandbox.c and sandbox_child.c: PDFs made here with
 * cairo go through real child processes (this test binary exec'd as
 * `extract-child`, like the worker's own binary is). With
 * DOCPIPE_SANDBOX_TEST=1 (set by main) a marker in a document makes its
 * child crash, abort, hang, hang inside a page, run out of memory or probe
 * its confinement; each costs the document one retry in a fresh child,
 * then ERR_INPUT naming what happened, and the next document is fine.
 * Also: recycling after sandbox.recycle_after documents, the child's own
 * errors passed on without a retry, several children at once, a binary
 * that cannot start.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../stages/sandbox.h"
#include "../paper.h"
#include "../../stages/sandbox_proto.h"
#include "../../worker/log.h"

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

/* A new one-page PDF saying text, titled "Sandboxed", then the test
 * marker for hook when not NULL (a PDF comment after %%EOF). */
static struct doc *pdf_doc(const char *text, const char *hook)
{
        struct membuf m = {NULL, 0};
        cairo_surface_t *s =
                cairo_pdf_surface_create_for_stream(membuf_write, &m, 300, 200);
        cairo_t *cr = cairo_create(s);
        struct doc *doc = doc_new();

        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
                                       "Sandboxed");
        cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, 14);
        cairo_move_to(cr, 20, 100);
        cairo_show_text(cr, text);
        cairo_show_page(cr);
        cairo_destroy(cr);
        cairo_surface_finish(s);
        ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
        cairo_surface_destroy(s);
        if (hook) {
                char tail[64];
                int n = snprintf(tail, sizeof(tail), "\n%s%s\n",
                                 SANDBOX_TEST_MARK, hook);
                m.p = xrealloc(m.p, m.len + (size_t)n);
                memcpy(m.p + m.len, tail, (size_t)n);
                m.len += (size_t)n;
        }
        doc->bytes = m.p;
        doc->len = m.len;
        doc->id = xstrdup(hook ? hook : text);
        doc->content_type = xstrdup("application/pdf");
        return doc;
}

/* A new PNG of a 300 dpi strip of text, for OCR. */
static struct doc *png_doc(const char *text)
{
        struct membuf m = {NULL, 0};
        cairo_surface_t *s;
        cairo_t *cr = paper_new(1200, 300, "Sans", 48, &s);
        struct doc *doc = doc_new();

        cairo_move_to(cr, 40, 160);
        cairo_show_text(cr, text);
        cairo_destroy(cr);
        ck_assert_int_eq(cairo_surface_write_to_png_stream(s, membuf_write, &m),
                         CAIRO_STATUS_SUCCESS);
        cairo_surface_destroy(s);
        doc->bytes = m.p;
        doc->len = m.len;
        doc->id = xstrdup(text);
        doc->content_type = xstrdup("image/png");
        return doc;
}

/* ---- a loop, a sandbox, outcomes ---- */

#define MAX_DOCS 16

struct outcome {
        int called;
        struct err err;
};

static uv_loop_t loop;
static struct config cfg;
static struct sandbox *sb;
static struct outcome outs[MAX_DOCS];
static struct doc *docs[MAX_DOCS];
static int ndocs, pending;
/* start: the vision route on (ocr.vision.endpoint set by hand: the
 * sandbox only reads it) with this mode, or off (NULL). */
static const char *vision_mode;

static void on_done(struct doc *doc, const struct err *err)
{
        struct outcome *o = doc->owner;

        o->called++;
        if (err)
                o->err = *err;
        else
                err_clear(&o->err);
        pending--;
}

/* Starts a sandbox with the defaults and these DOCPIPE_* settings. */
static void start(const char *const *settings)
{
        char *env[16];
        struct err err;
        int n = 0;

        /* Short limits, so that hangs end quickly. */
        static const char *const base[] = {
                "DOCPIPE_SANDBOX_CHILDREN=1",
                "DOCPIPE_LIMITS_EXTRACT_TIMEOUT_MS=1500",
                "DOCPIPE_LIMITS_EXTRACT_PAGE_MS=500",
                "DOCPIPE_LIMITS_EXTRACT_MEMORY=256MiB",
        };
        for (size_t i = 0; i < sizeof(base) / sizeof(*base); i++)
                env[n++] = (char *)base[i];
        for (; settings && *settings; settings++)
                env[n++] = (char *)*settings;
        env[n] = NULL;
        ck_assert_int_eq(uv_loop_init(&loop), 0);
        memset(outs, 0, sizeof(outs));
        memset(docs, 0, sizeof(docs));
        ndocs = pending = 0;
        err_clear(&err);
        if (config_load_env(&cfg, NULL, env, &err) < 0)
                ck_abort_msg("config: %s", err.msg);
        if (vision_mode) {
                doc_set_str(&cfg.vision_endpoint, "eyes");
                doc_set_str(&cfg.vision_mode, vision_mode);
                cfg.vision_below = 0; /* fallback: no page is under it */
        }
        sb = sandbox_new(&loop, &cfg, NULL, &err);
        if (!sb)
                ck_abort_msg("sandbox_new: %s", err.msg);
}

static void submit(struct doc *doc)
{
        ck_assert_int_lt(ndocs, MAX_DOCS);
        doc->owner = &outs[ndocs];
        docs[ndocs++] = doc;
        pending++;
        sandbox_extract(sb, doc, on_done);
}

static void on_deadline(uv_timer_t *t)
{
        (void)t;
        ck_abort_msg("timed out with %d documents pending", pending);
}

/* Runs the loop until every document submitted is done (30 s at most). */
static void run(void)
{
        uv_timer_t deadline;

        uv_timer_init(&loop, &deadline);
        uv_timer_start(&deadline, on_deadline, 30000, 0);
        while (pending > 0)
                uv_run(&loop, UV_RUN_ONCE);
        uv_close((uv_handle_t *)&deadline, NULL);
        uv_run(&loop, UV_RUN_NOWAIT);
}

static void stop(void)
{
        sandbox_free(sb);
        sb = NULL;
        uv_run(&loop, UV_RUN_DEFAULT);
        ck_assert_int_eq(uv_loop_close(&loop), 0);
        for (int i = 0; i < ndocs; i++)
                doc_free(docs[i]);
        config_cleanup(&cfg);
}

static void ok(int i, const char *text)
{
        ck_assert_int_eq(outs[i].called, 1);
        if (outs[i].err.cls != ERR_OK)
                ck_abort_msg("document %d: %s", i, outs[i].err.msg);
        ck_assert_ptr_nonnull(docs[i]->text);
        ck_assert_ptr_nonnull(strstr(docs[i]->text, text));
        ck_assert_uint_eq(strlen(docs[i]->text), docs[i]->text_len);
        ck_assert_int_eq(docs[i]->pages, 1);
        ck_assert_str_eq(docs[i]->title, "Sandboxed");
}

static void failed(int i, enum err_class cls, const char *msg)
{
        ck_assert_int_eq(outs[i].called, 1);
        if (outs[i].err.cls != cls || !strstr(outs[i].err.msg, msg))
                ck_abort_msg("document %d: expected %s '%s', got %s '%s'", i,
                             err_class_name(cls), msg,
                             err_class_name(outs[i].err.cls), outs[i].err.msg);
        ck_assert_ptr_null(docs[i]->text);
}

/* The kernel's Landlock ABI as a fresh exec of this binary sees it:
 * valgrind, which runs this process but not the children it execs, does
 * not know the Landlock calls, so sandbox_landlock() here would say 0. */
static int kernel_landlock(void)
{
        char self[PATH_MAX], cmd[PATH_MAX + 32];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        int abi = -1;
        FILE *p;

        ck_assert_int_gt(n, 0);
        self[n] = '\0';
        snprintf(cmd, sizeof(cmd), "'%s' landlock-abi", self);
        p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(fscanf(p, "%d", &abi), 1);
        pclose(p);
        return abi;
}

/* How many of this process's children are called name (their comm). */
static int children_named(const char *name)
{
        char path[64], comm[32], line[512];
        int n = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/self/task/%d/children",
                 (int)getpid());
        f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        if (fgets(line, sizeof(line), f)) {
                for (char *tok = strtok(line, " \n"); tok;
                     tok = strtok(NULL, " \n")) {
                        FILE *c;

                        snprintf(path, sizeof(path), "/proc/%s/comm", tok);
                        c = fopen(path, "r");
                        if (c && fgets(comm, sizeof(comm), c) &&
                            strcmp(strtok(comm, "\n"), name) == 0)
                                n++;
                        if (c)
                                fclose(c);
                }
        }
        fclose(f);
        return n;
}

/* ---- tests ---- */

START_TEST(test_extracts)
{
        struct sandbox_stats st;

        start(NULL);
        submit(pdf_doc("Hello from a child", NULL));
        run();
        ok(0, "Hello from a child");
        ck_assert_int_eq(children_named(SANDBOX_CHILD_NAME), 1);
        sandbox_stats(sb, &st);
        ck_assert_uint_eq(st.spawned, 1);
        ck_assert_uint_eq(st.extracted, 1);
        ck_assert_uint_eq(st.retried, 0);
        stop();
}
END_TEST

/* A hook, then a good document: the hook's document costs a retry in a
 * fresh child and fails with msg; the next one is extracted. */
static void one_bad(const char *hook, const char *msg)
{
        struct sandbox_stats st;

        start(NULL);
        submit(pdf_doc("Before", hook));
        submit(pdf_doc("After the bad one", NULL));
        run();
        failed(0, ERR_INPUT, msg);
        ok(1, "After the bad one");
        sandbox_stats(sb, &st);
        ck_assert_uint_eq(st.retried, 1);
        ck_assert_uint_eq(st.spawned, 3); /* first, retry, replacement */
        stop();
}

START_TEST(test_crash)
{
        one_bad("crash", "extraction crashed (signal 11, SIGSEGV) twice");
}
END_TEST

START_TEST(test_abort)
{
        one_bad("abort", "extraction crashed (signal 6, SIGABRT) twice");
}
END_TEST

START_TEST(test_hang)
{
        one_bad("hang", "extraction timed out after 1500 ms "
                        "(limits.extract_timeout_ms) twice");
}
END_TEST

START_TEST(test_page_hang)
{
        one_bad("pagehang", "extraction timed out: page 1 of 1 took longer "
                            "than 500 ms (limits.extract_page_ms) twice");
}
END_TEST

START_TEST(test_oom)
{
        /* A real RLIMIT_AS, but in ASan builds, where the hook stops
         * itself at the limit (see sandbox_child.c). */
        one_bad("oom", "extraction ran out of memory (limits.extract_memory, "
                       "256 MiB) twice");
}
END_TEST

START_TEST(test_probe)
{
        struct sandbox_stats st;
        char want[512];
        int landlock = kernel_landlock();

        /* A secret in the worker's environment, as in production. */
        setenv("DOCPIPE_POSTGRES_DSN", "password=hunter2", 1);
        start(NULL);
        submit(pdf_doc("Probe", "probe"));
        run();
        unsetenv("DOCPIPE_POSTGRES_DSN");
        /* Reading the worker's environment is what Landlock closes;
         * a kernel without it leaves it open (and the worker says so). */
        snprintf(want, sizeof(want),
                 "probe: socket: Operation not permitted; exec: Operation "
                 "not permitted; open for writing: Operation not permitted; "
                 "signal the worker: Operation not permitted; read the "
                 "worker's environment: %s; shared memory: Operation not "
                 "permitted; worker settings: hidden",
                 landlock > 0 ? "Permission denied" : "allowed");
        if (landlock == 0)
                fprintf(stderr, "test_probe: no Landlock in this kernel: "
                                "file reads are not confined\n");
        failed(0, ERR_INPUT, want);
        sandbox_stats(sb, &st);
        ck_assert_uint_eq(st.retried, 0);
        stop();
}
END_TEST

START_TEST(test_recycle)
{
        static const char *const settings[] = {
                "DOCPIPE_SANDBOX_RECYCLE_AFTER=3", NULL};
        struct sandbox_stats st;
        char text[32];

        start(settings);
        for (int i = 0; i < 7; i++) {
                snprintf(text, sizeof(text), "Document number %d", i);
                submit(pdf_doc(text, NULL));
        }
        run();
        for (int i = 0; i < 7; i++) {
                snprintf(text, sizeof(text), "Document number %d", i);
                ok(i, text);
        }
        sandbox_stats(sb, &st);
        ck_assert_uint_eq(st.recycled, 2);
        ck_assert_uint_eq(st.spawned, 3);
        ck_assert_uint_eq(st.extracted, 7);
        stop();
}
END_TEST

START_TEST(test_input_error_not_retried)
{
        struct sandbox_stats st;
        struct doc *doc;

        start(NULL);
        doc = pdf_doc("Cut short", NULL);
        doc->len = 200;
        submit(doc);
        doc = pdf_doc("", NULL);
        free(doc->content_type);
        doc->content_type = xstrdup("image/png");
        submit(doc);
        run();
        failed(0, ERR_INPUT, "corrupt PDF");
        failed(1, ERR_INPUT, "corrupt or unsupported image");
        sandbox_stats(sb, &st);
        ck_assert_uint_eq(st.retried, 0);
        ck_assert_uint_eq(st.spawned, 1);
        stop();
}
END_TEST

/* The vision route: in mode always the child sends the OCR'd page's
 * image back (a PNG, gray, its text's place); in mode fallback with a
 * threshold no page is under, nothing; with the route off, nothing. */
START_TEST(test_vision_images)
{
        const struct doc_page_image *im;

        vision_mode = "always";
        start(NULL);
        submit(png_doc("INVOICE 4711"));
        run();
        ck_assert_int_eq(outs[0].called, 1);
        if (outs[0].err.cls != ERR_OK)
                ck_abort_msg("%s", outs[0].err.msg);
        ck_assert_ptr_nonnull(strstr(docs[0]->text, "4711"));
        ck_assert_uint_eq(docs[0]->images_n, 1);
        im = &docs[0]->images[0];
        ck_assert_int_eq(im->page, 1);
        ck_assert_int_gt(im->confidence, 50);
        ck_assert_uint_eq(im->text_off, 0);
        ck_assert_uint_eq(im->text_len, docs[0]->text_len);
        ck_assert_uint_gt(im->png_len, 100);
        ck_assert(memcmp(im->png, "\x89PNG\r\n\x1a\n", 8) == 0);
        /* 8-bit gray (colour type 0), its size as drawn (under 2048). */
        ck_assert_int_eq(im->png[24], 8);
        ck_assert_int_eq(im->png[25], 0);
        ck_assert_int_eq(im->png[18] << 8 | im->png[19], 1200);
        stop();

        vision_mode = "fallback";
        start(NULL);
        submit(png_doc("INVOICE 4711"));
        run();
        ck_assert_int_eq(outs[0].err.cls, ERR_OK);
        ck_assert_uint_eq(docs[0]->images_n, 0);
        stop();

        vision_mode = NULL;
        start(NULL);
        submit(png_doc("INVOICE 4711"));
        run();
        ck_assert_int_eq(outs[0].err.cls, ERR_OK);
        ck_assert_uint_eq(docs[0]->images_n, 0);
        ck_assert_ptr_null(docs[0]->images);
        stop();
}
END_TEST

START_TEST(test_several_children)
{
        static const char *const settings[] = {"DOCPIPE_SANDBOX_CHILDREN=3",
                                               NULL};
        struct sandbox_stats st;
        char text[32];

        start(settings);
        for (int i = 0; i < 10; i++) {
                snprintf(text, sizeof(text), "Parallel %d", i);
                submit(pdf_doc(text, i == 4 ? "crash" : NULL));
        }
        run();
        for (int i = 0; i < 10; i++) {
                snprintf(text, sizeof(text), "Parallel %d", i);
                if (i == 4)
                        failed(i, ERR_INPUT, "crashed (signal 11");
                else
                        ok(i, text);
        }
        sandbox_stats(sb, &st);
        ck_assert_uint_eq(st.retried, 1);
        ck_assert_uint_eq(st.spawned, 5);
        stop();
}
END_TEST

START_TEST(test_no_binary)
{
        struct err err;

        ck_assert_int_eq(uv_loop_init(&loop), 0);
        ck_assert_int_eq(config_load_env(&cfg, NULL, NULL, &err), 0);
        err_clear(&err);
        sb = sandbox_new(&loop, &cfg, "/nonexistent/docpipe", &err);
        ck_assert_ptr_null(sb);
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/docpipe"));
        uv_run(&loop, UV_RUN_DEFAULT);
        ck_assert_int_eq(uv_loop_close(&loop), 0);
        config_cleanup(&cfg);
}
END_TEST

START_TEST(test_wants)
{
        struct doc *doc = doc_new();

        ck_assert_int_eq(sandbox_wants(doc), 0);
        doc->content_type = xstrdup("application/pdf");
        ck_assert_int_eq(sandbox_wants(doc), 1);
        doc_set_str(&doc->content_type, "Application/PDF; x=y");
        ck_assert_int_eq(sandbox_wants(doc), 1);
        doc_set_str(&doc->content_type, "application/pdfx");
        ck_assert_int_eq(sandbox_wants(doc), 0);
        doc_set_str(&doc->content_type, "image/tiff");
        ck_assert_int_eq(sandbox_wants(doc), 1);
        doc_set_str(&doc->content_type, "text/plain");
        ck_assert_int_eq(sandbox_wants(doc), 0);
        doc_free(doc);
}
END_TEST

static Suite *sandbox_suite(void)
{
        Suite *s = suite_create("sandbox");
        struct {
                const char *name;
                const TTest *tests[4];
        } cases[] = {
                {"extract", {test_extracts, test_wants}},
                {"vision", {test_vision_images}},
                {"crash", {test_crash, test_abort}},
                {"hang", {test_hang, test_page_hang}},
                {"memory", {test_oom}},
                {"confined", {test_probe}},
                {"recycle", {test_recycle, test_several_children}},
                {"errors", {test_input_error_not_retried, test_no_binary}},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                TCase *tc = tcase_create(cases[i].name);
                tcase_set_timeout(tc, 60);
                for (int j = 0; j < 4 && cases[i].tests[j]; j++)
                        tcase_add_test(tc, cases[i].tests[j]);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(int argc, char **argv)
{
        SRunner *sr;
        int failed_n;

        /* This binary is its own extraction child, as docpipe is. */
        if (argc >= 2 && strcmp(argv[1], SANDBOX_CHILD_CMD) == 0)
                return sandbox_child_main(argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "landlock-abi") == 0) {
                printf("%d\n", sandbox_landlock());
                return 0;
        }
        setenv(SANDBOX_TEST_ENV, "1", 1);
        if (getenv("TEST_DEBUG"))
                log_set_level(LOG_DEBUG);
        sr = srunner_create(sandbox_suite());
        srunner_run_all(sr, CK_NORMAL);
        failed_n = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed_n ? EXIT_FAILURE : EXIT_SUCCESS;
}
