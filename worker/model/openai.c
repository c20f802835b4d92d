/*
 * openai: OpenAI-compatible chat completions over libcurl's multi-socket
 * interface on the libuv loop (see openai.h). curl tells us which sockets
 * to watch (on_curl_socket: one uv_poll each) and when to call it back
 * (on_curl_timer: one uv_timer); we hand every event to
 * curl_multi_socket_action and then collect finished transfers. A request
 * makes one easy handle per attempt; between attempts it waits on its own
 * timer. Each endpoint keeps a FIFO queue in front of its concurrency cap,
 * two token buckets (requests and estimated tokens per minute) and a
 * circuit breaker. libcurl never retries: the one retry loop is here.
 * Each attempt's HTTP version (HTTP/2 where the server offers it, streams
 * multiplexed) and the connections opened are counted per endpoint and
 * logged when the client closes.
 * Callbacks are called only from our loop callbacks (or openai_free);
 * anything that fails at once is delivered from a 0 ms timer. Owns the
 * multi handle, the endpoints, the requests and their bodies, the socket
 * contexts and every libuv handle; the client is freed by the close
 * callback of its last handle.
 */
#include "openai.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "../doc.h"
#include "../log.h"

#define OPENAI_PATH "/chat/completions"
#define OPENAI_URL_MAX 2048  /* base_url length cap */
#define OPENAI_EXCERPT 200   /* bytes of an error reply quoted */
#define OPENAI_BURST_MS 1000 /* a rate bucket holds this long's worth */
#define OPENAI_MAX_REPLY_CAP (1L << 30)

enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };

/* The HTTP version an attempt went over, as counted per endpoint. */
enum http_ver { VER_NONE, VER_1, VER_2, VER_3, VER_N };
static const char *const http_ver_names[VER_N] = {"no response", "HTTP/1.x",
                                                  "HTTP/2", "HTTP/3"};

/* Where a live request is; every live request is also on ep->reqs. */
enum req_state {
        REQ_QUEUED,  /* on ep->queue: waiting for a slot or a rate bucket */
        REQ_ACTIVE,  /* its easy handle is in the multi; counts in inflight */
        REQ_BACKOFF, /* req->timer runs until it goes back to the queue */
        REQ_FAILED   /* req->timer (0 ms) delivers req->err */
};

/* How an attempt ended. */
enum outcome {
        OUT_OK,       /* a reply with content */
        OUT_RETRY,    /* worth another attempt */
        OUT_ENDPOINT, /* the endpoint failed; another attempt won't help */
        OUT_INPUT     /* the endpoint works and refuses this request */
};

struct openai_req {
        struct openai_endpoint *ep;
        enum req_state state;
        TAILQ_ENTRY(openai_req) all;  /* ep->reqs */
        TAILQ_ENTRY(openai_req) wait; /* ep->queue while REQ_QUEUED */
        uv_timer_t timer;             /* backoff, deferred failure */
        char *body;                   /* serialized request, owned */
        size_t body_len;
        long est_tokens;
        openai_done_fn done;
        void *arg;

        /* The attempt in flight. */
        CURL *easy;
        char errbuf[CURL_ERROR_SIZE];
        char *buf; /* reply body, owned, NUL-terminated; capped */
        size_t len, size;
        int over_cap;
        uint64_t start_ns;

        /* What the attempts came to. */
        int attempts;
        long status;
        double latency_ms;
        char detail[256]; /* what went wrong in the last attempt */
        struct err err;   /* the final error, when there is one */
};

TAILQ_HEAD(req_list, openai_req);

/* A socket curl asked us to watch. */
struct openai_sock {
        struct openai *c;
        curl_socket_t fd;
        uv_poll_t poll;
        LIST_ENTRY(openai_sock) link; /* c->socks until closed */
};

struct openai_endpoint {
        struct openai *c;
        TAILQ_ENTRY(openai_endpoint) link; /* c->eps */
        struct openai_endpoint_cfg cfg;    /* numbers, defaults applied */
        char *name, *model, *url;          /* owned */
        char *ca_file;                     /* owned, or NULL: the system's */
        json_t *extra_body;                /* owned, or NULL */
        struct curl_slist *headers;        /* owned; holds the API key */
        char subject[96];                  /* log subject */
        struct req_list reqs;              /* every live request */
        struct req_list queue;             /* REQ_QUEUED, oldest first */
        int inflight;

        /* Rate limits: tokens now in each bucket (may go below 0). */
        uv_timer_t rate_timer;
        double req_bucket, tok_bucket;
        uint64_t bucket_ms;

        /* Circuit breaker. */
        enum breaker_state breaker;
        int failures; /* consecutive failed requests */
        uint64_t open_until;
        struct openai_req *probe; /* the one request let through half-open */

        /* What the attempts went over, logged when the client closes. */
        long attempts_n;
        long by_ver[VER_N];
        long connects; /* connections opened for them */
};

struct openai {
        uv_loop_t *loop;
        CURLM *multi;
        uv_timer_t timer; /* curl's timeout */
        TAILQ_HEAD(ep_list, openai_endpoint) eps;
        LIST_HEAD(sock_list, openai_sock) socks;
        int handles;    /* libuv handles not yet closed */
        int depth;      /* our loop callbacks on the stack */
        int closing;    /* openai_free has run */
        int free_asked; /* openai_free called from a callback */
        uint64_t rng;   /* xorshift state, for jitter */
};

