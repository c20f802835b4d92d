/*
 * model: the model layer and its router (see model.h). One struct route
 * follows one task on one document along the stage's steps and then, for
 * a sampled document, through its shadow call. Under a tenant daily
 * budget a remote call goes reserve (store, answered on the loop) → call
 * (remote) → settle (store, in the background), whether the call
 * succeeded or not. Owns the builtin backend's state and the remote
 * layer; borrows the store; a route lives from model_run to its done
 * callback, a shadow call's scratch document as long as that call.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "../store.h"
#include "remote.h"
#include "shadow.h"

const char *model_task_name(enum model_task task)
{
        switch (task) {
        case MODEL_CLASSIFY:
                return "classify";
        case MODEL_FIELDS:
                return "fields";
        case MODEL_SUMMARIZE:
                return "summarize";
        case MODEL_VISION:
                return "vision";
        }
        return "?";
}

struct model {
        uv_loop_t *loop;
        const struct config *cfg;
        struct store *store;      /* the tenant budget's ledger; borrowed */
        void *builtin;            /* model_builtin's state */
        struct remote *remote;    /* NULL without endpoints */
        struct remote_ep *shadow; /* models.shadow.endpoint when sampling */
};

/* A reservation of the tenant daily budget, held over one remote call. */
struct spend {
        int held;
        long long usd;   /* nano-dollars reserved */
        char day[16];    /* the UTC day it counts against */
        size_t calls_at; /* the call's model calls start here */
};

struct route {
        struct model *m;
        enum model_task task;
        struct doc *doc;
        model_done_fn done;
        const struct config_route *steps;
        size_t next;          /* the step to try next */
        size_t current;       /* the step running */
        int have_answer;      /* an escalated builtin answer stands */
        const char *answered; /* endpoint whose answer stands (cfg's) */
        int over_budget;      /* a step was passed over for the budget */
        int over_tenant;      /* ... for the tenant's daily budget */
        struct remote_ep *ep; /* the step waiting for its reservation */
        struct spend spend;
        struct doc *scratch; /* the shadow call's copy of the document */
        struct err last;     /* why the last step failed */
        /* model_vision: the page, its answer and who wants it. */
        const struct doc_page_image *image;
        char *text;
        model_vision_fn vision_done;
        void *vision_arg;
};

static void route_next(struct route *rt);

/* What a log line about rt names (log_doc): the document, the stage and
 * where the document came from. Borrows from rt. */
static struct log_about route_about(const struct route *rt)
{
        return doc_about(rt->doc, model_task_name(rt->task));
}

static int route_list_has(char *const *list, size_t n, const char *s)
{
        if (n == 0)
                return 1;
        if (!s)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i], s) == 0)
                        return 1;
        return 0;
}

/* CONFIG_STAGE_* of a task. */
static int route_stage(enum model_task task)
{
        switch (task) {
        case MODEL_CLASSIFY:
                return CONFIG_STAGE_CLASSIFY;
        case MODEL_FIELDS:
                return CONFIG_STAGE_FIELDS;
        case MODEL_SUMMARIZE:
                return CONFIG_STAGE_SUMMARIZE;
        case MODEL_VISION: /* no route: model_vision */
                break;
        }
        return CONFIG_STAGE_CLASSIFY;
}

/* Frees rt and calls its done. err may point into rt (&rt->last). */
static void route_finish(struct route *rt, const struct err *err)
{
        model_done_fn done = rt->done;
        struct doc *doc = rt->doc;
        struct err copy;

        if (err)
                copy = *err;
        free(rt);
        done(doc, err ? &copy : NULL);
}

/* What the document's own calls cost: shadow calls never decide its
 * route. */
static double route_cost_primary(const struct doc *doc)
{
        double c = 0;

        for (size_t i = 0; i < doc->calls_n; i++)
                if (!doc->calls[i].shadow)
                        c += doc->calls[i].cost_usd;
        return c;
}

