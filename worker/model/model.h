/*
 * model: the model layer the stages talk to, and its router. A task
 * (classify, fields, summarize) on a document follows the stage's route
 * (models.routes): an ordered list of steps, each the builtin model or a
 * configured endpoint, with conditions (language, class, document tokens,
 * the per-document budget, the endpoint's circuit breaker). The first step
 * that applies runs; when it fails the next one is tried (fallback); a
 * builtin classification below a step's escalate_below goes on to the next
 * step (escalation) and stays the answer should every later step fail. The
 * backend writes its part of the result into the document and appends the
 * model calls it made (tokens, cost, latency). Owns the builtin backend's
 * state and the remote layer.
 */
#ifndef DOCPIPE_MODEL_H
#define DOCPIPE_MODEL_H

#include <uv.h>

#include "../config.h"
#include "../doc.h"
#include "../err.h"

enum model_task { MODEL_CLASSIFY, MODEL_FIELDS, MODEL_SUMMARIZE };

const char *model_task_name(enum model_task task);

/* Called exactly once per model_run, on the loop thread. err is NULL on
 * success; otherwise it says what failed and whether to retry. The caller
 * finds its own context through doc->owner. */
typedef void (*model_done_fn)(struct doc *doc, const struct err *err);

/* How a backend reports back to the router: once, on the loop thread. */
typedef void (*model_backend_done_fn)(void *arg, const struct err *err);

/* An in-process backend (the builtin model). Remote endpoints are driven
 * by remote.c, one state per configured endpoint. */
struct model_backend {
        const char *name;
        int (*init)(void **state, uv_loop_t *loop, const struct config *cfg,
                    struct err *err);
        /* Starts task on doc (borrowed until done is called). */
        void (*run)(void *state, enum model_task task, struct doc *doc,
                    model_backend_done_fn done, void *arg);
        void (*destroy)(void *state); /* accepts NULL */
};

extern const struct model_backend model_builtin;

struct model;

/* Returns a new model layer for cfg on loop, or NULL with err set. */
struct model *model_new(uv_loop_t *loop, const struct config *cfg,
                        struct err *err);

/* Runs task on doc; see model_done_fn. doc is borrowed until done. */
void model_run(struct model *m, enum model_task task, struct doc *doc,
               model_done_fn done);

/* Frees m; m must have no task running. model_free(NULL) is a no-op. */
void model_free(struct model *m);

#endif