static void ep_pump(struct openai_endpoint *ep);

/* --- The client's lifetime ------------------------------------------- */

static void ep_destroy(struct openai_endpoint *ep)
{
        free(ep->name);
        free(ep->model);
        free(ep->url);
        free(ep->ca_file);
        json_decref(ep->extra_body);
        curl_slist_free_all(ep->headers);
        free(ep);
}

/* Frees everything once the last handle is closed. */
static void client_release(struct openai *c)
{
        while (!TAILQ_EMPTY(&c->eps)) {
                struct openai_endpoint *ep = TAILQ_FIRST(&c->eps);
                TAILQ_REMOVE(&c->eps, ep, link);
                ep_destroy(ep);
        }
        free(c);
}

static void client_handle_gone(struct openai *c)
{
        if (--c->handles == 0 && c->closing)
                client_release(c);
}

static void on_handle_closed(uv_handle_t *h)
{
        client_handle_gone(h->data);
}

static void client_close(struct openai *c);

/* Entered around every loop callback of ours: openai_free from inside a
 * done callback waits until the stack unwinds to here. */
static void client_enter(struct openai *c)
{
        c->depth++;
}

static void client_leave(struct openai *c)
{
        if (--c->depth == 0 && c->free_asked && !c->closing)
                client_close(c);
}

static uint64_t client_random(struct openai *c)
{
        c->rng ^= c->rng << 13;
        c->rng ^= c->rng >> 7;
        c->rng ^= c->rng << 17;
        return c->rng;
}

/* --- Requests -------------------------------------------------------- */

static void on_req_closed(uv_handle_t *h)
{
        struct openai_req *req = h->data;
        struct openai *c = req->ep->c;

        free(req->body);
        free(req);
        client_handle_gone(c);
}

/* Releases the current attempt's easy handle and reply buffer. */
static void req_drop_attempt(struct openai_req *req)
{
        if (req->easy) {
                curl_multi_remove_handle(req->ep->c->multi, req->easy);
                curl_easy_cleanup(req->easy);
                req->easy = NULL;
                req->ep->inflight--;
        }
        free(req->buf);
        req->buf = NULL;
        req->len = req->size = 0;
        req->over_cap = 0;
}

/* Returns choices[0].message.content of body (borrowed), or NULL. */
static const char *reply_content(const json_t *body)
{
        const json_t *choice =
                json_array_get(json_object_get(body, "choices"), 0);

        return json_string_value(
                json_object_get(json_object_get(choice, "message"), "content"));
}

/* Calls req's callback, with body (stolen) on success or req->err, and
 * frees req (in its timer's close callback). */
static void req_deliver(struct openai_req *req, json_t *body)
{
        struct openai_endpoint *ep = req->ep;
        struct openai_reply reply;

        memset(&reply, 0, sizeof(reply));
        reply.status = req->status;
        reply.attempts = req->attempts;
        reply.latency_ms = req->latency_ms;
        if (ep->probe == req)
                ep->probe = NULL;
        TAILQ_REMOVE(&ep->reqs, req, all);
        if (body) {
                const json_t *usage = json_object_get(body, "usage");
                reply.body = body;
                reply.content = reply_content(body);
                reply.usage = json_is_object(usage) ? usage : NULL;
                req->done(req->arg, &reply, NULL);
                json_decref(body);
        } else {
                req->done(req->arg, &reply, &req->err);
        }
        uv_close((uv_handle_t *)&req->timer, on_req_closed);
}

static void on_req_timer(uv_timer_t *t)
{
        struct openai_req *req = t->data;
        struct openai_endpoint *ep = req->ep;
        struct openai *c = ep->c;

        client_enter(c);
        if (req->state == REQ_FAILED) {
                req_deliver(req, NULL);
        } else { /* backoff over: first in line again */
                req->state = REQ_QUEUED;
                TAILQ_INSERT_HEAD(&ep->queue, req, wait);
                ep_pump(ep);
        }
        client_leave(c);
}

/* Fails req with class cls from a 0 ms timer, so that no callback runs
 * inside openai_chat or the code that found the failure. */
