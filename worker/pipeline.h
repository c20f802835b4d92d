/*
 * pipeline: sequences the stages of every document, from the Kafka message
 * to the durable outcome. fetch, then a store lookup (a document already
 * done is skipped; the same content done before is reused without model
 * calls), then extract, classify, fields and summarize as the job asks,
 * then one store write of the result or the dead letter, then the offset.
 * Transient errors retry in place with exponential backoff and full jitter,
 * then go to the next retry topic; permanent ones, and transient ones past
 * the last retry topic, become dead letters (topic, then table) at once. It
 * bounds documents in flight by pausing the consumer. Owns the documents in
 * flight and the stages' states; borrows the consumer, store and model.
 */
#ifndef DOCPIPE_PIPELINE_H
#define DOCPIPE_PIPELINE_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "err.h"

struct consumer;
struct requeue;
struct store;
struct model;
struct pipeline;
struct metrics;

/* Called once, on the loop thread, when a drain ends: timed_out is 1 when
 * documents were still in flight at the deadline; fatal is 1 when the
 * drain was started by a fatal error. */
typedef void (*pipeline_drained_fn)(void *arg, int timed_out, int fatal);

struct pipeline_stats {
        uint64_t done, dead, skipped, reused, abandoned;
        uint64_t requeued; /* sent to a retry topic */
        size_t inflight;
};

/* Returns a new pipeline, or NULL with err when a stage fails to start.
 * Everything passed is borrowed for the pipeline's life. */
struct pipeline *pipeline_new(uv_loop_t *loop, const struct config *cfg,
                              struct store *store, struct model *model,
                              pipeline_drained_fn on_drained, void *arg,
                              struct err *err);

/* The consumer is created after the pipeline (it delivers to it). */
void pipeline_set_consumer(struct pipeline *p, struct consumer *c);

/* Failed jobs go to retry topics and the dead-letter topic through rq
 * (borrowed); without one, dead letters go to PostgreSQL only. */
void pipeline_set_requeue(struct pipeline *p, struct requeue *rq);

/* Documents, stages, retries and model calls are counted in m (borrowed;
 * metrics.h); without, nothing is. */
void pipeline_set_metrics(struct pipeline *p, struct metrics *m);

/* consumer_msg_fn: takes one message into the pipeline (steals rkm). */
void pipeline_on_message(void *arg, rd_kafka_message_t *rkm,
                         int64_t generation);

/* Stops taking work and waits for the documents in flight, at most
 * cfg->drain_ms; then calls on_drained. */
void pipeline_drain(struct pipeline *p);

void pipeline_stats(const struct pipeline *p, struct pipeline_stats *st);

/* Frees p; documents still in flight are abandoned (their offsets are not
 * stored). Closes its timer: the caller runs the loop afterwards. */
void pipeline_free(struct pipeline *p);

#endif
