/*
 * http: /metrics, /healthz and /readyz on libmicrohttpd's own thread (see
 * http.h). The socket is bound here rather than by libmicrohttpd, so that
 * "address in use" reaches the operator as such and port 0 can be read
 * back. Owns the socket, the daemon and the heartbeat timer.
 */
#include "http.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "doc.h"
#include "log.h"
#include "store.h"

#define HTTP_BEAT_MS 1000          /* heartbeat period */
#define HTTP_CONNECTIONS 32        /* scrapers and probes at once */
#define HTTP_TIMEOUT_S 10          /* an idle connection is closed */
#define HTTP_METRICS_MAX (4 << 20) /* bytes of one /metrics answer */

struct http {
        struct MHD_Daemon *mhd;
        int fd;
        int port;
        struct metrics *m;
        struct store *s;
        uv_timer_t beat;
};

static void http_on_beat(uv_timer_t *t)
{
        struct http *h = t->data;

        metrics_heartbeat(h->m, uv_hrtime());
}

static int http_pg_ok(const struct http *h)
{
        return h->s ? store_reachable(h->s) : 1;
}

/* Queues a reply of len bytes of body (copied). */
static enum MHD_Result http_reply(struct MHD_Connection *conn, unsigned status,
                                  const char *type, const char *body,
                                  size_t len)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;

        resp = MHD_create_response_from_buffer(len, (void *)body,
                                               MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                "no-store");
        ret = MHD_queue_response(conn, status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result http_text(struct MHD_Connection *conn, unsigned status,
                                 const char *text)
{
        char body[256];
        int n = snprintf(body, sizeof(body), "%s\n", text);

        return http_reply(conn, status, "text/plain; charset=utf-8", body,
                          n < 0                       ? 0
                          : (size_t)n >= sizeof(body) ? sizeof(body) - 1
                                                      : (size_t)n);
}

static enum MHD_Result http_metrics(struct http *h, struct MHD_Connection *conn)
{
        char *text = NULL;
        size_t len = 0;
        enum MHD_Result ret;
        FILE *f = open_memstream(&text, &len);

        if (!f)
                return http_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 "out of memory");
        metrics_render(h->m, f, http_pg_ok(h), uv_hrtime());
        fclose(f);
        if (len > HTTP_METRICS_MAX) {
                free(text);
                return http_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 "metrics over 4 MiB");
        }
        ret = http_reply(conn, MHD_HTTP_OK,
                         "text/plain; version=0.0.4; charset=utf-8", text, len);
        free(text);
        return ret;
}

static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn,
                                       const char *url, const char *method,
                                       const char *version,
                                       const char *upload_data,
                                       size_t *upload_size, void **state)
{
        struct http *h = cls;
        char why[160];
        int ok;

        (void)version;
        (void)upload_data;
        /* The first call only announces the request (headers read). */
        if (!*state) {
                *state = h;
                return MHD_YES;
        }
        if (*upload_size) {
                *upload_size = 0; /* a body is read and ignored */
                return MHD_YES;
        }
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
                return http_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET");
        if (strcmp(url, "/metrics") == 0)
                return http_metrics(h, conn);
        if (strcmp(url, "/healthz") == 0) {
                ok = metrics_alive(h->m, uv_hrtime(), why, sizeof(why));
                return http_text(
                        conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                        why);
        }
        if (strcmp(url, "/readyz") == 0) {
                ok = metrics_ready(h->m, http_pg_ok(h), why, sizeof(why));
                return http_text(
                        conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                        why);
        }
        return http_text(conn, MHD_HTTP_NOT_FOUND,
                         "not found: /metrics, /healthz, /readyz");
}

static void http_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
        char msg[512];

        (void)cls;
        vsnprintf(msg, sizeof(msg), fmt, ap);
        msg[strcspn(msg, "\n")] = '\0';
        log_warn("http", "%s", msg);
}

/* A listening socket on addr ("HOST:PORT", "[V6]:PORT"), or -1 with err. */
static int http_listen(const char *addr, int *port, struct err *err)
{
        const char *colon = strrchr(addr, ':');
        struct addrinfo hints, *ai = NULL;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        char host[256];
        size_t hlen;
        int fd = -1, one = 1, rc;

        if (!colon || colon == addr)
                return err_set(err, ERR_FATAL,
                               "worker.metrics_addr: '%s' is not HOST:PORT",
                               addr);
        hlen = (size_t)(colon - addr);
        if (addr[0] == '[' && hlen >= 2 && addr[hlen - 1] == ']') {
                addr++;
                hlen -= 2;
        }
        if (hlen >= sizeof(host))
                return err_set(err, ERR_FATAL,
                               "worker.metrics_addr: host too long");
        memcpy(host, addr, hlen);
        host[hlen] = '\0';
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        rc = getaddrinfo(host, colon + 1, &hints, &ai);
        if (rc != 0)
                return err_set(err, ERR_FATAL,
                               "worker.metrics_addr: cannot resolve '%s': %s",
                               host, gai_strerror(rc));
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                err_set(err, ERR_FATAL, "metrics listener: socket: %s",
                        strerror(errno));
                goto out;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6) {
                int zero = 0; /* "[::]" takes IPv4 too */
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
                err_set(err, ERR_FATAL,
                        "metrics listener: cannot listen on %s:%s: %s "
                        "(worker.metrics_addr; port 0 takes a free one, "
                        "empty turns it off)",
                        host, colon + 1, strerror(errno));
                close(fd);
                fd = -1;
                goto out;
        }
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
                *port = ntohs(ss.ss_family == AF_INET6
                                      ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                      : ((struct sockaddr_in *)&ss)->sin_port);
out:
        freeaddrinfo(ai);
        return fd;
}

struct http *http_new(uv_loop_t *loop, const char *addr, struct metrics *m,
                      struct store *s, struct err *err)
{
        struct http *h = xcalloc(1, sizeof(*h));

        h->m = m;
        h->s = s;
        h->fd = http_listen(addr, &h->port, err);
        if (h->fd < 0) {
                free(h);
                return NULL;
        }
        metrics_heartbeat(m, uv_hrtime());
        /* Its thread takes no signal: the loop thread handles them (the
         * caller starts us with SIGTERM and SIGINT blocked). */
        h->mhd = MHD_start_daemon(
                MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG,
                0, NULL, NULL, http_on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
                http_on_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, h->fd,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS,
                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
                MHD_OPTION_END);
        if (!h->mhd) {
                err_set(err, ERR_FATAL,
                        "metrics listener: libmicrohttpd did not start on %s",
                        addr);
                close(h->fd);
                free(h);
                return NULL;
        }
        uv_timer_init(loop, &h->beat);
        h->beat.data = h;
        uv_timer_start(&h->beat, http_on_beat, HTTP_BEAT_MS, HTTP_BEAT_MS);
        log_info("http", "listening on %.*s:%d: /metrics, /healthz, /readyz",
                 (int)(strrchr(addr, ':') - addr), addr, h->port);
        return h;
}

int http_port(const struct http *h)
{
        return h->port;
}

static void http_on_closed(uv_handle_t *hd)
{
        free(hd->data);
}

void http_free(struct http *h)
{
        MHD_socket fd;

        if (!h)
                return;
        /* Quiesced, the daemon hands the socket back instead of closing
         * it itself: closed once, here. */
        fd = MHD_quiesce_daemon(h->mhd);
        MHD_stop_daemon(h->mhd);
        if (fd != MHD_INVALID_SOCKET)
                close(fd);
        uv_close((uv_handle_t *)&h->beat, http_on_closed);
}
