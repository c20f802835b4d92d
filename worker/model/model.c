/*
 * model: the model layer (see model.h). Today it has one backend, builtin,
 * and sends every task to it; the routing of issue 3 (a chain of endpoints
 * per stage, escalation and fallback) goes here without touching the
 * stages. Owns the backend states.
 */
#include "model.h"

#include <stdlib.h>

const char *model_task_name(enum model_task task)
{
        switch (task) {
        case MODEL_CLASSIFY:
                return "classify";
        case MODEL_FIELDS:
                return "fields";
        case MODEL_SUMMARIZE:
                return "summarize";
        }
        return "?";
}

struct model {
        const struct model_backend *backend;
        void *state;
};

struct model *model_new(uv_loop_t *loop, const struct config *cfg,
                        struct err *err)
{
        struct model *m = xcalloc(1, sizeof(*m));

        m->backend = &model_builtin;
        if (m->backend->init(&m->state, loop, cfg, err) < 0) {
                err_prefix(err, "model %s: ", m->backend->name);
                free(m);
                return NULL;
        }
        return m;
}

void model_run(struct model *m, enum model_task task, struct doc *doc,
               model_done_fn done)
{
        m->backend->run(m->state, task, doc, done);
}

void model_free(struct model *m)
{
        if (!m)
                return;
        m->backend->destroy(m->state);
        free(m);
}
