/*
 * consumer: the Kafka side of the worker. A librdkafka high-level consumer
 * in a consumer group, driven from the libuv loop (librdkafka's queue wakes
 * the loop through an io-event pipe; a timer keeps polling so that group
 * membership holds while partitions are paused). Offsets are stored only
 * through consumer_done, once a document's outcome is durable, and only up
 * to the point below which every document is done (offsets.c). Owns the
 * rd_kafka_t, its queue, the offset trackers and its loop handles.
 */
#ifndef DOCPIPE_CONSUMER_H
#define DOCPIPE_CONSUMER_H

#include <librdkafka/rdkafka.h>
#include <uv.h>

#include "config.h"
#include "err.h"

/* Called on the loop thread for every message to process; steals rkm.
 * generation is to be passed back to consumer_done. */
typedef void (*consumer_msg_fn)(void *arg, rd_kafka_message_t *rkm,
                                int64_t generation);

struct consumer;

/* Returns a new consumer subscribed to cfg->topic_jobs, or NULL with err.
 * cfg is borrowed for the consumer's life. */
struct consumer *consumer_new(uv_loop_t *loop, const struct config *cfg,
                              consumer_msg_fn on_msg, void *arg,
                              struct err *err);

/* The outcome of topic/partition@offset is durable: store the partition's
 * commit point when it advanced. Stale generations are ignored. */
void consumer_done(struct consumer *c, const char *topic, int32_t partition,
                   int64_t generation, int64_t offset);

/* Pauses (pause = 1) or resumes fetching on every assigned partition; new
 * assignments follow the current state. */
void consumer_pause(struct consumer *c, int pause);

/* Stops taking work: pauses everything, and messages still polled are
 * dropped unprocessed (their offsets are not stored, so they come again). */
void consumer_stop(struct consumer *c);

/* Commits the stored offsets, leaves the group, destroys the handle and
 * closes the loop handles; the memory goes in their close callbacks, so the
 * caller runs the loop afterwards. consumer_close(NULL) is a no-op. */
void consumer_close(struct consumer *c);

/* The librdkafka handle, borrowed (for producing dead letters). */
rd_kafka_t *consumer_handle(struct consumer *c);

/* librdkafka's statistics go to m (borrowed; metrics_kafka_stats) from
 * the next poll on. Call before the loop runs. */
struct metrics;
void consumer_set_metrics(struct consumer *c, struct metrics *m);

/* Applies the kafka.* properties of cfg to conf; returns -1 with err on an
 * unknown or invalid property. Shared by every Kafka client of docpipe. */
int consumer_conf_apply(rd_kafka_conf_t *conf, const struct config *cfg,
                        struct err *err);

/* Routes librdkafka's logs through log.c. */
void consumer_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                     const char *buf);

#endif
