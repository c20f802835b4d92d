/*
 * Unit tests of worker/source.c: file:// inside the root, "..", paths and
 * symlinks that lead out, missing, oversize and special files, hashing and
 * sniffing of bytes already there, and http:// against a one-shot loopback
 * server (a thread on 127.0.0.1, port 0) that answers one canned reply:
 * 200 with a body, 404, 500, 429, bodies over the cap, a redirect to
 * another protocol, no answer at all. Each test makes its own temporary
 * root and removes it.
 */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../worker/source.h"

#define PDF_BODY "%PDF-1.4 hello\n"

static struct config cfg;
static char root[64];  /* the allowed root */
static char other[64]; /* a directory beside it */

static void put_file(const char *dir, const char *name, const char *body,
                     size_t len)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(body, 1, len, f), len);
        fclose(f);
}

static void setup(void)
{
        char path[256];

        memset(&cfg, 0, sizeof(cfg));
        cfg.max_bytes = 1 << 20;
        cfg.http_max_bytes = 1 << 20;
        cfg.http_timeout_ms = 5000;
        snprintf(root, sizeof(root), "/tmp/test_source.XXXXXX");
        snprintf(other, sizeof(other), "/tmp/test_source.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        ck_assert_ptr_nonnull(mkdtemp(other));
        cfg.file_root = root;

        put_file(root, "a.pdf", PDF_BODY, strlen(PDF_BODY));
        put_file(root, "with space.txt", "just text", 9);
        put_file(root, "empty.txt", "", 0);
        put_file(other, "secret.txt", "secret", 6);
        snprintf(path, sizeof(path), "%s/sub", root);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/passwd", root);
        ck_assert_int_eq(symlink("/etc/passwd", path), 0);
        snprintf(path, sizeof(path), "%s/inside", root);
        ck_assert_int_eq(symlink("a.pdf", path), 0);
        snprintf(path, sizeof(path), "%s/fifo", root);
        ck_assert_int_eq(mkfifo(path, 0600), 0);
}

static void teardown(void)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, other);
        ck_assert_int_eq(system(cmd), 0);
}

/* Returns a new document whose source is uri (printf-style). */
static struct doc *doc_uri(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static struct doc *doc_uri(const char *fmt, ...)
{
        struct doc *doc = doc_new();
        char uri[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(uri, sizeof(uri), fmt, ap);
        va_end(ap);
        doc->source = xstrdup(uri);
        return doc;
}

/* Runs source_fetch and expects class cls with part in the message;
 * frees doc. */
static void expect_fail(struct doc *doc, enum err_class cls, const char *part)
{
        int had_bytes = doc->bytes != NULL;
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), -1);
        ck_assert_msg(err.cls == cls, "class %s, not %s: %s",
                      err_class_name(err.cls), err_class_name(cls), err.msg);
        ck_assert_msg(strstr(err.msg, part), "message '%s' lacks '%s'", err.msg,
                      part);
        if (!had_bytes)
                ck_assert_ptr_null(doc->bytes);
        doc_free(doc);
}

/* The same, and the message must not show absent (a secret). */
static void expect_fail_msg(struct doc *doc, enum err_class cls,
                            const char *part, const char *absent)
{
        struct err err;

        err_clear(&err);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), -1);
        ck_assert_int_eq(err.cls, cls);
        ck_assert_msg(strstr(err.msg, part), "message '%s' lacks '%s'", err.msg,
                      part);
        ck_assert_msg(!strstr(err.msg, absent), "message '%s' shows '%s'",
                      err.msg, absent);
        doc_free(doc);
}

static const char *sha(const char *s, size_t n, char out[65])
{
        gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                                 (const guchar *)s, n);

        snprintf(out, 65, "%s", hex);
        g_free(hex);
        return out;
}

START_TEST(test_file_inside)
{
        struct doc *doc = doc_uri("file://%s/a.pdf", root);
        struct err err;
        char want[65];

        err_clear(&err);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        ck_assert_uint_eq(doc->len, strlen(PDF_BODY));
        ck_assert_mem_eq(doc->bytes, PDF_BODY, doc->len);
        ck_assert_str_eq(doc->sha256, sha(PDF_BODY, strlen(PDF_BODY), want));
        ck_assert_str_eq(doc->content_type, "application/pdf");
        doc_free(doc);

        /* Percent-encoding, localhost, doubled slashes, a symlink that
         * stays inside, a declared type that is kept. */
        doc = doc_uri("file://localhost%s//with%%20space.txt", root);
        doc->content_type = xstrdup("text/markdown");
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        ck_assert_mem_eq(doc->bytes, "just text", 9);
        ck_assert_str_eq(doc->content_type, "text/markdown");
        doc_free(doc);
        doc = doc_uri("file://%s/inside", root);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        ck_assert_uint_eq(doc->len, strlen(PDF_BODY));
        doc_free(doc);
}
END_TEST

