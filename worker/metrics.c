/*
 * metrics: counters for Prometheus and the health state (see metrics.h).
 * Counters and gauges are relaxed atomics, written on the loop thread and
 * read by the HTTP thread; the lag lines are a text snapshot under a
 * mutex. Label values take slots of small append-only tables (struct
 * labels); past a table's capacity, a value counts as "other". Owns the
 * tables and the lag snapshot.
 */
#include "metrics.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_LABEL_MAX 64   /* bytes of one label value, with its NUL */
#define METRICS_STAGES 24      /* stage names (failures name "job", ...) */
#define METRICS_CLASSES 48     /* document classes, "none" */
#define METRICS_MODELS 96      /* endpoint and model pairs */
#define METRICS_TOPICS 16      /* topics requeued to */
#define METRICS_LAG_TEXT 65536 /* bytes of the lag lines */

/* Upper bounds of the latency buckets, in seconds (then +Inf). */
static const double metrics_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,  1,     2.5,  5,
                                        10,    30,   60,    120,  300};
#define METRICS_BUCKETS (sizeof(metrics_bounds) / sizeof(metrics_bounds[0]))

/* err_class as the label says it; the index is the enum. */
static const char *const metrics_err_names[] = {"ok", "retry", "input",
                                                "fatal"};
#define METRICS_ERR_CLASSES 4

/* An append-only table of label values: slot i is valid once n > i. Only
 * the loop thread adds; n is published with release, read with acquire.
 * The last slot is "other". */
struct labels {
        size_t cap;
        atomic_size_t n;
        char (*name)[2][METRICS_LABEL_MAX]; /* up to two values per slot */
};

struct hist {
        atomic_ullong bucket[METRICS_BUCKETS + 1]; /* not cumulative */
        atomic_ullong sum_us;
};

struct model_ctr {
        atomic_ullong calls_ok, calls_failed;
        atomic_ullong tokens_in, tokens_cached, tokens_out;
        atomic_ullong cost_nano;
};

struct metrics {
        atomic_ullong started, finished;
        atomic_ullong skipped, reused, abandoned;
        struct labels classes; /* document class */
        atomic_ullong done[METRICS_CLASSES];
        struct labels stages;
        atomic_ullong dead[METRICS_STAGES][METRICS_ERR_CLASSES];
        atomic_ullong retries[METRICS_STAGES];
        struct hist stage_hist[METRICS_STAGES];
        struct hist doc_hist;
        struct labels models; /* endpoint, model */
        struct model_ctr model[METRICS_MODELS];
        struct labels topics;
        atomic_ullong requeued[METRICS_TOPICS];

        /* Kafka, from the statistics. */
        atomic_int stats_seen;
        atomic_int group_up;     /* the coordinator is known and up */
        atomic_int assigned;     /* partitions assigned */
        atomic_llong rebalances; /* rebalance_cnt */
        pthread_mutex_t lag_mu;
        char *lag_text; /* under lag_mu: the lag lines, or NULL */

        atomic_ullong heartbeat_ns;
        atomic_int draining;
};

static void labels_init(struct labels *l, size_t cap)
{
        l->cap = cap;
        atomic_init(&l->n, 0);
        l->name = xcalloc(cap, sizeof(*l->name));
}

/* The slot of (a, b) (b may be NULL), added if new: loop thread only. */
static size_t labels_slot(struct labels *l, const char *a, const char *b)
{
        size_t n = atomic_load_explicit(&l->n, memory_order_relaxed);

        a = a && *a ? a : "none";
        b = b ? b : "";
        for (size_t i = 0; i < n; i++)
                if (strncmp(l->name[i][0], a, METRICS_LABEL_MAX - 1) == 0 &&
                    strncmp(l->name[i][1], b, METRICS_LABEL_MAX - 1) == 0)
                        return i;
        if (n + 1 >= l->cap) {
                /* Full: the last slot is "other". */
                if (n + 1 == l->cap) {
                        snprintf(l->name[n][0], METRICS_LABEL_MAX, "other");
                        snprintf(l->name[n][1], METRICS_LABEL_MAX, "%s",
                                 *b ? "other" : "");
                        atomic_store_explicit(&l->n, n + 1,
                                              memory_order_release);
                }
                return l->cap - 1;
        }
        snprintf(l->name[n][0], METRICS_LABEL_MAX, "%s", a);
        snprintf(l->name[n][1], METRICS_LABEL_MAX, "%s", b);
        atomic_store_explicit(&l->n, n + 1, memory_order_release);
        return n;
}

