/*
 * builtin_backend: the builtin model as a model backend. A task runs on the
 * libuv thread pool (the model is CPU work and thread-safe) and completes on
 * the loop thread, where the call is recorded like any other model call:
 * provider "builtin", estimated tokens (what the same text would cost on a
 * remote model), cost zero, measured latency. Owns the struct builtin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cpu.h"
#include "builtin.h"
#include "model.h"

#define BUILTIN_MODEL_NAME MODEL_BUILTIN_VERSION

struct builtin_state {
        uv_loop_t *loop;
        struct builtin *b;
};

struct builtin_job {
        uv_work_t req;
        struct builtin_state *s;
        enum model_task task;
        struct doc *doc;
        model_backend_done_fn done;
        void *arg;
        uint64_t start_ns;
        long input_tokens, output_tokens;
};

static void builtin_job_run(uv_work_t *req)
{
        struct builtin_job *j = req->data;
        struct builtin *b = j->s->b;
        struct doc *doc = j->doc;
        const char *text = doc->text ? doc->text : "";
        size_t len = doc->text ? doc->text_len : 0;

        if (!doc->language) {
                char lang[8];
                builtin_language(b, text, len, lang);
                doc->language = xstrdup(lang);
        }
        j->input_tokens = builtin_doc_tokens(doc);
        switch (j->task) {
        case MODEL_CLASSIFY: {
                const char *cls;
                double conf;
                builtin_classify(b, text, len, &cls, &conf);
                doc_set_str(&doc->class, cls);
                doc->confidence = conf;
                /* {"class":"...","confidence":0.00} */
                j->output_tokens = 8 + builtin_tokens(cls, strlen(cls));
                break;
        }
        case MODEL_FIELDS: {
                const char *cls = doc->class;
                double conf;
                char *json;
                if (!cls) /* fields asked for without classify */
                        builtin_classify(b, text, len, &cls, &conf);
                if (doc->fields)
                        json_decref(doc->fields);
                doc->fields = builtin_fields(b, cls, text, len, doc->language);
                json = json_dumps(doc->fields, JSON_COMPACT);
                j->output_tokens =
                        json ? builtin_tokens(json, strlen(json)) : 0;
                free(json);
                break;
        }
        case MODEL_SUMMARIZE:
                free(doc->summary);
                doc->summary = builtin_summarize(b, doc->class, doc->fields,
                                                 text, len, doc->language);
                j->output_tokens =
                        builtin_tokens(doc->summary, strlen(doc->summary));
                break;
        case MODEL_VISION: /* never routed here: no image reader */
                break;
        }
}

static void builtin_job_after(uv_work_t *req, int status)
{
        struct builtin_job *j = req->data;
        struct doc *doc = j->doc;
        model_backend_done_fn done = j->done;
        void *arg = j->arg;
        struct model_call call;
        struct err err;

        memset(&call, 0, sizeof(call));
        snprintf(call.stage, sizeof(call.stage), "%s",
                 model_task_name(j->task));
        snprintf(call.provider, sizeof(call.provider), "builtin");
        snprintf(call.model, sizeof(call.model), BUILTIN_MODEL_NAME);
        snprintf(call.endpoint, sizeof(call.endpoint), "builtin");
        call.input_tokens = j->input_tokens;
        call.output_tokens = j->output_tokens;
        call.latency_ms = (double)(uv_hrtime() - j->start_ns) / 1e6;
        snprintf(call.outcome, sizeof(call.outcome),
                 status < 0 ? "retry" : "ok");
        free(j);
        if (status < 0) {
                err_set(&err, ERR_RETRY, "builtin model: work cancelled");
                done(arg, &err);
                return;
        }
        doc_add_call(doc, &call);
        if (!doc->model)
                doc->model = xstrdup("builtin/" BUILTIN_MODEL_NAME);
        done(arg, NULL);
}

static void builtin_run(void *state, enum model_task task, struct doc *doc,
                        model_backend_done_fn done, void *arg)
{
        struct builtin_state *s = state;
        struct builtin_job *j = xcalloc(1, sizeof(*j));
        struct err err;
        int rc;

        j->req.data = j;
        j->s = s;
        j->task = task;
        j->doc = doc;
        j->done = done;
        j->arg = arg;
        j->start_ns = uv_hrtime();
        rc = cpu_queue(s->loop,
                       task == MODEL_CLASSIFY ? CPU_PRIO_CLASSIFY
                       : task == MODEL_FIELDS ? CPU_PRIO_FIELDS
                                              : CPU_PRIO_SUMMARIZE,
                       &j->req, builtin_job_run, builtin_job_after);
        if (rc < 0) {
                free(j);
                err_set(&err, ERR_FATAL, "uv_queue_work: %s", uv_strerror(rc));
                done(arg, &err);
        }
}

static int builtin_init(void **state, uv_loop_t *loop, const struct config *cfg,
                        struct err *err)
{
        struct builtin_state *s = xcalloc(1, sizeof(*s));

        s->loop = loop;
        s->b = builtin_new(cfg, err);
        if (!s->b) {
                free(s);
                return -1;
        }
        *state = s;
        return 0;
}

static void builtin_destroy(void *state)
{
        struct builtin_state *s = state;

        if (!s)
                return;
        builtin_free(s->b);
        free(s);
}

const struct model_backend model_builtin = {
        .name = "builtin",
        .init = builtin_init,
        .run = builtin_run,
        .destroy = builtin_destroy,
};
