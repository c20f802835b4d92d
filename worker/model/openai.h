/*
 * openai: a client of OpenAI-compatible chat-completions endpoints on the
 * libuv loop. One struct openai holds one libcurl multi handle (so every
 * endpoint shares its connection and DNS caches) driven by the
 * multi-socket interface: a uv_poll per socket curl asks about and one
 * uv_timer for curl's timeout, so thousands of requests can wait at once
 * without a thread each. Each endpoint adds what a remote model needs: a
 * cap on requests in flight with a FIFO queue behind it, request and token
 * rate limits (token buckets), retries with exponential backoff, full
 * jitter and Retry-After, and a circuit breaker. Over https:// it speaks
 * HTTP/2 where the server offers it (ALPN), many requests multiplexed on
 * one connection. Owns the multi handle, the endpoints, the requests until
 * their callback returns, and every libuv handle it opens; all of it lives
 * on the loop thread.
 */
#ifndef DOCPIPE_OPENAI_H
#define DOCPIPE_OPENAI_H

#include <jansson.h>
#include <uv.h>

#include "../err.h"

/* Defaults, taken where the configuration says 0. */
#define OPENAI_CONCURRENCY 64
#define OPENAI_CONNECT_TIMEOUT_MS 10000
#define OPENAI_TIMEOUT_MS 120000
#define OPENAI_MAX_REPLY_BYTES (8L << 20)
#define OPENAI_RETRIES 4
#define OPENAI_BACKOFF_MS 500
#define OPENAI_MAX_BACKOFF_MS 30000
#define OPENAI_BREAKER_FAILURES 5
#define OPENAI_BREAKER_COOLDOWN_MS 30000

/*
 * One endpoint. Every field is borrowed for the duration of
 * openai_endpoint_new, which copies what it keeps. Numbers: 0 takes the
 * default above; retries < 0 means no retries, breaker_failures < 0 turns
 * the breaker off; rpm and tpm 0 mean unlimited.
 */
struct openai_endpoint_cfg {
        const char *name;     /* for logs and error messages */
        const char *base_url; /* e.g. http://127.0.0.1:8000/v1 */
        const char *model;    /* set as "model" in every request */
        const char *api_key;  /* may be NULL; sent as a Bearer token, never
                               * logged nor put in an error message */
        const char *ca_file;  /* PEM CA certificates that verify the
                               * server (a private CA, a self-signed
                               * server); NULL or "": the system's */
        int concurrency;      /* requests in flight at most */
        int connect_timeout_ms, timeout_ms; /* per attempt */
        long max_reply_bytes; /* cap on one reply body (decoded) */
        int rpm, tpm;         /* requests, estimated tokens per minute */
        int retries;          /* retries after the first attempt */
        int backoff_ms;       /* first backoff ceiling */
        int max_backoff_ms;   /* cap on any wait, Retry-After included */
        int breaker_failures; /* consecutive failed requests to open */
        int breaker_cooldown_ms;
        const json_t *extra_body;    /* object merged into every request
                                      * body (wins over the caller's keys),
                                      * e.g. {"enable_thinking": false};
                                      * may be NULL */
        const json_t *extra_headers; /* object, name -> string value; may
                                      * be NULL */
};

/* What a request's callback gets. Everything in it is borrowed for the
 * duration of the callback; take a reference (json_incref) to keep body. */
struct openai_reply {
        long status;         /* last HTTP status; 0 if none came */
        json_t *body;        /* parsed reply; NULL on error */
        const char *content; /* choices[0].message.content; NULL on error */
        const json_t *usage; /* the reply's "usage" object, or NULL */
        double latency_ms;   /* of the last attempt */
        int attempts;        /* made, 1 + retries used */
};

/*
 * Called exactly once per openai_chat, on the loop thread, never from
 * inside openai_chat. reply is never NULL (on error its body and content
 * are NULL, status and attempts still say what happened); err is NULL on
 * success. Error classes:
 *   ERR_RETRY  429, 408, 5xx, timeouts, lost connections and malformed
 *              200 replies after the retries; a reply over the cap (not
 *              retried); 401, 403, 404 and the other 4xx and 3xx, which
 *              say the endpoint is unusable for every request (not
 *              retried; the message says "endpoint unusable"); the circuit
 *              open; the client closed. All but the last two count toward
 *              the circuit breaker, so a router can fall back to another
 *              endpoint and the pipeline retries the document later.
 *   ERR_INPUT  400, 413, 422: the endpoint works and refuses this request
 *              (too long, bad schema); the same request stays bad. Not
 *              retried, not a breaker failure. Also a body that is not a
 *              JSON object.
 */
typedef void (*openai_done_fn)(void *arg, const struct openai_reply *reply,
                               const struct err *err);

struct openai;
struct openai_endpoint;

/* Returns a new client on loop (borrowed; it must outlive the client), or
 * NULL with err set (ERR_FATAL). curl_global_init must have been called. */
struct openai *openai_new(uv_loop_t *loop, struct err *err);

/* Returns a new endpoint of c, owned by c and freed by openai_free, or
 * NULL with err set (ERR_FATAL: a missing or bad setting, named). cfg is
 * borrowed: what is needed is copied. */
struct openai_endpoint *
openai_endpoint_new(struct openai *c, const struct openai_endpoint_cfg *cfg,
                    struct err *err);

/*
 * POSTs body to the endpoint's /chat/completions and calls done(arg, ...)
 * once (see openai_done_fn). body is stolen: the request without "model";
 * the client sets "model" and merges extra_body. est_tokens estimates the
 * tokens of the request and its reply, for the tpm limit. The request
 * waits in the endpoint's FIFO queue while `concurrency` requests are in
 * flight or a rate limit says so; the queue has no count cap (each waiting
 * request holds its serialized body: the caller bounds how many it
 * submits, as the pipeline does with worker.max_inflight).
 */
void openai_chat(struct openai_endpoint *ep, json_t *body, long est_tokens,
                 openai_done_fn done, void *arg);

/* Returns 1 while ep's circuit breaker turns requests away (open and
 * cooling down, or half-open with its one probe in flight), else 0. */
int openai_endpoint_open(const struct openai_endpoint *ep);

/*
 * Closes c: every request not yet done is failed with ERR_RETRY "client
 * closed" (its callback called before this returns; a callback may still
 * call openai_chat, which fails the same way), the multi handle is cleaned
 * up, each endpoint logs what its attempts went over (HTTP/2, HTTP/1.x,
 * HTTP/3, no response) and the connections they opened, and every libuv
 * handle is closed. Memory is released in the close callbacks: the caller
 * runs the loop afterwards. May be called from a done callback: it then
 * takes effect when that callback returns.
 * openai_free(NULL) is a no-op.
 */
void openai_free(struct openai *c);

#endif
