/*
 * Unit tests of worker/model/openai.c against a scripted loopback HTTP
 * server: a thread on 127.0.0.1 (port 0) accepts connections, one thread
 * each, reads requests (keep-alive) and answers request number i from
 * script step i (the last step repeats): status, extra headers, body,
 * a delay (cut short when the client hangs up), a Retry-After date, or a
 * body without Content-Length closed by the server. It records every
 * request's head, body and arrival time, the connections it accepted and
 * the most requests it was answering at once. Each test drives a real uv
 * loop until its callbacks have run, then frees the client, runs the loop
 * until every handle is closed and checks uv_loop_close succeeds.
 */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../worker/doc.h"
#include "../../worker/model/openai.h"

#define OK_BODY                                                                \
        "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{"         \
        "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"         \
        "\"hello\"},\"finish_reason\":\"stop\"}],\"usage\":{"                  \
        "\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}"

#define MAX_SEEN 160
#define MAX_CONNS 160

/* One canned answer. */
struct step {
        const char *headers; /* extra lines, each ending "\r\n"; or NULL */
        const char *body;    /* NULL: OK_BODY */
        int status;
        int delay_ms;      /* before answering */
        int retry_after_s; /* > 0: Retry-After as an HTTP date so far on */
        int close;         /* no Content-Length: the body ends at close */
};

struct conn {
        struct server *sv;
        int fd;
        int closed; /* under sv->mu */
        pthread_t thread;
};

struct server {
        int fd, port, stop;
        pthread_t thread;
        pthread_mutex_t mu;
        const struct step *steps;
        int nsteps;
        /* What it saw, under mu. */
        int requests, active, max_active, nconns;
        char *heads[MAX_SEEN], *bodies[MAX_SEEN];
        uint64_t at_ms[MAX_SEEN];
        struct conn conns[MAX_CONNS];
};

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Reads one request (head and Content-Length body) into buf; returns the
 * head's length, or -1 at EOF. */
static int read_request(int fd, char *buf, size_t size, size_t *total)
{
        size_t len = 0, head = 0, want = 0;
        ssize_t n;

        for (;;) {
                if (head == 0) {
                        char *end = memmem(buf, len, "\r\n\r\n", 4);
                        if (end) {
                                char *cl;
                                head = (size_t)(end - buf) + 4;
                                buf[head - 1] = '\0';
                                cl = strcasestr(buf, "\r\ncontent-length:");
                                want = head +
                                       (cl ? strtoul(cl + 17, NULL, 10) : 0);
                                buf[head - 1] = '\n';
                        }
                }
                if (head && len >= want)
                        break;
                if (len + 1 >= size)
                        return -1;
                n = read(fd, buf + len, size - 1 - len);
                if (n <= 0)
                        return -1;
                len += (size_t)n;
        }
        *total = want;
        return (int)head;
}

static void *conn_run(void *arg)
{
        struct conn *cn = arg;
        struct server *sv = cn->sv;
        size_t size = 1 << 20, total;
        char *buf = malloc(size), *out = NULL, date[64], ra[96];
        int head;

        for (;;) {
                const struct step *st;
                const char *body;
                struct pollfd p = {.fd = cn->fd, .events = POLLIN};
                size_t outlen;
                int idx;

                head = read_request(cn->fd, buf, size, &total);
                if (head < 0)
                        break;
                pthread_mutex_lock(&sv->mu);
                idx = sv->requests++;
                if (idx < MAX_SEEN) {
                        sv->heads[idx] = strndup(buf, (size_t)head);
                        sv->bodies[idx] = strndup(buf + head, total - head);
                        sv->at_ms[idx] = now_ms();
                }
                if (++sv->active > sv->max_active)
                        sv->max_active = sv->active;
                st = &sv->steps[idx < sv->nsteps ? idx : sv->nsteps - 1];
                pthread_mutex_unlock(&sv->mu);

                if (st->delay_ms) /* returns early if the client hangs up */
                        poll(&p, 1, st->delay_ms);
                ra[0] = '\0';
                if (st->retry_after_s) {
                        time_t t = time(NULL) + st->retry_after_s;
                        struct tm tm;
                        gmtime_r(&t, &tm);
                        strftime(date, sizeof(date),
                                 "%a, %d %b %Y %H:%M:%S GMT", &tm);
                        snprintf(ra, sizeof(ra), "Retry-After: %s\r\n", date);
                }
                body = st->body ? st->body : OK_BODY;
                outlen = strlen(body) + 512;
                out = realloc(out, outlen);
                if (st->close)
                        snprintf(out, outlen,
                                 "HTTP/1.1 %d X\r\nContent-Type: "
                                 "application/json\r\nConnection: close\r\n"
                                 "%s%s\r\n%s",
                                 st->status, st->headers ? st->headers : "", ra,
                                 body);
                else
                        snprintf(out, outlen,
                                 "HTTP/1.1 %d X\r\nContent-Type: "
                                 "application/json\r\nContent-Length: %zu\r\n"
                                 "%s%s\r\n%s",
                                 st->status, strlen(body),
                                 st->headers ? st->headers : "", ra, body);
                pthread_mutex_lock(&sv->mu);
                sv->active--; /* before the client can see the answer */
                pthread_mutex_unlock(&sv->mu);
                (void)!send(cn->fd, out, strlen(out), MSG_NOSIGNAL);
                if (st->close)
                        break;
        }
        pthread_mutex_lock(&sv->mu);
        cn->closed = 1;
        close(cn->fd);
        pthread_mutex_unlock(&sv->mu);
        free(out);
        free(buf);
        return NULL;
}

