/*
 * model: the model layer the stages talk to, and its router. A task
 * (classify, fields, summarize) on a document follows the stage's route
 * (models.routes): an ordered list of steps, each the builtin model or a
 * configured endpoint, with conditions (language, class, document tokens,
 * the endpoint's circuit breaker, the budgets). The first step that
 * applies runs; when it fails the next one is tried (fallback); a builtin
 * classification below a step's escalate_below goes on to the next step
 * (escalation) and stays the answer should every later step fail. The
 * backend writes its part of the result into the document and appends the
 * model calls it made (tokens, cost, latency).
 *
 * Budgets pass a remote step over, so that a cheaper later step (the
 * builtin model, say) takes the document; with no step left the document
 * is a dead letter (ERR_INPUT) that names the setting:
 * - models.budget.per_document_usd: the document's calls so far plus the
 *   step's estimate (remote_ep_estimate) must fit;
 * - models.budget.per_tenant_day_usd: the estimate is reserved in
 *   PostgreSQL (store_spend_reserve, atomic across replicas) before the
 *   call, and settled to the real cost after it, failed or not. A
 *   reservation PostgreSQL cannot answer fails the task with ERR_RETRY:
 *   the cap is never passed unchecked. The cap holds to within what the
 *   calls in flight cost beyond their estimates.
 *
 * Shadow sampling (models.shadow): for a sampled document (shadow.h) and a
 * shadowed stage, once the route has answered, the same task runs on the
 * reference endpoint on a scratch copy of the document, so its answer
 * never becomes the result; the two answers are compared and the
 * comparison attached to the document (doc->shadows, written with its
 * result). The shadow call is recorded with the document's calls, marked
 * shadow, and counts against the tenant's daily budget (reserved and
 * settled the same way) and the per-document budget, but never decides
 * the primary route: it is skipped when it does not fit, when its circuit
 * is open, when the route's answer came from the reference endpoint
 * itself, and a failing shadow call only loses the comparison.
 *
 * Owns the builtin backend's state and the remote layer; borrows the
 * store.
 */
#ifndef DOCPIPE_MODEL_H
#define DOCPIPE_MODEL_H

#include <uv.h>

#include "../config.h"
#include "../doc.h"
#include "../err.h"

/* MODEL_VISION: a page image read by ocr.vision.endpoint (model_vision);
 * it has no route of models.routes. */
enum model_task { MODEL_CLASSIFY, MODEL_FIELDS, MODEL_SUMMARIZE, MODEL_VISION };

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

/* The builtin model's name in model_calls.model ("builtin/" it in
 * results.model). */
#define MODEL_BUILTIN_VERSION "builtin-v1"

struct model;
struct store;

/* Returns a new model layer for cfg on loop, or NULL with err set. store
 * (borrowed; it must outlive every task) keeps the tenant daily budget's
 * ledger; it may be NULL only when models.budget.per_tenant_day_usd is 0. */
struct model *model_new(uv_loop_t *loop, const struct config *cfg,
                        struct store *store, struct err *err);

/* Runs task on doc; see model_done_fn. doc is borrowed until done. */
void model_run(struct model *m, enum model_task task, struct doc *doc,
               model_done_fn done);

/* Called once per model_vision, on the loop thread: text is the page's
 * transcription (new: the callee frees it) and err NULL, or text NULL and
 * err says why there is none. */
typedef void (*model_vision_fn)(void *arg, char *text, const struct err *err);

struct doc_page_image;

/*
 * The vision route (ocr.vision): asks ocr.vision.endpoint for the text of
 * page image im (borrowed, like doc, until done) of doc, with the budget
 * rules of any remote step: the per-document budget (the document's calls
 * so far plus this call's estimate), the tenant daily budget (reserved in
 * PostgreSQL before, settled after), the endpoint's circuit. Every request
 * is recorded on doc as a model call of stage "vision". Errors: ERR_INPUT
 * for a budget the call does not fit (naming the setting), ERR_RETRY for
 * the circuit open, a failed call or an answer that is no transcription
 * (reply_vision), or a budget PostgreSQL cannot check.
 */
void model_vision(struct model *m, struct doc *doc,
                  const struct doc_page_image *im, model_vision_fn done,
                  void *arg);

/* Frees m; m must have no task running. model_free(NULL) is a no-op. */
void model_free(struct model *m);

#endif
