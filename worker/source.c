/*
 * source: fetches a document's bytes from its uri (see source.h), then
 * hashes them and sniffs the content type when nobody declared one.
 * file:// is confined to sources.file_root: the path is percent-decoded,
 * any ".." component is refused, the path must name the root before the
 * file system is asked anything (so that no one can probe what exists
 * outside it), and the realpath of the file must still be under the
 * realpath of the root (so that symlinks cannot lead out); the file must be
 * regular and within limits.max_bytes before a byte is read.
 * http(s):// goes through one libcurl easy handle per call, http and https
 * only (redirects too, at most SOURCE_MAX_REDIRS), with a time limit and a
 * body cap (sources.http_max_bytes, or limits.max_bytes when smaller)
 * enforced by the write callback. A uri may carry credentials (user:pass@,
 * a signed query string): error messages only ever show it redacted.
 * Owns the buffers and the curl handle of one call; thread-safe, but the
 * process must have called curl_global_init before threads start.
 */
#include "source.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job.h"

#define SOURCE_MAX_REDIRS 3L
#define SOURCE_CONNECT_MS 10000L /* at most; less when the timeout is less */
#define SOURCE_URI_SHOWN 256     /* bytes of a redacted uri in messages */

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

/* Reads the file of uri (file://...) into *out and *outlen (new). */
static int source_file(const char *uri, const struct config *cfg,
                       unsigned char **out, size_t *outlen, struct err *err)
{
        const char *p = uri + strlen("file://");
        char *path = NULL, *root = NULL, *real = NULL;
        char shown[SOURCE_URI_SHOWN];
        unsigned char *buf = NULL;
        size_t len = 0;
        struct stat st;
        int fd = -1, rc = -1;

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
        /* O_NOFOLLOW: a symlink swapped in since realpath stays refused;
         * O_NONBLOCK: opening a FIFO must not wait for a writer. */
        fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT)
                        err_set(err, ERR_INPUT, "no such file: %s", shown);
                else if (errno == ELOOP)
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
        free(buf);
        free(real);
        free(root);
        free(path);
        return rc;
}

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

/* The class of a failed transfer: a uri curl cannot use, or a redirect
 * loop, stays bad; the network, DNS, TLS and time outs may get better. */
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

/* Reads uri (http:// or https://) into *out and *outlen (new); may set
 * doc->content_type from the response when it was NULL. */
static int source_http(struct doc *doc, const char *uri,
                       const struct config *cfg, unsigned char **out,
                       size_t *outlen, struct err *err)
{
        struct source_body body = {0};
        char errbuf[CURL_ERROR_SIZE], errshown[CURL_ERROR_SIZE];
        char shown[SOURCE_URI_SHOWN];
        const char *cap_name = "sources.http_max_bytes";
        long code = 0, connect_ms = SOURCE_CONNECT_MS;
        int64_t limit = cfg->http_max_bytes;
        char *ct = NULL;
        CURL *curl;
        CURLcode res;
        int rc = -1;

        source_redact(uri, shown, sizeof(shown));
        if (cfg->max_bytes < limit) {
                limit = cfg->max_bytes;
                cap_name = "limits.max_bytes";
        }
        body.limit = limit > 0 ? (size_t)limit : 0;
        if (cfg->http_timeout_ms > 0 && cfg->http_timeout_ms < connect_ms)
                connect_ms = cfg->http_timeout_ms;

        curl = curl_easy_init();
        if (!curl)
                return err_set(err, ERR_RETRY, "curl_easy_init failed");
        errbuf[0] = '\0';
        curl_easy_setopt(curl, CURLOPT_URL, uri);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, SOURCE_MAX_REDIRS);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)cfg->http_timeout_ms);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
        if (body.limit > 0)
                curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                                 (curl_off_t)body.limit);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, source_write);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "docpipe");

        res = curl_easy_perform(curl);
        if (res == CURLE_FILESIZE_EXCEEDED ||
            (res == CURLE_WRITE_ERROR && body.over)) {
                err_set(err, ERR_INPUT,
                        "document at %s is over the cap of %lld bytes (%s)",
                        shown, (long long)limit, cap_name);
                goto out;
        }
        if (res != CURLE_OK) {
                const char *msg = errbuf[0] ? errbuf : curl_easy_strerror(res);

                /* curl's own text names hosts, not passwords, but do not
                 * bet a secret on it. */
                if (source_leaks(uri, errbuf))
                        msg = curl_easy_strerror(res);
                else
                        msg = source_show(msg, errshown, sizeof(errshown));
                err_set(err, source_curl_class(res), "fetching %s: %s", shown,
                        msg);
                goto out;
        }
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
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
        curl_easy_cleanup(curl);
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