/* "endpoint/model" of a configured endpoint, "builtin/..." for builtin. */
static void route_model_name(const struct config *cfg, const char *endpoint,
                             char *buf, size_t n)
{
        const struct config_endpoint *ce;

        if (!endpoint) {
                snprintf(buf, n, "?");
                return;
        }
        ce = config_endpoint_find(cfg, endpoint);
        if (ce)
                snprintf(buf, n, "%s/%s", ce->name, ce->model);
        else
                snprintf(buf, n, "builtin/%s", MODEL_BUILTIN_VERSION);
}

/* Asks the ledger for the tenant's budget of today: cb gets the answer. */
static void route_reserve(struct route *rt, struct remote_ep *ep,
                          const struct doc *doc, store_reserve_fn cb)
{
        struct model *m = rt->m;

        rt->spend.usd = doc_usd_nano(
                rt->image ? remote_ep_estimate_vision(ep, rt->image)
                          : remote_ep_estimate(ep, rt->task, doc));
        store_spend_reserve(m->store, doc_tenant(rt->doc), rt->spend.usd,
                            doc_usd_nano(m->cfg->budget_tenant_day_usd), cb,
                            rt);
}

/* Settles the reservation held over a call to what the call's model calls
 * on doc (from spend.calls_at) cost. */
static void route_settle(struct route *rt, const struct doc *doc)
{
        long long cost = 0;

        if (!rt->spend.held)
                return;
        rt->spend.held = 0;
        for (size_t i = rt->spend.calls_at; i < doc->calls_n; i++)
                cost += doc_usd_nano(doc->calls[i].cost_usd);
        log_doc(LOG_DEBUG, route_about(rt),
                "%s: tenant %s reserved $%.9f, spent $%.9f",
                model_task_name(rt->task), doc_tenant(rt->doc),
                (double)rt->spend.usd / 1e9, (double)cost / 1e9);
        store_spend_settle(rt->m->store, doc_tenant(rt->doc), rt->spend.day,
                           cost - rt->spend.usd);
}

/* ---- shadow calls ----------------------------------------------------- */

/* A new document with what task needs of doc: the text (borrowed from
 * doc until route_scratch_free), the language, for fields and summaries
 * the class the route settled on. */
static struct doc *route_scratch_new(const struct doc *doc,
                                     enum model_task task)
{
        struct doc *sc = doc_new();

        sc->id = xstrdup(doc->id ? doc->id : "?");
        doc_set_str(&sc->tenant, doc->tenant);
        sc->text = doc->text;
        sc->text_len = doc->text_len;
        doc_set_str(&sc->language, doc->language);
        if (task != MODEL_CLASSIFY) {
                doc_set_str(&sc->class, doc->class);
                sc->confidence = doc->confidence;
        }
        return sc;
}

static void route_scratch_free(struct doc *sc)
{
        if (!sc)
                return;
        sc->text = NULL; /* borrowed */
        doc_free(sc);
}

/* Compares the route's answer on rt->doc with the reference's on sc and
 * attaches the comparison to the document. */
static void route_compare(struct route *rt, const struct doc *sc)
{
        const struct config *cfg = rt->m->cfg;
        struct doc *doc = rt->doc;
        struct shadow_cmp cmp;

        memset(&cmp, 0, sizeof(cmp));
        snprintf(cmp.stage, sizeof(cmp.stage), "%s", model_task_name(rt->task));
        route_model_name(cfg, rt->answered, cmp.primary_model,
                         sizeof(cmp.primary_model));
        route_model_name(cfg, cfg->shadow_endpoint, cmp.reference_model,
                         sizeof(cmp.reference_model));
        switch (rt->task) {
        case MODEL_CLASSIFY:
                shadow_compare_class(doc->class, doc->confidence, sc->class,
                                     sc->confidence, &cmp);
                break;
        case MODEL_FIELDS:
                shadow_compare_fields(doc->fields, sc->fields, &cmp);
                break;
        case MODEL_SUMMARIZE:
                shadow_compare_summary(doc->summary, sc->summary, &cmp);
                break;
        case MODEL_VISION: /* never shadowed */
                break;
        }
        log_doc(LOG_INFO, route_about(rt),
                "%s: %s %s the reference %s (score %.2f)", cmp.stage,
                cmp.primary_model, cmp.agree ? "agrees with" : "differs from",
                cmp.reference_model, cmp.score);
        doc_add_shadow(doc, &cmp);
}