static size_t labels_count(struct labels *l)
{
        return atomic_load_explicit(&l->n, memory_order_acquire);
}

static void add(atomic_ullong *c, unsigned long long x)
{
        atomic_fetch_add_explicit(c, x, memory_order_relaxed);
}

static unsigned long long get(atomic_ullong *c)
{
        return atomic_load_explicit(c, memory_order_relaxed);
}

static void hist_observe(struct hist *h, double seconds)
{
        size_t i = 0;

        if (!(seconds >= 0)) /* NaN too */
                seconds = 0;
        while (i < METRICS_BUCKETS && seconds > metrics_bounds[i])
                i++;
        add(&h->bucket[i], 1);
        add(&h->sum_us, (unsigned long long)(seconds * 1e6 + 0.5));
}

struct metrics *metrics_new(void)
{
        struct metrics *m = xcalloc(1, sizeof(*m));

        labels_init(&m->classes, METRICS_CLASSES);
        labels_init(&m->stages, METRICS_STAGES);
        labels_init(&m->models, METRICS_MODELS);
        labels_init(&m->topics, METRICS_TOPICS);
        pthread_mutex_init(&m->lag_mu, NULL);
        return m;
}

void metrics_free(struct metrics *m)
{
        if (!m)
                return;
        free(m->classes.name);
        free(m->stages.name);
        free(m->models.name);
        free(m->topics.name);
        pthread_mutex_destroy(&m->lag_mu);
        free(m->lag_text);
        free(m);
}

void metrics_doc_started(struct metrics *m)
{
        if (m)
                add(&m->started, 1);
}

static void metrics_calls(struct metrics *m, const struct doc *doc)
{
        for (size_t i = 0; i < doc->calls_n; i++) {
                const struct model_call *c = &doc->calls[i];
                struct model_ctr *mc = &m->model[labels_slot(
                        &m->models, c->endpoint, c->model)];
                long long nano = doc_usd_nano(c->cost_usd);

                add(strcmp(c->outcome, "ok") == 0 ? &mc->calls_ok
                                                  : &mc->calls_failed,
                    1);
                add(&mc->tokens_in,
                    (unsigned long long)(c->input_tokens > 0 ? c->input_tokens
                                                             : 0));
                add(&mc->tokens_cached,
                    (unsigned long long)(c->cached_tokens > 0 ? c->cached_tokens
                                                              : 0));
                add(&mc->tokens_out,
                    (unsigned long long)(c->output_tokens > 0 ? c->output_tokens
                                                              : 0));
                add(&mc->cost_nano, (unsigned long long)(nano > 0 ? nano : 0));
        }
}

void metrics_doc_finished(struct metrics *m, const struct doc *doc, int durable,
                          const char *requeued_to, double seconds)
{
        if (!m)
                return;
        metrics_calls(m, doc);
        hist_observe(&m->doc_hist, seconds);
        if (!durable) {
                add(&m->abandoned, 1);
        } else if (doc->skipped) {
                add(&m->skipped, 1);
        } else if (requeued_to) {
                add(&m->requeued[labels_slot(&m->topics, requeued_to, NULL)],
                    1);
        } else if (doc->err.cls != ERR_OK) {
                size_t s = labels_slot(&m->stages, doc->failed_stage, NULL);
                int c = (int)doc->err.cls;

                if (c < 1 || c >= METRICS_ERR_CLASSES)
                        c = (int)ERR_FATAL;
                add(&m->dead[s][c], 1);
        } else {
                add(&m->done[labels_slot(&m->classes, doc->class, NULL)], 1);
                if (doc->reused)
                        add(&m->reused, 1);
        }
        /* Last: a reader that sees it finished sees it counted. */
        atomic_fetch_add_explicit(&m->finished, 1, memory_order_release);
}

