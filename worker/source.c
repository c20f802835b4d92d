/*
 * source: fetches a document's bytes from its uri (see source.h), then
 * hashes them and sniffs the content type when nobody declared one.
 *
 * file:// is confined to sources.file_root: the path is percent-decoded,
 * any ".." component is refused, the path must name the root before the
 * file system is asked anything (so that no one can probe what exists
 * outside it), and the realpath of the file must still be under the
 * realpath of the root (so that symlinks cannot lead out). The file is
 * then opened relative to the root's descriptor by that resolved path
 * without following any symlink (openat2 RESOLVE_BENEATH|NO_SYMLINKS, or
 * one O_NOFOLLOW openat per component where the kernel lacks openat2), so
 * that a component swapped for a symlink after realpath looked fails
 * rather than leads out. The file must be regular and within
 * limits.max_bytes before a byte is read.
 *
 * http(s):// goes through one libcurl easy handle per call, http and https
 * only, with a time limit for the whole fetch and a body cap
 * (sources.http_max_bytes, or limits.max_bytes when smaller) enforced by
 * the write callback. Hostile uris are met three ways: the host (as curl's
 * own URL parser reads it, so "2130706433" is 127.0.0.1) must be in
 * sources.http_allow_hosts when that is set; every address curl is about
 * to connect to is checked in the open-socket callback (the address
 * resolved for this very connection, so DNS rebinding gains nothing)
 * and private, loopback, link-local, multicast and reserved ones are
 * refused unless sources.http_allow_private; redirects (at most
 * SOURCE_MAX_REDIRS) are followed here, not by curl, so that each target
 * passes the same checks, and credentials go only to the origin that was
 * given them. Proxies from the environment are not used: the check must
 * see the address connected to.
 *
 * A uri may carry credentials (user:pass@, a signed query string): error
 * messages only ever show it redacted. Owns the buffers and the curl
 * handle of one call; thread-safe, but the process must have called
 * curl_global_init before threads start.
 */
#include "source.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "job.h"

#define SOURCE_MAX_REDIRS 3
#define SOURCE_CONNECT_MS 10000L /* at most; less when the timeout is less */
#define SOURCE_URI_SHOWN 256     /* bytes of a redacted uri in messages */
#define SOURCE_HOST_SHOWN 128    /* bytes of a host name in messages */
#define SOURCE_OPENAT2_TRIES 8   /* openat2 says EAGAIN on a rename race */

/* Writes s to out (size n) fit for an error message: valid UTF-8, control
 * characters and bytes that are not UTF-8 as '?', cut at a character
 * boundary. Returns out. */
static const char *source_show(const char *s, char *out, size_t n)
{
        size_t o = 0;

        while (*s) {
                gunichar c = g_utf8_get_char_validated(s, -1);
                int valid = c < 0x110000;
                int ok = valid && c >= 0x20 && !(c >= 0x7f && c <= 0x9f);
                size_t in = valid ? (size_t)(g_utf8_next_char(s) - s) : 1;
                size_t len = ok ? in : 1;

                if (o + len >= n)
                        break;
                if (ok)
                        memcpy(out + o, s, len);
                else
                        out[o] = '?';
                o += len;
                s += in;
        }
        out[o] = '\0';
        return out;
}

/* Returns where the authority of uri starts (after "://"), or NULL; sets
 * *at to the '@' that ends its userinfo, or NULL when it has none. */
static const char *source_authority(const char *uri, const char **at)
{
        const char *auth = strstr(uri, "://"), *end;

        *at = NULL;
        if (!auth)
                return NULL;
        auth += 3;
        end = auth + strcspn(auth, "/?#");
        /* The last '@' counts: a password may hold one unescaped. */
        for (const char *q = auth; q < end; q++) {
                if (*q == '@')
                        *at = q;
        }
        return auth;
}

/* Writes uri to out (size n) without userinfo ("user:pass@") and with the
 * query string (often a signature) replaced by "?...", cut to fit. */
static void source_redact(const char *uri, char *out, size_t n)
{
        const char *at, *auth = source_authority(uri, &at), *rest;
        char tmp[SOURCE_URI_SHOWN];
        size_t restlen;

        if (!auth) {
                snprintf(out, n, "(uri)");
                return;
        }
        rest = at ? at + 1 : auth;
        restlen = strcspn(rest, "?#");
        snprintf(tmp, sizeof(tmp), "%.*s%.*s%s", (int)(auth - uri), uri,
                 (int)restlen, rest, rest[restlen] == '?' ? "?..." : "");
        source_show(tmp, out, n);
}

