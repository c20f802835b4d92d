/*
 * remote: model tasks on OpenAI-compatible endpoints (see remote.h). One
 * struct remote_call follows one task on one endpoint through its HTTP
 * requests: the main request, one repair request when the answer is
 * malformed, and, for a summary of a document larger than the context
 * window, one request per chunk then one over the partial summaries. Every
 * reply is priced from its own usage and recorded as a model call. Owns
 * the HTTP client, the endpoint states, the prompts and the price map.
 */
#include "remote.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "builtin.h"
#include "openai.h"
#include "prices.h"
#include "prompts.h"

/* Room kept in the context window for the instructions around the
 * document (system prompt, delimiters, schema). */
#define REMOTE_PROMPT_TOKENS 1500

struct remote_ep {
        const struct config_endpoint *cfg;
        struct openai_endpoint *oe;
        struct remote *r;
        struct price fixed; /* explicit or GPU prices */
        int has_fixed;
        long context_window;
        enum prompt_format fmt;
        char provider[32];
};

struct remote {
        uv_loop_t *loop;
        const struct config *cfg;
        struct openai *client;
        struct prices *prices; /* NULL when every endpoint has fixed prices */
        struct prompts *prompts;
        struct remote_ep *eps;
        size_t eps_n;
};

struct remote_call {
        struct remote *r;
        struct remote_ep *ep;
        enum model_task task;
        struct doc *doc;
        remote_done_fn done;
        void *arg;
        json_t *request; /* the last request, kept for a repair */
        int repaired;
        /* Summaries of a long document: one per chunk, then the reduce. */
        char **partials;
        size_t chunks_n, pending;
        int reducing;
        struct err err;
        /* MODEL_VISION: the page and where its text goes. */
        const struct doc_page_image *image;
        char **vision_text;
};

/* One HTTP request of a call. */
struct remote_req {
        struct remote_call *call;
        size_t chunk;    /* index of the partial summary, or SIZE_MAX */
        long est_tokens; /* of the request, for a reply without usage */
};

static void remote_send(struct remote_call *call, json_t *body, size_t chunk);

static const char *remote_stage_name(enum model_task task)
{
        return model_task_name(task);
}

static long remote_doc_tokens(const struct doc *doc)
{
        if (doc->text_tokens > 0)
                return doc->text_tokens;
        return doc->text ? builtin_tokens(doc->text, doc->text_len) : 0;
}

long remote_ep_input_budget(const struct remote_ep *ep, enum model_task t)
{
        long answer = t == MODEL_SUMMARIZE ? 1024
                      : t == MODEL_FIELDS  ? 1024
                                           : 64;
        long b = ep->context_window - REMOTE_PROMPT_TOKENS - answer;

        return b > 256 ? b : 256;
}

int remote_ep_open(const struct remote_ep *ep)
{
        return openai_endpoint_open(ep->oe);
}

struct remote_ep *remote_endpoint(struct remote *r, const char *name)
{
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->eps_n; i++)
                if (strcmp(r->eps[i].cfg->name, name) == 0)
                        return &r->eps[i];
        return NULL;
}

/* The prices of one reply at ep: fixed ones, or the map's for its prompt
 * size (tiers). Returns 0, or -1 when the map has no entry. */
static int remote_price(const struct remote_ep *ep, long prompt_tokens,
                        struct price *p)
{
        const char *key =
                ep->cfg->price_key ? ep->cfg->price_key : ep->cfg->model;

        if (ep->has_fixed) {
                *p = ep->fixed;
                return 0;
        }
        return prices_get(ep->r->prices, key, prompt_tokens, p);
}

double remote_ep_estimate_vision(const struct remote_ep *ep,
                                 const struct doc_page_image *im)
{
        long in = prompt_image_tokens(im->png, im->png_len) + 300;
        long out = (long)(im->text_len / 4) + 200;
        struct price p;

        if (remote_price(ep, in, &p) < 0)
                return 0;
        return (double)in * p.input + (double)out * p.output;
}

double remote_ep_estimate(const struct remote_ep *ep, enum model_task task,
                          const struct doc *doc)
{
        long in = remote_doc_tokens(doc), budget;
        struct price p;
        long out = task == MODEL_SUMMARIZE ? 400
                   : task == MODEL_FIELDS  ? 300
                                           : 20;

        budget = remote_ep_input_budget(ep, task);
        if (task != MODEL_SUMMARIZE && in > budget)
                in = budget;
        in += REMOTE_PROMPT_TOKENS / 2;
        if (remote_price(ep, in, &p) < 0)
                return 0;
        return (double)in * p.input + (double)out * p.output;
}