void metrics_stage(struct metrics *m, const char *stage, double seconds)
{
        if (m)
                hist_observe(
                        &m->stage_hist[labels_slot(&m->stages, stage, NULL)],
                        seconds);
}

void metrics_retry(struct metrics *m, const char *stage)
{
        if (m)
                add(&m->retries[labels_slot(&m->stages, stage, NULL)], 1);
}

/* Writes label value v to dst (n bytes), escaped as the text format wants:
 * backslash, double quote and newline. Returns dst. */
static char *label_escape(char *dst, size_t n, const char *v)
{
        size_t o = 0;

        for (; *v && o + 3 < n; v++) {
                if (*v == '\\' || *v == '"') {
                        dst[o++] = '\\';
                        dst[o++] = *v;
                } else if (*v == '\n') {
                        dst[o++] = '\\';
                        dst[o++] = 'n';
                } else {
                        dst[o++] = *v;
                }
        }
        dst[o] = '\0';
        return dst;
}

/* Appends label value v to f, escaped. */
static void put_label(FILE *f, const char *v)
{
        char buf[METRICS_LABEL_MAX * 2 + 1];

        /* Topic names in the lag lines may be longer than a slot. */
        if (strlen(v) >= METRICS_LABEL_MAX) {
                for (; *v; v++) {
                        char one[2] = {*v, '\0'};
                        fputs(label_escape(buf, sizeof(buf), one), f);
                }
                return;
        }
        fputs(label_escape(buf, sizeof(buf), v), f);
}

/* The lag lines of one statistics JSON, as text: one sample per partition
 * that is assigned (desired) and whose lag is known. */
static void metrics_lag_lines(json_t *topics, FILE *f)
{
        const char *tname, *pname;
        json_t *t, *p;

        json_object_foreach(topics, tname, t)
        {
                json_object_foreach(json_object_get(t, "partitions"), pname, p)
                {
                        json_t *lag = json_object_get(p, "consumer_lag");
                        json_t *part = json_object_get(p, "partition");

                        if (!json_is_integer(part) ||
                            json_integer_value(part) < 0 ||
                            !json_is_true(json_object_get(p, "desired")) ||
                            !json_is_integer(lag) ||
                            json_integer_value(lag) < 0)
                                continue;
                        fputs("docpipe_kafka_consumer_lag{topic=\"", f);
                        put_label(f, tname);
                        fprintf(f, "\",partition=\"%lld\"} %lld\n",
                                (long long)json_integer_value(part),
                                (long long)json_integer_value(lag));
                }
        }
}

void metrics_kafka_stats(struct metrics *m, const char *json, size_t len)
{
        json_error_t jerr;
        json_t *root, *cgrp;
        char *text = NULL, *old;
        size_t text_len = 0;
        FILE *f;

        if (!m)
                return;
        root = json_loadb(json, len, 0, &jerr);
        if (!json_is_object(root)) {
                json_decref(root);
                return;
        }
        cgrp = json_object_get(root, "cgrp");
        if (json_is_object(cgrp)) {
                json_t *state = json_object_get(cgrp, "state");
                json_t *size = json_object_get(cgrp, "assignment_size");
                json_t *cnt = json_object_get(cgrp, "rebalance_cnt");

                atomic_store(&m->group_up,
                             json_is_string(state) &&
                                     strcmp(json_string_value(state), "up") ==
                                             0);
                if (json_is_integer(size))
                        atomic_store(&m->assigned,
                                     (int)json_integer_value(size));
                if (json_is_integer(cnt))
                        atomic_store(&m->rebalances, json_integer_value(cnt));
        }
        f = open_memstream(&text, &text_len);
        if (f) {
                metrics_lag_lines(json_object_get(root, "topics"), f);
                fclose(f);
        }
        if (text && text_len > METRICS_LAG_TEXT) {
                /* Thousands of partitions: the lag goes, the rest stays. */
                free(text);
                text = NULL;
        }
        pthread_mutex_lock(&m->lag_mu);
        old = m->lag_text;
        m->lag_text = text;
        pthread_mutex_unlock(&m->lag_mu);
        free(old);
        atomic_store(&m->stats_seen, 1);
        json_decref(root);
}

