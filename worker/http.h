/*
 * http: the worker's HTTP listener (worker.metrics_addr), for Prometheus
 * and for Kubernetes' probes:
 *   GET /metrics   every metric (metrics.c) in Prometheus' text format
 *   GET /healthz   200 while the event loop turns, 503 once it has not
 *                  for METRICS_STALL_MS (a liveness probe restarts it)
 *   GET /readyz    200 while partitions are assigned (or the group is
 *                  joined with none to give) and PostgreSQL is reachable;
 *                  503 otherwise and while draining
 * libmicrohttpd serves it on a thread of its own, so that a stuck loop is
 * still reported (and its metrics still read) instead of timing out; that
 * thread only reads atomics (metrics.c, store_reachable). A libuv timer on
 * the loop stamps the heartbeat every second. Owns the listening socket,
 * the daemon and the timer.
 */
#ifndef DOCPIPE_HTTP_H
#define DOCPIPE_HTTP_H

#include <uv.h>

#include "err.h"
#include "metrics.h"

struct http;
struct store;

/* Listens on addr ("HOST:PORT", as worker.metrics_addr checks it; port 0
 * takes a free one) and serves m and the reachability of s, both borrowed
 * until http_free. s may be NULL (PostgreSQL counts as reachable). Returns
 * the new listener, or NULL with err (ERR_FATAL: the address cannot be
 * resolved, or is in use). */
struct http *http_new(uv_loop_t *loop, const char *addr, struct metrics *m,
                      struct store *s, struct err *err);

/* The port listened on (the one chosen for port 0). */
int http_port(const struct http *h);

/* Stops serving (waits for a request being answered) and closes the timer:
 * the memory goes in its close callback, so the caller runs the loop
 * afterwards. http_free(NULL) is a no-op. */
void http_free(struct http *h);

#endif
