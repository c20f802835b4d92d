/*
 * pipeline: the life of one document (see pipeline.h). Every document in
 * flight has a slot that knows the pipeline and the stage it is at; stages
 * call back with pipeline_stage_done. The stage list is the one place where
 * a new stage is added. Owns the slots and documents in flight, the drain
 * timer and the stages' states.
 */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stages/stage.h"
#include "consumer.h"
#include "doc.h"
#include "job.h"
#include "log.h"
#include "metrics.h"
#include "requeue.h"
#include "store.h"

static const struct stage *const stages[] = {
        &stage_fetch,    &stage_extract, &stage_vision,
        &stage_classify, &stage_fields,  &stage_summarize,
};
#define N_STAGES (sizeof(stages) / sizeof(stages[0]))

struct pipeline {
        uv_loop_t *loop;
        const struct config *cfg;
        struct consumer *consumer;
        struct requeue *requeue; /* NULL: dead letters to the table only */
        struct metrics *metrics; /* NULL: nothing counted */
        struct store *store;
        struct stage_env env;
        void *state[N_STAGES];
        pipeline_drained_fn on_drained;
        void *arg;
        uv_timer_t drain_timer;
        int draining, fatal, paused;
        uint64_t rand;
        struct pipeline_stats st;
};

/* A document in flight: doc->owner. */
struct slot {
        struct pipeline *p;
        struct doc *doc;
        size_t stage; /* index in stages[] */
        uint64_t start_ns;
        uv_timer_t retry; /* backoff timer, initialized on first use */
        int retry_init;
        int tier;          /* sent to this retry topic; -1: not */
        uint64_t stage_ns; /* the current stage's attempt (or the store
                              write) began */
};

static void pipeline_run(struct doc *doc);

static void slot_free_cb(uv_handle_t *h)
{
        free(h->data);
}

static void pipeline_backpressure(struct pipeline *p)
{
        int pause = p->paused;

        if (p->st.inflight >= (size_t)p->cfg->max_inflight)
                pause = 1;
        else if (p->st.inflight < (size_t)p->cfg->low_water)
                pause = 0;
        if (pause != p->paused && p->consumer) {
                p->paused = pause;
                consumer_pause(p->consumer, pause);
        }
}

static void pipeline_check_drained(struct pipeline *p)
{
        if (p->draining == 1 && p->st.inflight == 0) {
                p->draining = 2;
                uv_timer_stop(&p->drain_timer);
                p->on_drained(p->arg, 0, p->fatal);
        }
}

/* The document leaves the pipeline. durable: its outcome is in Postgres
 * (or was already), so its offset may be stored. */
static void pipeline_finish(struct doc *doc, int durable)
{
        struct slot *slot = doc->owner;
        struct pipeline *p = slot->p;
        struct log_about about = doc_about(doc, doc->failed_stage);

        metrics_doc_finished(p->metrics, doc, durable,
                             durable && slot->tier >= 0
                                     ? p->cfg->retry[slot->tier].topic
                                     : NULL,
                             (double)(uv_hrtime() - slot->start_ns) / 1e9);
        if (durable && p->consumer)
                consumer_done(p->consumer, doc->topic, doc->partition,
                              doc->generation, doc->offset);
        if (!durable) {
                p->st.abandoned++;
                log_doc(LOG_WARN, about,
                        "abandoned: outcome not stored, offset kept for "
                        "redelivery");
        } else if (doc->skipped) {
                p->st.skipped++;
                log_doc(LOG_INFO, about, "already has an outcome: skipped");
        } else if (slot->tier >= 0) {
                p->st.requeued++;
                log_doc(LOG_WARN, about,
                        "to retry topic %s (in %lld ms), attempts=%d: "
                        "stage=%s: %s",
                        p->cfg->retry[slot->tier].topic,
                        (long long)p->cfg->retry[slot->tier].delay_ms,
                        doc->msg.attempts + doc->attempts + 1,
                        doc->failed_stage ? doc->failed_stage : "?",
                        doc->err.msg);
        } else if (doc->err.cls != ERR_OK) {
                p->st.dead++;
                log_doc(LOG_WARN, about, "dead letter: stage=%s class=%s: %s",
                        doc->failed_stage ? doc->failed_stage : "?",
                        err_class_name(doc->err.cls), doc->err.msg);
        } else {
                p->st.done++;
                if (doc->reused)
                        p->st.reused++;
                log_doc(LOG_INFO, about,
                        "done: class=%s confidence=%.2f pages=%d "
                        "tokens=%ld cost=%.6f ms=%.1f%s",
                        doc->class ? doc->class : "-", doc->confidence,
                        doc->pages, doc_tokens(doc), doc_cost(doc),
                        (double)(uv_hrtime() - slot->start_ns) / 1e6,
                        doc->reused ? " (reused)" : "");
        }
        doc_free(doc);
        if (slot->retry_init)
                uv_close((uv_handle_t *)&slot->retry, slot_free_cb);
        else
                free(slot);
        p->st.inflight--;
        pipeline_backpressure(p);
        pipeline_check_drained(p);
}

