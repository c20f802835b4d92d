/*
 * cpu: the scheduler in front of libuv's thread pool. CPU work (fetching,
 * Poppler, the builtin model) is queued here with a priority, the stage it
 * belongs to, and at most a few items per pool thread are handed to the
 * pool at a time, later stages first. Without it the pool is one FIFO: a
 * few hundred documents in flight would all be fetched, then all
 * extracted, then all classified, finishing together in waves, with the
 * pool idle between waves while partitions resume. With it a document
 * that has started goes through before new ones start, and results stream.
 * One scheduler per loop, found through the loop's data pointer; without
 * one, work goes straight to the pool. Owns the items waiting.
 */
#ifndef DOCPIPE_CPU_H
#define DOCPIPE_CPU_H

#include <uv.h>

#define CPU_PRIORITIES 8 /* 0 lowest ... 7 highest */

/* The priorities of the pipeline's CPU work: later stages first, so that a
 * document that has started finishes before new ones start. */
enum {
        CPU_PRIO_FETCH = 1,
        CPU_PRIO_EXTRACT = 2,
        CPU_PRIO_CLASSIFY = 3,
        CPU_PRIO_FIELDS = 4,
        CPU_PRIO_SUMMARIZE = 5
};

struct cpu;

/* Returns a new scheduler for loop that keeps at most inflight items in
 * the pool, and makes it the loop's (uv_loop_set_data). */
struct cpu *cpu_new(uv_loop_t *loop, int inflight);

/* Detaches it from the loop and frees it; nothing may be waiting.
 * cpu_free(NULL) is a no-op. */
void cpu_free(struct cpu *c);

/* Like uv_queue_work(loop, req, work, after), with priority prio (0..7):
 * work runs on the pool, after on the loop thread. Returns 0 or a libuv
 * error code (as uv_queue_work). */
int cpu_queue(uv_loop_t *loop, int prio, uv_work_t *req, uv_work_cb work,
              uv_after_work_cb after);

#endif