static void *server_run(void *arg)
{
        struct server *sv = arg;

        for (;;) {
                struct pollfd p = {.fd = sv->fd, .events = POLLIN};
                int fd, stop;

                pthread_mutex_lock(&sv->mu);
                stop = sv->stop;
                pthread_mutex_unlock(&sv->mu);
                if (stop)
                        break;
                if (poll(&p, 1, 20) <= 0)
                        continue;
                fd = accept(sv->fd, NULL, NULL);
                if (fd < 0)
                        continue;
                pthread_mutex_lock(&sv->mu);
                if (sv->nconns == MAX_CONNS) {
                        pthread_mutex_unlock(&sv->mu);
                        close(fd);
                        continue;
                }
                struct conn *cn = &sv->conns[sv->nconns++];
                cn->sv = sv;
                cn->fd = fd;
                pthread_create(&cn->thread, NULL, conn_run, cn);
                pthread_mutex_unlock(&sv->mu);
        }
        return NULL;
}

static struct server sv;

/* Starts the server answering from steps (n of them). */
static void server_start(const struct step *steps, int n)
{
        struct sockaddr_in a;
        socklen_t alen = sizeof(a);

        memset(&sv, 0, sizeof(sv));
        pthread_mutex_init(&sv.mu, NULL);
        sv.steps = steps;
        sv.nsteps = n;
        sv.fd = socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_ge(sv.fd, 0);
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(bind(sv.fd, (struct sockaddr *)&a, sizeof(a)), 0);
        ck_assert_int_eq(listen(sv.fd, 64), 0);
        getsockname(sv.fd, (struct sockaddr *)&a, &alen);
        sv.port = ntohs(a.sin_port);
        ck_assert_int_eq(pthread_create(&sv.thread, NULL, server_run, &sv), 0);
}

static void server_stop(void)
{
        if (!sv.steps)
                return;
        pthread_mutex_lock(&sv.mu);
        sv.stop = 1;
        pthread_mutex_unlock(&sv.mu);
        pthread_join(sv.thread, NULL);
        pthread_mutex_lock(&sv.mu);
        for (int i = 0; i < sv.nconns; i++)
                if (!sv.conns[i].closed)
                        shutdown(sv.conns[i].fd, SHUT_RDWR);
        pthread_mutex_unlock(&sv.mu);
        for (int i = 0; i < sv.nconns; i++)
                pthread_join(sv.conns[i].thread, NULL);
        close(sv.fd);
        for (int i = 0; i < MAX_SEEN; i++) {
                free(sv.heads[i]);
                free(sv.bodies[i]);
        }
        pthread_mutex_destroy(&sv.mu);
        sv.steps = NULL;
}

static int server_requests(void)
{
        int n;

        pthread_mutex_lock(&sv.mu);
        n = sv.requests;
        pthread_mutex_unlock(&sv.mu);
        return n;
}

/* --- The client side ------------------------------------------------- */

struct result {
        int called;
        enum err_class cls; /* ERR_OK on success */
        char msg[512];
        long status;
        int attempts;
        char content[64];
        long total_tokens;
        double latency_ms;
        uint64_t at_ms;
};

static uv_loop_t loop;
static struct openai *c;
static char base_url[64];
static int free_in_callback; /* on_done calls openai_free */

static void on_done(void *arg, const struct openai_reply *reply,
                    const struct err *err)
{
        struct result *r = arg;

        ck_assert_ptr_nonnull(reply);
        r->called++;
        r->at_ms = now_ms();
        r->status = reply->status;
        r->attempts = reply->attempts;
        r->latency_ms = reply->latency_ms;
        if (err) {
                ck_assert_ptr_null(reply->body);
                ck_assert_ptr_null(reply->content);
                r->cls = err->cls;
                snprintf(r->msg, sizeof(r->msg), "%s", err->msg);
        } else {
                ck_assert_ptr_nonnull(reply->body);
                r->cls = ERR_OK;
                snprintf(r->content, sizeof(r->content), "%s", reply->content);
                r->total_tokens =
                        reply->usage ? (long)json_integer_value(json_object_get(
                                               reply->usage, "total_tokens"))
                                     : -1;
        }
        if (free_in_callback) {
                free_in_callback = 0;
                openai_free(c);
                c = NULL;
        }
}

