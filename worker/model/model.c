/*
 * model: the model layer and its router (see model.h). One struct route
 * follows one task on one document along the stage's steps. Owns the
 * builtin backend's state and the remote layer; a route lives from
 * model_run to its done callback.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "remote.h"

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
        uv_loop_t *loop;
        const struct config *cfg;
        void *builtin;         /* model_builtin's state */
        struct remote *remote; /* NULL without endpoints */
};

struct route {
        struct model *m;
        enum model_task task;
        struct doc *doc;
        model_done_fn done;
        const struct config_route *steps;
        size_t next;        /* the step to try next */
        size_t current;     /* the step running */
        int have_answer;    /* an escalated builtin answer stands */
        int over_budget;    /* a step was passed over for the budget */
        struct err last;    /* why the last step failed */
};

static void route_next(struct route *rt);

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

static void route_finish(struct route *rt, const struct err *err)
{
        model_done_fn done = rt->done;
        struct doc *doc = rt->doc;

        free(rt);
        done(doc, err);
}

static void route_on_done(void *arg, const struct err *err)
{
        struct route *rt = arg;
        const struct config_step *st = &rt->steps->steps[rt->current];
        int builtin = strcmp(st->endpoint, "builtin") == 0;

        if (err) {
                log_info(rt->doc->id, "%s on %s failed: %s; trying the next "
                                      "step",
                         model_task_name(rt->task), st->endpoint, err->msg);
                rt->last = *err;
                route_next(rt);
                return;
        }
        /* Escalation: the builtin is unsure of the class. Its answer
         * stands if nothing after it succeeds. */
        if (builtin && rt->task == MODEL_CLASSIFY && st->escalate_below >= 0 &&
            rt->doc->confidence < st->escalate_below &&
            rt->next < rt->steps->n) {
                log_info(rt->doc->id, "builtin says %s at %.2f, below %.2f: "
                                      "escalating",
                         rt->doc->class ? rt->doc->class : "?",
                         rt->doc->confidence, st->escalate_below);
                rt->have_answer = 1;
                route_next(rt);
                return;
        }
        route_finish(rt, NULL);
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
            doc_cost(doc) + remote_ep_estimate(*ep, rt->task, doc) >
                    cfg->budget_doc_usd) {
                rt->over_budget = 1;
                *why = "per-document budget";
                return 0;
        }
        return 1;
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
                        log_debug(rt->doc->id, "%s: step %s passed over (%s)",
                                  model_task_name(rt->task), st->endpoint,
                                  why);
                        continue;
                }
                if (!ep)
                        model_builtin.run(m->builtin, rt->task, rt->doc,
                                          route_on_done, rt);
                else
                        remote_run(m->remote, ep, rt->task, rt->doc,
                                   route_on_done, rt);
                return;
        }
        if (rt->have_answer) {
                route_finish(rt, NULL);
                return;
        }
        if (rt->last.cls == ERR_OK) {
                if (rt->over_budget)
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

void model_run(struct model *m, enum model_task task, struct doc *doc,
               model_done_fn done)
{
        struct route *rt = xcalloc(1, sizeof(*rt));
        static const int stage_of[] = {
                [MODEL_CLASSIFY] = CONFIG_STAGE_CLASSIFY,
                [MODEL_FIELDS] = CONFIG_STAGE_FIELDS,
                [MODEL_SUMMARIZE] = CONFIG_STAGE_SUMMARIZE,
        };

        rt->m = m;
        rt->task = task;
        rt->doc = doc;
        rt->done = done;
        rt->steps = &m->cfg->routes[stage_of[task]];
        route_next(rt);
}

struct model *model_new(uv_loop_t *loop, const struct config *cfg,
                        struct err *err)
{
        struct model *m = xcalloc(1, sizeof(*m));

        m->loop = loop;
        m->cfg = cfg;
        if (model_builtin.init(&m->builtin, loop, cfg, err) < 0) {
                err_prefix(err, "model builtin: ");
                free(m);
                return NULL;
        }
        /* Parsed and validated, not enforced yet: say so rather than let
         * anyone believe a cap holds. */
        if (cfg->budget_tenant_day_usd > 0)
                log_warn("model", "models.budget.per_tenant_day_usd is not "
                                  "enforced yet; only per_document_usd is");
        if (cfg->shadow_rate > 0)
                log_warn("model", "models.shadow is not implemented yet: no "
                                  "document is shadowed");
        err_clear(err);
        m->remote = remote_new(loop, cfg, err);
        if (!m->remote && err->cls != ERR_OK) {
                model_builtin.destroy(m->builtin);
                free(m);
                return NULL;
        }
        return m;
}

void model_free(struct model *m)
{
        if (!m)
                return;
        remote_free(m->remote);
        model_builtin.destroy(m->builtin);
        free(m);
}
