/*
 * model: the model layer the stages talk to. A task (classify, fields,
 * summarize) on a document goes to a backend; the backend reads the
 * document's text (and class, for fields and summarize), writes its part of
 * the result into the document, appends the model calls it made (tokens,
 * cost, latency), and calls back once, on the loop thread. Backends:
 * builtin (in-process, on the thread pool); remote OpenAI-compatible
 * endpoints slot in behind the same interface. Owns the backends' states.
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

/* One backend: every backend looks the same to the model layer. */
struct model_backend {
        const char *name;
        int (*init)(void **state, uv_loop_t *loop, const struct config *cfg,
                    struct err *err);
        /* Starts task on doc (borrowed until done is called). */
        void (*run)(void *state, enum model_task task, struct doc *doc,
                    model_done_fn done);
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
