/*
 * model_stages: the three stages that ask a model: classify, fields and
 * summarize. Each is the same thin shape, one model task on the document
 * through the model layer (worker/model), which picks the backend, fills
 * the document and records the call. Owns nothing.
 */
#include "stage.h"

#include "../worker/model/model.h"

static int model_stage_init(void **state, const struct stage_env *env,
                            struct err *err)
{
        (void)err;
        *state = env->model;
        return 0;
}

static void model_stage_destroy(void *state)
{
        (void)state;
}

static void classify_start(void *state, struct doc *doc, stage_done_fn done)
{
        model_run(state, MODEL_CLASSIFY, doc, done);
}

static void fields_start(void *state, struct doc *doc, stage_done_fn done)
{
        model_run(state, MODEL_FIELDS, doc, done);
}

static void summarize_start(void *state, struct doc *doc, stage_done_fn done)
{
        model_run(state, MODEL_SUMMARIZE, doc, done);
}

const struct stage stage_classify = {
        .name = "classify",
        .mask = STAGE_CLASSIFY,
        .init = model_stage_init,
        .start = classify_start,
        .destroy = model_stage_destroy,
};

const struct stage stage_fields = {
        .name = "fields",
        .mask = STAGE_FIELDS,
        .init = model_stage_init,
        .start = fields_start,
        .destroy = model_stage_destroy,
};

const struct stage stage_summarize = {
        .name = "summarize",
        .mask = STAGE_SUMMARIZE,
        .init = model_stage_init,
        .start = summarize_start,
        .destroy = model_stage_destroy,
};