/* Records one HTTP request of call on the document. */
static void remote_record(struct remote_call *call,
                          const struct openai_reply *reply, long est_tokens,
                          const char *outcome)
{
        struct remote_ep *ep = call->ep;
        struct model_call mc;
        struct usage u;
        struct price p;
        struct err err;

        memset(&mc, 0, sizeof(mc));
        snprintf(mc.stage, sizeof(mc.stage), "%s",
                 remote_stage_name(call->task));
        snprintf(mc.provider, sizeof(mc.provider), "%s", ep->provider);
        snprintf(mc.model, sizeof(mc.model), "%s", ep->cfg->model);
        snprintf(mc.endpoint, sizeof(mc.endpoint), "%s", ep->cfg->name);
        snprintf(mc.outcome, sizeof(mc.outcome), "%s", outcome);
        if (reply) {
                mc.latency_ms = reply->latency_ms;
                mc.http_status = reply->status;
                if (reply->usage)
                        mc.usage = json_deep_copy(reply->usage);
        }
        err_clear(&err);
        if (reply && usage_parse(reply->usage, &u, &err) == 0) {
                mc.input_tokens = u.prompt_tokens;
                mc.cached_tokens = u.cached_tokens;
                mc.output_tokens = u.completion_tokens;
                if (remote_price(ep, u.prompt_tokens, &p) == 0)
                        mc.cost_usd = usage_cost(&u, &p);
                if (!ep->has_fixed && ep->r->prices)
                        snprintf(mc.price_version, sizeof(mc.price_version),
                                 "%s", prices_version(ep->r->prices));
                else
                        snprintf(mc.price_version, sizeof(mc.price_version),
                                 "config");
        } else if (reply && reply->body) {
                /* No usable usage (some servers send none): bill the
                 * estimate, and say so in the price version. */
                char subj[300];
                snprintf(subj, sizeof(subj), "doc=%s endpoint=%s",
                         call->doc->id, ep->cfg->name);
                log_warn(subj,
                         "reply without usable usage (%s): cost "
                         "estimated",
                         err.msg);
                memset(&u, 0, sizeof(u));
                u.prompt_tokens = est_tokens;
                u.completion_tokens =
                        reply->content ? builtin_tokens(reply->content,
                                                        strlen(reply->content))
                                       : 0;
                mc.input_tokens = u.prompt_tokens;
                mc.output_tokens = u.completion_tokens;
                if (remote_price(ep, u.prompt_tokens, &p) == 0)
                        mc.cost_usd = usage_cost(&u, &p);
                snprintf(mc.price_version, sizeof(mc.price_version),
                         "estimated");
        }
        doc_add_call(call->doc, &mc);
}

static void remote_call_free(struct remote_call *call)
{
        if (call->request)
                json_decref(call->request);
        for (size_t i = 0; i < call->chunks_n; i++)
                free(call->partials[i]);
        free(call->partials);
        free(call);
}

/* Frees call and calls its done. err may point into call (&call->err). */
static void remote_finish(struct remote_call *call, const struct err *err)
{
        remote_done_fn done = call->done;
        void *arg = call->arg;
        struct err copy;

        if (err)
                copy = *err;
        remote_call_free(call);
        done(arg, err ? &copy : NULL);
}

/* Reads a successful reply into the document; -1 with err when the
 * answer is not what the stage asked for. */
