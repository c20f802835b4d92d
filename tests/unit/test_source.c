/*
 * Unit tests of worker/source.c: file:// inside the root, "..", paths and
 * symlinks that lead out (relative, absolute, a symlinked parent, through
 * /proc/self/root), the open that follows no symlink (openat2 and the
 * per-component fallback, a component swapped for a symlink), missing,
 * oversize and special files, hashing and sniffing of bytes already there;
 * the address classifier and the host allowlist; and http:// against a
 * loopback server (a thread on 127.0.0.1, port 0) that answers a few
 * canned replies, one per connection: 200 with a body, 404, 500, 429,
 * bodies over the cap, redirects (followed, refused, credentials kept to
 * the origin), no answer at all; loopback refused by default in every
 * spelling curl reads, before any connection is made. Each test makes its
 * own temporary root and removes it.
 */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/un.h>
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

/* Writes dir/name to buf; returns buf. */
static const char *path_in(const char *dir, const char *name, char *buf,
                           size_t n)
{
        snprintf(buf, n, "%s/%s", dir, name);
        return buf;
}

/* Makes the symlink dir/name -> target. */
static void put_link(const char *dir, const char *name, const char *target)
{
        char path[256];

        ck_assert_int_eq(
                symlink(target, path_in(dir, name, path, sizeof(path))), 0);
}