/* Does text contain the user name or password of uri's userinfo? */
static int source_leaks(const char *uri, const char *text)
{
        const char *at, *auth = source_authority(uri, &at), *colon;
        char *part;
        int found = 0;

        if (!auth || !at)
                return 0;
        colon = memchr(auth, ':', (size_t)(at - auth));
        if (!colon)
                colon = at;
        if (colon > auth) {
                part = xstrndup(auth, (size_t)(colon - auth));
                found |= strstr(text, part) != NULL;
                free(part);
        }
        if (at > colon + 1) {
                part = xstrndup(colon + 1, (size_t)(at - colon - 1));
                found |= strstr(text, part) != NULL;
                free(part);
        }
        return found;
}

/* Returns a new normalised content type (parameters and blanks dropped,
 * lowercase), or NULL when ct is empty or generic (octet-stream). */
static char *source_type_norm(const char *ct)
{
        size_t n = strcspn(ct, ";"), i;
        char *res;

        while (n > 0 && g_ascii_isspace(*ct)) {
                ct++;
                n--;
        }
        while (n > 0 && g_ascii_isspace(ct[n - 1]))
                n--;
        if (n == 0 || n > 127)
                return NULL;
        res = xstrndup(ct, n);
        for (i = 0; i < n; i++) {
                if ((unsigned char)res[i] <= 0x20 ||
                    (unsigned char)res[i] >= 0x7f) {
                        free(res);
                        return NULL;
                }
                res[i] = g_ascii_tolower(res[i]);
        }
        if (strcmp(res, "application/octet-stream") == 0 ||
            strcmp(res, "binary/octet-stream") == 0) {
                free(res);
                return NULL;
        }
        return res;
}

/* Is path strictly below directory dir (an absolute path without a
 * trailing '/', except "/" itself)? */
static int source_under(const char *path, const char *dir)
{
        size_t dl = strlen(dir);

        while (dl > 1 && dir[dl - 1] == '/')
                dl--;
        if (dl == 1 && dir[0] == '/')
                return path[0] == '/' && path[1] != '\0';
        return strncmp(path, dir, dl) == 0 && path[dl] == '/' &&
               path[dl + 1] != '\0';
}

/* Returns a new percent-decoded copy of s, or NULL when an escape is bad
 * or decodes to NUL. */
static char *source_unescape(const char *s)
{
        char *res = xmalloc(strlen(s) + 1), *o = res;

        while (*s) {
                if (*s != '%') {
                        *o++ = *s++;
                        continue;
                }
                if (!g_ascii_isxdigit(s[1]) || !g_ascii_isxdigit(s[2]) ||
                    (s[1] == '0' && s[2] == '0')) {
                        free(res);
                        return NULL;
                }
                *o++ = (char)(g_ascii_xdigit_value(s[1]) * 16 +
                              g_ascii_xdigit_value(s[2]));
                s += 3;
        }
        *o = '\0';
        return res;
}

/* Does path have a ".." component? */
static int source_has_dotdot(const char *path)
{
        const char *p = path;

        while (*p) {
                size_t n = strcspn(p, "/");
                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return 1;
                p += n;
                while (*p == '/')
                        p++;
        }
        return 0;
}

static int source_outside(struct err *err, const char *why)
{
        return err_set(err, ERR_INPUT,
                       "file uri outside the allowed root "
                       "(sources.file_root)%s",
                       why);
}

