/*
 * requeue: where a job goes when this delivery of it has failed. A
 * transient failure (ERR_RETRY) that the in-place retries did not cure goes
 * to the next retry topic of topics.retry and is tried again once that
 * tier's delay has passed; past the last tier, and at once for a permanent
 * failure (ERR_INPUT), it goes to the dead-letter topic (topics.dlq), and
 * then to the dead_letters table (store.c). The message goes as it came
 * (key, payload, its own headers, so that a replay is the same job) with
 * docpipe-* headers that say where it came from, what failed, how often,
 * and what it has cost so far. An idempotent producer (acks=all) on the
 * libuv loop produces it; the caller hears once the broker has it, and
 * only then may the original's offset be stored.
 *
 * Also the pure parts that the consumer and the pipeline use: when a retry
 * topic's message is due, which document id a keyless job that came back
 * has, and the headers themselves (for the tests).
 *
 * Owns the producer, its loop handles and the requests not yet done.
 */
#ifndef DOCPIPE_REQUEUE_H
#define DOCPIPE_REQUEUE_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "doc.h"
#include "err.h"

/* The headers docpipe writes (and reads back). */
#define REQUEUE_H_TOPIC "docpipe-original-topic"
#define REQUEUE_H_PARTITION "docpipe-original-partition"
#define REQUEUE_H_OFFSET "docpipe-original-offset"
#define REQUEUE_H_TIMESTAMP "docpipe-original-timestamp" /* ms, epoch */
#define REQUEUE_H_GROUP "docpipe-group"
#define REQUEUE_H_ID "docpipe-document-id"
#define REQUEUE_H_STAGE "docpipe-stage"
#define REQUEUE_H_CLASS "docpipe-error-class"
#define REQUEUE_H_ERROR "docpipe-error"
#define REQUEUE_H_ATTEMPTS "docpipe-attempts" /* tries so far, in total */
#define REQUEUE_H_MODEL "docpipe-model"
#define REQUEUE_H_PROVIDER "docpipe-provider"
#define REQUEUE_H_HTTP "docpipe-http-status"
#define REQUEUE_H_TOKENS "docpipe-tokens"       /* so far, in total */
#define REQUEUE_H_COST "docpipe-cost-usd"       /* so far, in total */
#define REQUEUE_H_FAILED_AT "docpipe-failed-at" /* ms, epoch */
#define REQUEUE_H_DUE "docpipe-due"             /* retry topics: ms, epoch */
#define REQUEUE_H_REPLAY                                                       \
        "docpipe-replay" /* `docpipe dlq replay`: the                          \
                            dead letter's id */
#define REQUEUE_H_PREFIX "docpipe-"

/* Milliseconds since the epoch (the clock Kafka timestamps use). */
int64_t requeue_now_ms(void);

/* The index in cfg->retry of the retry topic named topic, or -1. */
int requeue_tier_of(const struct config *cfg, const char *topic);

/* Where doc goes after its failure (doc->err): the index of the next retry
 * tier after the topic it came from, or -1 for the dead-letter topic
 * (a permanent failure, or the last tier passed). */
int requeue_next_tier(const struct config *cfg, const struct doc *doc);

/* When a message of topic is due, in ms since the epoch: its docpipe-due
 * header, else timestamp (ms, -1 unknown) plus the tier's delay, never
 * later than now_ms plus that delay (a clock that ran ahead holds nothing
 * for long). 0 for a topic that is no retry topic. hdrs may be NULL. */
int64_t requeue_due(const struct config *cfg, const char *topic,
                    const rd_kafka_headers_t *hdrs, int64_t timestamp,
                    int64_t now_ms);

/* The coordinates a job was first consumed at, from the docpipe-original-*
 * headers of a job that came back (a retry topic, a replay): topic into
 * buf (n bytes). Returns 0, or -1 when hdrs (may be NULL) has none. */
int requeue_origin(const rd_kafka_headers_t *hdrs, char *topic, size_t n,
                   int32_t *partition, int64_t *offset);

/* Copies what doc->msg needs of rkm (payload, key, headers, timestamp) and
 * reads the attempts and replay headers; rkm is not kept. */
void requeue_keep(struct doc *doc, const rd_kafka_message_t *rkm);

/* Returns the new headers of doc's message going to tier (-1: the
 * dead-letter topic), sent at now_ms: its own headers, then the docpipe-*
 * ones. doc->err and doc->failed_stage say what failed. */
rd_kafka_headers_t *requeue_headers_new(const struct config *cfg,
                                        const struct doc *doc, int tier,
                                        int64_t now_ms);

/* Returns the new JSON text of hdrs: with docpipe, an object of the
 * docpipe-* headers (name -> string); else an array of the others,
 * [[name, value], ...], where a value that is not UTF-8 text is
 * {"base64": "..."} and a header without value is null. */
char *requeue_headers_json(const rd_kafka_headers_t *hdrs, int docpipe);

/* Called once, on the loop thread. err NULL: the broker has the message
 * on tier's topic (-1: the dead-letter topic, doc->msg.dlq_* filled; also
 * when that topic refused it for good, dlq_offset -1 then, so that the
 * dead letter is at least in the table). tier may differ from the one
 * asked: a retry topic that refuses the message for good sends it on to
 * the dead-letter topic. err set: ERR_RETRY (the requeue was closed: the
 * message is not in Kafka, leave the offset unstored) or ERR_FATAL (the
 * producer cannot go on). */
typedef void (*requeue_done_fn)(struct doc *doc, int tier,
                                const struct err *err);

struct requeue;

/* Returns a new requeue with its producer (kafka.* of cfg, producer
 * properties only; idempotent, acks=all), or NULL with err. cfg is
 * borrowed for its life. */
struct requeue *requeue_new(uv_loop_t *loop, const struct config *cfg,
                            struct err *err);

/* Produces doc->msg to tier's topic (-1: the dead-letter topic); done once
 * the broker has it. A delivery that fails for a while (broker down) is
 * produced again with backoff until it goes through or the requeue is
 * freed. doc is borrowed until done. */
void requeue_send(struct requeue *rq, struct doc *doc, int tier,
                  requeue_done_fn done);

/* Waits at most 5 s for the messages in flight, fails what is left with
 * ERR_RETRY (callbacks called before it returns), destroys the producer and
 * closes the loop handles; the memory goes in their close callbacks, so the
 * caller runs the loop afterwards. requeue_free(NULL) is a no-op. */
void requeue_free(struct requeue *rq);

#endif