void metrics_heartbeat(struct metrics *m, uint64_t now_ns)
{
        if (m)
                atomic_store(&m->heartbeat_ns, now_ns);
}

void metrics_draining(struct metrics *m)
{
        if (m)
                atomic_store(&m->draining, 1);
}

int metrics_alive(struct metrics *m, uint64_t now_ns, char *why, size_t n)
{
        uint64_t beat = atomic_load(&m->heartbeat_ns);
        uint64_t age_ms = now_ns > beat ? (now_ns - beat) / 1000000 : 0;

        if (age_ms > METRICS_STALL_MS) {
                snprintf(why, n, "the event loop has not turned for %llu ms",
                         (unsigned long long)age_ms);
                return 0;
        }
        snprintf(why, n, "alive");
        return 1;
}

int metrics_ready(struct metrics *m, int pg_ok, char *why, size_t n)
{
        int assigned = atomic_load(&m->assigned);

        if (atomic_load(&m->draining)) {
                snprintf(why, n, "draining");
                return 0;
        }
        if (!pg_ok) {
                snprintf(why, n, "PostgreSQL unreachable");
                return 0;
        }
        if (assigned > 0) {
                snprintf(why, n, "ready: %d partitions assigned", assigned);
                return 1;
        }
        if (atomic_load(&m->group_up)) {
                snprintf(why, n,
                         "ready: in the consumer group, no partition "
                         "assigned");
                return 1;
        }
        snprintf(why, n, "%s",
                 atomic_load(&m->stats_seen)
                         ? "the consumer group's coordinator is not up"
                         : "no Kafka statistics yet");
        return 0;
}

/* ---- rendering ---- */

