/*
 * cmd_kafka: Kafka helpers shared by the tools (submit, broker, lag, demo).
 * Owns nothing; every function says what it returns.
 */
#ifndef DOCPIPE_CMD_KAFKA_H
#define DOCPIPE_CMD_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>

#include "config.h"
#include "err.h"

enum submit_mode { SUBMIT_ENVELOPE, SUBMIT_RAW, SUBMIT_URI };

struct submit_opts {
        const char *tenant;
        const char *id;        /* fixed id (one file), or NULL */
        const char *id_prefix; /* prefix to the file's name, or NULL */
        const char *content_type;
        unsigned stages;
        enum submit_mode mode;
};

/* Returns a new handle that owns a new mock cluster of brokers brokers
 * (*mcluster, destroyed with rd_kafka_mock_cluster_destroy before the
 * handle) with topics created, or NULL with err. */
rd_kafka_t *kafka_mock_new(int brokers, int partitions,
                           const char *const *topics, size_t topics_n,
                           rd_kafka_mock_cluster_t **mcluster, struct err *err);

/* Returns a new producer for submitting jobs that counts failed deliveries
 * in *failed (borrowed for the handle's life), or NULL with err. */
rd_kafka_t *kafka_submitter_new(const struct config *cfg, int *failed,
                                struct err *err);

/* Produces one job for the file at path (not waiting for delivery). */
int kafka_submit_file(rd_kafka_t *rk, const char *topic, const char *path,
                      const struct submit_opts *o, struct err *err);

/* Prints the lag table of group on topics to out (may be NULL) and sets
 * *total_lag, their sum. Returns 0 or -1 with err. */
int kafka_lag(const struct config *cfg, const char *group,
              const char *const *topics, size_t topics_n, FILE *out,
              int64_t *total_lag, struct err *err);

/* Sets topics (at most max) to the topics of cfg: topics.jobs,
 * topics.dlq, the topics.retry tiers (borrowed from cfg). Returns how
 * many. */
size_t kafka_config_topics(const struct config *cfg, const char **topics,
                           size_t max);

#endif