static void pipeline_requeue(struct doc *doc);

static void pipeline_stored(struct doc *doc, const struct err *err)
{
        struct slot *slot = doc->owner;

        metrics_stage(slot->p->metrics, "store",
                      (double)(uv_hrtime() - slot->stage_ns) / 1e9);
        if (err && err->cls == ERR_INPUT && doc->err.cls == ERR_OK) {
                /* Postgres refused this result (bad data): keep the
                 * document as a dead letter instead. */
                doc->err = *err;
                doc->failed_stage = "store";
                pipeline_requeue(doc);
                return;
        }
        pipeline_finish(doc, err == NULL);
}

static void pipeline_store(struct doc *doc)
{
        struct slot *slot = doc->owner;

        slot->stage_ns = uv_hrtime();
        store_put(slot->p->store, doc, pipeline_stored);
}

/* A dead letter, or a fatal error that stops the worker. */
static void pipeline_fail(struct doc *doc, const char *stage,
                          const struct err *err)
{
        struct slot *slot = doc->owner;
        struct pipeline *p = slot->p;

        doc->err = *err;
        doc->failed_stage = stage;
        if (err->cls == ERR_FATAL) {
                struct log_about about = doc_about(doc, stage);
                log_doc(LOG_ERROR, about, "fatal in %s: %s", stage, err->msg);
                p->fatal = 1;
                pipeline_finish(doc, 0);
                pipeline_drain(p);
                return;
        }
        pipeline_requeue(doc);
}

/* Kafka has the failed job: on a retry topic (tier >= 0), and it is done
 * here; or on the dead-letter topic, and the table comes next. */
static void pipeline_requeued(struct doc *doc, int tier, const struct err *err)
{
        struct slot *slot = doc->owner;

        if (err && err->cls == ERR_FATAL) {
                pipeline_fail(doc, "requeue", err);
                return;
        }
        if (err) {
                pipeline_finish(doc, 0);
                return;
        }
        slot->tier = tier;
        if (tier >= 0)
                pipeline_finish(doc, 1);
        else
                pipeline_store(doc);
}

/* A failed job leaves this delivery: to the next retry topic (transient,
 * a tier left), else to the dead-letter topic and then the table. Its
 * offset is stored only once all of that is durable. */
static void pipeline_requeue(struct doc *doc)
{
        struct slot *slot = doc->owner;
        struct pipeline *p = slot->p;

        if (!p->requeue) {
                pipeline_store(doc);
                return;
        }
        requeue_send(p->requeue, doc, requeue_next_tier(p->cfg, doc),
                     pipeline_requeued);
}