static int remote_apply(struct remote_call *call, const char *content,
                        size_t chunk, struct err *err)
{
        struct remote *r = call->r;
        struct doc *doc = call->doc;

        switch (call->task) {
        case MODEL_CLASSIFY: {
                const char *cls;
                double conf;
                if (reply_classify(r->prompts, content, &cls, &conf, err) < 0)
                        return -1;
                doc_set_str(&doc->class, cls);
                doc->confidence = conf;
                return 0;
        }
        case MODEL_FIELDS: {
                struct reply_drops drops;
                json_t *fields;
                memset(&drops, 0, sizeof(drops));
                fields = reply_fields(r->prompts,
                                      doc->class ? doc->class : "other",
                                      content, &drops, err);
                if (!fields)
                        return -1;
                if (drops.unknown || drops.invalid)
                        log_doc(LOG_INFO, doc_about(doc, "fields"),
                                "fields from %s: dropped %zu "
                                "unknown and %zu invalid (%s)",
                                call->ep->cfg->name, drops.unknown,
                                drops.invalid, drops.first);
                if (doc->fields)
                        json_decref(doc->fields);
                doc->fields = fields;
                return 0;
        }
        case MODEL_SUMMARIZE: {
                char *s =
                        reply_summary(content, r->cfg->summary_max_chars, err);
                if (!s)
                        return -1;
                if (chunk != SIZE_MAX) {
                        call->partials[chunk] = s;
                        return 0;
                }
                free(doc->summary);
                doc->summary = s;
                return 0;
        }
        case MODEL_VISION: {
                char *t = reply_vision(
                        content,
                        r->cfg->max_page_text_bytes > 0
                                ? (size_t)r->cfg->max_page_text_bytes
                                : 0,
                        err);
                if (!t)
                        return -1;
                free(*call->vision_text);
                *call->vision_text = t;
                return 0;
        }
        }
        return err_set(err, ERR_FATAL, "unknown task");
}

/* All partial summaries are in: summarize them together. */
static void remote_reduce(struct remote_call *call)
{
        GString *all = g_string_new(NULL);
        long budget = remote_ep_input_budget(call->ep, MODEL_SUMMARIZE);
        char nonce[17];
        json_t *body;

        for (size_t i = 0; i < call->chunks_n; i++) {
                if (i)
                        g_string_append(all, "\n\n");
                g_string_append(all, call->partials[i]);
        }
        /* The partial summaries are bounded; still never exceed the
         * window (a cut inside UTF-8 is repaired by the prompt builder). */
        if ((long)all->len > budget * 4)
                g_string_truncate(all, (gsize)budget * 4);
        call->reducing = 1;
        prompt_nonce(nonce);
        body = prompt_summarize(call->r->prompts, all->str, all->len,
                                call->doc->language,
                                call->r->cfg->summary_max_chars, nonce);
        g_string_free(all, TRUE);
        remote_send(call, body, SIZE_MAX);
}

static void remote_on_reply(void *arg, const struct openai_reply *reply,
                            const struct err *err)
{
        struct remote_req *req = arg;
        struct remote_call *call = req->call;
        size_t chunk = req->chunk;
        long est = req->est_tokens;
        struct err perr;

        free(req);
        if (err) {
                remote_record(call, reply, est, err_class_name(err->cls));
                if (chunk != SIZE_MAX) {
                        /* One chunk failed: the summary fails; the other
                         * requests still come back and are counted. */
                        if (call->err.cls == ERR_OK)
                                call->err = *err;
                        if (--call->pending == 0)
                                remote_finish(call, &call->err);
                        return;
                }
                remote_finish(call, err);
                return;
        }
        err_clear(&perr);
        if (remote_apply(call, reply->content, chunk, &perr) < 0) {
                remote_record(call, reply, est, "malformed");
                if (chunk == SIZE_MAX && !call->repaired && call->request) {
                        json_t *body = prompt_repair(call->request,
                                                     reply->content, perr.msg);
                        call->repaired = 1;
                        remote_send(call, body, SIZE_MAX);
                        return;
                }
                err_prefix(&perr, "%s: ", call->ep->cfg->name);
                perr.cls = ERR_RETRY;
                if (chunk != SIZE_MAX) {
                        if (call->err.cls == ERR_OK)
                                call->err = perr;
                        if (--call->pending == 0)
                                remote_finish(call, &call->err);
                        return;
                }
                remote_finish(call, &perr);
                return;
        }
        remote_record(call, reply, est, "ok");
        if (call->task == MODEL_VISION) {
                remote_finish(call, NULL);
                return;
        }
        if (chunk != SIZE_MAX) {
                if (--call->pending > 0)
                        return;
                if (call->err.cls != ERR_OK) {
                        remote_finish(call, &call->err);
                        return;
                }
                remote_reduce(call);
                return;
        }
        if (call->doc->model == NULL || call->task == MODEL_CLASSIFY) {
                char m[128];
                snprintf(m, sizeof(m), "%s/%s", call->ep->cfg->name,
                         call->ep->cfg->model);
                doc_set_str(&call->doc->model, m);
        }
        remote_finish(call, NULL);
}