static void route_on_shadow_done(void *arg, const struct err *err)
{
        struct route *rt = arg;
        struct doc *doc = rt->doc, *sc = rt->scratch;

        rt->scratch = NULL;
        route_settle(rt, sc);
        /* Paid for: recorded with the document's calls, marked. */
        for (size_t i = 0; i < sc->calls_n; i++) {
                struct model_call call = sc->calls[i];

                call.shadow = 1;
                doc_add_call(doc, &call);
                sc->calls[i].usage = NULL; /* now doc's */
        }
        if (err)
                log_doc(LOG_INFO, route_about(rt),
                        "%s: shadow call to %s failed, no comparison: %s",
                        model_task_name(rt->task), rt->m->cfg->shadow_endpoint,
                        err->msg);
        else
                route_compare(rt, sc);
        route_scratch_free(sc);
        route_finish(rt, NULL);
}

static void route_shadow_call(struct route *rt)
{
        rt->spend.calls_at = 0;
        remote_run(rt->m->remote, rt->m->shadow, rt->task, rt->scratch,
                   route_on_shadow_done, rt);
}

/* The shadow call does not happen; the route's answer stands. */
static void route_shadow_skip(struct route *rt, const char *why)
{
        log_doc(LOG_INFO, route_about(rt), "%s: shadow call to %s skipped: %s",
                model_task_name(rt->task), rt->m->cfg->shadow_endpoint, why);
        route_scratch_free(rt->scratch);
        rt->scratch = NULL;
        route_finish(rt, NULL);
}

static void route_on_shadow_reserved(void *arg, int granted, const char *day,
                                     const struct err *err)
{
        struct route *rt = arg;

        if (err) {
                route_shadow_skip(rt, err->msg);
                return;
        }
        if (!granted) {
                route_shadow_skip(rt, "the tenant's daily budget "
                                      "(models.budget.per_tenant_day_usd)");
                return;
        }
        rt->spend.held = 1;
        snprintf(rt->spend.day, sizeof(rt->spend.day), "%s", day);
        route_shadow_call(rt);
}

/* Is this answer one to measure against the reference? */
static int route_shadow_wanted(const struct route *rt)
{
        const struct model *m = rt->m;
        const struct config *cfg = m->cfg;

        if (!m->shadow ||
            !(cfg->shadow_stages & (1u << route_stage(rt->task))) ||
            !shadow_sampled(rt->doc->id, cfg->shadow_rate))
                return 0;
        /* The reference answered: nothing to measure. */
        if (rt->answered && strcmp(rt->answered, cfg->shadow_endpoint) == 0)
                return 0;
        return 1;
}

/* The route has its answer: shadow it, or done. */
static void route_answered(struct route *rt)
{
        const struct config *cfg = rt->m->cfg;
        struct doc *doc = rt->doc;

        if (!route_shadow_wanted(rt)) {
                route_finish(rt, NULL);
                return;
        }
        rt->scratch = route_scratch_new(doc, rt->task);
        if (remote_ep_open(rt->m->shadow)) {
                route_shadow_skip(rt, "circuit open");
                return;
        }
        if (cfg->budget_doc_usd > 0 &&
            doc_cost(doc) + remote_ep_estimate(rt->m->shadow, rt->task,
                                               rt->scratch) >
                    cfg->budget_doc_usd) {
                route_shadow_skip(rt, "the per-document budget "
                                      "(models.budget.per_document_usd)");
                return;
        }
        if (cfg->budget_tenant_day_usd > 0) {
                route_reserve(rt, rt->m->shadow, rt->scratch,
                              route_on_shadow_reserved);
                return;
        }
        route_shadow_call(rt);
}