static uint64_t pipeline_rand(struct pipeline *p)
{
        /* splitmix64: jitter only, not security. */
        uint64_t z = (p->rand += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static void pipeline_on_retry(uv_timer_t *t)
{
        struct slot *slot = t->data;

        pipeline_run(slot->doc);
}

static void pipeline_looked_up(struct doc *doc, enum store_found found,
                               const struct err *err)
{
        struct slot *slot = doc->owner;

        if (err) {
                pipeline_finish(doc, 0);
                return;
        }
        switch (found) {
        case STORE_DONE:
                doc->skipped = 1;
                pipeline_finish(doc, 1);
                break;
        case STORE_REUSED:
                slot->stage = N_STAGES;
                pipeline_store(doc);
                break;
        case STORE_NEW:
                slot->stage++;
                pipeline_run(doc);
                break;
        }
}

static void pipeline_stage_done(struct doc *doc, const struct err *err)
{
        struct slot *slot = doc->owner;
        struct pipeline *p = slot->p;
        const struct stage *st = stages[slot->stage];

        metrics_stage(p->metrics, st->name,
                      (double)(uv_hrtime() - slot->stage_ns) / 1e9);
        if (err && err->cls == ERR_RETRY && doc->attempts < p->cfg->retries &&
            !p->draining) {
                /* Full jitter: uniform in [0, base * 2^attempts]. */
                uint64_t cap = (uint64_t)p->cfg->retry_backoff_ms
                               << (doc->attempts < 16 ? doc->attempts : 16);
                uint64_t ms = cap ? pipeline_rand(p) % (cap + 1) : 0;
                struct log_about about = doc_about(doc, st->name);

                doc->attempts++;
                metrics_retry(p->metrics, st->name);
                log_doc(LOG_INFO, about, "%s: %s; retry %d/%d in %llu ms",
                        st->name, err->msg, doc->attempts, p->cfg->retries,
                        (unsigned long long)ms);
                if (!slot->retry_init) {
                        uv_timer_init(p->loop, &slot->retry);
                        slot->retry.data = slot;
                        slot->retry_init = 1;
                }
                uv_timer_start(&slot->retry, pipeline_on_retry, ms, 0);
                return;
        }
        if (err) {
                pipeline_fail(doc, st->name, err);
                return;
        }
        doc->attempts = 0;
        if (st == &stage_fetch) {
                store_lookup(p->store, doc, pipeline_looked_up);
                return;
        }
        slot->stage++;
        pipeline_run(doc);
}

static void pipeline_run(struct doc *doc)
{
        struct slot *slot = doc->owner;
        struct pipeline *p = slot->p;

        while (slot->stage < N_STAGES && stages[slot->stage]->mask &&
               !(doc->stages & stages[slot->stage]->mask))
                slot->stage++;
        if (slot->stage < N_STAGES && stages[slot->stage] == &stage_extract &&
            doc->text) {
                /* The lookup found the text a failed document of the same
                 * content had extracted (a replay, say). */
                struct log_about about = doc_about(doc, "extract");
                log_doc(LOG_INFO, about,
                        "extract: reused the text of an earlier try "
                        "(%zu bytes)",
                        doc->text_len);
                slot->stage++;
                pipeline_run(doc);
                return;
        }
        if (slot->stage == N_STAGES) {
                pipeline_store(doc);
                return;
        }
        slot->stage_ns = uv_hrtime();
        stages[slot->stage]->start(p->state[slot->stage], doc,
                                   pipeline_stage_done);
}

/* Copies the value of the last `name` header into a new string, or NULL. */
static char *pipeline_header(rd_kafka_message_t *rkm, const char *name)
{
        rd_kafka_headers_t *hdrs = NULL;
        const void *val = NULL;
        size_t size = 0;

        if (rd_kafka_message_headers(rkm, &hdrs) || !hdrs)
                return NULL;
        if (rd_kafka_header_get_last(hdrs, name, &val, &size) || !val)
                return NULL;
        return xstrndup(val, size > 256 ? 256 : size);
}

void pipeline_on_message(void *arg, rd_kafka_message_t *rkm, int64_t generation)
{
        struct pipeline *p = arg;
        struct doc *doc = doc_new();
        struct slot *slot = xcalloc(1, sizeof(*slot));
        char id[300], origin[256], *ctype;
        int32_t opart;
        int64_t ooff;
        struct err err;
        int rc;

        slot->p = p;
        slot->doc = doc;
        slot->start_ns = uv_hrtime();
        slot->tier = -1;
        doc->owner = slot;
        doc->topic = xstrdup(rd_kafka_topic_name(rkm->rkt));
        doc->partition = rkm->partition;
        doc->offset = rkm->offset;
        doc->generation = generation;
        /* Kept for a retry topic or the dead-letter topic. */
        requeue_keep(doc, rkm);
        /* A message that names no document is known by where it is, or
         * was first, when it came back from a retry topic or a replay. */
        if (requeue_origin(doc->msg.hdrs, origin, sizeof(origin), &opart,
                           &ooff) == 0)
                snprintf(id, sizeof(id), "%s-%d-%lld", origin, (int)opart,
                         (long long)ooff);
        else
                snprintf(id, sizeof(id), "%s-%d-%lld", doc->topic,
                         (int)doc->partition, (long long)doc->offset);
        doc->id = xstrdup(id);

        ctype = pipeline_header(rkm, "content-type");
        err_clear(&err);
        rc = job_parse(doc, rkm->payload, rkm->len, rkm->key, rkm->key_len,
                       ctype, p->cfg, &err);
        free(ctype);
        rd_kafka_message_destroy(rkm);

        p->st.inflight++;
        metrics_doc_started(p->metrics);
        pipeline_backpressure(p);
        if (rc < 0) {
                pipeline_fail(doc, "job", &err);
                return;
        }
        pipeline_run(doc);
}

static void pipeline_on_drain_timeout(uv_timer_t *t)
{
        struct pipeline *p = t->data;

        if (p->draining != 1)
                return;
        p->draining = 2;
        log_warn("pipeline",
                 "drain deadline of %d ms reached with %zu "
                 "documents in flight",
                 p->cfg->drain_ms, p->st.inflight);
        p->on_drained(p->arg, 1, p->fatal);
}

void pipeline_drain(struct pipeline *p)
{
        if (p->draining)
                return;
        p->draining = 1;
        metrics_draining(p->metrics);
        log_info("pipeline", "draining: %zu documents in flight",
                 p->st.inflight);
        if (p->consumer)
                consumer_stop(p->consumer);
        uv_timer_start(&p->drain_timer, pipeline_on_drain_timeout,
                       (uint64_t)p->cfg->drain_ms, 0);
        pipeline_check_drained(p);
}

struct pipeline *pipeline_new(uv_loop_t *loop, const struct config *cfg,
                              struct store *store, struct model *model,
                              pipeline_drained_fn on_drained, void *arg,
                              struct err *err)
{
        struct pipeline *p = xcalloc(1, sizeof(*p));

        p->loop = loop;
        p->cfg = cfg;
        p->store = store;
        p->on_drained = on_drained;
        p->arg = arg;
        p->env.loop = loop;
        p->env.cfg = cfg;
        p->env.model = model;
        p->rand = uv_hrtime() ^ (uint64_t)(uintptr_t)p;
        for (size_t i = 0; i < N_STAGES; i++) {
                if (stages[i]->init(&p->state[i], &p->env, err) < 0) {
                        err_prefix(err, "stage %s: ", stages[i]->name);
                        while (i-- > 0)
                                stages[i]->destroy(p->state[i]);
                        free(p);
                        return NULL;
                }
        }
        uv_timer_init(loop, &p->drain_timer);
        p->drain_timer.data = p;
        return p;
}

void pipeline_set_consumer(struct pipeline *p, struct consumer *c)
{
        p->consumer = c;
}

void pipeline_set_requeue(struct pipeline *p, struct requeue *rq)
{
        p->requeue = rq;
}

void pipeline_set_metrics(struct pipeline *p, struct metrics *m)
{
        p->metrics = m;
}

void pipeline_stats(const struct pipeline *p, struct pipeline_stats *st)
{
        *st = p->st;
}

static void pipeline_free_cb(uv_handle_t *h)
{
        free(h->data);
}

void pipeline_free(struct pipeline *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < N_STAGES; i++)
                stages[i]->destroy(p->state[i]);
        uv_close((uv_handle_t *)&p->drain_timer, pipeline_free_cb);
}
