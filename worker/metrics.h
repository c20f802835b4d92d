/*
 * metrics: what the worker counts for Prometheus, and how healthy it is.
 * Documents done (by class) and dead (by stage and error class), stage
 * latency histograms, model calls, tokens and cost per endpoint and model,
 * documents in flight, retries, consumer lag per partition (from
 * librdkafka's statistics), and the state /healthz and /readyz answer from.
 *
 * Threads: every metrics_* call that counts runs on the loop thread; the
 * HTTP thread (http.c) only reads, through metrics_render, metrics_alive
 * and metrics_ready. Counters are relaxed atomics in fixed arrays; a label
 * value (a stage, a class, a model) takes a slot the first time it is seen
 * and keeps it, published with a release store of the slot count, so a
 * reader never sees a half-written name. The lag lines, whose set changes
 * with every assignment, are a snapshot text swapped under a mutex once per
 * statistics interval. Owns all of it; metrics_* accept a NULL metrics
 * (nothing counted), so code paths without a listener need no checks.
 */
#ifndef DOCPIPE_METRICS_H
#define DOCPIPE_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "doc.h"

/* /healthz fails when the loop has not turned for this long: longer than
 * anything the loop blocks on by design (a commit on revocation waits at
 * most 5 s; leaving the group at shutdown at most 20 s). */
#define METRICS_STALL_MS 30000

struct metrics;

/* Returns new, empty metrics; never NULL. */
struct metrics *metrics_new(void);

/* Frees m; metrics_free(NULL) is a no-op. No other thread may use m. */
void metrics_free(struct metrics *m);

/* ---- loop thread ---- */

/* A message became a document in flight. */
void metrics_doc_started(struct metrics *m);

/* doc (borrowed) leaves the pipeline after seconds: durable says its
 * outcome is stored (a result, a dead letter, or already there before) or
 * it went to the retry topic requeued_to (else NULL); not durable, it is
 * abandoned. Counts its outcome and every model call it made (shadow calls
 * too: they were paid for). */
void metrics_doc_finished(struct metrics *m, const struct doc *doc, int durable,
                          const char *requeued_to, double seconds);

/* One attempt of stage took seconds (failed attempts too). */
void metrics_stage(struct metrics *m, const char *stage, double seconds);

/* stage failed transiently and is retried in place. */
void metrics_retry(struct metrics *m, const char *stage);

/* librdkafka's statistics JSON (len bytes, borrowed): consumer lag per
 * assigned partition, the group's state, the partitions assigned. A JSON
 * that cannot be read leaves the last snapshot. */
void metrics_kafka_stats(struct metrics *m, const char *json, size_t len);

/* The loop turned at now_ns (uv_hrtime): /healthz is fine. */
void metrics_heartbeat(struct metrics *m, uint64_t now_ns);

/* The worker is draining: /readyz fails from now on. */
void metrics_draining(struct metrics *m);

/* ---- any thread ---- */

/* Writes every metric to f in Prometheus' text format (0.0.4). pg_ok says
 * whether PostgreSQL is reachable, now_ns is uv_hrtime(). */
void metrics_render(struct metrics *m, FILE *f, int pg_ok, uint64_t now_ns);

/* 1 when the loop turned within METRICS_STALL_MS of now_ns; otherwise 0
 * with why (n bytes) saying since when. */
int metrics_alive(struct metrics *m, uint64_t now_ns, char *why, size_t n);

/* 1 when the worker should get work: not draining, PostgreSQL reachable
 * (pg_ok), and partitions assigned or the consumer group's coordinator up
 * (a member that got no partition is still ready). why (n bytes) says which
 * way, or what is missing. */
int metrics_ready(struct metrics *m, int pg_ok, char *why, size_t n);

#endif