static void setup(void)
{
        struct err err;

        memset(&sv, 0, sizeof(sv));
        free_in_callback = 0;
        ck_assert_int_eq(uv_loop_init(&loop), 0);
        c = openai_new(&loop, &err);
        ck_assert_ptr_nonnull(c);
}

static void teardown(void)
{
        openai_free(c);
        c = NULL;
        uv_run(&loop, UV_RUN_DEFAULT);
        ck_assert_int_eq(uv_loop_close(&loop), 0);
        server_stop();
}

/* A configuration for the running server: quick backoffs. */
static struct openai_endpoint_cfg cfg_for_server(void)
{
        struct openai_endpoint_cfg cfg;

        memset(&cfg, 0, sizeof(cfg));
        snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%d/v1/",
                 sv.port);
        cfg.name = "local";
        cfg.base_url = base_url;
        cfg.model = "m1";
        cfg.timeout_ms = 5000;
        cfg.backoff_ms = 10;
        cfg.max_backoff_ms = 50;
        return cfg;
}

static struct openai_endpoint *endpoint(const struct openai_endpoint_cfg *cfg)
{
        struct openai_endpoint *ep;
        struct err err;

        err_clear(&err);
        ep = openai_endpoint_new(c, cfg, &err);
        ck_assert_msg(ep != NULL, "endpoint: %s", err.msg);
        return ep;
}

static json_t *chat_body(void)
{
        return json_pack("{s:[{s:s,s:s}],s:f}", "messages", "role", "user",
                         "content", "Classify: invoice 42", "temperature", 0.0);
}

/* Runs the loop until n results have been called back. */
static void run_until(struct result *r, int n)
{
        for (;;) {
                int done = 0;
                for (int i = 0; i < n; i++)
                        done += r[i].called;
                if (done >= n)
                        break;
                uv_run(&loop, UV_RUN_ONCE);
        }
        for (int i = 0; i < n; i++)
                ck_assert_int_eq(r[i].called, 1);
}

static void on_wait(uv_timer_t *t)
{
        *(int *)t->data = 1;
}

static void on_wait_closed(uv_handle_t *h)
{
        (void)h;
}

/* Runs the loop for ms milliseconds. */
static void run_for(int ms)
{
        uv_timer_t t;
        int fired = 0;

        uv_timer_init(&loop, &t);
        t.data = &fired;
        uv_timer_start(&t, on_wait, (uint64_t)ms, 0);
        while (!fired)
                uv_run(&loop, UV_RUN_ONCE);
        uv_close((uv_handle_t *)&t, on_wait_closed);
        uv_run(&loop, UV_RUN_NOWAIT);
}

static void expect_err(const struct result *r, enum err_class cls,
                       const char *part)
{
        ck_assert_msg(r->cls == cls, "class %s, not %s: %s",
                      err_class_name(r->cls), err_class_name(cls), r->msg);
        ck_assert_msg(strstr(r->msg, part), "message '%s' lacks '%s'", r->msg,
                      part);
}

/* --- Tests ----------------------------------------------------------- */

START_TEST(test_ok)
{
        static const struct step steps[] = {{.status = 200}};
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result r = {0};

        server_start(steps, 1);
        cfg = cfg_for_server();
        ep = endpoint(&cfg);
        openai_chat(ep, chat_body(), 100, on_done, &r);
        ck_assert_int_eq(r.called, 0);
        run_until(&r, 1);
        ck_assert_msg(r.cls == ERR_OK, "%s", r.msg);
        ck_assert_str_eq(r.content, "hello");
        ck_assert_int_eq(r.total_tokens, 6);
        ck_assert_int_eq(r.status, 200);
        ck_assert_int_eq(r.attempts, 1);
        ck_assert(r.latency_ms > 0);
        ck_assert_int_eq(server_requests(), 1);
        ck_assert(strncmp(sv.heads[0], "POST /v1/chat/completions HTTP/1.1",
                          34) == 0);
        ck_assert_int_eq(openai_endpoint_open(ep), 0);
}
END_TEST

