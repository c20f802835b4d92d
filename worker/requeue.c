/*
 * requeue: retry topics and the dead-letter topic (see requeue.h).
 *
 * The producer lives on the loop the way the consumer does: its main queue
 * (delivery reports) wakes the loop through an io-event pipe watched by
 * uv_poll, and while messages are in flight a timer polls too, in case a
 * wake-up is missed. Delivery reports come in rd_kafka_poll, on the loop
 * thread. A failed delivery is classified: the producer's fatal error stops
 * the worker; a refusal that will not change (too large, not authorized)
 * sends a retry topic's message on to the dead-letter topic, and lets a
 * dead letter go to the table alone; anything else (timeouts, a broker
 * down) is produced again after a backoff (1 s doubling to 30 s).
 *
 * Owns the rd_kafka_t producer, its queue, the pipe, the loop handles and
 * one struct requeue_req per message not yet done (on rq->reqs).
 */
#include "requeue.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consumer.h"
#include "log.h"

#define REQUEUE_TICK_MS 200        /* polling while messages are in flight */
#define REQUEUE_BACKOFF_MS 1000u   /* first wait before producing again */
#define REQUEUE_BACKOFF_MAX 30000u /* longest */
#define REQUEUE_FLUSH_MS 5000      /* requeue_free waits this long */
#define REQUEUE_VALUE_MAX 512      /* bytes of a header value we write */

struct requeue;

/* One message to produce: on rq->reqs until done. */
struct requeue_req {
        struct requeue *rq;
        struct doc *doc; /* borrowed until done */
        int tier;        /* -1: the dead-letter topic */
        requeue_done_fn done;
        char *dlq_json;   /* the docpipe-* headers as JSON (dead letters) */
        uv_timer_t timer; /* backoff before producing again */
        int timer_init;
        unsigned backoff_ms;
        struct requeue_req *prev, *next;
};

struct requeue {
        uv_loop_t *loop;
        const struct config *cfg;
        rd_kafka_t *rk;
        rd_kafka_queue_t *rkqu; /* the main queue: delivery reports */
        int pipefd[2];
        uv_poll_t poll;
        uv_timer_t tick;
        int handles_open;
        int closing;
        size_t inflight; /* produced, delivery report still to come */
        struct requeue_req *reqs;
};

/* ---- the pure parts ---------------------------------------------------- */

int64_t requeue_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int requeue_tier_of(const struct config *cfg, const char *topic)
{
        for (size_t i = 0; topic && i < cfg->retry_n; i++)
                if (strcmp(cfg->retry[i].topic, topic) == 0)
                        return (int)i;
        return -1;
}

int requeue_next_tier(const struct config *cfg, const struct doc *doc)
{
        int next;

        if (doc->err.cls != ERR_RETRY)
                return -1;
        next = requeue_tier_of(cfg, doc->topic) + 1;
        return (size_t)next < cfg->retry_n ? next : -1;
}

/* The last value of header name as a new string (at most max bytes), or
 * NULL. */
static char *hdr_str(const rd_kafka_headers_t *hdrs, const char *name,
                     size_t max)
{
        const void *val = NULL;
        size_t size = 0;

        if (!hdrs || rd_kafka_header_get_last(hdrs, name, &val, &size) || !val)
                return NULL;
        return xstrndup(val, size > max ? max : size);
}

/* The last value of header name as a decimal integer; 0, or -1 when it is
 * missing or not a number. */
static int hdr_int(const rd_kafka_headers_t *hdrs, const char *name,
                   int64_t *out)
{
        char *s = hdr_str(hdrs, name, 24), *end = NULL;
        long long x;
        int rc = -1;

        if (!s)
                return -1;
        errno = 0;
        x = strtoll(s, &end, 10);
        if (errno == 0 && end != s && *end == '\0') {
                *out = x;
                rc = 0;
        }
        free(s);
        return rc;
}