static void req_fail_later(struct openai_req *req, enum err_class cls,
                           const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void req_fail_later(struct openai_req *req, enum err_class cls,
                           const char *fmt, ...)
{
        va_list ap;

        req->err.cls = cls;
        va_start(ap, fmt);
        vsnprintf(req->err.msg, sizeof(req->err.msg), fmt, ap);
        va_end(ap);
        req->state = REQ_FAILED;
        uv_timer_start(&req->timer, on_req_timer, 0, 0);
}

static size_t on_write(char *data, size_t size, size_t n, void *arg)
{
        struct openai_req *req = arg;
        size_t add = size * n, max = (size_t)req->ep->cfg.max_reply_bytes;

        if (add > max - req->len) {
                req->over_cap = 1;
                return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
        }
        if (req->len + add + 1 > req->size) {
                size_t want = req->size ? req->size * 2 : 16384;
                if (want < req->len + add + 1)
                        want = req->len + add + 1;
                if (want > max + 1)
                        want = max + 1;
                req->buf = xrealloc(req->buf, want);
                req->size = want;
        }
        memcpy(req->buf + req->len, data, add);
        req->len += add;
        req->buf[req->len] = '\0';
        return add;
}

/* Starts an attempt: a new easy handle into the multi. */
static void req_start(struct openai_req *req)
{
        struct openai_endpoint *ep = req->ep;
        CURL *easy = curl_easy_init();
        CURLMcode mc;

        if (!easy) {
                req_fail_later(req, ERR_RETRY, "endpoint %s: curl_easy_init",
                               ep->name);
                return;
        }
        req->errbuf[0] = '\0';
        curl_easy_setopt(easy, CURLOPT_URL, ep->url);
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, ep->headers);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)req->body_len);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
        curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t)ep->cfg.max_reply_bytes);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->errbuf);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         (long)ep->cfg.connect_timeout_ms);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)ep->cfg.timeout_ms);
        /* HTTP/2 over TLS when the server offers it; new transfers wait
         * for a connection that may multiplex rather than open another. */
        curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                         (long)CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
        if (ep->ca_file)
                curl_easy_setopt(easy, CURLOPT_CAINFO, ep->ca_file);
        curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, ""); /* cap: decoded */
        curl_easy_setopt(easy, CURLOPT_USERAGENT, "docpipe");

        req->attempts++;
        req->start_ns = uv_hrtime();
        mc = curl_multi_add_handle(ep->c->multi, easy);
        if (mc != CURLM_OK) {
                curl_easy_cleanup(easy);
                req_fail_later(req, ERR_RETRY, "endpoint %s: %s", ep->name,
                               curl_multi_strerror(mc));
                return;
        }
        req->easy = easy;
        req->state = REQ_ACTIVE;
        ep->inflight++;
}

/* Writes a short printable excerpt of an error reply into out: the message
 * of an OpenAI-style error object when there is one, else the body. */
static void reply_excerpt(const struct openai_req *req, char *out, size_t size)
{
        json_t *j = req->len ? json_loadb(req->buf, req->len, 0, NULL) : NULL;
        const json_t *e = json_object_get(j, "error");
        const char *s = json_string_value(json_object_get(e, "message"));
        size_t n;

        if (!s)
                s = json_string_value(e);
        if (!s)
                s = json_string_value(json_object_get(j, "detail"));
        if (!s)
                s = req->buf ? req->buf : "";
        n = strnlen(s, OPENAI_EXCERPT);
        if (n > size - 1)
                n = size - 1;
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (ch < 0x20 || ch > 0x7e)
                        out[i] = ' ';
                else
                        out[i] = s[i];
        }
        out[n] = '\0';
        json_decref(j);
}

/* Transport errors worth another attempt. */
static int curl_retryable(CURLcode rc)
{
        switch (rc) {
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_HTTP3:
        case CURLE_QUIC_CONNECT_ERROR:
        case CURLE_AGAIN:
                return 1;
        default:
                return 0;
        }
}

/* Sorts a finished attempt, with what went wrong in req->detail. On
 * OUT_OK *out is the parsed reply (new). */
static enum outcome req_judge(struct openai_req *req, CURLcode rc, json_t **out)
{
        long status = req->status;
        char ex[OPENAI_EXCERPT + 1];
        json_error_t jerr;
        json_t *body;

        if (rc != CURLE_OK) {
                /* A reply over the cap is not retried: the same request
                 * most likely runs away the same way. */
                if (req->over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
                        snprintf(req->detail, sizeof(req->detail),
                                 "reply over the cap of %ld bytes",
                                 req->ep->cfg.max_reply_bytes);
                        return OUT_ENDPOINT;
                }
                snprintf(req->detail, sizeof(req->detail), "%s",
                         req->errbuf[0] ? req->errbuf : curl_easy_strerror(rc));
                return curl_retryable(rc) ? OUT_RETRY : OUT_ENDPOINT;
        }
        if (status >= 200 && status < 300) {
                body = json_loadb(req->buf ? req->buf : "", req->len, 0, &jerr);
                if (!body) {
                        snprintf(req->detail, sizeof(req->detail),
                                 "HTTP %ld reply is not JSON: %s", status,
                                 jerr.text);
                        return OUT_RETRY;
                }
                if (!reply_content(body)) {
                        json_decref(body);
                        snprintf(req->detail, sizeof(req->detail),
                                 "HTTP %ld reply has no "
                                 "choices[0].message.content string",
                                 status);
                        return OUT_RETRY;
                }
                *out = body;
                return OUT_OK;
        }
        reply_excerpt(req, ex, sizeof(ex));
        if (status == 429 || status == 408 || status >= 500) {
                snprintf(req->detail, sizeof(req->detail), "HTTP %ld: %s",
                         status, ex);
                return OUT_RETRY;
        }
        if (status == 400 || status == 413 || status == 422) {
                snprintf(req->detail, sizeof(req->detail),
                         "request refused: HTTP %ld: %s", status, ex);
                return OUT_INPUT;
        }
        /* 401, 403, 404 and the rest: wrong key, URL or model. Every
         * request would get the same: the endpoint is unusable. */
        snprintf(req->detail, sizeof(req->detail),
                 "endpoint unusable: HTTP %ld: %s", status, ex);
        return OUT_ENDPOINT;
}