int source_open_beneath(int dirfd, const char *rel, int flags, int use_openat2)
{
        const char *p = rel;
        int fd, saved;

        flags |= O_NOFOLLOW | O_CLOEXEC;
#ifdef SYS_openat2
        if (use_openat2) {
                struct open_how how;
                long res = -1;

                memset(&how, 0, sizeof(how));
                how.flags = (uint64_t)flags;
                how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                              RESOLVE_NO_MAGICLINKS;
                for (int i = 0; i < SOURCE_OPENAT2_TRIES; i++) {
                        res = syscall(SYS_openat2, dirfd, rel, &how,
                                      sizeof(how));
                        if (res >= 0 || (errno != EAGAIN && errno != EINTR))
                                break;
                }
                /* ENOSYS before Linux 5.6; EPERM (or ENOSYS) from a
                 * seccomp filter that does not know it, as container
                 * runtimes had; EINVAL, E2BIG: flags it does not know.
                 * Everything else is the answer. */
                if (res >= 0 || (errno != ENOSYS && errno != EPERM &&
                                 errno != EINVAL && errno != E2BIG))
                        return (int)res;
        }
#else
        (void)use_openat2;
#endif
        fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        while (fd >= 0) {
                size_t n = strcspn(p, "/");
                char name[NAME_MAX + 1];
                int next, last;

                if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
                    (n == 2 && p[0] == '.' && p[1] == '.')) {
                        close(fd);
                        errno = n > NAME_MAX ? ENAMETOOLONG : EXDEV;
                        return -1;
                }
                memcpy(name, p, n);
                name[n] = '\0';
                p += n;
                while (*p == '/')
                        p++;
                last = *p == '\0';
                /* O_NOFOLLOW on a directory: a symlink is ENOTDIR there
                 * (O_PATH would open the link itself, O_DIRECTORY then
                 * refuses it), ELOOP as the last component. */
                next = openat(fd, name,
                              last ? flags
                                   : O_PATH | O_DIRECTORY | O_NOFOLLOW |
                                              O_CLOEXEC);
                saved = errno;
                close(fd);
                errno = saved;
                if (last)
                        return next;
                fd = next;
        }
        return -1;
}

/* Reads the file of uri (file://...) into *out and *outlen (new). */
static int source_file(const char *uri, const struct config *cfg,
                       unsigned char **out, size_t *outlen, struct err *err)
{
        const char *p = uri + strlen("file://"), *rel;
        char *path = NULL, *root = NULL, *real = NULL;
        char shown[SOURCE_URI_SHOWN];
        unsigned char *buf = NULL;
        size_t len = 0;
        struct stat st;
        int fd = -1, rootfd = -1, rc = -1;

        if (!cfg->file_root || !*cfg->file_root)
                return err_set(err, ERR_INPUT,
                               "file uris are not allowed (sources.file_root "
                               "is empty)");
        /* file:///path or file://localhost/path; any other host is
         * another machine's file. */
        if (g_ascii_strncasecmp(p, "localhost/", 10) == 0)
                p += strlen("localhost");
        if (*p != '/')
                return err_set(err, ERR_INPUT,
                               "file uri must be file:///path (no host)");
        /* No query or fragment: '?' and '#' are taken as part of the
         * name, the way `docpipe submit` writes local paths. */
        path = source_unescape(p);
        if (!path) {
                err_set(err, ERR_INPUT, "file uri has a bad %%-escape");
                goto out;
        }
        source_show(path, shown, sizeof(shown));
        if (source_has_dotdot(path)) {
                source_outside(err, ": the path has a '..' component");
                goto out;
        }
        root = realpath(cfg->file_root, NULL);
        if (!root) {
                /* A root that went away (an unmounted volume) may come
                 * back: worth retrying, not the document's fault. */
                err_set(err, ERR_RETRY, "sources.file_root %s: %s",
                        cfg->file_root, strerror(errno));
                goto out;
        }
        if (!source_under(path, cfg->file_root) && !source_under(path, root)) {
                source_outside(err, "");
                goto out;
        }
        real = realpath(path, NULL);
        if (!real) {
                if (errno == ENOENT || errno == ENOTDIR)
                        err_set(err, ERR_INPUT, "no such file: %s", shown);
                else
                        err_set(err,
                                errno == EACCES || errno == ELOOP ||
                                                errno == ENAMETOOLONG
                                        ? ERR_INPUT
                                        : ERR_RETRY,
                                "%s: %s", shown, strerror(errno));
                goto out;
        }
        if (!source_under(real, root)) {
                source_outside(err, ": a symlink leads out");
                goto out;
        }
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) {
                err_set(err, ERR_RETRY, "sources.file_root %s: %s",
                        cfg->file_root, strerror(errno));
                goto out;
        }
        /* The resolved path, below the root, opened without following a
         * symlink: one swapped in since realpath is refused.
         * O_NONBLOCK: opening a FIFO must not wait for a writer. */
        rel = real + (strcmp(root, "/") == 0 ? 1 : strlen(root) + 1);
        fd = source_open_beneath(rootfd, rel, O_RDONLY | O_NONBLOCK, 1);
        if (fd < 0) {
                if (errno == ENOENT)
                        err_set(err, ERR_INPUT, "no such file: %s", shown);
                else if (errno == ELOOP || errno == EXDEV || errno == ENOTDIR)
                        source_outside(err, ": a symlink leads out");
                else
                        err_set(err, errno == EACCES ? ERR_INPUT : ERR_RETRY,
                                "%s: %s", shown, strerror(errno));
                goto out;
        }
        if (fstat(fd, &st) < 0) {
                err_set(err, ERR_RETRY, "%s: %s", shown, strerror(errno));
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                err_set(err, ERR_INPUT, "%s is not a regular file", shown);
                goto out;
        }
        if ((int64_t)st.st_size > cfg->max_bytes) {
                err_set(err, ERR_INPUT,
                        "file is %lld bytes, over the cap of %lld "
                        "(limits.max_bytes)",
                        (long long)st.st_size, (long long)cfg->max_bytes);
                goto out;
        }
        /* Never more than fstat said, even if the file grows meanwhile. */
        buf = xmalloc((size_t)st.st_size);
        while (len < (size_t)st.st_size) {
                ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        err_set(err, ERR_RETRY, "reading %s: %s", shown,
                                strerror(errno));
                        goto out;
                }
                if (r == 0)
                        break;
                len += (size_t)r;
        }
        *out = buf;
        *outlen = len;
        buf = NULL; /* now owned by the caller */
        rc = 0;