/* The last value of header name as a number; 0 when missing. */
static double hdr_double(const rd_kafka_headers_t *hdrs, const char *name)
{
        char *s = hdr_str(hdrs, name, 40);
        double x = s ? strtod(s, NULL) : 0;

        free(s);
        return x == x ? x : 0; /* not NaN */
}

int64_t requeue_due(const struct config *cfg, const char *topic,
                    const rd_kafka_headers_t *hdrs, int64_t timestamp,
                    int64_t now_ms)
{
        int tier = requeue_tier_of(cfg, topic);
        int64_t delay, due;

        if (tier < 0)
                return 0;
        delay = cfg->retry[tier].delay_ms;
        if (hdr_int(hdrs, REQUEUE_H_DUE, &due) < 0)
                due = timestamp >= 0 ? timestamp + delay : 0;
        if (due > now_ms + delay)
                due = now_ms + delay;
        return due;
}

int requeue_origin(const rd_kafka_headers_t *hdrs, char *topic, size_t n,
                   int32_t *partition, int64_t *offset)
{
        char *t = hdr_str(hdrs, REQUEUE_H_TOPIC, 249);
        int64_t p, o;
        int rc = -1;

        if (t && *t && hdr_int(hdrs, REQUEUE_H_PARTITION, &p) == 0 &&
            hdr_int(hdrs, REQUEUE_H_OFFSET, &o) == 0 && p >= 0 &&
            p <= INT32_MAX && o >= 0) {
                snprintf(topic, n, "%s", t);
                *partition = (int32_t)p;
                *offset = o;
                rc = 0;
        }
        free(t);
        return rc;
}

void requeue_keep(struct doc *doc, const rd_kafka_message_t *rkm)
{
        rd_kafka_headers_t *hdrs = NULL;
        const void *val = NULL;
        size_t size = 0;
        int64_t attempts;

        if (rkm->len > 0) {
                doc->msg.value = xmalloc(rkm->len);
                memcpy(doc->msg.value, rkm->payload, rkm->len);
                doc->msg.len = rkm->len;
        }
        if (rkm->key) {
                doc->msg.key = xmalloc(rkm->key_len);
                memcpy(doc->msg.key, rkm->key, rkm->key_len);
                doc->msg.keylen = rkm->key_len;
        }
        doc->msg.timestamp = rd_kafka_message_timestamp(rkm, NULL);
        if (rd_kafka_message_headers(rkm, &hdrs) || !hdrs)
                return;
        doc->msg.hdrs = rd_kafka_headers_copy(hdrs);
        if (hdr_int(hdrs, REQUEUE_H_ATTEMPTS, &attempts) == 0 && attempts > 0 &&
            attempts < 1000000)
                doc->msg.attempts = (int)attempts;
        doc->msg.replay = rd_kafka_header_get_last(hdrs, REQUEUE_H_REPLAY, &val,
                                                   &size) == 0;
}

static void hdr_add(rd_kafka_headers_t *hdrs, const char *name,
                    const char *value)
{
        rd_kafka_header_add(hdrs, name, -1, value, -1);
}