/* Waits before the next attempt: full jitter in [0, min(max_backoff,
 * backoff * 2^(attempts-1))], at least Retry-After (capped likewise). */
static void req_backoff(struct openai_req *req, curl_off_t retry_after_s)
{
        struct openai_endpoint *ep = req->ep;
        uint64_t max = (uint64_t)ep->cfg.max_backoff_ms;
        uint64_t ceiling = (uint64_t)ep->cfg.backoff_ms, wait;

        for (int i = 1; i < req->attempts && ceiling < max; i++)
                ceiling *= 2;
        if (ceiling > max)
                ceiling = max;
        wait = client_random(ep->c) % (ceiling + 1);
        if (retry_after_s > 0) {
                uint64_t ra = (uint64_t)retry_after_s > max / 1000 + 1
                                      ? max
                                      : (uint64_t)retry_after_s * 1000;
                if (ra > max)
                        ra = max;
                if (wait < ra)
                        wait = ra;
        }
        log_debug(ep->subject, "attempt %d failed (%s); next in %llu ms",
                  req->attempts, req->detail, (unsigned long long)wait);
        req->state = REQ_BACKOFF;
        uv_timer_start(&req->timer, on_req_timer, wait, 0);
}

/* --- Circuit breaker and rate limits ------------------------------- */

static void breaker_open(struct openai_endpoint *ep, const char *why)
{
        ep->breaker = BREAKER_OPEN;
        ep->open_until =
                uv_now(ep->c->loop) + (uint64_t)ep->cfg.breaker_cooldown_ms;
        ep->probe = NULL;
        log_warn(ep->subject,
                 "circuit open for %d ms after %d consecutive failures: %s",
                 ep->cfg.breaker_cooldown_ms, ep->failures, why);
}

/* Counts the final outcome of a request that reached the endpoint. */
static void breaker_count(struct openai_endpoint *ep,
                          const struct openai_req *req, enum outcome out)
{
        if (ep->cfg.breaker_failures < 0)
                return;
        if (out == OUT_OK || out == OUT_INPUT) { /* the endpoint answers */
                ep->failures = 0;
                if (ep->breaker != BREAKER_CLOSED)
                        log_info(ep->subject, "circuit closed");
                ep->breaker = BREAKER_CLOSED;
                return;
        }
        ep->failures++;
        if ((ep->breaker == BREAKER_HALF_OPEN && ep->probe == req) ||
            (ep->breaker == BREAKER_CLOSED &&
             ep->failures >= ep->cfg.breaker_failures))
                breaker_open(ep, req->detail);
}

/* Returns 1 if req may go to the endpoint as far as the breaker goes. */
static int breaker_admit(struct openai_endpoint *ep, struct openai_req *req)
{
        switch (ep->breaker) {
        case BREAKER_CLOSED:
                return 1;
        case BREAKER_OPEN:
                if (uv_now(ep->c->loop) < ep->open_until)
                        return 0;
                ep->breaker = BREAKER_HALF_OPEN;
                ep->probe = NULL;
                log_info(ep->subject, "circuit half-open: one request probes");
                break;
        case BREAKER_HALF_OPEN:
                break;
        }
        if (!ep->probe)
                ep->probe = req;
        return ep->probe == req;
}

/* Refills a bucket of per_min tokens a minute over dt ms, up to what it
 * holds (OPENAI_BURST_MS worth, at least 1), and returns the ms to wait
 * until it has min(need, what it holds); 0 if it has. */
static double bucket_wait(double *bucket, int per_min, double dt, double need)
{
        double cap = (double)per_min * OPENAI_BURST_MS / 60000.0;

        if (cap < 1)
                cap = 1;
        *bucket += dt * per_min / 60000.0;
        if (*bucket > cap)
                *bucket = cap;
        if (need > cap)
                need = cap;
        return *bucket >= need ? 0 : (need - *bucket) * 60000.0 / per_min;
}

/* Takes req's tokens from the buckets and returns 0, or returns how many
 * ms to wait until they are there. A request wanting more tokens than a
 * bucket holds waits for a full bucket and leaves it in debt, so the rate
 * holds on average. */
static uint64_t rate_take(struct openai_endpoint *ep,
                          const struct openai_req *req)
{
        uint64_t now = uv_now(ep->c->loop);
        double dt = (double)(now - ep->bucket_ms), wait = 0;
        const struct openai_endpoint_cfg *k = &ep->cfg;

        ep->bucket_ms = now;
        if (k->rpm > 0)
                wait = bucket_wait(&ep->req_bucket, k->rpm, dt, 1);
        if (k->tpm > 0) {
                double w = bucket_wait(&ep->tok_bucket, k->tpm, dt,
                                       (double)req->est_tokens);
                if (w > wait)
                        wait = w;
        }
        if (wait > 0)
                return (uint64_t)wait + 1;
        ep->req_bucket -= 1;
        ep->tok_bucket -= (double)req->est_tokens;
        return 0;
}