/* ---- the route -------------------------------------------------------- */

static void route_on_done(void *arg, const struct err *err)
{
        struct route *rt = arg;
        const struct config_step *st = &rt->steps->steps[rt->current];
        int builtin = strcmp(st->endpoint, "builtin") == 0;

        route_settle(rt, rt->doc);
        if (err) {
                log_doc(LOG_INFO, route_about(rt),
                        "%s on %s failed: %s; trying the next step",
                        model_task_name(rt->task), st->endpoint, err->msg);
                rt->last = *err;
                route_next(rt);
                return;
        }
        rt->answered = st->endpoint;
        /* Escalation: the builtin is unsure of the class. Its answer
         * stands if nothing after it succeeds. */
        if (builtin && rt->task == MODEL_CLASSIFY && st->escalate_below >= 0 &&
            rt->doc->confidence < st->escalate_below &&
            rt->next < rt->steps->n) {
                log_doc(LOG_INFO, route_about(rt),
                        "builtin says %s at %.2f, below %.2f: escalating",
                        rt->doc->class ? rt->doc->class : "?",
                        rt->doc->confidence, st->escalate_below);
                rt->have_answer = 1;
                route_next(rt);
                return;
        }
        route_answered(rt);
}

/* Does step st apply to the document? If not, why (for the log). */
static int route_applies(struct route *rt, const struct config_step *st,
                         struct remote_ep **ep, const char **why)
{
        const struct config *cfg = rt->m->cfg;
        struct doc *doc = rt->doc;

        *ep = NULL;
        if (!route_list_has(st->languages, st->languages_n, doc->language)) {
                *why = "language";
                return 0;
        }
        if (rt->task != MODEL_CLASSIFY &&
            !route_list_has(st->classes, st->classes_n, doc->class)) {
                *why = "class";
                return 0;
        }
        if (st->max_tokens > 0 && doc->text &&
            (long)(doc->text_len / 4) > st->max_tokens) {
                *why = "document tokens";
                return 0;
        }
        if (strcmp(st->endpoint, "builtin") == 0) {
                /* For fields and summaries, a class the builtin was unsure
                 * of is a reason to ask a stronger model. */
                if (rt->task != MODEL_CLASSIFY && st->escalate_below >= 0 &&
                    doc->class && doc->confidence < st->escalate_below) {
                        *why = "low classification confidence";
                        return 0;
                }
                return 1;
        }
        *ep = remote_endpoint(rt->m->remote, st->endpoint);
        if (!*ep) {
                *why = "unknown endpoint";
                return 0;
        }
        if (remote_ep_open(*ep)) {
                *why = "circuit open";
                return 0;
        }
        if (cfg->budget_doc_usd > 0 &&
            route_cost_primary(doc) + remote_ep_estimate(*ep, rt->task, doc) >
                    cfg->budget_doc_usd) {
                rt->over_budget = 1;
                *why = "per-document budget";
                return 0;
        }
        return 1;
}

static void route_call(struct route *rt, struct remote_ep *ep)
{
        rt->spend.calls_at = rt->doc->calls_n;
        remote_run(rt->m->remote, ep, rt->task, rt->doc, route_on_done, rt);
}

static void route_on_reserved(void *arg, int granted, const char *day,
                              const struct err *err)
{
        struct route *rt = arg;
        struct remote_ep *ep = rt->ep;
        struct err e;

        rt->ep = NULL;
        if (err) {
                /* A cap that cannot be checked is not passed. */
                e = *err;
                err_prefix(&e, "%s: ", model_task_name(rt->task));
                route_finish(rt, &e);
                return;
        }
        if (!granted) {
                rt->over_tenant = 1;
                log_doc(LOG_INFO, route_about(rt),
                        "%s: step %s passed over: tenant %s is at its daily "
                        "budget",
                        model_task_name(rt->task),
                        rt->steps->steps[rt->current].endpoint,
                        doc_tenant(rt->doc));
                route_next(rt);
                return;
        }
        rt->spend.held = 1;
        snprintf(rt->spend.day, sizeof(rt->spend.day), "%s", day);
        route_call(rt, ep);
}