START_TEST(test_file_dotdot)
{
        expect_fail(doc_uri("file://%s/../%s/secret.txt", root, other + 5),
                    ERR_INPUT,
                    "file uri outside the allowed root (sources.file_root)");
        expect_fail(doc_uri("file://%s/sub/%%2e%%2e/a.pdf", root), ERR_INPUT,
                    "'..'");
        /* Even when it would land inside again. */
        expect_fail(doc_uri("file://%s/sub/../a.pdf", root), ERR_INPUT, "'..'");
}
END_TEST

START_TEST(test_file_outside)
{
        expect_fail(doc_uri("file://%s/secret.txt", other), ERR_INPUT,
                    "outside the allowed root");
        expect_fail(doc_uri("file:///etc/passwd"), ERR_INPUT,
                    "outside the allowed root");
        /* Outside and missing reads the same as outside: no probing. */
        expect_fail(doc_uri("file:///nonexistent/x"), ERR_INPUT,
                    "outside the allowed root");
        /* A sibling that shares the root's name as a prefix. */
        expect_fail(doc_uri("file://%sx/a.pdf", root), ERR_INPUT,
                    "outside the allowed root");
}
END_TEST

START_TEST(test_file_symlink_escape)
{
        expect_fail(doc_uri("file://%s/passwd", root), ERR_INPUT,
                    "file uri outside the allowed root (sources.file_root)");
}
END_TEST

START_TEST(test_file_missing)
{
        expect_fail(doc_uri("file://%s/nope.pdf", root), ERR_INPUT,
                    "no such file");
        expect_fail(doc_uri("file://%s/a.pdf/x", root), ERR_INPUT,
                    "no such file");
}
END_TEST

START_TEST(test_file_oversize)
{
        cfg.max_bytes = 10;
        expect_fail(doc_uri("file://%s/a.pdf", root), ERR_INPUT,
                    "over the cap of 10 (limits.max_bytes)");
}
END_TEST

START_TEST(test_file_special)
{
        expect_fail(doc_uri("file://%s/sub", root), ERR_INPUT,
                    "not a regular file");
        /* A FIFO must be refused, not waited on. */
        expect_fail(doc_uri("file://%s/fifo", root), ERR_INPUT,
                    "not a regular file");
        expect_fail(doc_uri("file://%s/empty.txt", root), ERR_INPUT,
                    "empty document");
}
END_TEST

START_TEST(test_file_refused)
{
        expect_fail(doc_uri("file://otherhost%s/a.pdf", root), ERR_INPUT,
                    "no host");
        expect_fail(doc_uri("file://%s/a%%zz.pdf", root), ERR_INPUT,
                    "bad %-escape");
        expect_fail(doc_uri("file://%s/a.pdf%%00.txt", root), ERR_INPUT,
                    "bad %-escape");
        cfg.file_root = "";
        expect_fail(doc_uri("file://%s/a.pdf", root), ERR_INPUT,
                    "sources.file_root is empty");
        cfg.file_root = NULL;
        expect_fail(doc_uri("file://%s/a.pdf", root), ERR_INPUT,
                    "sources.file_root is empty");
        cfg.file_root = "/nonexistent-docpipe-root";
        expect_fail(doc_uri("file://%s/a.pdf", cfg.file_root), ERR_RETRY,
                    "sources.file_root");
}
END_TEST

START_TEST(test_have_bytes)
{
        struct doc *doc = doc_new();
        struct err err;
        char want[65];

        /* Bytes already there (raw or inline): no fetch, hash and sniff. */
        doc->source = xstrdup("kafka");
        doc->bytes = (unsigned char *)xstrdup("plain text");
        doc->len = 10;
        err_clear(&err);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        ck_assert_str_eq(doc->sha256, sha("plain text", 10, want));
        ck_assert_str_eq(doc->content_type, "text/plain");
        doc_free(doc);

        doc = doc_new();
        doc->bytes = xmalloc(4);
        memcpy(doc->bytes, "\x00\x01\x02\x03", 4);
        doc->len = 4;
        expect_fail(doc, ERR_INPUT, "unknown content type");
}
END_TEST