static void on_rate_timer(uv_timer_t *t)
{
        struct openai_endpoint *ep = t->data;

        client_enter(ep->c);
        ep_pump(ep);
        client_leave(ep->c);
}

/* Moves requests from the queue into flight while the breaker, the
 * concurrency cap and the rate buckets allow. Never calls a callback. */
static void ep_pump(struct openai_endpoint *ep)
{
        while (!ep->c->closing && !TAILQ_EMPTY(&ep->queue)) {
                struct openai_req *req = TAILQ_FIRST(&ep->queue);
                uint64_t wait;

                if (!breaker_admit(ep, req)) {
                        TAILQ_REMOVE(&ep->queue, req, wait);
                        req_fail_later(req, ERR_RETRY,
                                       "endpoint %s: circuit open after %d "
                                       "consecutive failures",
                                       ep->name, ep->failures);
                        continue;
                }
                if (ep->inflight >= ep->cfg.concurrency)
                        break;
                wait = rate_take(ep, req);
                if (wait > 0) {
                        uv_timer_start(&ep->rate_timer, on_rate_timer, wait, 0);
                        break;
                }
                TAILQ_REMOVE(&ep->queue, req, wait);
                req_start(req);
        }
}

/* --- Finished transfers ---------------------------------------------- */

/* Counts the HTTP version the attempt went over and whether it opened a
 * connection or rode on one (multiplexed or reused). */
static void req_count_version(struct openai_req *req)
{
        struct openai_endpoint *ep = req->ep;
        long version = 0, connects = 0;
        enum http_ver v;

        curl_easy_getinfo(req->easy, CURLINFO_HTTP_VERSION, &version);
        curl_easy_getinfo(req->easy, CURLINFO_NUM_CONNECTS, &connects);
        switch (version) {
        case CURL_HTTP_VERSION_1_0:
        case CURL_HTTP_VERSION_1_1:
                v = VER_1;
                break;
        case CURL_HTTP_VERSION_2_0:
                v = VER_2;
                break;
        case CURL_HTTP_VERSION_3:
                v = VER_3;
                break;
        default:
                v = VER_NONE;
                break;
        }
        ep->attempts_n++;
        ep->by_ver[v]++;
        ep->connects += connects;
        log_debug(ep->subject, "attempt %d over %s: status %ld, %s, %.1f ms",
                  req->attempts, http_ver_names[v], req->status,
                  connects > 0 ? "new connection" : "reused connection",
                  req->latency_ms);
}

static void req_attempt_done(struct openai_req *req, CURLcode rc)
{
        struct openai_endpoint *ep = req->ep;
        curl_off_t retry_after = 0;
        json_t *body = NULL;
        const json_t *total;
        enum outcome out;

        req->status = 0;
        curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &req->status);
        curl_easy_getinfo(req->easy, CURLINFO_RETRY_AFTER, &retry_after);
        req->latency_ms = (double)(uv_hrtime() - req->start_ns) / 1e6;
        req_count_version(req);
        out = req_judge(req, rc, &body);
        req_drop_attempt(req);

        if (out == OUT_RETRY && req->attempts <= ep->cfg.retries) {
                req_backoff(req, retry_after);
                ep_pump(ep);
                return;
        }
        /* Settle the token bucket with what the endpoint counted. */
        total = json_object_get(json_object_get(body, "usage"), "total_tokens");
        if (ep->cfg.tpm > 0 && json_is_integer(total))
                ep->tok_bucket -=
                        (double)(json_integer_value(total) - req->est_tokens);
        breaker_count(ep, req, out);
        if (out == OUT_INPUT)
                err_set(&req->err, ERR_INPUT, "endpoint %s: %s", ep->name,
                        req->detail);
        else if (out == OUT_RETRY)
                err_set(&req->err, ERR_RETRY,
                        "endpoint %s: %s (after %d "
                        "attempts)",
                        ep->name, req->detail, req->attempts);
        else if (out == OUT_ENDPOINT)
                err_set(&req->err, ERR_RETRY, "endpoint %s: %s", ep->name,
                        req->detail);
        req_deliver(req, body);
        ep_pump(ep);
}

/* Collects finished transfers after curl_multi_socket_action. */
static void client_check(struct openai *c)
{
        struct openai_req *req;
        CURLMsg *msg;
        CURLcode rc;
        char *priv;
        int left;

        for (;;) {
                msg = curl_multi_info_read(c->multi, &left);
                if (!msg)
                        break;
                if (msg->msg != CURLMSG_DONE)
                        continue;
                rc = msg->data.result; /* msg dies with remove_handle */
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
                req = (struct openai_req *)priv;
                req_attempt_done(req, rc);
        }
}

/* --- libuv and curl glued together ----------------------------------- */

static void on_sock_closed(uv_handle_t *h)
{
        struct openai_sock *sock = h->data;
        struct openai *c = sock->c;

        free(sock);
        client_handle_gone(c);
}