static void route_next(struct route *rt)
{
        struct model *m = rt->m;

        while (rt->next < rt->steps->n) {
                const struct config_step *st = &rt->steps->steps[rt->next];
                struct remote_ep *ep;
                const char *why = NULL;

                rt->current = rt->next++;
                if (!route_applies(rt, st, &ep, &why)) {
                        log_doc(LOG_DEBUG, route_about(rt),
                                "%s: step %s passed over (%s)",
                                model_task_name(rt->task), st->endpoint, why);
                        continue;
                }
                if (!ep) {
                        model_builtin.run(m->builtin, rt->task, rt->doc,
                                          route_on_done, rt);
                } else if (m->cfg->budget_tenant_day_usd > 0) {
                        rt->ep = ep;
                        route_reserve(rt, ep, rt->doc, route_on_reserved);
                } else {
                        route_call(rt, ep);
                }
                return;
        }
        if (rt->have_answer) {
                route_answered(rt);
                return;
        }
        if (rt->last.cls == ERR_OK) {
                if (rt->over_tenant)
                        err_set(&rt->last, ERR_INPUT,
                                "%s: tenant %s is over its daily budget of "
                                "$%.6f (models.budget.per_tenant_day_usd) "
                                "on every route",
                                model_task_name(rt->task), doc_tenant(rt->doc),
                                m->cfg->budget_tenant_day_usd);
                else if (rt->over_budget)
                        err_set(&rt->last, ERR_INPUT,
                                "%s: over the per-document budget of $%.6f "
                                "(models.budget.per_document_usd) on every "
                                "route",
                                model_task_name(rt->task),
                                m->cfg->budget_doc_usd);
                else
                        err_set(&rt->last, ERR_RETRY,
                                "%s: no step of the route applies",
                                model_task_name(rt->task));
        }
        route_finish(rt, &rt->last);
}

/* ---- the vision route ------------------------------------------------ */

/* Frees rt and hands its answer, or err, to the caller. */
static void vision_finish(struct route *rt, const struct err *err)
{
        model_vision_fn done = rt->vision_done;
        void *arg = rt->vision_arg;
        char *text = err ? NULL : rt->text;
        struct err copy;

        if (err) {
                copy = *err;
                free(rt->text);
        }
        free(rt);
        done(arg, text, err ? &copy : NULL);
}

static void vision_on_done(void *arg, const struct err *err)
{
        struct route *rt = arg;

        route_settle(rt, rt->doc);
        if (!err && !rt->text) {
                struct err e;
                err_set(&e, ERR_RETRY, "vision: no transcription");
                vision_finish(rt, &e);
                return;
        }
        vision_finish(rt, err);
}

static void vision_call(struct route *rt, struct remote_ep *ep)
{
        rt->spend.calls_at = rt->doc->calls_n;
        remote_vision(rt->m->remote, ep, rt->doc, rt->image, &rt->text,
                      vision_on_done, rt);
}

static void vision_on_reserved(void *arg, int granted, const char *day,
                               const struct err *err)
{
        struct route *rt = arg;
        struct remote_ep *ep = rt->ep;
        struct err e;

        rt->ep = NULL;
        if (err) {
                e = *err;
                err_prefix(&e, "vision: ");
                vision_finish(rt, &e);
                return;
        }
        if (!granted) {
                err_set(&e, ERR_INPUT,
                        "vision: tenant %s is over its daily budget of "
                        "$%.6f (models.budget.per_tenant_day_usd)",
                        doc_tenant(rt->doc), rt->m->cfg->budget_tenant_day_usd);
                vision_finish(rt, &e);
                return;
        }
        rt->spend.held = 1;
        snprintf(rt->spend.day, sizeof(rt->spend.day), "%s", day);
        vision_call(rt, ep);
}