/* The request: model set, extra_body merged, headers sent. */
START_TEST(test_request)
{
        static const struct step steps[] = {{.status = 200}};
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep, *ep2;
        struct result r[2] = {{0}};
        json_t *extra =
                json_pack("{s:b,s:i}", "enable_thinking", 0, "max_tokens", 64);
        json_t *hdrs = json_pack("{s:s}", "X-Extra", "yes");
        json_t *got;

        server_start(steps, 1);
        cfg = cfg_for_server();
        cfg.api_key = "sk-test-123";
        cfg.extra_body = extra;
        cfg.extra_headers = hdrs;
        ep = endpoint(&cfg);
        json_decref(extra); /* the endpoint made its copies */
        json_decref(hdrs);
        cfg.api_key = NULL;
        cfg.extra_body = cfg.extra_headers = NULL;
        cfg.name = "nokey";
        ep2 = endpoint(&cfg);

        openai_chat(ep, chat_body(), 100, on_done, &r[0]);
        run_until(&r[0], 1);
        openai_chat(ep2, chat_body(), 100, on_done, &r[1]);
        run_until(&r[1], 1);
        ck_assert_int_eq(r[0].cls, ERR_OK);
        ck_assert_int_eq(r[1].cls, ERR_OK);
        ck_assert_int_eq(server_requests(), 2);

        got = json_loads(sv.bodies[0], 0, NULL);
        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(json_string_value(json_object_get(got, "model")),
                         "m1");
        ck_assert(json_is_false(json_object_get(got, "enable_thinking")));
        ck_assert_int_eq(json_integer_value(json_object_get(got, "max_tokens")),
                         64);
        ck_assert_str_eq(
                json_string_value(json_object_get(
                        json_array_get(json_object_get(got, "messages"), 0),
                        "content")),
                "Classify: invoice 42");
        json_decref(got);
        ck_assert_ptr_nonnull(strstr(
                sv.heads[0], "\r\nAuthorization: Bearer sk-test-123\r\n"));
        ck_assert_ptr_nonnull(
                strstr(sv.heads[0], "\r\nContent-Type: application/json\r\n"));
        ck_assert_ptr_nonnull(strstr(sv.heads[0], "\r\nX-Extra: yes\r\n"));
        ck_assert_ptr_null(strcasestr(sv.heads[1], "authorization"));
        ck_assert_ptr_null(strstr(sv.bodies[1], "enable_thinking"));
        /* Both requests went over one connection. */
        ck_assert_int_eq(sv.nconns, 1);
}
END_TEST

START_TEST(test_retry_5xx)
{
        static const struct step steps[] = {
                {.status = 500, .body = "{\"error\":{\"message\":\"boom\"}}"},
                {.status = 200}};
        struct openai_endpoint_cfg cfg;
        struct result r = {0};

        server_start(steps, 2);
        cfg = cfg_for_server();
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        ck_assert_msg(r.cls == ERR_OK, "%s", r.msg);
        ck_assert_int_eq(r.attempts, 2);
        ck_assert_int_eq(r.status, 200);
        ck_assert_int_eq(server_requests(), 2);
}
END_TEST

/* Retries run out: ERR_RETRY naming the endpoint, status and error. */
START_TEST(test_retry_exhausted)
{
        static const struct step steps[] = {
                {.status = 503, .body = "{\"error\":{\"message\":\"busy\"}}"}};
        struct openai_endpoint_cfg cfg;
        struct result r = {0};

        server_start(steps, 1);
        cfg = cfg_for_server();
        cfg.retries = 3;
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        expect_err(&r, ERR_RETRY, "endpoint local: HTTP 503: busy");
        expect_err(&r, ERR_RETRY, "after 4 attempts");
        ck_assert_int_eq(r.attempts, 4);
        ck_assert_int_eq(r.status, 503);
        ck_assert_int_eq(server_requests(), 4);
}
END_TEST

START_TEST(test_retry_after_seconds)
{
        static const struct step steps[] = {
                {.status = 429, .headers = "Retry-After: 1\r\n"},
                {.status = 200}};
        struct openai_endpoint_cfg cfg;
        struct result r = {0};

        server_start(steps, 2);
        cfg = cfg_for_server();
        cfg.max_backoff_ms = 5000;
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        ck_assert_msg(r.cls == ERR_OK, "%s", r.msg);
        ck_assert_int_eq(r.attempts, 2);
        ck_assert_int_eq(server_requests(), 2);
        ck_assert_msg(sv.at_ms[1] - sv.at_ms[0] >= 1000, "waited %llu ms",
                      (unsigned long long)(sv.at_ms[1] - sv.at_ms[0]));
}
END_TEST

START_TEST(test_retry_after_date)
{
        static const struct step steps[] = {{.status = 503, .retry_after_s = 2},
                                            {.status = 200}};
        struct openai_endpoint_cfg cfg;
        struct result r = {0};

        server_start(steps, 2);
        cfg = cfg_for_server();
        cfg.max_backoff_ms = 5000;
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        ck_assert_msg(r.cls == ERR_OK, "%s", r.msg);
        ck_assert_int_eq(r.attempts, 2);
        ck_assert_msg(sv.at_ms[1] - sv.at_ms[0] >= 1000, "waited %llu ms",
                      (unsigned long long)(sv.at_ms[1] - sv.at_ms[0]));
        ck_assert_msg(sv.at_ms[1] - sv.at_ms[0] < 3500, "waited %llu ms",
                      (unsigned long long)(sv.at_ms[1] - sv.at_ms[0]));
}
END_TEST