out:
        if (fd >= 0)
                close(fd);
        if (rootfd >= 0)
                close(rootfd);
        free(buf);
        free(real);
        free(root);
        free(path);
        return rc;
}

/* ---- addresses and hosts ---------------------------------------------- */

/* Why IPv4 address a (host order) is no public address, or NULL. */
static const char *source_v4_class(uint32_t a)
{
        /* clang-format off */
        static const struct {
                uint32_t net, mask;
                const char *why;
        } nets[] = {
            {0x00000000, 0xff000000, "unspecified"}, /* 0/8, "this host" */
            {0x0a000000, 0xff000000, "private"},     /* 10/8 */
            {0x64400000, 0xffc00000, "private"},     /* 100.64/10, CGNAT */
            {0x7f000000, 0xff000000, "loopback"},    /* 127/8 */
            {0xa9fe0000, 0xffff0000, "link-local"},  /* 169.254/16, cloud
                                                        metadata */
            {0xac100000, 0xfff00000, "private"},     /* 172.16/12 */
            {0xc0000000, 0xffffff00, "reserved"},    /* 192.0.0/24 IETF */
            {0xc0000200, 0xffffff00, "reserved"},    /* 192.0.2/24 docs */
            {0xc0586300, 0xffffff00, "reserved"},    /* 192.88.99/24 */
            {0xc0a80000, 0xffff0000, "private"},     /* 192.168/16 */
            {0xc6120000, 0xfffe0000, "reserved"},    /* 198.18/15 bench */
            {0xc6336400, 0xffffff00, "reserved"},    /* 198.51.100/24 */
            {0xcb007100, 0xffffff00, "reserved"},    /* 203.0.113/24 */
            {0xe0000000, 0xf0000000, "multicast"},   /* 224/4 */
            {0xf0000000, 0xf0000000, "reserved"},    /* 240/4, broadcast */
        };
        /* clang-format on */

        for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
                if ((a & nets[i].mask) == nets[i].net)
                        return nets[i].why;
        }
        return NULL;
}

/* The IPv4 address in b[at..at+3], host order. */
static uint32_t source_v4_at(const uint8_t *b, int at)
{
        return (uint32_t)b[at] << 24 | (uint32_t)b[at + 1] << 16 |
               (uint32_t)b[at + 2] << 8 | (uint32_t)b[at + 3];
}

/* Why IPv6 address b is no public address, or NULL. Forms that carry an
 * IPv4 address (mapped, compatible, NAT64, 6to4) are judged by it. */
