/*
 * offsets: which Kafka offsets may be committed. Documents of one partition
 * are taken in offset order but finish out of order; the commit point of a
 * partition is the lowest offset still in flight, or one past the last
 * offset taken when nothing is in flight. Each partition's tracker has a
 * generation: a revoked and re-assigned partition starts a new one, and
 * completions from the old generation are ignored. Pure bookkeeping, no
 * Kafka calls. Owns the trackers.
 */
#ifndef DOCPIPE_OFFSETS_H
#define DOCPIPE_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

struct offsets;

/* Returns a new, empty set of trackers. */
struct offsets *offsets_new(void);

/* offsets_free(NULL) is a no-op. */
void offsets_free(struct offsets *o);

/* Starts tracking topic/partition (on assignment); any previous tracker of
 * it is dropped. Returns the new generation. */
int64_t offsets_assign(struct offsets *o, const char *topic, int32_t partition);

/* Stops tracking topic/partition (on revocation). Its in-flight documents
 * will be ignored by offsets_done. */
void offsets_revoke(struct offsets *o, const char *topic, int32_t partition);

/* Records that offset of topic/partition was taken. Returns the tracker's
 * generation to carry with the document, or -1 when the partition is not
 * tracked (not assigned) or offset does not advance (a redelivery). */
int64_t offsets_begin(struct offsets *o, const char *topic, int32_t partition,
                      int64_t offset);

/* Records that offset finished. Returns the new commit point when it moved,
 * else -1 (also for a stale generation or an unknown partition). */
int64_t offsets_done(struct offsets *o, const char *topic, int32_t partition,
                     int64_t generation, int64_t offset);

/* The commit point of topic/partition, or -1 when nothing was taken. */
int64_t offsets_commit_point(const struct offsets *o, const char *topic,
                             int32_t partition);

/* Documents in flight over all tracked partitions. */
size_t offsets_inflight(const struct offsets *o);

#endif