START_TEST(test_unsupported)
{
        expect_fail_msg(doc_uri("ftp://user:hunter2@example.com/a.pdf"),
                        ERR_INPUT, "unsupported uri scheme", "hunter2");
        expect_fail(doc_new(), ERR_INPUT, "neither bytes nor a uri");
        expect_fail(doc_uri("kafka"), ERR_INPUT, "neither bytes nor a uri");
}
END_TEST

/* The one-shot HTTP server. */
struct server {
        int fd;
        int port;
        const char *reply; /* NULL: read the request, never answer */
        size_t reply_len;
        pthread_t thread;
        char request[4096];
};

static void *server_run(void *arg)
{
        struct server *sv = arg;
        struct pollfd pfd = {sv->fd, POLLIN, 0};
        size_t n = 0;
        int c;

        if (poll(&pfd, 1, 10000) != 1)
                return NULL;
        c = accept(sv->fd, NULL, NULL);
        if (c < 0)
                return NULL;
        while (n < sizeof(sv->request) - 1 &&
               !strstr(sv->request, "\r\n\r\n")) {
                ssize_t r =
                    recv(c, sv->request + n, sizeof(sv->request) - 1 - n, 0);
                if (r <= 0)
                        break;
                n += (size_t)r;
                sv->request[n] = '\0';
        }
        if (sv->reply) {
                /* The client may hang up early (over the cap): ignore. */
                for (size_t off = 0; off < sv->reply_len;) {
                        ssize_t w = send(c, sv->reply + off,
                                         sv->reply_len - off, MSG_NOSIGNAL);
                        if (w <= 0)
                                break;
                        off += (size_t)w;
                }
        } else {
                char b[64];
                /* Wait until the client gives up. */
                while (recv(c, b, sizeof(b), 0) > 0)
                        ;
        }
        close(c);
        return NULL;
}