static void hdr_addf(rd_kafka_headers_t *hdrs, const char *name,
                     const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void hdr_addf(rd_kafka_headers_t *hdrs, const char *name,
                     const char *fmt, ...)
{
        char buf[64];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        hdr_add(hdrs, name, buf);
}

/* Adds name with the last value of name in old (carried over from an
 * earlier delivery), or fallback (may be NULL: the header is left out). */
static void hdr_carry(rd_kafka_headers_t *hdrs, const rd_kafka_headers_t *old,
                      const char *name, const char *fallback)
{
        char *v = hdr_str(old, name, REQUEUE_VALUE_MAX);

        if (v || fallback)
                hdr_add(hdrs, name, v ? v : fallback);
        free(v);
}

/* The model call that says most about the failure: the last failed one of
 * this delivery, else the last one; shadow calls aside. NULL if none. */
static const struct model_call *requeue_call(const struct doc *doc)
{
        const struct model_call *last = NULL;

        for (size_t i = doc->calls_n; i-- > 0;) {
                const struct model_call *c = &doc->calls[i];
                if (c->shadow)
                        continue;
                if (strcmp(c->outcome, "ok") != 0)
                        return c;
                if (!last)
                        last = c;
        }
        return last;
}

rd_kafka_headers_t *requeue_headers_new(const struct config *cfg,
                                        const struct doc *doc, int tier,
                                        int64_t now_ms)
{
        const rd_kafka_headers_t *old = doc->msg.hdrs;
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(24);
        const struct model_call *call = requeue_call(doc);
        const char *name, *group = config_kafka_get(cfg, "group.id");
        const void *val;
        size_t size;
        char topic[256], *msg;
        int32_t partition;
        int64_t offset;

        /* Its own headers first, as they were. */
        for (size_t i = 0;
             old && !rd_kafka_header_get_all(old, i, &name, &val, &size); i++)
                if (strncmp(name, REQUEUE_H_PREFIX, strlen(REQUEUE_H_PREFIX)) !=
                    0)
                        rd_kafka_header_add(hdrs, name, -1, val, (ssize_t)size);
        /* Where it was first consumed: kept from an earlier delivery. */
        if (requeue_origin(old, topic, sizeof(topic), &partition, &offset) ==
            0) {
                hdr_add(hdrs, REQUEUE_H_TOPIC, topic);
                hdr_addf(hdrs, REQUEUE_H_PARTITION, "%d", (int)partition);
                hdr_addf(hdrs, REQUEUE_H_OFFSET, "%lld", (long long)offset);
                hdr_carry(hdrs, old, REQUEUE_H_TIMESTAMP, "-1");
        } else {
                hdr_add(hdrs, REQUEUE_H_TOPIC, doc->topic ? doc->topic : "");
                hdr_addf(hdrs, REQUEUE_H_PARTITION, "%d", (int)doc->partition);
                hdr_addf(hdrs, REQUEUE_H_OFFSET, "%lld",
                         (long long)doc->offset);
                hdr_addf(hdrs, REQUEUE_H_TIMESTAMP, "%lld",
                         (long long)doc->msg.timestamp);
        }
        hdr_add(hdrs, REQUEUE_H_GROUP, group ? group : "");
        hdr_add(hdrs, REQUEUE_H_ID, doc->id ? doc->id : "");
        hdr_add(hdrs, REQUEUE_H_STAGE,
                doc->failed_stage ? doc->failed_stage : "");
        hdr_add(hdrs, REQUEUE_H_CLASS, err_class_name(doc->err.cls));
        /* Readable as text by any consumer of the topic. */
        msg = g_utf8_make_valid(doc->err.msg, -1);
        hdr_add(hdrs, REQUEUE_H_ERROR, msg);
        g_free(msg);
        hdr_addf(hdrs, REQUEUE_H_ATTEMPTS, "%d",
                 doc->msg.attempts + doc->attempts + 1);
        /* The model that failed in this delivery, else the one that failed
         * before (a circuit open now calls nothing). */
        if (call) {
                hdr_add(hdrs, REQUEUE_H_MODEL, call->model);
                hdr_add(hdrs, REQUEUE_H_PROVIDER, call->provider);
                if (call->http_status > 0)
                        hdr_addf(hdrs, REQUEUE_H_HTTP, "%ld",
                                 call->http_status);
                else
                        hdr_add(hdrs, REQUEUE_H_HTTP, "");
        } else {
                hdr_carry(hdrs, old, REQUEUE_H_MODEL, "");
                hdr_carry(hdrs, old, REQUEUE_H_PROVIDER, "");
                hdr_carry(hdrs, old, REQUEUE_H_HTTP, "");
        }
        hdr_addf(hdrs, REQUEUE_H_TOKENS, "%lld",
                 (long long)(hdr_double(old, REQUEUE_H_TOKENS) +
                             (double)doc_tokens(doc)));
        hdr_addf(hdrs, REQUEUE_H_COST, "%.9f",
                 hdr_double(old, REQUEUE_H_COST) + doc_cost(doc));
        hdr_addf(hdrs, REQUEUE_H_FAILED_AT, "%lld", (long long)now_ms);
        if (tier >= 0)
                hdr_addf(hdrs, REQUEUE_H_DUE, "%lld",
                         (long long)(now_ms + cfg->retry[tier].delay_ms));
        hdr_carry(hdrs, old, REQUEUE_H_REPLAY, NULL);
        return hdrs;
}

/* A header value as JSON: a string when it is UTF-8 text without NUL,
 * else {"base64": ...}; null for none. */
static json_t *hdr_json(const void *val, size_t size)
{
        json_t *j;
        gchar *b64;

        if (!val)
                return json_null();
        if (!memchr(val, '\0', size) &&
            g_utf8_validate(val, (gssize)size, NULL)) {
                j = json_stringn(val, size);
                if (j)
                        return j;
        }
        b64 = g_base64_encode(val, size);
        j = json_pack("{s:s}", "base64", b64);
        g_free(b64);
        return j;
}

char *requeue_headers_json(const rd_kafka_headers_t *hdrs, int docpipe)
{
        json_t *j = docpipe ? json_object() : json_array();
        const char *name;
        const void *val;
        size_t size;
        char *s;

        for (size_t i = 0;
             hdrs && !rd_kafka_header_get_all(hdrs, i, &name, &val, &size);
             i++) {
                int ours = strncmp(name, REQUEUE_H_PREFIX,
                                   strlen(REQUEUE_H_PREFIX)) == 0;
                json_t *v;
                if (ours != docpipe || !g_utf8_validate(name, -1, NULL))
                        continue;
                v = hdr_json(val, size);
                if (docpipe)
                        json_object_set_new(j, name, v);
                else
                        json_array_append_new(j, json_pack("[s,o]", name, v));
        }
        s = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        return s;
}

/* ---- the producer ------------------------------------------------------ */

static void requeue_produce(struct requeue_req *req);

static void requeue_on_tick(uv_timer_t *t);

/* The loop keeps polling while deliveries are outstanding. */
static void requeue_tick_update(struct requeue *rq)
{
        if (rq->inflight > 0 && !uv_is_active((uv_handle_t *)&rq->tick))
                uv_timer_start(&rq->tick, requeue_on_tick, REQUEUE_TICK_MS,
                               REQUEUE_TICK_MS);
        else if (rq->inflight == 0)
                uv_timer_stop(&rq->tick);
}

static void requeue_req_free_cb(uv_handle_t *h)
{
        struct requeue_req *req = h->data;

        free(req->dlq_json);
        free(req);
}

/* The request is over: unlinked, done called, freed. */
static void requeue_finish(struct requeue_req *req, const struct err *err)
{
        struct requeue *rq = req->rq;

        if (req->prev)
                req->prev->next = req->next;
        else
                rq->reqs = req->next;
        if (req->next)
                req->next->prev = req->prev;
        req->done(req->doc, req->tier, err);
        if (req->timer_init) {
                uv_close((uv_handle_t *)&req->timer, requeue_req_free_cb);
        } else {
                free(req->dlq_json);
                free(req);
        }
}

static void requeue_on_backoff(uv_timer_t *t)
{
        requeue_produce(t->data);
}

/* Produces req again after its backoff, or fails it when closing. */
static void requeue_later(struct requeue_req *req)
{
        struct requeue *rq = req->rq;
        struct err err;

        if (rq->closing) {
                err_set(&err, ERR_RETRY, "requeue closed");
                requeue_finish(req, &err);
                return;
        }
        req->backoff_ms =
                req->backoff_ms ? req->backoff_ms * 2 : REQUEUE_BACKOFF_MS;
        if (req->backoff_ms > REQUEUE_BACKOFF_MAX)
                req->backoff_ms = REQUEUE_BACKOFF_MAX;
        if (!req->timer_init) {
                uv_timer_init(rq->loop, &req->timer);
                req->timer.data = req;
                req->timer_init = 1;
        }
        uv_timer_start(&req->timer, requeue_on_backoff, req->backoff_ms, 0);
}

/* Will the broker refuse this message whatever we do? */
static int requeue_refused(rd_kafka_resp_err_t e)
{
        return e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
               e == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE ||
               e == RD_KAFKA_RESP_ERR_INVALID_RECORD ||
               e == RD_KAFKA_RESP_ERR_INVALID_MSG ||
               e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
               e == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION ||
               e == RD_KAFKA_RESP_ERR_POLICY_VIOLATION;
}

/* A delivery (or a produce call) failed with e. */
static void requeue_failed(struct requeue_req *req, rd_kafka_resp_err_t e)
{
        struct requeue *rq = req->rq;
        struct doc *doc = req->doc;
        const char *topic = req->tier >= 0 ? rq->cfg->retry[req->tier].topic
                                           : rq->cfg->topic_dlq;
        struct err err;

        if (e == RD_KAFKA_RESP_ERR__FATAL) {
                char why[512];
                rd_kafka_fatal_error(rq->rk, why, sizeof(why));
                err_set(&err, ERR_FATAL, "producer: %s", why);
                requeue_finish(req, &err);
                return;
        }
        if (requeue_refused(e) && req->tier >= 0) {
                log_doc(LOG_ERROR, doc_about(doc, "requeue"),
                        "%s refused the job for good (%s): to %s", topic,
                        rd_kafka_err2str(e), rq->cfg->topic_dlq);
                req->tier = -1;
                requeue_produce(req);
                return;
        }
        if (requeue_refused(e)) {
                /* The table still gets it, headers and message included. */
                log_doc(LOG_ERROR, doc_about(doc, "requeue"),
                        "%s refused the dead letter for good (%s): it is "
                        "in the dead_letters table only",
                        topic, rd_kafka_err2str(e));
                doc->msg.dlq_headers = req->dlq_json;
                req->dlq_json = NULL;
                doc->msg.own_headers = requeue_headers_json(doc->msg.hdrs, 0);
                requeue_finish(req, NULL);
                return;
        }
        log_doc(LOG_WARN, doc_about(doc, "requeue"),
                "producing to %s: %s; trying again", topic,
                rd_kafka_err2str(e));
        requeue_later(req);
}

static void requeue_produce(struct requeue_req *req)
{
        struct requeue *rq = req->rq;
        struct doc *doc = req->doc;
        const char *topic = req->tier >= 0 ? rq->cfg->retry[req->tier].topic
                                           : rq->cfg->topic_dlq;
        rd_kafka_headers_t *hdrs =
                requeue_headers_new(rq->cfg, doc, req->tier, requeue_now_ms());
        rd_kafka_resp_err_t e;

        free(req->dlq_json);
        req->dlq_json = req->tier < 0 ? requeue_headers_json(hdrs, 1) : NULL;
        /* The payload is borrowed (no copy flag): doc outlives the
         * delivery report. */
        e = rd_kafka_producev(rq->rk, RD_KAFKA_V_TOPIC(topic),
                              RD_KAFKA_V_KEY(doc->msg.key, doc->msg.keylen),
                              RD_KAFKA_V_VALUE(doc->msg.value, doc->msg.len),
                              RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(req),
                              RD_KAFKA_V_END);
        if (e) {
                rd_kafka_headers_destroy(hdrs); /* not taken */
                requeue_failed(req, e);
                return;
        }
        rq->inflight++;
        requeue_tick_update(rq);
}

/* Delivery reports, from rd_kafka_poll on the loop thread. */
static void requeue_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                          void *opaque)
{
        struct requeue *rq = opaque;
        struct requeue_req *req = rkm->_private;
        struct doc *doc = req->doc;

        (void)rk;
        rq->inflight--;
        if (rkm->err) {
                requeue_failed(req, rkm->err);
                return;
        }
        if (log_enabled(LOG_DEBUG))
                log_doc(LOG_DEBUG, doc_about(doc, "requeue"), "in %s/%d@%lld",
                        rd_kafka_topic_name(rkm->rkt), (int)rkm->partition,
                        (long long)rkm->offset);
        if (req->tier < 0) {
                doc->msg.dlq_topic = rq->cfg->topic_dlq;
                doc->msg.dlq_partition = rkm->partition;
                doc->msg.dlq_offset = rkm->offset;
                doc->msg.dlq_headers = req->dlq_json;
                req->dlq_json = NULL;
                doc->msg.own_headers = requeue_headers_json(doc->msg.hdrs, 0);
        }
        requeue_finish(req, NULL);
}