static const char *source_v6_class(const uint8_t *b)
{
        static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
        int zero10 = 1, zero12;

        for (int i = 0; i < 10; i++)
                zero10 &= b[i] == 0;
        zero12 = zero10 && b[10] == 0 && b[11] == 0;
        if (zero12 && source_v4_at(b, 12) == 0)
                return "unspecified";
        if (zero12 && source_v4_at(b, 12) == 1)
                return "loopback";
        if (zero10 && b[10] == 0xff && b[11] == 0xff) /* ::ffff:a.b.c.d */
                return source_v4_class(source_v4_at(b, 12));
        if (zero12) /* ::a.b.c.d, deprecated */
                return source_v4_class(source_v4_at(b, 12));
        if (memcmp(b, nat64, 12) == 0) /* 64:ff9b::/96 */
                return source_v4_class(source_v4_at(b, 12));
        if (memcmp(b, nat64, 4) == 0 && b[4] == 0 && b[5] == 1)
                return "private";         /* 64:ff9b:1::/48, local NAT64 */
        if (b[0] == 0x20 && b[1] == 0x02) /* 2002::/16, 6to4 */
                return source_v4_class(source_v4_at(b, 2));
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
                return "reserved"; /* 2001::/23: Teredo, ORCHID, ... */
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
                return "reserved"; /* 2001:db8::/32, documentation */
        if (b[0] == 0x3f && b[1] == 0xff && b[2] < 0x10)
                return "reserved"; /* 3fff::/20, documentation */
        if ((b[0] & 0xfe) == 0xfc)
                return "private"; /* fc00::/7, unique local */
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
                return "link-local"; /* fe80::/10 */
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
                return "private"; /* fec0::/10, site-local */
        if (b[0] == 0xff)
                return "multicast";
        if ((b[0] & 0xe0) != 0x20)
                return "reserved"; /* outside 2000::/3, global unicast */
        return NULL;
}

const char *source_addr_private(const struct sockaddr *sa)
{
        if (sa->sa_family == AF_INET) {
                struct sockaddr_in in;

                memcpy(&in, sa, sizeof(in));
                return source_v4_class(ntohl(in.sin_addr.s_addr));
        }
        if (sa->sa_family == AF_INET6) {
                struct sockaddr_in6 in6;

                memcpy(&in6, sa, sizeof(in6));
                return source_v6_class(in6.sin6_addr.s6_addr);
        }
        return "not an IP";
}

/* Writes host to out (size n) without brackets around an IPv6 address nor
 * a final dot; returns out. */
static const char *source_host_norm(const char *host, char *out, size_t n)
{
        size_t len = strlen(host);

        if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
                host++;
                len -= 2;
        }
        if (len > 1 && host[len - 1] == '.')
                len--;
        snprintf(out, n, "%.*s", (int)len, host);
        return out;
}

int source_host_allowed(const char *host, char *const *hosts, size_t n)
{
        char h[256], want[256];
        size_t hl;

        if (n == 0)
                return 1;
        if (strlen(host) >= sizeof(h))
                return 0;
        source_host_norm(host, h, sizeof(h));
        hl = strlen(h);
        for (size_t i = 0; i < n; i++) {
                size_t wl;

                source_host_norm(hosts[i], want, sizeof(want));
                wl = strlen(want);
                if (g_ascii_strcasecmp(h, want[0] == '.' ? want + 1 : want) ==
                    0)
                        return 1;
                /* ".example.com": a.example.com, not badexample.com. */
                if (want[0] == '.' && wl > 1 && hl > wl &&
                    g_ascii_strcasecmp(h + hl - wl, want) == 0)
                        return 1;
        }
        return 0;
}

/* ---- http(s) ----------------------------------------------------------- */

/* The body of one HTTP response, growing up to limit. */
struct source_body {
        unsigned char *p;
        size_t len, alloc, limit;
        int over; /* the body went past limit */
};

static size_t source_write(char *data, size_t size, size_t nmemb, void *arg)
{
        struct source_body *b = arg;
        size_t n = size * nmemb;

        if (n > b->limit - b->len) {
                b->over = 1;
                return 0; /* curl stops with CURLE_WRITE_ERROR */
        }
        if (b->len + n > b->alloc) {
                size_t want = b->alloc ? b->alloc * 2 : 65536;
                if (want < b->len + n)
                        want = b->len + n;
                if (want > b->limit)
                        want = b->limit;
                b->p = xrealloc(b->p, want);
                b->alloc = want;
        }
        memcpy(b->p + b->len, data, n);
        b->len += n;
        return n;
}

/* What the open-socket callback is told, and what it found. */
struct source_net {
        int allow_private; /* sources.http_allow_private */
        char refused[96];  /* "127.0.0.1 (loopback)", the first
                              address refused; "" for none */
};

/* Called by curl for each address it is about to connect to, after DNS:
 * the place where the address is the one really used. Returns a new
 * socket, or CURL_SOCKET_BAD to refuse the address (curl then tries the
 * next one, or fails with CURLE_COULDNT_CONNECT). */
static curl_socket_t source_open_socket(void *arg, curlsocktype purpose,
                                        struct curl_sockaddr *a)
{
        struct source_net *net = arg;
        const char *why = NULL;