static void put_head(FILE *f, const char *name, const char *type,
                     const char *help)
{
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_hist(FILE *f, const char *name, const char *label,
                     const char *value, struct hist *h)
{
        unsigned long long cum = 0;
        char lv[METRICS_LABEL_MAX * 2 + 32] = ""; /* label="value", */

        if (label && value) {
                char esc[METRICS_LABEL_MAX * 2 + 1];
                snprintf(lv, sizeof(lv), "%s=\"%s\",", label,
                         label_escape(esc, sizeof(esc), value));
        }
        for (size_t i = 0; i <= METRICS_BUCKETS; i++) {
                cum += get(&h->bucket[i]);
                if (i < METRICS_BUCKETS)
                        fprintf(f, "%s_bucket{%sle=\"%g\"} %llu\n", name, lv,
                                metrics_bounds[i], cum);
                else
                        fprintf(f, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, lv,
                                cum);
        }
        if (*lv) {
                lv[strlen(lv) - 1] = '\0'; /* the last comma */
                fprintf(f, "%s_sum{%s} %.6f\n%s_count{%s} %llu\n", name, lv,
                        (double)get(&h->sum_us) / 1e6, name, lv, cum);
        } else {
                fprintf(f, "%s_sum %.6f\n%s_count %llu\n", name,
                        (double)get(&h->sum_us) / 1e6, name, cum);
        }
}

static void put_model_series(FILE *f, struct metrics *m, size_t nm,
                             const char *name, const char *extra,
                             atomic_ullong *(*pick)(struct model_ctr *),
                             int usd)
{
        for (size_t i = 0; i < nm; i++) {
                unsigned long long v = get(pick(&m->model[i]));

                fprintf(f, "%s{endpoint=\"", name);
                put_label(f, m->models.name[i][0]);
                fputs("\",model=\"", f);
                put_label(f, m->models.name[i][1]);
                fprintf(f, "\"%s}", extra);
                if (usd)
                        fprintf(f, " %llu.%09llu\n", v / 1000000000ULL,
                                v % 1000000000ULL);
                else
                        fprintf(f, " %llu\n", v);
        }
}

static atomic_ullong *pick_ok(struct model_ctr *c)
{
        return &c->calls_ok;
}
static atomic_ullong *pick_failed(struct model_ctr *c)
{
        return &c->calls_failed;
}
static atomic_ullong *pick_in(struct model_ctr *c)
{
        return &c->tokens_in;
}
static atomic_ullong *pick_cached(struct model_ctr *c)
{
        return &c->tokens_cached;
}
static atomic_ullong *pick_out(struct model_ctr *c)
{
        return &c->tokens_out;
}
static atomic_ullong *pick_cost(struct model_ctr *c)
{
        return &c->cost_nano;
}

void metrics_render(struct metrics *m, FILE *f, int pg_ok, uint64_t now_ns)
{
        size_t ns = labels_count(&m->stages), nc = labels_count(&m->classes);
        size_t nm = labels_count(&m->models), nt = labels_count(&m->topics);
        /* finished first: started is then at least as large. */
        unsigned long long fin =
                atomic_load_explicit(&m->finished, memory_order_acquire);
        unsigned long long st = get(&m->started);
        uint64_t beat = atomic_load(&m->heartbeat_ns);
        char why[128];

        put_head(f, "docpipe_documents_done_total", "counter",
                 "Documents whose result was written, by document class.");
        for (size_t i = 0; i < nc; i++) {
                fputs("docpipe_documents_done_total{class=\"", f);
                put_label(f, m->classes.name[i][0]);
                fprintf(f, "\"} %llu\n", get(&m->done[i]));
        }
        put_head(f, "docpipe_documents_failed_total", "counter",
                 "Documents that became dead letters, by the stage that "
                 "failed and the error class.");
        for (size_t i = 0; i < ns; i++) {
                for (int c = 1; c < METRICS_ERR_CLASSES; c++) {
                        unsigned long long v = get(&m->dead[i][c]);
                        if (!v)
                                continue;
                        fputs("docpipe_documents_failed_total{stage=\"", f);
                        put_label(f, m->stages.name[i][0]);
                        fprintf(f, "\",class=\"%s\"} %llu\n",
                                metrics_err_names[c], v);
                }
        }
        put_head(f, "docpipe_documents_skipped_total", "counter",
                 "Documents that already had an outcome (a redelivery).");
        fprintf(f, "docpipe_documents_skipped_total %llu\n", get(&m->skipped));
        put_head(f, "docpipe_documents_reused_total", "counter",
                 "Documents done by copying the result of the same content.");
        fprintf(f, "docpipe_documents_reused_total %llu\n", get(&m->reused));
        put_head(f, "docpipe_documents_abandoned_total", "counter",
                 "Documents left unfinished at a drain deadline or a store "
                 "failure; redelivered.");
        fprintf(f, "docpipe_documents_abandoned_total %llu\n",
                get(&m->abandoned));
        put_head(f, "docpipe_documents_in_flight", "gauge",
                 "Documents taken from Kafka and not finished yet.");
        fprintf(f, "docpipe_documents_in_flight %llu\n",
                st >= fin ? st - fin : 0);
        put_head(f, "docpipe_document_duration_seconds", "histogram",
                 "Time from the Kafka message to the stored outcome.");
        put_hist(f, "docpipe_document_duration_seconds", NULL, NULL,
                 &m->doc_hist);
        put_head(f, "docpipe_stage_duration_seconds", "histogram",
                 "Time of one attempt of a stage (store: the batched write).");
        for (size_t i = 0; i < ns; i++) {
                struct hist *h = &m->stage_hist[i];
                unsigned long long any = 0;
                for (size_t b = 0; b <= METRICS_BUCKETS; b++)
                        any += get(&h->bucket[b]);
                if (any)
                        put_hist(f, "docpipe_stage_duration_seconds", "stage",
                                 m->stages.name[i][0], h);
        }
        put_head(f, "docpipe_stage_retries_total", "counter",
                 "In-place retries of a stage after a transient failure.");
        for (size_t i = 0; i < ns; i++) {
                unsigned long long v = get(&m->retries[i]);
                if (!v)
                        continue;
                fputs("docpipe_stage_retries_total{stage=\"", f);
                put_label(f, m->stages.name[i][0]);
                fprintf(f, "\"} %llu\n", v);
        }
        put_head(f, "docpipe_requeued_total", "counter",
                 "Jobs sent to a retry topic after a transient failure.");
        for (size_t i = 0; i < nt; i++) {
                fputs("docpipe_requeued_total{topic=\"", f);
                put_label(f, m->topics.name[i][0]);
                fprintf(f, "\"} %llu\n", get(&m->requeued[i]));
        }
        put_head(f, "docpipe_model_calls_total", "counter",
                 "Model calls, by endpoint, model and outcome (counted when "
                 "the document leaves the pipeline).");
        put_model_series(f, m, nm, "docpipe_model_calls_total",
                         ",outcome=\"ok\"", pick_ok, 0);
        put_model_series(f, m, nm, "docpipe_model_calls_total",
                         ",outcome=\"failed\"", pick_failed, 0);
        put_head(f, "docpipe_model_tokens_total", "counter",
                 "Tokens of model calls, by endpoint, model and kind "
                 "(cached input is part of input).");
        put_model_series(f, m, nm, "docpipe_model_tokens_total",
                         ",kind=\"input\"", pick_in, 0);
        put_model_series(f, m, nm, "docpipe_model_tokens_total",
                         ",kind=\"cached_input\"", pick_cached, 0);
        put_model_series(f, m, nm, "docpipe_model_tokens_total",
                         ",kind=\"output\"", pick_out, 0);
        put_head(f, "docpipe_model_cost_usd_total", "counter",
                 "What model calls cost, in US dollars, by endpoint and "
                 "model.");
        put_model_series(f, m, nm, "docpipe_model_cost_usd_total", "",
                         pick_cost, 1);

        put_head(f, "docpipe_kafka_consumer_lag", "gauge",
                 "Messages behind the partition's end, from the committed "
                 "offset (librdkafka statistics).");
        pthread_mutex_lock(&m->lag_mu);
        if (m->lag_text)
                fputs(m->lag_text, f);
        pthread_mutex_unlock(&m->lag_mu);
        put_head(f, "docpipe_kafka_assigned_partitions", "gauge",
                 "Partitions assigned to this worker (librdkafka "
                 "statistics).");
        fprintf(f, "docpipe_kafka_assigned_partitions %d\n",
                atomic_load(&m->assigned));
        put_head(f, "docpipe_kafka_rebalances_total", "counter",
                 "Rebalances of this consumer (librdkafka statistics).");
        fprintf(f, "docpipe_kafka_rebalances_total %lld\n",
                (long long)atomic_load(&m->rebalances));
        put_head(f, "docpipe_postgres_up", "gauge",
                 "1 when PostgreSQL answered the last statement.");
        fprintf(f, "docpipe_postgres_up %d\n", pg_ok ? 1 : 0);
        put_head(f, "docpipe_ready", "gauge", "1 when /readyz says ready.");
        fprintf(f, "docpipe_ready %d\n",
                metrics_ready(m, pg_ok, why, sizeof(why)));
        put_head(f, "docpipe_loop_heartbeat_age_seconds", "gauge",
                 "Time since the event loop last turned.");
        fprintf(f, "docpipe_loop_heartbeat_age_seconds %.3f\n",
                now_ns > beat ? (double)(now_ns - beat) / 1e9 : 0.0);
}