/* Retry-After is honoured up to max_backoff_ms, no longer. */
START_TEST(test_retry_after_capped)
{
        static const struct step steps[] = {
                {.status = 429, .headers = "Retry-After: 100\r\n"},
                {.status = 200}};
        struct openai_endpoint_cfg cfg;
        struct result r = {0};

        server_start(steps, 2);
        cfg = cfg_for_server();
        cfg.max_backoff_ms = 200;
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        ck_assert_msg(r.cls == ERR_OK, "%s", r.msg);
        ck_assert_uint_ge(sv.at_ms[1] - sv.at_ms[0], 190);
        ck_assert_uint_lt(sv.at_ms[1] - sv.at_ms[0], 1000);
}
END_TEST

START_TEST(test_bad_request)
{
        static const struct step steps[] = {
                {.status = 400,
                 .body = "{\"error\":{\"message\":\"context too long\"}}"},
                {.status = 200}};
        struct openai_endpoint_cfg cfg;
        struct result r = {0};

        server_start(steps, 2);
        cfg = cfg_for_server();
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        expect_err(&r, ERR_INPUT, "HTTP 400: context too long");
        ck_assert_int_eq(r.status, 400);
        ck_assert_int_eq(r.attempts, 1);
        ck_assert_int_eq(server_requests(), 1);
}
END_TEST

/* 401: not retried, ERR_RETRY "endpoint unusable", no key in the text. */
START_TEST(test_unusable)
{
        static const struct step steps[] = {
                {.status = 401, .body = "invalid key\n"}};
        struct openai_endpoint_cfg cfg;
        struct result r = {0};

        server_start(steps, 1);
        cfg = cfg_for_server();
        cfg.api_key = "sk-secret-9";
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        expect_err(&r, ERR_RETRY, "endpoint unusable: HTTP 401: invalid key");
        ck_assert_ptr_null(strstr(r.msg, "sk-secret"));
        ck_assert_int_eq(r.attempts, 1);
        ck_assert_int_eq(server_requests(), 1);
}
END_TEST

START_TEST(test_malformed)
{
        static const struct step steps[] = {
                {.status = 200, .body = "not json"},
                {.status = 200, .body = "{\"choices\":[]}"},
                {.status = 200,
                 .body = "{\"choices\":[{\"message\":{\"content\":null}}]}"}};
        struct openai_endpoint_cfg cfg;
        struct result r = {0};

        server_start(steps, 3);
        cfg = cfg_for_server();
        cfg.retries = 2;
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        expect_err(&r, ERR_RETRY, "no choices[0].message.content string");
        expect_err(&r, ERR_RETRY, "after 3 attempts");
        ck_assert_int_eq(r.attempts, 3);
        ck_assert_int_eq(r.status, 200);
        ck_assert_int_eq(server_requests(), 3);
}
END_TEST

START_TEST(test_timeout)
{
        static const struct step steps[] = {{.status = 200, .delay_ms = 5000}};
        struct openai_endpoint_cfg cfg;
        struct result r = {0};
        uint64_t t0 = now_ms();

        server_start(steps, 1);
        cfg = cfg_for_server();
        cfg.timeout_ms = 200;
        cfg.retries = 1;
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        expect_err(&r, ERR_RETRY, "timed out");
        expect_err(&r, ERR_RETRY, "after 2 attempts");
        ck_assert_int_eq(r.attempts, 2);
        ck_assert_int_eq(r.status, 0);
        ck_assert_uint_lt(now_ms() - t0, 2000);
        ck_assert_int_eq(server_requests(), 2);
}
END_TEST

START_TEST(test_connect_refused)
{
        struct openai_endpoint_cfg cfg;
        struct result r = {0};
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a;
        socklen_t alen = sizeof(a);

        /* A port bound but not listening: nobody answers. */
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        getsockname(fd, (struct sockaddr *)&a, &alen);
        sv.port = ntohs(a.sin_port);
        cfg = cfg_for_server();
        cfg.retries = 1;
        openai_chat(endpoint(&cfg), chat_body(), 100, on_done, &r);
        run_until(&r, 1);
        close(fd);
        expect_err(&r, ERR_RETRY, "connect");
        expect_err(&r, ERR_RETRY, "after 2 attempts");
        ck_assert_int_eq(r.attempts, 2);
}
END_TEST