        if (purpose != CURLSOCKTYPE_IPCXN)
                why = "not a connection";
        else if (!net->allow_private)
                why = source_addr_private(&a->addr);
        if (why) {
                if (!net->refused[0]) {
                        struct sockaddr_storage ss;
                        char ip[INET6_ADDRSTRLEN] = "?";
                        size_t n = a->addrlen < sizeof(ss) ? a->addrlen
                                                           : sizeof(ss);

                        memset(&ss, 0, sizeof(ss));
                        memcpy(&ss, &a->addr, n);
                        if (ss.ss_family == AF_INET)
                                inet_ntop(
                                        AF_INET,
                                        &((struct sockaddr_in *)&ss)->sin_addr,
                                        ip, sizeof(ip));
                        else if (ss.ss_family == AF_INET6)
                                inet_ntop(AF_INET6,
                                          &((struct sockaddr_in6 *)&ss)
                                                   ->sin6_addr,
                                          ip, sizeof(ip));
                        snprintf(net->refused, sizeof(net->refused), "%s (%s)",
                                 ip, why);
                }
                return CURL_SOCKET_BAD;
        }
        return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* The class of a failed transfer: a uri curl cannot use stays bad; the
 * network, DNS, TLS and time outs may get better. */
static enum err_class source_curl_class(CURLcode res)
{
        switch (res) {
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
        case CURLE_TOO_MANY_REDIRECTS:
                return ERR_INPUT;
        default:
                return ERR_RETRY;
        }
}

/* Checks url before it is requested: http or https, and its host in
 * sources.http_allow_hosts when that is set. how is "" for the uri given,
 * "redirected to " for a redirect's target. Returns 0, or -1 with err
 * (ERR_INPUT) about shown (the uri given, redacted). */
static int source_url_ok(CURLU *url, const struct config *cfg,
                         const char *shown, const char *how, struct err *err)
{
        char *scheme = NULL, *host = NULL, hshown[SOURCE_HOST_SHOWN];
        int rc = -1;

        if (curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            (g_ascii_strcasecmp(scheme, "http") != 0 &&
             g_ascii_strcasecmp(scheme, "https") != 0)) {
                err_set(err, ERR_INPUT,
                        "fetching %s: %sa scheme other than http or https",
                        shown, how);
                goto out;
        }
        if (curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
                err_set(err, ERR_INPUT, "fetching %s: %sa url without a host",
                        shown, how);
                goto out;
        }
        if (!source_host_allowed(host, cfg->http_allow_hosts,
                                 cfg->http_allow_hosts_n)) {
                err_set(err, ERR_INPUT,
                        "fetching %s: %shost %s, which is not in "
                        "sources.http_allow_hosts",
                        shown, how, source_show(host, hshown, sizeof(hshown)));
                goto out;
        }
        rc = 0;
out:
        curl_free(scheme);
        curl_free(host);
        return rc;
}

/* Is part of a and b the same (both absent counts)? */
static int source_same_part(CURLU *a, CURLU *b, CURLUPart part, unsigned flags)
{
        char *x = NULL, *y = NULL;
        int same;

        curl_url_get(a, part, &x, flags);
        curl_url_get(b, part, &y, flags);
        same = (!x && !y) || (x && y && g_ascii_strcasecmp(x, y) == 0);
        curl_free(x);
        curl_free(y);
        return same;
}

/* Returns a new url for a redirect to loc (absolute: curl resolved it
 * against cur). The credentials of cur go along to the same origin
 * (scheme, host, port) only, as curl's own redirects do; none go
 * elsewhere. NULL when loc is no url. */
static CURLU *source_redirect(CURLU *cur, const char *loc)
{
        CURLU *next = curl_url();
        char *part = NULL;

        if (!next || curl_url_set(next, CURLUPART_URL, loc, 0) != CURLUE_OK) {
                curl_url_cleanup(next);
                return NULL;
        }
        if (source_same_part(cur, next, CURLUPART_SCHEME, 0) &&
            source_same_part(cur, next, CURLUPART_HOST, 0) &&
            source_same_part(cur, next, CURLUPART_PORT, CURLU_DEFAULT_PORT)) {
                if (curl_url_get(cur, CURLUPART_USER, &part, 0) == CURLUE_OK) {
                        curl_url_set(next, CURLUPART_USER, part, 0);
                        curl_free(part);
                        part = NULL;
                }
                if (curl_url_get(cur, CURLUPART_PASSWORD, &part, 0) ==
                    CURLUE_OK) {
                        curl_url_set(next, CURLUPART_PASSWORD, part, 0);
                        curl_free(part);
                }
        } else {
                curl_url_set(next, CURLUPART_USER, NULL, 0);
                curl_url_set(next, CURLUPART_PASSWORD, NULL, 0);
                curl_url_set(next, CURLUPART_OPTIONS, NULL, 0);
        }
        return next;
}

/* Is code a redirect that a GET follows? */
static int source_is_redirect(long code)
{
        return code == 301 || code == 302 || code == 303 || code == 307 ||
               code == 308;
}

/* Reads uri (http:// or https://) into *out and *outlen (new); may set
 * doc->content_type from the response when it was NULL. */
static int source_http(struct doc *doc, const char *uri,
                       const struct config *cfg, unsigned char **out,
                       size_t *outlen, struct err *err)
{
        struct source_body body = {0};
        struct source_net net = {cfg->http_allow_private, ""};
        char errbuf[CURL_ERROR_SIZE], errshown[CURL_ERROR_SIZE];
        char shown[SOURCE_URI_SHOWN];
        const char *cap_name = "sources.http_max_bytes";
        long code = 0;
        int64_t limit = cfg->http_max_bytes;
        gint64 deadline;
        char *ct = NULL;
        CURL *curl = NULL;
        CURLU *url = NULL, *next;
        CURLcode res;
        int hops = 0, rc = -1;

        source_redact(uri, shown, sizeof(shown));
        if (cfg->max_bytes < limit) {
                limit = cfg->max_bytes;
                cap_name = "limits.max_bytes";
        }
        body.limit = limit > 0 ? (size_t)limit : 0;
        /* One time limit for the fetch, redirects included. */
        deadline = g_get_monotonic_time() + (gint64)cfg->http_timeout_ms * 1000;

        /* curl's own parser, the one the transfer uses: "2130706433",
         * "0x7f.1" and "%31%32%37.0.0.1" all read 127.0.0.1 here too. */
        url = curl_url();
        if (!url)
                return err_set(err, ERR_RETRY, "curl_url failed");
        if (curl_url_set(url, CURLUPART_URL, uri, 0) != CURLUE_OK) {
                err_set(err, ERR_INPUT, "fetching %s: not a valid url", shown);
                goto out;
        }
        if (source_url_ok(url, cfg, shown, "", err) < 0)
                goto out;

        curl = curl_easy_init();
        if (!curl) {
                err_set(err, ERR_RETRY, "curl_easy_init failed");
                goto out;
        }
        errbuf[0] = '\0';
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
                         (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        /* Redirects are ours (source_redirect), each one checked. */
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        /* No proxy from http_proxy and the like: the address check must
         * see the address connected to, not a proxy's. */
        curl_easy_setopt(curl, CURLOPT_PROXY, "");
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, source_open_socket);
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &net);
        if (body.limit > 0)
                curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                                 (curl_off_t)body.limit);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, source_write);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "docpipe");
        curl_easy_setopt(curl, CURLOPT_CURLU, url);

        for (;;) {
                long left_ms =
                        (long)((deadline - g_get_monotonic_time()) / 1000);
                char *loc = NULL;

                if (left_ms <= 0) {
                        err_set(err, ERR_RETRY,
                                "fetching %s: out of time after %d "
                                "redirects (sources.http_timeout_ms)",
                                shown, hops);
                        goto out;
                }
                curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, left_ms);
                curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                                 left_ms < SOURCE_CONNECT_MS
                                         ? left_ms
                                         : SOURCE_CONNECT_MS);
                /* A redirect's own body is dropped (body.over, once
                 * set, ends the fetch). */
                body.len = 0;
                errbuf[0] = '\0';
                res = curl_easy_perform(curl);
                if (res == CURLE_FILESIZE_EXCEEDED ||
                    (res == CURLE_WRITE_ERROR && body.over)) {
                        err_set(err, ERR_INPUT,
                                "document at %s is over the cap of %lld "
                                "bytes (%s)",
                                shown, (long long)limit, cap_name);
                        goto out;
                }
                if (res == CURLE_COULDNT_CONNECT && net.refused[0]) {
                        err_set(err, ERR_INPUT,
                                "fetching %s: address %s refused: private, "
                                "loopback, link-local and reserved "
                                "addresses need sources.http_allow_private",
                                shown, net.refused);
                        goto out;
                }
                if (res != CURLE_OK) {
                        const char *msg =
                                errbuf[0] ? errbuf : curl_easy_strerror(res);

                        /* curl's own text names hosts, not passwords, but
                         * do not bet a secret on it. */
                        if (source_leaks(uri, errbuf))
                                msg = curl_easy_strerror(res);
                        else
                                msg = source_show(msg, errshown,
                                                  sizeof(errshown));
                        err_set(err, source_curl_class(res), "fetching %s: %s",
                                shown, msg);
                        goto out;
                }
                curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
                if (!source_is_redirect(code) ||
                    curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &loc) !=
                            CURLE_OK ||
                    !loc)
                        break;
                if (++hops > SOURCE_MAX_REDIRS) {
                        err_set(err, ERR_INPUT,
                                "fetching %s: more than %d redirects", shown,
                                SOURCE_MAX_REDIRS);
                        goto out;
                }
                next = source_redirect(url, loc);
                if (!next) {
                        err_set(err, ERR_INPUT,
                                "fetching %s: redirected to something that "
                                "is not a url",
                                shown);
                        goto out;
                }
                /* The handle holds url until it is given the next one. */
                curl_easy_setopt(curl, CURLOPT_CURLU, next);
                curl_url_cleanup(url);
                url = next;
                if (source_url_ok(url, cfg, shown, "redirected to ", err) < 0)
                        goto out;
        }
        if (code == 408 || code == 429 || code >= 500) {
                err_set(err, ERR_RETRY, "http %ld fetching %s", code, shown);
                goto out;
        }
        if (code < 200 || code > 299) {
                err_set(err, ERR_INPUT, "http %ld fetching %s", code, shown);
                goto out;
        }
        if (!doc->content_type &&
            curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
            ct)
                doc->content_type = source_type_norm(ct);
        *out = body.p;
        *outlen = body.len;
        body.p = NULL; /* now owned by the caller */
        rc = 0;