static void setup(void)
{
        char path[256];

        memset(&cfg, 0, sizeof(cfg));
        cfg.max_bytes = 1 << 20;
        cfg.http_max_bytes = 1 << 20;
        cfg.http_timeout_ms = 5000;
        /* The test servers are on loopback; the tests of the refusal
         * turn this off. */
        cfg.http_allow_private = 1;
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
        put_file(path_in(root, "sub", path, sizeof(path)), "b.txt", "bee", 3);
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

START_TEST(test_file_symlink_tricks)
{
        char target[256], link[128];
        struct doc *doc;
        struct err err;

        /* An absolute symlink out, and one that stays inside. */
        put_link(root, "abs",
                 path_in(other, "secret.txt", target, sizeof(target)));
        expect_fail(doc_uri("file://%s/abs", root), ERR_INPUT,
                    "a symlink leads out");
        put_link(root, "absin", path_in(root, "a.pdf", target, sizeof(target)));
        doc = doc_uri("file://%s/absin", root);
        err_clear(&err);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        ck_assert_uint_eq(doc->len, strlen(PDF_BODY));
        doc_free(doc);

        /* A symlinked parent directory: out, and inside. */
        put_link(root, "otherdir", other);
        expect_fail(doc_uri("file://%s/otherdir/secret.txt", root), ERR_INPUT,
                    "a symlink leads out");
        put_link(root, "subl", "sub");
        doc = doc_uri("file://%s/subl/b.txt", root);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        ck_assert_mem_eq(doc->bytes, "bee", 3);
        doc_free(doc);

        /* /proc/self/root is "/": through a symlink it leads wherever. */
        put_link(root, "proc", "/proc/self/root");
        expect_fail(doc_uri("file://%s/proc/etc/passwd", root), ERR_INPUT,
                    "a symlink leads out");
        expect_fail(doc_uri("file://%s/proc%s/secret.txt", root, other),
                    ERR_INPUT, "a symlink leads out");
        put_link(root, "cwd", "/proc/self/cwd");
        expect_fail(doc_uri("file://%s/cwd/x", root), ERR_INPUT, "");
        /* Named directly, it is outside before anything is looked up. */
        expect_fail(doc_uri("file:///proc/self/root%s/a.pdf", root), ERR_INPUT,
                    "outside the allowed root");

        /* A root that is itself a symlink: both spellings work. */
        snprintf(link, sizeof(link), "%s.link", root);
        ck_assert_int_eq(symlink(root, link), 0);
        cfg.file_root = link;
        doc = doc_uri("file://%s/a.pdf", link);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        doc_free(doc);
        doc = doc_uri("file://%s/a.pdf", root);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        doc_free(doc);
        expect_fail(doc_uri("file://%s/passwd", link), ERR_INPUT,
                    "a symlink leads out");
        unlink(link);
}
END_TEST

/* source_open_beneath, both ways: openat2 and the per-component walk. */
static void open_beneath_both(int use_openat2)
{
        char path[256], moved[256];
        int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

        ck_assert_int_ge(rootfd, 0);
        put_link(root, "otherdir", other);

        fd = source_open_beneath(rootfd, "a.pdf", O_RDONLY, use_openat2);
        ck_assert_int_ge(fd, 0);
        close(fd);
        fd = source_open_beneath(rootfd, "sub/b.txt", O_RDONLY, use_openat2);
        ck_assert_int_ge(fd, 0);
        close(fd);
        /* No symlink at all, even one that stays inside. */
        errno = 0;
        ck_assert_int_eq(
                source_open_beneath(rootfd, "inside", O_RDONLY, use_openat2),
                -1);
        ck_assert_int_eq(errno, ELOOP);
        ck_assert_int_eq(
                source_open_beneath(rootfd, "passwd", O_RDONLY, use_openat2),
                -1);
        ck_assert_int_eq(errno, ELOOP);
        errno = 0;
        ck_assert_int_eq(source_open_beneath(rootfd, "otherdir/secret.txt",
                                             O_RDONLY, use_openat2),
                         -1);
        ck_assert_msg(errno == ENOTDIR || errno == ELOOP, "errno %d", errno);
        /* Nothing above the directory, nothing absolute. */
        snprintf(path, sizeof(path), "../%s/secret.txt", other + 5);
        ck_assert_int_eq(
                source_open_beneath(rootfd, path, O_RDONLY, use_openat2), -1);
        ck_assert_int_eq(errno, EXDEV);
        ck_assert_int_eq(source_open_beneath(rootfd, "/etc/passwd", O_RDONLY,
                                             use_openat2),
                         -1);
        ck_assert_int_eq(errno, EXDEV);
        ck_assert_int_eq(
                source_open_beneath(rootfd, "nope", O_RDONLY, use_openat2), -1);
        ck_assert_int_eq(errno, ENOENT);

        /* The race: a directory realpath saw is swapped for a symlink
         * before the open. */
        ck_assert_int_eq(rename(path_in(root, "sub", path, sizeof(path)),
                                path_in(root, "sub.old", moved, sizeof(moved))),
                         0);
        put_link(root, "sub", other);
        put_file(other, "b.txt", "not this", 8);
        errno = 0;
        ck_assert_int_eq(
                source_open_beneath(rootfd, "sub/b.txt", O_RDONLY, use_openat2),
                -1);
        ck_assert_msg(errno == ENOTDIR || errno == ELOOP, "errno %d", errno);
        close(rootfd);
}

START_TEST(test_open_beneath_openat2)
{
        open_beneath_both(1);
}
END_TEST

START_TEST(test_open_beneath_walk)
{
        open_beneath_both(0);
}
END_TEST

/* Parses text as an IPv4 or IPv6 address into ss. */
static const struct sockaddr *addr(const char *text,
                                   struct sockaddr_storage *ss)
{
        memset(ss, 0, sizeof(*ss));
        if (strchr(text, ':')) {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
                in6->sin6_family = AF_INET6;
                ck_assert_int_eq(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
        } else {
                struct sockaddr_in *in = (struct sockaddr_in *)ss;
                in->sin_family = AF_INET;
                ck_assert_int_eq(inet_pton(AF_INET, text, &in->sin_addr), 1);
        }
        return (const struct sockaddr *)ss;
}

START_TEST(test_addr_class)
{
        static const struct {
                const char *addr, *why; /* NULL: public */
        } cases[] = {
                {"127.0.0.1", "loopback"},
                {"127.255.255.254", "loopback"},
                {"10.1.2.3", "private"},
                {"172.16.0.1", "private"},
                {"172.31.255.255", "private"},
                {"172.32.0.1", NULL},
                {"172.15.255.255", NULL},
                {"192.168.1.1", "private"},
                {"100.64.0.1", "private"},
                {"100.100.100.200", "private"}, /* Alibaba's metadata */
                {"100.128.0.1", NULL},
                {"169.254.169.254", "link-local"}, /* cloud metadata */
                {"169.254.0.1", "link-local"},
                {"0.0.0.0", "unspecified"},
                {"0.1.2.3", "unspecified"},
                {"224.0.0.1", "multicast"},
                {"239.255.255.250", "multicast"},
                {"255.255.255.255", "reserved"},
                {"240.0.0.1", "reserved"},
                {"192.0.2.1", "reserved"},
                {"198.18.0.1", "reserved"},
                {"198.51.100.7", "reserved"},
                {"203.0.113.9", "reserved"},
                {"8.8.8.8", NULL},
                {"1.1.1.1", NULL},
                {"93.184.216.34", NULL},
                {"11.0.0.1", NULL},
                {"::1", "loopback"},
                {"::", "unspecified"},
                {"::ffff:127.0.0.1", "loopback"},
                {"::ffff:7f00:2", "loopback"},
                {"::ffff:10.0.0.1", "private"},
                {"::ffff:169.254.169.254", "link-local"},
                {"::ffff:0.0.0.0", "unspecified"},
                {"::ffff:8.8.8.8", NULL},
                {"::127.0.0.1", "loopback"},
                {"::8.8.8.8", NULL},
                {"64:ff9b::7f00:1", "loopback"},
                {"64:ff9b::a9fe:a9fe", "link-local"},
                {"64:ff9b::808:808", NULL},
                {"64:ff9b:1::1", "private"},
                {"2002:7f00:1::", "loopback"},
                {"2002:c0a8:101::1", "private"},
                {"2002:808:808::1", NULL},
                {"fc00::1", "private"},
                {"fd00:ec2::254", "private"}, /* AWS metadata over IPv6 */
                {"fe80::1", "link-local"},
                {"febf:ffff::1", "link-local"},
                {"fec0::1", "private"},
                {"ff02::1", "multicast"},
                {"2001:db8::1", "reserved"},
                {"2001::1", "reserved"}, /* Teredo */
                {"3fff::1", "reserved"},
                {"100::1", "reserved"},
                {"4000::1", "reserved"},
                {"2606:4700:4700::1111", NULL},
                {"2a00:1450:4001:80b::200e", NULL},
                {"2001:4860:4860::8888", NULL},
        };
        struct sockaddr_storage ss;
        struct sockaddr_un un;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *why = source_addr_private(addr(cases[i].addr, &ss));
                ck_assert_msg((!why && !cases[i].why) ||
                                      (why && cases[i].why &&
                                       strcmp(why, cases[i].why) == 0),
                              "%s: %s, not %s", cases[i].addr,
                              why ? why : "public",
                              cases[i].why ? cases[i].why : "public");
        }
        memset(&un, 0, sizeof(un));
        un.sun_family = AF_UNIX;
        ck_assert_str_eq(source_addr_private((struct sockaddr *)&un),
                         "not an IP");
}
END_TEST

START_TEST(test_host_allowed)
{
        char *hosts[] = {".example.com", "docs.other.org", "[2001:db8::1]",
                         "10.0.0.1", "Upper.Case.net."};
        size_t n = sizeof(hosts) / sizeof(hosts[0]);

        ck_assert(source_host_allowed("anything.at.all", NULL, 0));
        ck_assert(source_host_allowed("example.com", hosts, n));
        ck_assert(source_host_allowed("a.example.com", hosts, n));
        ck_assert(source_host_allowed("A.B.EXAMPLE.COM.", hosts, n));
        ck_assert(!source_host_allowed("badexample.com", hosts, n));
        ck_assert(!source_host_allowed("example.com.evil.net", hosts, n));
        ck_assert(!source_host_allowed("example.co", hosts, n));
        ck_assert(source_host_allowed("docs.other.org", hosts, n));
        ck_assert(!source_host_allowed("x.docs.other.org", hosts, n));
        ck_assert(!source_host_allowed("other.org", hosts, n));
        ck_assert(source_host_allowed("[2001:db8::1]", hosts, n));
        ck_assert(!source_host_allowed("[2001:db8::2]", hosts, n));
        ck_assert(source_host_allowed("10.0.0.1", hosts, n));
        ck_assert(!source_host_allowed("10.0.0.2", hosts, n));
        ck_assert(source_host_allowed("upper.case.net", hosts, n));
        ck_assert(!source_host_allowed("", hosts, n));
        ck_assert(!source_host_allowed(".", hosts, n));
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

/* The loopback HTTP server: one canned reply per connection, in order. */
#define SERVER_REPLIES 5

struct server {
        int fd;
        int port;
        const char *reply[SERVER_REPLIES]; /* NULL: read the request, never
                                              answer */
        size_t reply_len[SERVER_REPLIES];
        int n;      /* connections to serve */
        int served; /* connections accepted */
        pthread_t thread;
        char request[8192]; /* the requests, one after another */
};

static void *server_run(void *arg)
{
        struct server *sv = arg;
        struct pollfd pfd = {sv->fd, POLLIN, 0};
        size_t n = 0;

        for (int i = 0; i < sv->n; i++) {
                size_t start = n;
                int c;

                if (poll(&pfd, 1, 10000) != 1)
                        return NULL;
                c = accept(sv->fd, NULL, NULL);
                if (c < 0)
                        return NULL;
                sv->served++;
                while (n < sizeof(sv->request) - 1 &&
                       !strstr(sv->request + start, "\r\n\r\n")) {
                        ssize_t r = recv(c, sv->request + n,
                                         sizeof(sv->request) - 1 - n, 0);
                        if (r <= 0)
                                break;
                        n += (size_t)r;
                        sv->request[n] = '\0';
                }
                if (sv->reply[i]) {
                        /* The client may hang up early (over the cap):
                         * ignore. */
                        for (size_t off = 0; off < sv->reply_len[i];) {
                                ssize_t w = send(c, sv->reply[i] + off,
                                                 sv->reply_len[i] - off,
                                                 MSG_NOSIGNAL);
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
        }
        return NULL;
}

/* A listening loopback socket on sv->fd, its port in sv->port; no thread
 * yet (server_go). */
static void server_listen(struct server *sv)
{
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);

        memset(sv, 0, sizeof(*sv));
        sv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(sv->fd, 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(bind(sv->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(sv->fd, 8), 0);
        ck_assert_int_eq(getsockname(sv->fd, (struct sockaddr *)&sa, &sl), 0);
        sv->port = ntohs(sa.sin_port);
}

/* Serves n text replies (borrowed), one per connection. */
static void server_go(struct server *sv, int n, ...)
{
        va_list ap;

        ck_assert_int_le(n, SERVER_REPLIES);
        va_start(ap, n);
        for (int i = 0; i < n; i++) {
                sv->reply[i] = va_arg(ap, const char *);
                sv->reply_len[i] = sv->reply[i] ? strlen(sv->reply[i]) : 0;
        }
        va_end(ap);
        sv->n = n;
        ck_assert_int_eq(pthread_create(&sv->thread, NULL, server_run, sv), 0);
}

static void server_start(struct server *sv, const char *reply, size_t len)
{
        server_listen(sv);
        sv->reply[0] = reply;
        sv->reply_len[0] = len;
        sv->n = 1;
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
                reply, 200, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                body);
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

#define OK_REPLY                                                               \
        "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n"                 \
        "Content-Length: 15\r\nConnection: close\r\n\r\n" PDF_BODY

/* How many times needle is in hay. */
static int count(const char *hay, const char *needle)
{
        int n = 0;

        for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
                n++;
        return n;
}

/* Has anyone connected to the listening socket fd? */
static int connected(int fd)
{
        struct pollfd pfd = {fd, POLLIN, 0};

        return poll(&pfd, 1, 100) == 1;
}

START_TEST(test_http_private_refused)
{
        /* Every way of writing loopback curl's URL parser takes, and the
         * addresses that reach this machine without saying so. */
        static const char *const spellings[] = {
                "127.0.0.1",        "localhost",
                "2130706433",       "0177.0.0.1",
                "0x7f.1",           "127.1",
                "0x7f000001",       "017700000001",
                "%31%32%37.0.0.1",  "[::ffff:127.0.0.1]",
                "[::ffff:7f00:1]",  "[::1]",
                "0.0.0.0",          "[::]",
                "[::ffff:0.0.0.0]", "[64:ff9b::7f00:1]"};
        struct server sv;
        struct doc *doc;
        struct err err;

        cfg.http_allow_private = 0;
        server_listen(&sv);
        for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
                expect_fail(doc_uri("http://%s:%d/x", spellings[i], sv.port),
                            ERR_INPUT, "need sources.http_allow_private");
        /* The check is on the address connected to, before connecting:
         * nothing reached the server. */
        ck_assert(!connected(sv.fd));
        expect_fail(doc_uri("http://2130706433:%d/x", sv.port), ERR_INPUT,
                    "address 127.0.0.1 (loopback) refused");
        expect_fail(doc_uri("https://[::1]:%d/x", sv.port), ERR_INPUT,
                    "address ::1 (loopback) refused");
        expect_fail(doc_uri("http://169.254.169.254/latest/meta-data/"),
                    ERR_INPUT, "169.254.169.254 (link-local) refused");
        expect_fail(doc_uri("http://[::ffff:a9fe:a9fe]/"), ERR_INPUT,
                    "(link-local) refused");
        expect_fail(doc_uri("http://10.0.0.1/"), ERR_INPUT, "(private)");

        /* Allowed, the odd spelling reaches the very same server. */
        cfg.http_allow_private = 1;
        server_go(&sv, 1, OK_REPLY);
        doc = doc_uri("http://2130706433:%d/a.pdf", sv.port);
        err_clear(&err);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        ck_assert_mem_eq(doc->bytes, PDF_BODY, doc->len);
        doc_free(doc);
        server_stop(&sv);
        ck_assert_int_eq(sv.served, 1);
}
END_TEST

START_TEST(test_http_allowlist)
{
        char *loopback[] = {"127.0.0.1"}, *example[] = {".example.com"};
        struct server sv;
        struct doc *doc;
        struct err err;

        /* Not listed: refused before any connection, whatever the
         * spelling. */
        cfg.http_allow_hosts = example;
        cfg.http_allow_hosts_n = 1;
        server_listen(&sv);
        expect_fail(doc_uri("http://127.0.0.1:%d/x", sv.port), ERR_INPUT,
                    "host 127.0.0.1, which is not in "
                    "sources.http_allow_hosts");
        expect_fail(doc_uri("http://2130706433:%d/x", sv.port), ERR_INPUT,
                    "host 127.0.0.1, which is not");
        expect_fail(doc_uri("http://localhost:%d/x", sv.port), ERR_INPUT,
                    "host localhost, which is not");
        expect_fail(doc_uri("http://127.0.0.1.example.org:%d/x", sv.port),
                    ERR_INPUT, "sources.http_allow_hosts");
        /* The name counts, not where it leads. */
        cfg.http_allow_hosts = loopback;
        expect_fail(doc_uri("http://localhost:%d/x", sv.port), ERR_INPUT,
                    "host localhost, which is not");
        ck_assert(!connected(sv.fd));

        server_go(&sv, 1, OK_REPLY);
        doc = doc_uri("http://127.0.0.1:%d/a.pdf", sv.port);
        err_clear(&err);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        doc_free(doc);
        server_stop(&sv);
}
END_TEST

START_TEST(test_http_redirect)
{
        char *loopback[] = {"127.0.0.1"};
        char loc[256], loop[256];
        struct server sv;
        struct doc *doc;
        struct err err;

        /* Relative, same origin: followed, the credentials go along. */
        server_listen(&sv);
        server_go(&sv, 2,
                  "HTTP/1.1 302 Found\r\nLocation: /b.pdf\r\n"
                  "Content-Length: 0\r\nConnection: close\r\n\r\n",
                  OK_REPLY);
        doc = doc_uri("http://alice:hunter2@127.0.0.1:%d/a", sv.port);
        err_clear(&err);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        ck_assert_mem_eq(doc->bytes, PDF_BODY, doc->len);
        ck_assert_str_eq(doc->content_type, "application/pdf");
        doc_free(doc);
        server_stop(&sv);
        ck_assert_int_eq(sv.served, 2);
        ck_assert_ptr_nonnull(strstr(sv.request, "GET /a HTTP/1.1"));
        ck_assert_ptr_nonnull(strstr(sv.request, "GET /b.pdf HTTP/1.1"));
        ck_assert_int_eq(count(sv.request, "Authorization: Basic"), 2);

        /* Another origin (another host name for the same server): no
         * credentials there. */
        server_listen(&sv);
        snprintf(loc, sizeof(loc),
                 "HTTP/1.1 301 Moved\r\nLocation: http://localhost:%d/c\r\n"
                 "Content-Length: 0\r\nConnection: close\r\n\r\n",
                 sv.port);
        server_go(&sv, 2, loc, OK_REPLY);
        doc = doc_uri("http://alice:hunter2@127.0.0.1:%d/a", sv.port);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        doc_free(doc);
        server_stop(&sv);
        ck_assert_int_eq(sv.served, 2);
        ck_assert_ptr_nonnull(strstr(sv.request, "GET /c HTTP/1.1"));
        ck_assert_int_eq(count(sv.request, "Authorization: Basic"), 1);

        /* A target whose host is not allowed is not requested. */
        cfg.http_allow_hosts = loopback;
        cfg.http_allow_hosts_n = 1;
        server_listen(&sv);
        server_go(&sv, 1, loc);
        expect_fail_msg(doc_uri("http://alice:hunter2@127.0.0.1:%d/a", sv.port),
                        ERR_INPUT,
                        "redirected to host localhost, which is not in "
                        "sources.http_allow_hosts",
                        "hunter2");
        server_stop(&sv);
        ck_assert_int_eq(sv.served, 1);
        cfg.http_allow_hosts_n = 0;

        /* Nor one of another scheme. */
        server_listen(&sv);
        server_go(&sv, 1,
                  "HTTP/1.1 307 Temporary\r\nLocation: file:///etc/passwd\r\n"
                  "Content-Length: 0\r\n\r\n");
        expect_fail(doc_uri("http://127.0.0.1:%d/a", sv.port), ERR_INPUT,
                    "redirected to a scheme other than http or https");
        server_stop(&sv);

        /* Three redirects are followed, a fourth is one too many. */
        server_listen(&sv);
        snprintf(loop, sizeof(loop),
                 "HTTP/1.1 308 Again\r\nLocation: http://127.0.0.1:%d/l\r\n"
                 "Content-Length: 0\r\nConnection: close\r\n\r\n",
                 sv.port);
        server_go(&sv, 4, loop, loop, loop, OK_REPLY);
        doc = doc_uri("http://127.0.0.1:%d/a", sv.port);
        ck_assert_int_eq(source_fetch(doc, &cfg, &err), 0);
        doc_free(doc);
        server_stop(&sv);
        server_listen(&sv);
        snprintf(loop, sizeof(loop),
                 "HTTP/1.1 302 Again\r\nLocation: http://127.0.0.1:%d/l\r\n"
                 "Content-Length: 0\r\nConnection: close\r\n\r\n",
                 sv.port);
        server_go(&sv, 4, loop, loop, loop, loop);
        expect_fail(doc_uri("http://127.0.0.1:%d/a", sv.port), ERR_INPUT,
                    "more than 3 redirects");
        server_stop(&sv);
        ck_assert_int_eq(sv.served, 4);

        /* A 3xx without a Location is an answer, not a redirect. */
        server_text(&sv, "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n");
        expect_fail(doc_uri("http://127.0.0.1:%d/a", sv.port), ERR_INPUT,
                    "http 302 fetching");
        server_stop(&sv);
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
        add(s, "file_symlink_tricks", test_file_symlink_tricks);
        add(s, "open_beneath_openat2", test_open_beneath_openat2);
        add(s, "open_beneath_walk", test_open_beneath_walk);
        add(s, "addr_class", test_addr_class);
        add(s, "host_allowed", test_host_allowed);
        add(s, "http_private_refused", test_http_private_refused);
        add(s, "http_allowlist", test_http_allowlist);
        add(s, "http_redirect", test_http_redirect);
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