START_TEST(test_over_cap)
{
        struct step steps[2];
        struct openai_endpoint_cfg cfg;
        struct result r[2] = {{0}};
        char *big = malloc(5001);

        memset(big, 'x', 5000);
        big[5000] = '\0';
        memset(steps, 0, sizeof(steps));
        steps[0].status = 200; /* Content-Length says too much */
        steps[0].body = big;
        steps[1].status = 200; /* no length: the cap stops the reading */
        steps[1].body = big;
        steps[1].close = 1;
        server_start(steps, 2);
        cfg = cfg_for_server();
        cfg.max_reply_bytes = 1000;
        struct openai_endpoint *ep = endpoint(&cfg);
        openai_chat(ep, chat_body(), 100, on_done, &r[0]);
        run_until(&r[0], 1);
        openai_chat(ep, chat_body(), 100, on_done, &r[1]);
        run_until(&r[1], 1);
        for (int i = 0; i < 2; i++) {
                expect_err(&r[i], ERR_RETRY,
                           "endpoint local: reply over the cap of 1000 bytes");
                ck_assert_int_eq(r[i].attempts, 1);
        }
        ck_assert_int_eq(server_requests(), 2);
        server_stop();
        free(big);
}
END_TEST

START_TEST(test_concurrency)
{
        static const struct step steps[] = {{.status = 200, .delay_ms = 50}};
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result r[10];

        memset(r, 0, sizeof(r));
        server_start(steps, 1);
        cfg = cfg_for_server();
        cfg.concurrency = 2;
        ep = endpoint(&cfg);
        for (int i = 0; i < 10; i++)
                openai_chat(ep, chat_body(), 100, on_done, &r[i]);
        run_until(r, 10);
        for (int i = 0; i < 10; i++)
                ck_assert_msg(r[i].cls == ERR_OK, "%d: %s", i, r[i].msg);
        ck_assert_int_eq(server_requests(), 10);
        ck_assert_int_eq(sv.max_active, 2);
        ck_assert_int_le(sv.nconns, 2); /* connections reused */
        /* FIFO: done in the order submitted, two at a time. */
        for (int i = 2; i < 10; i++)
                ck_assert_uint_ge(r[i].at_ms, r[i - 2].at_ms);
}
END_TEST

/* 150 requests at once, each answered after 300 ms: 64 in flight at a
 * time (the default cap) on the one loop, three waves, about 1 s, not
 * the 45 s one at a time would take. */
START_TEST(test_parallel)
{
        static const struct step steps[] = {{.status = 200, .delay_ms = 300}};
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result *r = xcalloc(150, sizeof(*r));
        uint64_t t0 = now_ms();

        server_start(steps, 1);
        cfg = cfg_for_server();
        ep = endpoint(&cfg);
        for (int i = 0; i < 150; i++)
                openai_chat(ep, chat_body(), 100, on_done, &r[i]);
        run_until(r, 150);
        for (int i = 0; i < 150; i++)
                ck_assert_int_eq(r[i].cls, ERR_OK);
        ck_assert_int_eq(sv.max_active, 64); /* the default concurrency */
        ck_assert_uint_lt(now_ms() - t0, 5000);
        free(r);
}
END_TEST

/* rpm 600: a burst of 10 (one second's worth), then one per 100 ms. */
START_TEST(test_rate_rpm)
{
        static const struct step steps[] = {{.status = 200}};
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result r[15];

        memset(r, 0, sizeof(r));
        server_start(steps, 1);
        cfg = cfg_for_server();
        cfg.rpm = 600;
        ep = endpoint(&cfg);
        for (int i = 0; i < 15; i++)
                openai_chat(ep, chat_body(), 100, on_done, &r[i]);
        run_until(r, 15);
        for (int i = 0; i < 15; i++)
                ck_assert_int_eq(r[i].cls, ERR_OK);
        ck_assert_uint_lt(sv.at_ms[9] - sv.at_ms[0], 300);
        ck_assert_uint_ge(sv.at_ms[14] - sv.at_ms[0], 400);
        ck_assert_uint_lt(sv.at_ms[14] - sv.at_ms[0], 2000);
}
END_TEST

/* tpm 60000 with 100 tokens a request: 10 at once, then one per 100 ms. */
START_TEST(test_rate_tpm)
{
        static const struct step steps[] = {
                {.status = 200,
                 .body = "{\"choices\":[{\"message\":{\"content\":\"x\"}}],"
                         "\"usage\":{\"total_tokens\":100}}"}};
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result r[15];

        memset(r, 0, sizeof(r));
        server_start(steps, 1);
        cfg = cfg_for_server();
        cfg.tpm = 60000;
        ep = endpoint(&cfg);
        for (int i = 0; i < 15; i++)
                openai_chat(ep, chat_body(), 100, on_done, &r[i]);
        run_until(r, 15);
        for (int i = 0; i < 15; i++)
                ck_assert_int_eq(r[i].cls, ERR_OK);
        ck_assert_uint_lt(sv.at_ms[9] - sv.at_ms[0], 300);
        ck_assert_uint_ge(sv.at_ms[14] - sv.at_ms[0], 400);
}
END_TEST