static void sock_close(struct openai_sock *sock)
{
        LIST_REMOVE(sock, link);
        uv_close((uv_handle_t *)&sock->poll, on_sock_closed);
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
        struct openai_sock *sock = poll->data;
        struct openai *c = sock->c;
        curl_socket_t fd = sock->fd; /* sock may go inside socket_action */
        int flags = 0, running;

        if (status < 0)
                flags |= CURL_CSELECT_ERR;
        if (events & UV_READABLE)
                flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
                flags |= CURL_CSELECT_OUT;
        client_enter(c);
        curl_multi_socket_action(c->multi, fd, flags, &running);
        client_check(c);
        client_leave(c);
}

static void on_timeout(uv_timer_t *t)
{
        struct openai *c = t->data;
        int running;

        client_enter(c);
        curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        client_check(c);
        client_leave(c);
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what curl asks. */
static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *arg,
                          void *socketp)
{
        struct openai *c = arg;
        struct openai_sock *sock = socketp;
        int events = 0;

        (void)easy;
        if (what == CURL_POLL_REMOVE) {
                if (sock)
                        sock_close(sock);
                return 0;
        }
        if (!sock) {
                int rc;
                sock = xcalloc(1, sizeof(*sock));
                sock->c = c;
                sock->fd = s;
                rc = uv_poll_init_socket(c->loop, &sock->poll, s);
                if (rc != 0) {
                        log_error("openai", "uv_poll_init_socket(%d): %s",
                                  (int)s, uv_strerror(rc));
                        free(sock);
                        return -1; /* curl fails the transfers */
                }
                sock->poll.data = sock;
                c->handles++;
                LIST_INSERT_HEAD(&c->socks, sock, link);
                curl_multi_assign(c->multi, s, sock);
        }
        if (what & CURL_POLL_IN)
                events |= UV_READABLE;
        if (what & CURL_POLL_OUT)
                events |= UV_WRITABLE;
        uv_poll_start(&sock->poll, events, on_poll);
        return 0;
}

/* CURLMOPT_TIMERFUNCTION: call curl back in timeout_ms (-1: don't). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *arg)
{
        struct openai *c = arg;

        (void)multi;
        if (timeout_ms < 0)
                uv_timer_stop(&c->timer);
        else
                uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
        return 0;
}

/* --- Public ---------------------------------------------------------- */

struct openai *openai_new(uv_loop_t *loop, struct err *err)
{
        struct openai *c = xcalloc(1, sizeof(*c));

        c->loop = loop;
        TAILQ_INIT(&c->eps);
        LIST_INIT(&c->socks);
        c->multi = curl_multi_init();
        if (!c->multi) {
                free(c);
                err_set(err, ERR_FATAL, "openai: curl_multi_init failed");
                return NULL;
        }
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
        curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
        /* Our per-endpoint cap is the limit; curl's stays off. */
        curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
        uv_timer_init(loop, &c->timer);
        c->timer.data = c;
        c->handles = 1;
        c->rng = (uv_hrtime() ^ (uint64_t)(uintptr_t)c) | 1;
        return c;
}

/* Applies the default to *v when it is 0 and checks it is in [min, max]. */
static int cfg_int(const char *ep, const char *key, int *v, int def, int min,
                   int max, struct err *err)
{
        if (*v == 0)
                *v = def;
        if (*v < min || *v > max)
                return err_set(err, ERR_FATAL,
                               "endpoint %s: %s is %d, not in [%d, %d]", ep,
                               key, *v, min, max);
        return 0;
}

/* Appends header line s to *list. Out of memory aborts, as in xmalloc. */
static void headers_add(struct curl_slist **list, const char *s)
{
        struct curl_slist *l = curl_slist_append(*list, s);

        if (!l)
                abort();
        *list = l;
}

/* Builds ep->headers: JSON, no Expect, the key, the extra headers. Lines
 * that may hold a credential are wiped from our buffers after the copy. */
static int ep_headers(struct openai_endpoint *ep,
                      const struct openai_endpoint_cfg *cfg, struct err *err)
{
        static const char tchar[] = "abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789!#$%&'*+-.^_`|~";
        const char *name;
        json_t *value;
        char line[1024];

        headers_add(&ep->headers, "Content-Type: application/json");
        headers_add(&ep->headers, "Accept: application/json");
        headers_add(&ep->headers, "Expect:");
        if (cfg->api_key && cfg->api_key[0]) {
                size_t n = strlen(cfg->api_key) + 32;
                char *auth;
                if (strpbrk(cfg->api_key, "\r\n"))
                        return err_set(err, ERR_FATAL,
                                       "endpoint %s: api_key holds a line "
                                       "break",
                                       ep->name);
                auth = xmalloc(n);
                snprintf(auth, n, "Authorization: Bearer %s", cfg->api_key);
                headers_add(&ep->headers, auth);
                explicit_bzero(auth, n);
                free(auth);
        }
        if (cfg->extra_headers && !json_is_object(cfg->extra_headers))
                return err_set(err, ERR_FATAL,
                               "endpoint %s: extra_headers is not an object",
                               ep->name);
        json_object_foreach((json_t *)cfg->extra_headers, name, value)
        {
                const char *v = json_string_value(value);
                size_t nl = strlen(name), room = sizeof(line) - nl - 3;
                if (nl == 0 || nl > 128 || strspn(name, tchar) != nl)
                        return err_set(err, ERR_FATAL,
                                       "endpoint %s: bad header name in "
                                       "extra_headers",
                                       ep->name);
                if (!v || strlen(v) != json_string_length(value) ||
                    strpbrk(v, "\r\n") || strlen(v) > room)
                        return err_set(err, ERR_FATAL,
                                       "endpoint %s: extra_headers.%s must be "
                                       "a one-line string under %zu bytes",
                                       ep->name, name, room);
                snprintf(line, sizeof(line), "%s: %s", name, v);
                headers_add(&ep->headers, line);
                explicit_bzero(line, sizeof(line));
        }
        return 0;
}