/* Sends body (steals) for call; chunk is the partial summary it makes. */
static void remote_send(struct remote_call *call, json_t *body, size_t chunk)
{
        struct remote_req *req = xcalloc(1, sizeof(*req));
        long est = prompt_tokens_estimate(body);

        req->call = call;
        req->chunk = chunk;
        req->est_tokens = est;
        if (chunk == SIZE_MAX) {
                if (call->request)
                        json_decref(call->request);
                call->request = json_incref(body);
        }
        openai_chat(call->ep->oe, body, est, remote_on_reply, req);
}

void remote_vision(struct remote *r, struct remote_ep *ep, struct doc *doc,
                   const struct doc_page_image *im, char **text,
                   remote_done_fn done, void *arg)
{
        struct remote_call *call = xcalloc(1, sizeof(*call));

        call->r = r;
        call->ep = ep;
        call->task = MODEL_VISION;
        call->doc = doc;
        call->done = done;
        call->arg = arg;
        call->image = im;
        call->vision_text = text;
        call->repaired = 1; /* no repair: OCR's text stands instead */
        remote_send(call, prompt_vision(im->png, im->png_len, im->page),
                    SIZE_MAX);
}

void remote_run(struct remote *r, struct remote_ep *ep, enum model_task task,
                struct doc *doc, remote_done_fn done, void *arg)
{
        struct remote_call *call = xcalloc(1, sizeof(*call));
        const char *text = doc->text ? doc->text : "";
        size_t len = doc->text ? doc->text_len : 0;
        long budget = remote_ep_input_budget(ep, task);
        long tokens = remote_doc_tokens(doc);
        char nonce[17], *cut = NULL;
        json_t *body = NULL;

        call->r = r;
        call->ep = ep;
        call->task = task;
        call->doc = doc;
        call->done = done;
        call->arg = arg;
        prompt_nonce(nonce);

        switch (task) {
        case MODEL_CLASSIFY:
                /* The beginning of a document says what it is. */
                if (tokens > budget) {
                        cut = prompt_relevant_text(NULL, text, len, budget);
                        text = cut;
                        len = strlen(cut);
                }
                body = prompt_classify(r->prompts, text, len, nonce);
                break;
        case MODEL_FIELDS:
                if (tokens > budget) {
                        cut = prompt_relevant_text(doc->class, text, len,
                                                   budget);
                        text = cut;
                        len = strlen(cut);
                }
                body = prompt_fields(r->prompts,
                                     doc->class ? doc->class : "other", text,
                                     len, nonce, ep->fmt);
                break;
        case MODEL_SUMMARIZE:
                if (tokens > budget) {
                        struct prompt_chunk *chunks = NULL;
                        size_t n = prompt_chunks(text, len, budget, &chunks);
                        call->partials = xcalloc(n, sizeof(char *));
                        call->chunks_n = call->pending = n;
                        for (size_t i = 0; i < n; i++) {
                                prompt_nonce(nonce);
                                remote_send(call,
                                            prompt_summarize(
                                                    r->prompts,
                                                    text + chunks[i].off,
                                                    chunks[i].len,
                                                    doc->language,
                                                    r->cfg->summary_max_chars,
                                                    nonce),
                                            i);
                        }
                        free(chunks);
                        if (n > 0)
                                return;
                }
                body = prompt_summarize(r->prompts, text, len, doc->language,
                                        r->cfg->summary_max_chars, nonce);
                break;
        case MODEL_VISION: /* remote_vision */
                break;
        }
        free(cut);
        remote_send(call, body, SIZE_MAX);
}

