/*
 * stage: the one interface every pipeline stage has. A stage takes a
 * document, adds its part of the result, and reports done or an error that
 * says whether it is worth retrying. Because stages may wait on the network,
 * a stage finishes through a callback, on the loop thread, exactly once.
 * The pipeline holds the list of stages; it knows nothing of PDFs or
 * prompts. Also: stage_pool_run, to run blocking work off the loop.
 */
#ifndef DOCPIPE_STAGE_H
#define DOCPIPE_STAGE_H

#include <uv.h>

#include "../worker/config.h"
#include "../worker/doc.h"
#include "../worker/err.h"

struct model;

/* What a stage may use; borrowed for the stage's life. */
struct stage_env {
        uv_loop_t *loop;
        const struct config *cfg;
        struct model *model;
};

/* err is NULL on success. Called on the loop thread, exactly once. */
typedef void (*stage_done_fn)(struct doc *doc, const struct err *err);

struct stage {
        const char *name;
        unsigned mask; /* STAGE_* bit the job must ask for; 0: always */
        int (*init)(void **state, const struct stage_env *env, struct err *err);
        /* Starts work on doc; calls done(doc, err) exactly once. */
        void (*start)(void *state, struct doc *doc, stage_done_fn done);
        void (*destroy)(void *state); /* accepts NULL */
};

extern const struct stage stage_fetch;
extern const struct stage stage_extract;
extern const struct stage stage_vision; /* stages/vision.c */
extern const struct stage stage_classify;
extern const struct stage stage_fields;
extern const struct stage stage_summarize;

/* Blocking work for the thread pool: fills doc or sets err. */
typedef int (*stage_work_fn)(struct doc *doc, const struct config *cfg,
                             struct err *err);

/* Runs work(doc, cfg, err) on the loop's thread pool at priority prio,
 * then done on the loop thread (err NULL when work returned 0). prio is
 * one of the CPU_PRIO_* of worker/cpu.h. */
void stage_pool_run(uv_loop_t *loop, const struct config *cfg, struct doc *doc,
                    int prio, stage_work_fn work, stage_done_fn done);

#endif