static int ep_configure(struct openai_endpoint *ep,
                        const struct openai_endpoint_cfg *cfg, struct err *err)
{
        struct openai_endpoint_cfg *k = &ep->cfg;
        const char *name = ep->name;
        size_t n;

        if (!cfg->base_url || (strncmp(cfg->base_url, "http://", 7) != 0 &&
                               strncmp(cfg->base_url, "https://", 8) != 0))
                return err_set(err, ERR_FATAL,
                               "endpoint %s: base_url must start with http:// "
                               "or https://",
                               name);
        n = strlen(cfg->base_url);
        if (n > OPENAI_URL_MAX)
                return err_set(err, ERR_FATAL,
                               "endpoint %s: base_url over %d bytes", name,
                               OPENAI_URL_MAX);
        while (n > 0 && cfg->base_url[n - 1] == '/')
                n--;
        ep->url = xmalloc(n + sizeof(OPENAI_PATH));
        memcpy(ep->url, cfg->base_url, n);
        memcpy(ep->url + n, OPENAI_PATH, sizeof(OPENAI_PATH));
        if (!cfg->model || !cfg->model[0])
                return err_set(err, ERR_FATAL, "endpoint %s: model is required",
                               name);
        ep->model = xstrdup(cfg->model);
        if (cfg->ca_file && cfg->ca_file[0]) {
                /* Checked now: curl would fail every request with it. */
                if (access(cfg->ca_file, R_OK) != 0)
                        return err_set(err, ERR_FATAL,
                                       "endpoint %s: ca_file %.200s: %s", name,
                                       cfg->ca_file, strerror(errno));
                ep->ca_file = xstrdup(cfg->ca_file);
        }

        *k = *cfg;
        k->name = k->base_url = k->model = k->api_key = k->ca_file = NULL;
        k->extra_body = k->extra_headers = NULL;
        if (k->retries < 0)
                k->retries = -1; /* none; 0 takes the default below */
        if (k->breaker_failures < 0)
                k->breaker_failures = -1; /* off */
        if (cfg_int(name, "concurrency", &k->concurrency, OPENAI_CONCURRENCY, 1,
                    100000, err) ||
            cfg_int(name, "connect_timeout_ms", &k->connect_timeout_ms,
                    OPENAI_CONNECT_TIMEOUT_MS, 1, 3600000, err) ||
            cfg_int(name, "timeout_ms", &k->timeout_ms, OPENAI_TIMEOUT_MS, 1,
                    86400000, err) ||
            cfg_int(name, "rpm", &k->rpm, 0, 0, 100000000, err) ||
            cfg_int(name, "tpm", &k->tpm, 0, 0, 2000000000, err) ||
            cfg_int(name, "retries", &k->retries, OPENAI_RETRIES, -1, 100,
                    err) ||
            cfg_int(name, "backoff_ms", &k->backoff_ms, OPENAI_BACKOFF_MS, 1,
                    3600000, err) ||
            cfg_int(name, "max_backoff_ms", &k->max_backoff_ms,
                    OPENAI_MAX_BACKOFF_MS, 1, 3600000, err) ||
            cfg_int(name, "breaker_failures", &k->breaker_failures,
                    OPENAI_BREAKER_FAILURES, -1, 1000000, err) ||
            cfg_int(name, "breaker_cooldown_ms", &k->breaker_cooldown_ms,
                    OPENAI_BREAKER_COOLDOWN_MS, 1, 86400000, err))
                return -1;
        if (k->retries < 0)
                k->retries = 0;
        if (k->max_reply_bytes == 0)
                k->max_reply_bytes = OPENAI_MAX_REPLY_BYTES;
        if (k->max_reply_bytes < 1 || k->max_reply_bytes > OPENAI_MAX_REPLY_CAP)
                return err_set(err, ERR_FATAL,
                               "endpoint %s: max_reply_bytes is %ld, not in "
                               "[1, %ld]",
                               name, k->max_reply_bytes, OPENAI_MAX_REPLY_CAP);
        if (cfg->extra_body) {
                if (!json_is_object(cfg->extra_body))
                        return err_set(err, ERR_FATAL,
                                       "endpoint %s: extra_body is not an "
                                       "object",
                                       name);
                ep->extra_body = json_deep_copy(cfg->extra_body);
        }
        return ep_headers(ep, cfg, err);
}

struct openai_endpoint *
openai_endpoint_new(struct openai *c, const struct openai_endpoint_cfg *cfg,
                    struct err *err)
{
        struct openai_endpoint *ep;