void model_vision(struct model *m, struct doc *doc,
                  const struct doc_page_image *im, model_vision_fn done,
                  void *arg)
{
        const struct config *cfg = m->cfg;
        struct route *rt = xcalloc(1, sizeof(*rt));
        struct remote_ep *ep;
        struct err e;

        rt->m = m;
        rt->task = MODEL_VISION;
        rt->doc = doc;
        rt->image = im;
        rt->vision_done = done;
        rt->vision_arg = arg;
        ep = remote_endpoint(m->remote, cfg->vision_endpoint);
        if (!ep) {
                err_set(&e, ERR_RETRY,
                        "vision: ocr.vision.endpoint '%s' is not an "
                        "endpoint",
                        cfg->vision_endpoint ? cfg->vision_endpoint : "");
                vision_finish(rt, &e);
                return;
        }
        if (remote_ep_open(ep)) {
                err_set(&e, ERR_RETRY, "vision: %s: circuit open",
                        cfg->vision_endpoint);
                vision_finish(rt, &e);
                return;
        }
        if (cfg->budget_doc_usd > 0 &&
            route_cost_primary(doc) + remote_ep_estimate_vision(ep, im) >
                    cfg->budget_doc_usd) {
                err_set(&e, ERR_INPUT,
                        "vision: over the per-document budget of $%.6f "
                        "(models.budget.per_document_usd)",
                        cfg->budget_doc_usd);
                vision_finish(rt, &e);
                return;
        }
        if (cfg->budget_tenant_day_usd > 0) {
                rt->ep = ep;
                route_reserve(rt, ep, doc, vision_on_reserved);
                return;
        }
        vision_call(rt, ep);
}

void model_run(struct model *m, enum model_task task, struct doc *doc,
               model_done_fn done)
{
        struct route *rt = xcalloc(1, sizeof(*rt));

        rt->m = m;
        rt->task = task;
        rt->doc = doc;
        rt->done = done;
        rt->steps = &m->cfg->routes[route_stage(task)];
        route_next(rt);
}

struct model *model_new(uv_loop_t *loop, const struct config *cfg,
                        struct store *store, struct err *err)
{
        struct model *m;

        if (cfg->budget_tenant_day_usd > 0 && !store) {
                err_set(err, ERR_FATAL,
                        "models.budget.per_tenant_day_usd needs the store");
                return NULL;
        }
        m = xcalloc(1, sizeof(*m));
        m->loop = loop;
        m->cfg = cfg;
        m->store = store;
        if (model_builtin.init(&m->builtin, loop, cfg, err) < 0) {
                err_prefix(err, "model builtin: ");
                free(m);
                return NULL;
        }
        err_clear(err);
        m->remote = remote_new(loop, cfg, err);
        if (!m->remote && err->cls != ERR_OK)
                goto fail;
        if (cfg->shadow_rate > 0) {
                m->shadow = remote_endpoint(m->remote, cfg->shadow_endpoint);
                if (!m->shadow) {
                        err_set(err, ERR_FATAL,
                                "models.shadow.endpoint: '%s' is not one of "
                                "models.endpoints",
                                cfg->shadow_endpoint);
                        goto fail;
                }
                log_info("model",
                         "shadow: %.4g of the documents also go to "
                         "%s",
                         cfg->shadow_rate, cfg->shadow_endpoint);
        }
        if (cfg->budget_tenant_day_usd > 0)
                log_info("model",
                         "tenant daily budget: $%.6f per tenant "
                         "and UTC day",
                         cfg->budget_tenant_day_usd);
        return m;
fail:
        remote_free(m->remote);
        model_builtin.destroy(m->builtin);
        free(m);
        return NULL;
}

void model_free(struct model *m)
{
        if (!m)
                return;
        remote_free(m->remote);
        model_builtin.destroy(m->builtin);
        free(m);
}