static void requeue_serve(struct requeue *rq)
{
        rd_kafka_poll(rq->rk, 0);
        requeue_tick_update(rq);
}

static void requeue_on_tick(uv_timer_t *t)
{
        requeue_serve(t->data);
}

static void requeue_on_readable(uv_poll_t *p, int status, int events)
{
        struct requeue *rq = p->data;
        char buf[64];

        (void)status;
        (void)events;
        while (read(rq->pipefd[0], buf, sizeof(buf)) > 0)
                ;
        requeue_serve(rq);
}

static void requeue_error_cb(rd_kafka_t *rk, int e, const char *reason,
                             void *opaque)
{
        (void)rk;
        (void)opaque;
        log_warn("kafka producer", "%s: %s", rd_kafka_err2name(e), reason);
}

/* Is kafka.<key> for consumers only? librdkafka would warn about each. */
static int requeue_consumer_only(const char *key)
{
        static const char *const prefixes[] = {
                "group.",       "session.",   "auto.",
                "enable.auto.", "heartbeat.", "partition.assignment.",
                "max.poll.",    "fetch.",     "isolation.level",
                "check.crcs",   "queued.",    "enable.partition.eof",
                "consume.",     NULL};

        for (size_t i = 0; prefixes[i]; i++)
                if (strncmp(key, prefixes[i], strlen(prefixes[i])) == 0)
                        return 1;
        return 0;
}