out:
        free(body.p);
        if (curl)
                curl_easy_cleanup(curl);
        curl_url_cleanup(url);
        return rc;
}

/* Reads doc->source into doc->bytes and doc->len. */
static int source_get(struct doc *doc, const struct config *cfg,
                      struct err *err)
{
        const char *uri = doc->source;
        unsigned char *bytes = NULL;
        size_t len = 0;
        int rc;

        if (!uri || strcmp(uri, "kafka") == 0)
                return err_set(err, ERR_INPUT,
                               "document has neither bytes nor a uri to "
                               "fetch");
        if (g_ascii_strncasecmp(uri, "file://", 7) == 0) {
                rc = source_file(uri, cfg, &bytes, &len, err);
        } else if (g_ascii_strncasecmp(uri, "http://", 7) == 0 ||
                   g_ascii_strncasecmp(uri, "https://", 8) == 0) {
                rc = source_http(doc, uri, cfg, &bytes, &len, err);
        } else {
                char shown[SOURCE_URI_SHOWN];

                source_redact(uri, shown, sizeof(shown));
                rc = err_set(err, ERR_INPUT, "unsupported uri scheme in %s",
                             shown);
        }
        if (rc < 0)
                return -1;
        if (len == 0) {
                free(bytes);
                return err_set(err, ERR_INPUT, "empty document");
        }
        doc->bytes = bytes;
        doc->len = len;
        return 0;
}

int source_fetch(struct doc *doc, const struct config *cfg, struct err *err)
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;

        if (!doc->bytes && source_get(doc, cfg, err) < 0)
                return -1;
        if (doc->len == 0)
                return err_set(err, ERR_INPUT, "empty document");

        /* OpenSSL's SHA-256 uses the CPU's SHA extensions: ten times
         * GLib's, which matters at a gigabyte of PDFs a minute. */
        if (!EVP_Digest(doc->bytes, doc->len, md, &mdlen, EVP_sha256(), NULL) ||
            mdlen != 32)
                return err_set(err, ERR_RETRY, "sha256: OpenSSL failed");
        for (unsigned int i = 0; i < mdlen; i++)
                snprintf(doc->sha256 + 2 * i, 3, "%02x", md[i]);

        if (!doc->content_type) {
                const char *ct = job_sniff(doc->bytes, doc->len);

                if (!ct)
                        return err_set(err, ERR_INPUT,
                                       "unknown content type: not a PDF or "
                                       "text");
                doc->content_type = xstrdup(ct);
        }
        return 0;
}