static void server_start(struct server *sv, const char *reply, size_t len)
{
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);

        memset(sv, 0, sizeof(*sv));
        sv->reply = reply;
        sv->reply_len = len;
        sv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(sv->fd, 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(bind(sv->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(sv->fd, 1), 0);
        ck_assert_int_eq(getsockname(sv->fd, (struct sockaddr *)&sa, &sl), 0);
        sv->port = ntohs(sa.sin_port);
        ck_assert_int_eq(pthread_create(&sv->thread, NULL, server_run, sv), 0);
}

/* Returns a loopback port bound (not listening) on *fd. */
static int bound_port(int *fd)
{
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);

        *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(*fd, 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(bind(*fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(getsockname(*fd, (struct sockaddr *)&sa, &sl), 0);
        return ntohs(sa.sin_port);
}

static void server_stop(struct server *sv)
{
        pthread_join(sv->thread, NULL);
        close(sv->fd);
}

static void server_text(struct server *sv, const char *reply)
{
        server_start(sv, reply, strlen(reply));
}

START_TEST(test_http_ok)
{
        struct server sv;
        struct doc *doc;
        struct err err;
        char want[65];

        server_text(&sv, "HTTP/1.1 200 OK\r\n"
                         "Content-Type: Application/PDF; qs=0.9\r\n"
                         "Content-Length: 15\r\n\r\n" PDF_BODY);
        doc = doc_uri("http://127.0.0.1:%d/a.pdf", sv.port);
        err_clear(&err);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        server_stop(&sv);
        ck_assert_ptr_nonnull(strstr(sv.request, "GET /a.pdf HTTP/1.1"));
        ck_assert_uint_eq(doc->len, strlen(PDF_BODY));
        ck_assert_mem_eq(doc->bytes, PDF_BODY, doc->len);
        ck_assert_str_eq(doc->content_type, "application/pdf");
        ck_assert_str_eq(doc->sha256, sha(PDF_BODY, strlen(PDF_BODY), want));
        doc_free(doc);

        /* octet-stream says nothing: the bytes are sniffed; no length. */
        server_text(&sv, "HTTP/1.1 200 OK\r\n"
                         "Content-Type: application/octet-stream\r\n"
                         "Connection: close\r\n\r\nsome words");
        doc = doc_uri("http://127.0.0.1:%d/n", sv.port);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        server_stop(&sv);
        ck_assert_str_eq(doc->content_type, "text/plain");
        ck_assert_uint_eq(doc->len, 10);
        doc_free(doc);
}
END_TEST

START_TEST(test_http_404)
{
        struct server sv;

        server_text(&sv, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        expect_fail_msg(doc_uri("http://alice:hunter2@127.0.0.1:%d/x?sig=s3cr"
                                "3t",
                                sv.port),
                        ERR_INPUT,
                        "http 404 fetching http://127.0.0.1:", "hunter2");
        server_stop(&sv);
        /* Credentials went to the server, not into the message. */
        ck_assert_ptr_nonnull(strstr(sv.request, "Authorization: Basic"));

        server_text(&sv, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        expect_fail_msg(doc_uri("http://127.0.0.1:%d/x?sig=s3cr3t", sv.port),
                        ERR_INPUT, "/x?...", "s3cr3t");
        server_stop(&sv);
}
END_TEST

START_TEST(test_http_retry)
{
        struct server sv;

        server_text(&sv, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
        expect_fail(doc_uri("http://127.0.0.1:%d/x", sv.port), ERR_RETRY,
                    "http 500 fetching");
        server_stop(&sv);
        server_text(&sv, "HTTP/1.1 429 Slow down\r\nContent-Length: 0\r\n\r\n");
        expect_fail(doc_uri("http://127.0.0.1:%d/x", sv.port), ERR_RETRY,
                    "http 429");
        server_stop(&sv);
        server_text(&sv, "HTTP/1.1 408 Timeout\r\nContent-Length: 0\r\n\r\n");
        expect_fail(doc_uri("http://127.0.0.1:%d/x", sv.port), ERR_RETRY,
                    "http 408");
        server_stop(&sv);
}
END_TEST

START_TEST(test_http_transport)
{
        struct server sv;
        int port, fd;

        /* Nobody listens on a port that is bound but not listening. */
        port = bound_port(&fd);
        expect_fail(doc_uri("http://127.0.0.1:%d/x", port), ERR_RETRY,
                    "fetching http://127.0.0.1:");
        close(fd);

        /* A server that never answers: the time limit. */
        cfg.http_timeout_ms = 300;
        server_start(&sv, NULL, 0);
        expect_fail(doc_uri("http://127.0.0.1:%d/x", sv.port), ERR_RETRY,
                    "fetching");
        server_stop(&sv);

        /* A redirect to another protocol is refused for good. */
        server_text(&sv, "HTTP/1.1 302 Found\r\nLocation: ftp://127.0.0.1/x"
                         "\r\nContent-Length: 0\r\n\r\n");
        expect_fail(doc_uri("http://127.0.0.1:%d/x", sv.port), ERR_INPUT,
                    "fetching");
        server_stop(&sv);
}
END_TEST

START_TEST(test_http_too_large)
{
        struct server sv;
        size_t body = 100000, head;
        char *reply = xmalloc(body + 200);

        cfg.http_max_bytes = 1000;
        /* Announced by Content-Length. */
        head = (size_t)snprintf(
            reply, 200, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", body);
        memset(reply + head, 'a', body);
        server_start(&sv, reply, head + body);
        expect_fail(doc_uri("http://127.0.0.1:%d/big", sv.port), ERR_INPUT,
                    "over the cap of 1000 bytes (sources.http_max_bytes)");
        server_stop(&sv);

        /* Not announced: the write callback stops it. */
        head = (size_t)snprintf(reply, 200,
                                "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        memset(reply + head, 'a', body);
        server_start(&sv, reply, head + body);
        expect_fail(doc_uri("http://127.0.0.1:%d/big", sv.port), ERR_INPUT,
                    "sources.http_max_bytes");
        server_stop(&sv);

        /* The document cap applies too when it is the smaller one. */
        cfg.http_max_bytes = 1 << 20;
        cfg.max_bytes = 500;
        server_start(&sv, reply, head + body);
        expect_fail(doc_uri("http://127.0.0.1:%d/big", sv.port), ERR_INPUT,
                    "over the cap of 500 bytes (limits.max_bytes)");
        server_stop(&sv);
        free(reply);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *test)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test);
        suite_add_tcase(s, tc);
}

static Suite *source_suite(void)
{
        Suite *s = suite_create("source");

        add(s, "file_inside", test_file_inside);
        add(s, "file_dotdot", test_file_dotdot);
        add(s, "file_outside", test_file_outside);
        add(s, "file_symlink_escape", test_file_symlink_escape);
        add(s, "file_missing", test_file_missing);
        add(s, "file_oversize", test_file_oversize);
        add(s, "file_special", test_file_special);
        add(s, "file_refused", test_file_refused);
        add(s, "have_bytes", test_have_bytes);
        add(s, "unsupported", test_unsupported);
        add(s, "http_ok", test_http_ok);
        add(s, "http_404", test_http_404);
        add(s, "http_retry", test_http_retry);
        add(s, "http_transport", test_http_transport);
        add(s, "http_too_large", test_http_too_large);
        return s;
}

int main(void)
{
        SRunner *sr;
        int failed;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        sr = srunner_create(source_suite());
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        curl_global_cleanup();
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