static int remote_ep_init(struct remote *r, struct remote_ep *ep,
                          const struct config_endpoint *ce, struct err *err)
{
        struct openai_endpoint_cfg oc;
        struct price p;
        const char *key = ce->price_key ? ce->price_key : ce->model;

        ep->cfg = ce;
        ep->r = r;
        snprintf(ep->provider, sizeof(ep->provider), "%s", ce->name);
        if (ce->has_prices) {
                memset(&ep->fixed, 0, sizeof(ep->fixed));
                ep->fixed.input = ce->in_per_m / 1e6;
                ep->fixed.output = ce->out_per_m / 1e6;
                ep->fixed.cache_read = ce->cache_per_m > 0
                                               ? ce->cache_per_m / 1e6
                                               : ep->fixed.input;
                ep->has_fixed = 1;
        } else if (ce->has_gpu) {
                ep->fixed = price_from_gpu(ce->gpu_usd_per_hour, ce->gpu_in_tps,
                                           ce->gpu_out_tps);
                ep->has_fixed = 1;
        } else if (!r->prices || prices_get(r->prices, key, 0, &p) < 0) {
                return err_set(err, ERR_FATAL,
                               "endpoint %s: no price for '%s' in the price "
                               "map (set price_key, prices or gpu)",
                               ce->name, key);
        } else if (p.provider[0]) {
                snprintf(ep->provider, sizeof(ep->provider), "%s", p.provider);
        }
        ep->context_window = ce->context_window;
        if (ep->context_window <= 0 && !ep->has_fixed &&
            prices_get(r->prices, key, 0, &p) == 0 && p.max_input_tokens > 0)
                ep->context_window = p.max_input_tokens;
        if (ep->context_window <= 0)
                ep->context_window = 8192;
        ep->fmt = !ce->response_format || strcmp(ce->response_format,
                                                 "json_schema") == 0
                          ? PROMPT_JSON_SCHEMA
                  : strcmp(ce->response_format, "json_object") == 0
                          ? PROMPT_JSON_OBJECT
                          : PROMPT_NONE;

        memset(&oc, 0, sizeof(oc));
        oc.name = ce->name;
        oc.base_url = ce->base_url;
        oc.model = ce->model;
        oc.api_key = ce->api_key_env && ce->api_key_env[0]
                             ? getenv(ce->api_key_env)
                             : NULL;
        oc.ca_file = ce->ca_file;
        oc.concurrency = ce->concurrency;
        oc.connect_timeout_ms = ce->connect_timeout_ms;
        oc.timeout_ms = ce->timeout_ms;
        oc.max_reply_bytes = (long)ce->max_reply_bytes;
        oc.rpm = ce->rpm;
        oc.tpm = ce->tpm;
        /* Configuration says 0 for none; the client reads 0 as its
         * default and -1 as none. */
        oc.retries = ce->retries > 0 ? ce->retries : -1;
        oc.backoff_ms = ce->backoff_ms;
        oc.max_backoff_ms = ce->max_backoff_ms;
        oc.breaker_failures =
                ce->breaker_failures > 0 ? ce->breaker_failures : -1;
        oc.breaker_cooldown_ms = ce->breaker_cooldown_ms;
        oc.extra_body = ce->extra_body;
        oc.extra_headers = ce->extra_headers;
        if (ce->api_key_env && ce->api_key_env[0] && !oc.api_key)
                log_warn("model",
                         "endpoint %s: environment variable %s is "
                         "not set; requests go without a key",
                         ce->name, ce->api_key_env);
        ep->oe = openai_endpoint_new(r->client, &oc, err);
        if (!ep->oe) {
                err_prefix(err, "endpoint %s: ", ce->name);
                return -1;
        }
        return 0;
}

struct remote *remote_new(uv_loop_t *loop, const struct config *cfg,
                          struct err *err)
{
        struct remote *r;
        int need_map = 0;

        if (cfg->endpoints_n == 0)
                return NULL;
        r = xcalloc(1, sizeof(*r));
        r->loop = loop;
        r->cfg = cfg;
        for (size_t i = 0; i < cfg->endpoints_n; i++)
                if (!cfg->endpoints[i].has_prices && !cfg->endpoints[i].has_gpu)
                        need_map = 1;
        if (need_map) {
                r->prices = prices_load(cfg->price_map, err);
                if (!r->prices)
                        goto fail;
        }
        r->prompts = prompts_new(cfg, NULL, err);
        if (!r->prompts)
                goto fail;
        r->client = openai_new(loop, err);
        if (!r->client)
                goto fail;
        r->eps = xcalloc(cfg->endpoints_n, sizeof(*r->eps));
        for (size_t i = 0; i < cfg->endpoints_n; i++) {
                if (remote_ep_init(r, &r->eps[i], &cfg->endpoints[i], err) < 0)
                        goto fail;
                r->eps_n++;
        }
        log_info("model", "%zu remote endpoints%s%s", r->eps_n,
                 r->prices ? ", price map " : "",
                 r->prices ? prices_version(r->prices) : "");
        return r;
fail:
        remote_free(r);
        return NULL;
}

void remote_free(struct remote *r)
{
        if (!r)
                return;
        if (r->client)
                openai_free(r->client);
        prompts_free(r->prompts);
        prices_free(r->prices);
        free(r->eps);
        free(r);
}