START_TEST(test_breaker)
{
        static const struct step steps[] = {
                {.status = 500},
                {.status = 500},
                {.status = 500},
                {.status = 500},                   /* the first probe fails */
                {.status = 200, .delay_ms = 100}}; /* the second closes it */
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result r[3], fast = {0}, probe = {0}, during = {0};
        struct result probe2 = {0}, after = {0};

        memset(r, 0, sizeof(r));
        server_start(steps, 5);
        cfg = cfg_for_server();
        cfg.retries = -1;
        cfg.breaker_failures = 3;
        cfg.breaker_cooldown_ms = 300;
        ep = endpoint(&cfg);
        for (int i = 0; i < 3; i++) {
                ck_assert_int_eq(openai_endpoint_open(ep), 0);
                openai_chat(ep, chat_body(), 100, on_done, &r[i]);
                run_until(&r[i], 1);
                expect_err(&r[i], ERR_RETRY, "HTTP 500");
                ck_assert_int_eq(r[i].attempts, 1);
        }
        ck_assert_int_eq(openai_endpoint_open(ep), 1);

        /* Open: fails fast, later, without asking the server. */
        openai_chat(ep, chat_body(), 100, on_done, &fast);
        ck_assert_int_eq(fast.called, 0);
        run_until(&fast, 1);
        expect_err(&fast, ERR_RETRY, "endpoint local: circuit open");
        ck_assert_int_eq(fast.attempts, 0);
        ck_assert_int_eq(server_requests(), 3);

        /* Half-open: one probe; it fails and the circuit opens again. */
        run_for(350);
        ck_assert_int_eq(openai_endpoint_open(ep), 0);
        openai_chat(ep, chat_body(), 100, on_done, &probe);
        run_until(&probe, 1);
        expect_err(&probe, ERR_RETRY, "HTTP 500");
        ck_assert_int_eq(openai_endpoint_open(ep), 1);
        ck_assert_int_eq(server_requests(), 4);

        /* The next probe succeeds; a request while it runs fails fast. */
        run_for(350);
        openai_chat(ep, chat_body(), 100, on_done, &probe2);
        openai_chat(ep, chat_body(), 100, on_done, &during);
        run_until(&during, 1);
        expect_err(&during, ERR_RETRY, "circuit open");
        ck_assert_int_eq(openai_endpoint_open(ep), 1);
        run_until(&probe2, 1);
        ck_assert_msg(probe2.cls == ERR_OK, "%s", probe2.msg);
        ck_assert_int_eq(openai_endpoint_open(ep), 0);

        /* Closed again. */
        openai_chat(ep, chat_body(), 100, on_done, &after);
        run_until(&after, 1);
        ck_assert_int_eq(after.cls, ERR_OK);
        ck_assert_int_eq(server_requests(), 6);
}
END_TEST

/* 400s mean the endpoint works: they do not open the circuit. */
START_TEST(test_breaker_input)
{
        static const struct step steps[] = {{.status = 422}};
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result r[4];

        memset(r, 0, sizeof(r));
        server_start(steps, 1);
        cfg = cfg_for_server();
        cfg.breaker_failures = 2;
        ep = endpoint(&cfg);
        for (int i = 0; i < 4; i++) {
                openai_chat(ep, chat_body(), 100, on_done, &r[i]);
                run_until(&r[i], 1);
                expect_err(&r[i], ERR_INPUT, "HTTP 422");
        }
        ck_assert_int_eq(openai_endpoint_open(ep), 0);
}
END_TEST

/* Pending requests in every state are failed by openai_free. */
START_TEST(test_free_pending)
{
        static const struct step steps[] = {{.status = 500},
                                            {.status = 200, .delay_ms = 5000}};
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result r[4];

        memset(r, 0, sizeof(r));
        server_start(steps, 2);
        cfg = cfg_for_server();
        cfg.concurrency = 1;
        cfg.backoff_ms = cfg.max_backoff_ms = 5000;
        ep = endpoint(&cfg);
        /* r[0]: 500, then backs off; r[1]: in flight; r[2], r[3]: queued */
        for (int i = 0; i < 4; i++)
                openai_chat(ep, chat_body(), 100, on_done, &r[i]);
        while (server_requests() < 2)
                uv_run(&loop, UV_RUN_ONCE);
        for (int i = 0; i < 4; i++)
                ck_assert_int_eq(r[i].called, 0);
        openai_free(c);
        c = NULL;
        for (int i = 0; i < 4; i++) {
                ck_assert_int_eq(r[i].called, 1);
                expect_err(&r[i], ERR_RETRY, "endpoint local: client closed");
        }
        ck_assert_int_eq(r[0].attempts, 1);
        ck_assert_int_eq(r[0].status, 500);
}
END_TEST

