/*
 * stage: the helper that runs a stage's blocking work on the libuv thread
 * pool and finishes it on the loop thread (see stage.h), and the two stages
 * whose work is blocking I/O or CPU: fetch (source.c) and extract
 * (extract.c). Extraction of PDFs goes to the sandbox's child processes
 * (sandbox.c) unless sandbox.mode is inline; plain text stays on the
 * pool. Owns one small work record per call, and the extract stage its
 * sandbox.
 */
#include "stage.h"

#include <stdlib.h>
#include <string.h>

#include "../worker/cpu.h"
#include "../worker/source.h"
#include "extract.h"
#include "sandbox.h"

struct stage_work {
        uv_work_t req;
        struct doc *doc;
        const struct config *cfg;
        stage_work_fn work;
        stage_done_fn done;
        int rc;
        struct err err;
};

static void stage_work_run(uv_work_t *req)
{
        struct stage_work *w = req->data;

        err_clear(&w->err);
        w->rc = w->work(w->doc, w->cfg, &w->err);
}

static void stage_work_after(uv_work_t *req, int status)
{
        struct stage_work *w = req->data;
        struct doc *doc = w->doc;
        stage_done_fn done = w->done;
        struct err err = w->err;
        int rc = w->rc;

        if (status < 0) /* cancelled: never ran */
                rc = err_set(&err, ERR_RETRY, "work cancelled");
        free(w);
        done(doc, rc < 0 ? &err : NULL);
}

void stage_pool_run(uv_loop_t *loop, const struct config *cfg, struct doc *doc,
                    int prio, stage_work_fn work, stage_done_fn done)
{
        struct stage_work *w = xcalloc(1, sizeof(*w));
        int rc;

        w->req.data = w;
        w->doc = doc;
        w->cfg = cfg;
        w->work = work;
        w->done = done;
        rc = cpu_queue(loop, prio, &w->req, stage_work_run, stage_work_after);
        if (rc < 0) {
                struct err err;
                free(w);
                err_set(&err, ERR_FATAL, "uv_queue_work: %s", uv_strerror(rc));
                done(doc, &err);
        }
}

/* The blocking stages keep their environment as their state. */
static int stage_env_init(void **state, const struct stage_env *env,
                          struct err *err)
{
        (void)err;
        *state = (void *)env;
        return 0;
}

static void stage_env_destroy(void *state)
{
        (void)state;
}

static void stage_fetch_start(void *state, struct doc *doc, stage_done_fn done)
{
        const struct stage_env *env = state;

        stage_pool_run(env->loop, env->cfg, doc, CPU_PRIO_FETCH, source_fetch,
                       done);
}

/* The extract stage's state: its environment, and the sandbox (NULL when
 * sandbox.mode is inline). */
struct stage_extract {
        const struct stage_env *env;
        struct sandbox *sb;
};

static int stage_extract_init(void **state, const struct stage_env *env,
                              struct err *err)
{
        struct stage_extract *x = xcalloc(1, sizeof(*x));

        x->env = env;
        if (env->cfg->sandbox_mode &&
            strcmp(env->cfg->sandbox_mode, "process") == 0) {
                x->sb = sandbox_new(env->loop, env->cfg, NULL, err);
                if (!x->sb) {
                        free(x);
                        return -1;
                }
        }
        *state = x;
        return 0;
}

static void stage_extract_start(void *state, struct doc *doc,
                                stage_done_fn done)
{
        struct stage_extract *x = state;

        if (x->sb && sandbox_wants(doc)) {
                sandbox_extract(x->sb, doc, done);
                return;
        }
        stage_pool_run(x->env->loop, x->env->cfg, doc, CPU_PRIO_EXTRACT,
                       extract_document, done);
}

static void stage_extract_destroy(void *state)
{
        struct stage_extract *x = state;

        if (!x)
                return;
        sandbox_free(x->sb);
        free(x);
}

const struct stage stage_fetch = {
        .name = "fetch",
        .mask = 0,
        .init = stage_env_init,
        .start = stage_fetch_start,
        .destroy = stage_env_destroy,
};

const struct stage stage_extract = {
        .name = "extract",
        .mask = 0,
        .init = stage_extract_init,
        .start = stage_extract_start,
        .destroy = stage_extract_destroy,
};