        if (!cfg->name || !cfg->name[0]) {
                err_set(err, ERR_FATAL, "openai endpoint: name is required");
                return NULL;
        }
        if (c->closing) {
                err_set(err, ERR_FATAL, "endpoint %s: client closed",
                        cfg->name);
                return NULL;
        }
        ep = xcalloc(1, sizeof(*ep));
        ep->c = c;
        ep->name = xstrndup(cfg->name, 64);
        snprintf(ep->subject, sizeof(ep->subject), "endpoint=%s", ep->name);
        TAILQ_INIT(&ep->reqs);
        TAILQ_INIT(&ep->queue);
        if (ep_configure(ep, cfg, err) != 0) {
                ep_destroy(ep);
                return NULL;
        }
        ep->req_bucket = ep->tok_bucket = 1e18; /* full; capped when used */
        ep->bucket_ms = uv_now(c->loop);
        uv_timer_init(c->loop, &ep->rate_timer);
        ep->rate_timer.data = ep;
        c->handles++;
        TAILQ_INSERT_TAIL(&c->eps, ep, link);
        return ep;
}

void openai_chat(struct openai_endpoint *ep, json_t *body, long est_tokens,
                 openai_done_fn done, void *arg)
{
        struct openai *c = ep->c;
        struct openai_req *req = xcalloc(1, sizeof(*req));

        req->ep = ep;
        req->done = done;
        req->arg = arg;
        req->est_tokens = est_tokens > 0 ? est_tokens : 0;
        uv_timer_init(c->loop, &req->timer);
        req->timer.data = req;
        c->handles++;
        TAILQ_INSERT_TAIL(&ep->reqs, req, all);
        if (c->closing || !json_is_object(body)) {
                json_decref(body);
                if (c->closing)
                        req_fail_later(req, ERR_RETRY,
                                       "endpoint %s: client closed", ep->name);
                else
                        req_fail_later(req, ERR_INPUT,
                                       "endpoint %s: the request body is not "
                                       "a JSON object",
                                       ep->name);
                return;
        }
        if (ep->extra_body)
                json_object_update(body, ep->extra_body);
        json_object_set_new(body, "model", json_string(ep->model));
        req->body = json_dumps(body, JSON_COMPACT);
        json_decref(body); /* the request now lives in req->body */
        if (!req->body) {
                req_fail_later(req, ERR_INPUT,
                               "endpoint %s: the request body cannot be "
                               "serialized",
                               ep->name);
                return;
        }
        req->body_len = strlen(req->body);
        req->state = REQ_QUEUED;
        TAILQ_INSERT_TAIL(&ep->queue, req, wait);
        ep_pump(ep);
}

int openai_endpoint_open(const struct openai_endpoint *ep)
{
        switch (ep->breaker) {
        case BREAKER_CLOSED:
                return 0;
        case BREAKER_OPEN:
                return uv_now(ep->c->loop) < ep->open_until;
        case BREAKER_HALF_OPEN:
                return ep->probe != NULL;
        }
        return 0;
}

/* Logs what ep's attempts went over and the connections they opened. */
static void ep_log_stats(const struct openai_endpoint *ep)
{
        if (ep->attempts_n == 0)
                return;
        log_info(ep->subject,
                 "%ld attempts: %ld over HTTP/2, %ld over HTTP/1.x, %ld over "
                 "HTTP/3, %ld without a response; %ld connections opened",
                 ep->attempts_n, ep->by_ver[VER_2], ep->by_ver[VER_1],
                 ep->by_ver[VER_3], ep->by_ver[VER_NONE], ep->connects);
}

/* Fails every live request (a callback may add more: they fail too), then
 * closes curl and every handle. */
static void client_close(struct openai *c)
{
        struct openai_endpoint *ep;
        int again;

        c->closing = 1;
        do {
                again = 0;
                TAILQ_FOREACH(ep, &c->eps, link)
                {
                        while (!TAILQ_EMPTY(&ep->reqs)) {
                                struct openai_req *req = TAILQ_FIRST(&ep->reqs);
                                again = 1;
                                if (req->state == REQ_QUEUED)
                                        TAILQ_REMOVE(&ep->queue, req, wait);
                                req_drop_attempt(req);
                                uv_timer_stop(&req->timer);
                                if (req->state != REQ_FAILED)
                                        err_set(&req->err, ERR_RETRY,
                                                "endpoint %s: client closed",
                                                ep->name);
                                req_deliver(req, NULL);
                        }
                }
        } while (again);
        curl_multi_cleanup(c->multi);
        c->multi = NULL;
        while (!LIST_EMPTY(&c->socks)) {
                sock_close(LIST_FIRST(&c->socks));
        }
        TAILQ_FOREACH(ep, &c->eps, link)
        {
                ep_log_stats(ep);
                ep->rate_timer.data = c; /* for on_handle_closed */
                uv_close((uv_handle_t *)&ep->rate_timer, on_handle_closed);
        }
        uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

void openai_free(struct openai *c)
{
        if (!c || c->closing)
                return;
        if (c->depth > 0) {
                c->free_asked = 1;
                return;
        }
        client_close(c);
}