/* openai_free from a callback waits until the callback returns. */
START_TEST(test_free_in_callback)
{
        static const struct step steps[] = {{.status = 200},
                                            {.status = 200, .delay_ms = 5000}};
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result r[3];

        memset(r, 0, sizeof(r));
        server_start(steps, 2);
        cfg = cfg_for_server();
        cfg.concurrency = 1;
        ep = endpoint(&cfg);
        for (int i = 0; i < 3; i++)
                openai_chat(ep, chat_body(), 100, on_done, &r[i]);
        free_in_callback = 1;
        run_until(r, 3);
        ck_assert_int_eq(r[0].cls, ERR_OK);
        expect_err(&r[1], ERR_RETRY, "client closed");
        expect_err(&r[2], ERR_RETRY, "client closed");
        ck_assert_ptr_null(c);
}
END_TEST

/* A body that is not an object fails, but never inside openai_chat. */
START_TEST(test_bad_body)
{
        struct openai_endpoint_cfg cfg;
        struct openai_endpoint *ep;
        struct result r[2] = {{0}};

        sv.port = 9; /* never reached */
        cfg = cfg_for_server();
        ep = endpoint(&cfg);
        openai_chat(ep, json_array(), 100, on_done, &r[0]);
        openai_chat(ep, NULL, 100, on_done, &r[1]);
        ck_assert_int_eq(r[0].called + r[1].called, 0);
        run_until(r, 2);
        expect_err(&r[0], ERR_INPUT, "not a JSON object");
        expect_err(&r[1], ERR_INPUT, "not a JSON object");
}
END_TEST

START_TEST(test_config)
{
        struct openai_endpoint_cfg cfg;
        struct err err;
        json_t *bad = json_pack("{s:s}", "X-Evil", "a\r\nInjected: 1");
        json_t *num = json_pack("{s:i}", "X-Num", 1);

        sv.port = 9;
        cfg = cfg_for_server();
        cfg.base_url = NULL;
        ck_assert_ptr_null(openai_endpoint_new(c, &cfg, &err));
        ck_assert_int_eq(err.cls, ERR_FATAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "base_url"));

        cfg = cfg_for_server();
        cfg.base_url = "ftp://example.com";
        ck_assert_ptr_null(openai_endpoint_new(c, &cfg, &err));

        cfg = cfg_for_server();
        cfg.model = NULL;
        ck_assert_ptr_null(openai_endpoint_new(c, &cfg, &err));
        ck_assert_ptr_nonnull(strstr(err.msg, "model"));

        cfg = cfg_for_server();
        cfg.concurrency = -2;
        ck_assert_ptr_null(openai_endpoint_new(c, &cfg, &err));
        ck_assert_ptr_nonnull(strstr(err.msg, "concurrency"));

        cfg = cfg_for_server();
        cfg.extra_headers = bad;
        ck_assert_ptr_null(openai_endpoint_new(c, &cfg, &err));
        ck_assert_ptr_nonnull(strstr(err.msg, "X-Evil"));
        cfg.extra_headers = num;
        ck_assert_ptr_null(openai_endpoint_new(c, &cfg, &err));

        cfg = cfg_for_server();
        cfg.api_key = "sk-x\r\nX: y";
        ck_assert_ptr_null(openai_endpoint_new(c, &cfg, &err));
        ck_assert_ptr_null(strstr(err.msg, "sk-x"));

        cfg = cfg_for_server();
        cfg.name = NULL;
        ck_assert_ptr_null(openai_endpoint_new(c, &cfg, &err));
        json_decref(bad);
        json_decref(num);
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

static Suite *openai_suite(void)
{
        Suite *s = suite_create("openai");

        add(s, "ok", test_ok);
        add(s, "request", test_request);
        add(s, "retry_5xx", test_retry_5xx);
        add(s, "retry_exhausted", test_retry_exhausted);
        add(s, "retry_after_seconds", test_retry_after_seconds);
        add(s, "retry_after_date", test_retry_after_date);
        add(s, "retry_after_capped", test_retry_after_capped);
        add(s, "bad_request", test_bad_request);
        add(s, "unusable", test_unusable);
        add(s, "malformed", test_malformed);
        add(s, "timeout", test_timeout);
        add(s, "connect_refused", test_connect_refused);
        add(s, "over_cap", test_over_cap);
        add(s, "concurrency", test_concurrency);
        add(s, "parallel", test_parallel);
        add(s, "rate_rpm", test_rate_rpm);
        add(s, "rate_tpm", test_rate_tpm);
        add(s, "breaker", test_breaker);
        add(s, "breaker_input", test_breaker_input);
        add(s, "free_pending", test_free_pending);
        add(s, "free_in_callback", test_free_in_callback);
        add(s, "bad_body", test_bad_body);
        add(s, "config", test_config);
        return s;
}

int main(void)
{
        SRunner *sr;
        int failed;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        sr = srunner_create(openai_suite());
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        curl_global_cleanup();
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