struct requeue *requeue_new(uv_loop_t *loop, const struct config *cfg,
                            struct err *err)
{
        struct requeue *rq = xcalloc(1, sizeof(*rq));
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        int64_t max = cfg->max_job_bytes > cfg->max_bytes ? cfg->max_job_bytes
                                                          : cfg->max_bytes;
        char errstr[512], num[32];

        rq->loop = loop;
        rq->cfg = cfg;
        rq->pipefd[0] = rq->pipefd[1] = -1;
        /* The job as it came plus our headers; kafka.* may lower it to
         * what the brokers take. */
        max += 1 << 20;
        snprintf(num, sizeof(num), "%lld",
                 (long long)(max > 1000000000 ? 1000000000 : max));
        rd_kafka_conf_set(conf, "message.max.bytes", num, NULL, 0);
        rd_kafka_conf_set(conf, "linger.ms", "5", NULL, 0);
        for (size_t i = 0; i < cfg->kafka_n; i++) {
                if (requeue_consumer_only(cfg->kafka[i].key))
                        continue;
                if (rd_kafka_conf_set(conf, cfg->kafka[i].key,
                                      cfg->kafka[i].value, errstr,
                                      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                        err_set(err, ERR_FATAL, "kafka.%s: %s",
                                cfg->kafka[i].key, errstr);
                        goto fail;
                }
        }
        /* Nothing lost, nothing twice: not up to kafka.*. */
        rd_kafka_conf_set(conf, "enable.idempotence", "true", NULL, 0);
        rd_kafka_conf_set(conf, "acks", "all", NULL, 0);
        rd_kafka_conf_set_log_cb(conf, consumer_log_cb);
        rd_kafka_conf_set_error_cb(conf, requeue_error_cb);
        rd_kafka_conf_set_dr_msg_cb(conf, requeue_dr_cb);
        rd_kafka_conf_set_opaque(conf, rq);
        rq->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rq->rk) {
                err_set(err, ERR_FATAL, "kafka producer: %s", errstr);
                goto fail;
        }
        conf = NULL; /* now owned by rk */
        rq->rkqu = rd_kafka_queue_get_main(rq->rk);
        if (pipe2(rq->pipefd, O_NONBLOCK | O_CLOEXEC) < 0) {
                err_set(err, ERR_FATAL, "pipe: %s", strerror(errno));
                goto fail;
        }
        rd_kafka_queue_io_event_enable(rq->rkqu, rq->pipefd[1], "1", 1);
        uv_poll_init(loop, &rq->poll, rq->pipefd[0]);
        rq->poll.data = rq;
        uv_poll_start(&rq->poll, UV_READABLE, requeue_on_readable);
        uv_timer_init(loop, &rq->tick);
        rq->tick.data = rq;
        rq->handles_open = 2;
        return rq;
fail:
        if (conf)
                rd_kafka_conf_destroy(conf);
        if (rq->rkqu)
                rd_kafka_queue_destroy(rq->rkqu);
        if (rq->rk)
                rd_kafka_destroy(rq->rk);
        if (rq->pipefd[0] >= 0) {
                close(rq->pipefd[0]);
                close(rq->pipefd[1]);
        }
        free(rq);
        return NULL;
}

void requeue_send(struct requeue *rq, struct doc *doc, int tier,
                  requeue_done_fn done)
{
        struct requeue_req *req = xcalloc(1, sizeof(*req));

        req->rq = rq;
        req->doc = doc;
        req->tier = tier;
        req->done = done;
        req->next = rq->reqs;
        if (rq->reqs)
                rq->reqs->prev = req;
        rq->reqs = req;
        if (rq->closing) {
                struct err err;
                err_set(&err, ERR_RETRY, "requeue closed");
                requeue_finish(req, &err);
                return;
        }
        requeue_produce(req);
}

static void requeue_on_closed(uv_handle_t *h)
{
        struct requeue *rq = h->data;

        if (--rq->handles_open == 0)
                free(rq);
}

void requeue_free(struct requeue *rq)
{
        struct err err;

        if (!rq)
                return;
        rq->closing = 1;
        /* Delivery reports come in here, on this thread. */
        if (rq->inflight > 0 && rd_kafka_flush(rq->rk, REQUEUE_FLUSH_MS))
                log_warn("kafka producer",
                         "%zu messages not delivered in %d ms: their jobs "
                         "stay unstored and come again",
                         rq->inflight, REQUEUE_FLUSH_MS);
        rd_kafka_purge(rq->rk,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        /* The purged messages' reports: none may come after this. */
        for (int i = 0; i < 50 && rq->inflight > 0; i++)
                rd_kafka_poll(rq->rk, 100);
        err_set(&err, ERR_RETRY, "requeue closed");
        while (rq->reqs) {
                /* Waiting for a backoff, or never reported. */
                if (rq->reqs->timer_init)
                        uv_timer_stop(&rq->reqs->timer);
                requeue_finish(rq->reqs, &err);
        }
        rd_kafka_queue_io_event_enable(rq->rkqu, -1, NULL, 0);
        rd_kafka_queue_destroy(rq->rkqu);
        rd_kafka_destroy(rq->rk);
        close(rq->pipefd[0]);
        close(rq->pipefd[1]);
        uv_close((uv_handle_t *)&rq->poll, requeue_on_closed);
        uv_close((uv_handle_t *)&rq->tick, requeue_on_closed);
}
