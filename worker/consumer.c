/*
 * consumer: librdkafka's high-level consumer on the libuv loop (see
 * consumer.h). Rebalances come through rebalance_cb during
 * rd_kafka_consumer_poll, on the loop thread: an assignment starts new
 * offset trackers (and is paused if the worker is paused); a revocation
 * stores and commits what is committable for the revoked partitions and
 * drops their trackers, so documents still in flight for them store
 * nothing and the new owner redoes them. Owns the rd_kafka_t, the io-event
 * pipe, the poll and timer handles and the trackers.
 *
 * Retry topics (topics.retry) are consumed with the jobs topic. A retry
 * topic's message that is not due yet (requeue_due) holds its partition:
 * paused, sought back to that message, and resumed by a timer when it is
 * due, so that the other partitions never wait. A hold is the consumer's
 * own state, not librdkafka's: pausing for backpressure leaves held
 * partitions alone, and a revocation drops their holds, so that after a
 * reassignment the head message is fetched again and the hold derived
 * anew. Owns the holds and their timer too.
 */
#include "consumer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc.h"
#include "log.h"
#include "metrics.h"
#include "offsets.h"
#include "requeue.h"

#define CONSUMER_POLL_BUDGET 256       /* messages per loop turn */
#define CONSUMER_TICK_MS 100           /* keep-alive poll while paused/idle */
#define CONSUMER_FINAL_COMMIT_MS 15000 /* waiting for the group to settle */
#define CONSUMER_COMMIT_MS 5000        /* one commit's answer, at most */
#define CONSUMER_CLOSE_MS 5000         /* leaving the group */

struct consumer {
        uv_loop_t *loop;
        const struct config *cfg;
        rd_kafka_t *rk;
        rd_kafka_queue_t *rkqu;
        struct offsets *offsets;
        consumer_msg_fn on_msg;
        void *arg;
        struct metrics *metrics; /* borrowed; NULL: statistics unused */
        int pipefd[2];
        uv_poll_t poll;
        uv_timer_t tick;
        int handles_open;
        int paused;
        int stopped;
        int closing; /* leaving the group: commits were made already */
        /* Commit points of revoked partitions whose commit the coordinator
         * refused (a rebalance in progress): stored again if the partition
         * comes back to this member, so that nothing done is redone. */
        rd_kafka_topic_partition_list_t *pending;
        /* Retry partitions waiting for their head message to be due. */
        struct hold *holds;
        size_t holds_n, holds_cap;
        uv_timer_t hold_timer; /* the earliest hold's due time */
};

/* A retry topic's partition whose next message (offset) is not due before
 * due_ms (wall clock): paused, and sought back to that message. Once due,
 * released: resumed, and offset is taken when it comes again, whatever
 * its headers say (another worker's clock may run ahead of ours). */
struct hold {
        char *topic;
        int32_t partition;
        int64_t offset;
        int64_t due_ms;
        int released;
};

void consumer_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                     const char *buf)
{
        enum log_level lvl = level <= 3   ? LOG_ERROR
                             : level <= 5 ? LOG_WARN
                             : level == 6 ? LOG_INFO
                                          : LOG_DEBUG;
        char subj[128];

        if (!log_enabled(lvl))
                return;
        snprintf(subj, sizeof(subj), "rdkafka %s %s", rd_kafka_name(rk), fac);
        log_msg(lvl, subj, "%s", buf);
}

static void consumer_error_cb(rd_kafka_t *rk, int e, const char *reason,
                              void *opaque)
{
        (void)rk;
        (void)opaque;
        log_warn("kafka", "%s: %s", rd_kafka_err2name(e), reason);
}

/* librdkafka's statistics (statistics.interval.ms), served by
 * rd_kafka_consumer_poll on the loop thread: lag and group state for
 * /metrics and /readyz. json stays librdkafka's (return 0). */
static int consumer_stats_cb(rd_kafka_t *rk, char *json, size_t len,
                             void *opaque)
{
        struct consumer *c = opaque;

        (void)rk;
        metrics_kafka_stats(c->metrics, json, len);
        return 0;
}

int consumer_conf_apply(rd_kafka_conf_t *conf, const struct config *cfg,
                        struct err *err)
{
        char errstr[512];

        for (size_t i = 0; i < cfg->kafka_n; i++) {
                if (rd_kafka_conf_set(conf, cfg->kafka[i].key,
                                      cfg->kafka[i].value, errstr,
                                      sizeof(errstr)) != RD_KAFKA_CONF_OK)
                        return err_set(err, ERR_FATAL, "kafka.%s: %s",
                                       cfg->kafka[i].key, errstr);
        }
        rd_kafka_conf_set_log_cb(conf, consumer_log_cb);
        rd_kafka_conf_set_error_cb(conf, consumer_error_cb);
        return 0;
}

static void consumer_store(struct consumer *c, const char *topic,
                           int32_t partition, int64_t commit_point)
{
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_resp_err_t e;

        parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, topic, partition)->offset =
                commit_point;
        e = rd_kafka_offsets_store(c->rk, parts);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR && parts->elems[0].err)
                e = parts->elems[0].err;
        if (e)
                log_warn("kafka", "%s/%d: storing offset %lld: %s", topic,
                         (int)partition, (long long)commit_point,
                         rd_kafka_err2str(e));
        rd_kafka_topic_partition_list_destroy(parts);
}

void consumer_done(struct consumer *c, const char *topic, int32_t partition,
                   int64_t generation, int64_t offset)
{
        int64_t point =
                offsets_done(c->offsets, topic, partition, generation, offset);

        if (point >= 0)
                consumer_store(c, topic, partition, point);
}

static struct hold *consumer_hold_find(struct consumer *c, const char *topic,
                                       int32_t partition)
{
        for (size_t i = 0; i < c->holds_n; i++)
                if (c->holds[i].partition == partition &&
                    strcmp(c->holds[i].topic, topic) == 0)
                        return &c->holds[i];
        return NULL;
}

static void consumer_hold_drop(struct consumer *c, struct hold *h)
{
        free(h->topic);
        *h = c->holds[--c->holds_n];
}

static void consumer_on_hold_timer(uv_timer_t *t);

/* Sets the timer for the earliest hold, or stops it. */
static void consumer_hold_timer(struct consumer *c)
{
        int64_t next = INT64_MAX, now = requeue_now_ms();

        for (size_t i = 0; i < c->holds_n; i++)
                if (!c->holds[i].released && c->holds[i].due_ms < next)
                        next = c->holds[i].due_ms;
        if (next == INT64_MAX)
                uv_timer_stop(&c->hold_timer);
        else
                uv_timer_start(&c->hold_timer, consumer_on_hold_timer,
                               next > now ? (uint64_t)(next - now) : 0, 0);
}

/* Resumes the partitions whose hold is due (unless the worker is paused
 * or stopping: backpressure resumes them later). */
static void consumer_on_hold_timer(uv_timer_t *t)
{
        struct consumer *c = t->data;
        int64_t now = requeue_now_ms();

        for (size_t i = 0; i < c->holds_n; i++) {
                struct hold *h = &c->holds[i];

                if (h->released || h->due_ms > now)
                        continue;
                log_info("kafka", "%s/%d@%lld due: resumed", h->topic,
                         (int)h->partition, (long long)h->offset);
                h->released = 1;
                if (!c->paused && !c->stopped) {
                        rd_kafka_topic_partition_list_t *parts =
                                rd_kafka_topic_partition_list_new(1);
                        rd_kafka_topic_partition_list_add(parts, h->topic,
                                                          h->partition);
                        rd_kafka_resume_partitions(c->rk, parts);
                        rd_kafka_topic_partition_list_destroy(parts);
                }
        }
        consumer_hold_timer(c);
}

/* rkm, of a retry topic, is due at due_ms only: its partition waits
 * without blocking the others. Paused first, then sought back to rkm
 * (which resets librdkafka's fetch position, so that rkm is fetched again
 * on resume, whatever was fetched after it). */
static void consumer_hold(struct consumer *c, const rd_kafka_message_t *rkm,
                          int64_t due_ms)
{
        const char *topic = rd_kafka_topic_name(rkm->rkt);
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_error_t *error;
        struct hold *h;

        parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, topic, rkm->partition)
                ->offset = rkm->offset;
        rd_kafka_pause_partitions(c->rk, parts);
        error = rd_kafka_seek_partitions(c->rk, parts, 0);
        if (error) {
                log_warn("kafka", "%s/%d: seek to %lld: %s", topic,
                         (int)rkm->partition, (long long)rkm->offset,
                         rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        }
        rd_kafka_topic_partition_list_destroy(parts);
        if (c->holds_n == c->holds_cap) {
                c->holds_cap = c->holds_cap ? c->holds_cap * 2 : 8;
                c->holds = xrealloc(c->holds, c->holds_cap * sizeof(*c->holds));
        }
        h = &c->holds[c->holds_n++];
        h->topic = xstrdup(topic);
        h->partition = rkm->partition;
        h->offset = rkm->offset;
        h->due_ms = due_ms;
        h->released = 0;
        log_info("kafka", "%s/%d@%lld not due for %lld ms: partition held",
                 topic, (int)rkm->partition, (long long)rkm->offset,
                 (long long)(due_ms - requeue_now_ms()));
        consumer_hold_timer(c);
}

static void consumer_on_assign(struct consumer *c, int coop,
                               rd_kafka_topic_partition_list_t *parts)
{
        rd_kafka_error_t *error = NULL;
        rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;

        for (int i = 0; i < parts->cnt; i++) {
                offsets_assign(c->offsets, parts->elems[i].topic,
                               parts->elems[i].partition);
                log_info("kafka", "assigned %s/%d", parts->elems[i].topic,
                         (int)parts->elems[i].partition);
        }
        if (coop)
                error = rd_kafka_incremental_assign(c->rk, parts);
        else
                e = rd_kafka_assign(c->rk, parts);
        if (error) {
                log_error("kafka", "assign: %s", rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        } else if (e) {
                log_error("kafka", "assign: %s", rd_kafka_err2str(e));
        }
        /* librdkafka keeps a partition's pause flag across assignments:
         * set it either way, or a partition paused when it was revoked
         * would come back paused for good. */
        if (c->paused || c->stopped)
                rd_kafka_pause_partitions(c->rk, parts);
        else
                rd_kafka_resume_partitions(c->rk, parts);
        /* A partition back with a refused commit: store it again. The
         * others now belong to other members, who redo (and skip) what
         * was done here. */
        for (int i = 0; i < c->pending->cnt; i++) {
                rd_kafka_topic_partition_t *p = &c->pending->elems[i];
                if (rd_kafka_topic_partition_list_find(parts, p->topic,
                                                       p->partition))
                        consumer_store(c, p->topic, p->partition, p->offset);
        }
        if (!coop) {
                rd_kafka_topic_partition_list_destroy(c->pending);
                c->pending = rd_kafka_topic_partition_list_new(0);
        }
}

/* Commits offsets (NULL: the stored ones) and waits at most timeout_ms
 * for the coordinator's answer. librdkafka's synchronous commit waits
 * without a bound for a coordinator, which a worker that lost its brokers
 * would never get; this one gives up with RD_KAFKA_RESP_ERR__TIMED_OUT. */
static rd_kafka_resp_err_t
consumer_commit_wait(struct consumer *c,
                     const rd_kafka_topic_partition_list_t *offsets,
                     int timeout_ms)
{
        rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
        rd_kafka_event_t *ev;
        rd_kafka_resp_err_t e;

        e = rd_kafka_commit_queue(c->rk, offsets, q, NULL, NULL);
        if (!e) {
                ev = rd_kafka_queue_poll(q, timeout_ms);
                e = ev ? rd_kafka_event_error(ev)
                       : RD_KAFKA_RESP_ERR__TIMED_OUT;
                if (ev)
                        rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        return e;
}

static void consumer_on_revoke(struct consumer *c, int coop,
                               rd_kafka_topic_partition_list_t *parts)
{
        rd_kafka_topic_partition_list_t *points;
        rd_kafka_error_t *error = NULL;
        rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;

        /* Commit now, explicitly: after the revocation the offsets are
         * not ours any more. Lost partitions (the group went on without
         * this member) cannot be committed now: their points are kept
         * for when they come back, like refused commits; a new owner
         * redoes what was done since the last commit, and skips it in
         * PostgreSQL. */
        points = rd_kafka_topic_partition_list_new(parts->cnt);
        for (int i = 0; i < parts->cnt; i++) {
                const char *topic = parts->elems[i].topic;
                int32_t part = parts->elems[i].partition;
                int64_t point = offsets_commit_point(c->offsets, topic, part);
                if (point >= 0)
                        rd_kafka_topic_partition_list_add(points, topic, part)
                                ->offset = point;
        }
        if (points->cnt > 0 && rd_kafka_assignment_lost(c->rk))
                e = RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST;
        else if (points->cnt > 0)
                e = consumer_commit_wait(
                        c, points, c->closing ? 1000 : CONSUMER_COMMIT_MS);
        for (int i = 0; i < points->cnt; i++) {
                rd_kafka_topic_partition_t *p = &points->elems[i];
                rd_kafka_topic_partition_t *old =
                        rd_kafka_topic_partition_list_find(c->pending, p->topic,
                                                           p->partition);
                if (old)
                        rd_kafka_topic_partition_list_del(c->pending, p->topic,
                                                          p->partition);
                if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
                        rd_kafka_topic_partition_list_add(c->pending, p->topic,
                                                          p->partition)
                                ->offset = p->offset;
        }
        if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
                log_info("kafka",
                         "commit on revocation refused (%s): kept "
                         "for %d partitions",
                         rd_kafka_err2str(e), points->cnt);
        rd_kafka_topic_partition_list_destroy(points);
        for (int i = 0; i < parts->cnt; i++) {
                struct hold *h = consumer_hold_find(c, parts->elems[i].topic,
                                                    parts->elems[i].partition);
                /* Derived again from the head message if it comes back. */
                if (h)
                        consumer_hold_drop(c, h);
                offsets_revoke(c->offsets, parts->elems[i].topic,
                               parts->elems[i].partition);
                log_info("kafka", "revoked %s/%d", parts->elems[i].topic,
                         (int)parts->elems[i].partition);
        }
        consumer_hold_timer(c);
        if (coop)
                error = rd_kafka_incremental_unassign(c->rk, parts);
        else
                rd_kafka_assign(c->rk, NULL);
        if (error) {
                log_error("kafka", "unassign: %s",
                          rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        }
}

static void consumer_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                                  rd_kafka_topic_partition_list_t *parts,
                                  void *opaque)
{
        struct consumer *c = opaque;
        int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;

        if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
                consumer_on_assign(c, coop, parts);
        else
                consumer_on_revoke(c, coop, parts);
}

static void consumer_on_tick(uv_timer_t *t);

/* Is rkm of a held partition (fetched before the hold took effect; the
 * seek fetches it again), or a retry topic's message not due yet (its
 * partition is held now)? Either way it is not taken. */
static int consumer_not_due(struct consumer *c, const rd_kafka_message_t *rkm)
{
        const char *topic = rd_kafka_topic_name(rkm->rkt);
        rd_kafka_headers_t *hdrs = NULL;
        struct hold *h;
        int64_t now, due;

        if (c->cfg->retry_n == 0 || requeue_tier_of(c->cfg, topic) < 0)
                return 0;
        h = consumer_hold_find(c, topic, rkm->partition);
        if (h && !h->released)
                return 1;
        if (h) {
                /* Back after its hold: due, by our clock. */
                int taken = h->offset == rkm->offset;
                consumer_hold_drop(c, h);
                if (taken)
                        return 0;
        }
        now = requeue_now_ms();
        if (rd_kafka_message_headers(rkm, &hdrs))
                hdrs = NULL;
        due = requeue_due(c->cfg, topic, hdrs,
                          rd_kafka_message_timestamp(rkm, NULL), now);
        if (due <= now)
                return 0;
        consumer_hold(c, rkm, due);
        return 1;
}

/* Serves the consumer queue: messages, rebalances, errors. */
static void consumer_drain(struct consumer *c)
{
        for (int i = 0; i < CONSUMER_POLL_BUDGET; i++) {
                rd_kafka_message_t *rkm = rd_kafka_consumer_poll(c->rk, 0);
                int64_t gen;

                if (!rkm)
                        return;
                if (rkm->err) {
                        if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                log_warn("kafka", "consume: %s",
                                         rd_kafka_message_errstr(rkm));
                        rd_kafka_message_destroy(rkm);
                        continue;
                }
                if (!c->stopped && consumer_not_due(c, rkm)) {
                        rd_kafka_message_destroy(rkm);
                        continue;
                }
                gen = c->stopped ? -1
                                 : offsets_begin(c->offsets,
                                                 rd_kafka_topic_name(rkm->rkt),
                                                 rkm->partition, rkm->offset);
                if (gen < 0) {
                        /* Stopping, not ours any more, or a redelivery
                         * of an offset in flight: its offset stays
                         * unstored, so nothing is lost. */
                        rd_kafka_message_destroy(rkm);
                        continue;
                }
                c->on_msg(c->arg, rkm, gen);
        }
        /* Budget used up: come back on the next loop turn. */
        uv_timer_start(&c->tick, consumer_on_tick, 0, CONSUMER_TICK_MS);
}

static void consumer_on_tick(uv_timer_t *t)
{
        struct consumer *c = t->data;

        consumer_drain(c);
}

static void consumer_on_readable(uv_poll_t *p, int status, int events)
{
        struct consumer *c = p->data;
        char buf[64];

        (void)status;
        (void)events;
        while (read(c->pipefd[0], buf, sizeof(buf)) > 0)
                ;
        consumer_drain(c);
}

struct consumer *consumer_new(uv_loop_t *loop, const struct config *cfg,
                              consumer_msg_fn on_msg, void *arg,
                              struct err *err)
{
        struct consumer *c = xcalloc(1, sizeof(*c));
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_topic_partition_list_t *topics;
        rd_kafka_resp_err_t e;
        char errstr[512];

        c->loop = loop;
        c->cfg = cfg;
        c->on_msg = on_msg;
        c->arg = arg;
        c->pipefd[0] = c->pipefd[1] = -1;
        c->offsets = offsets_new();
        c->pending = rd_kafka_topic_partition_list_new(0);

        /* Defaults that docpipe relies on; kafka.* may override
         * these, never the offset store. */
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", NULL, 0);
        rd_kafka_conf_set(conf, "enable.auto.commit", "true", NULL, 0);
        rd_kafka_conf_set(conf, "enable.partition.eof", "false", NULL, 0);
        /* A broker holds a fetch request up to this long when none of its
         * partitions has data, and librdkafka sends the next one only
         * after: partitions assigned or resumed meanwhile (a rebalance,
         * backpressure lifted) wait that long for their first message.
         * 500 ms, the default, left both cores idle for a tenth of the
         * bench after each assignment; 100 ms costs ten small requests a
         * second per idle broker. */
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "100", NULL, 0);
        /* Consumer lag and the group's state for the metrics listener;
         * kafka.statistics.interval.ms may say otherwise. */
        if (cfg->metrics_addr && cfg->metrics_addr[0])
                rd_kafka_conf_set(conf, "statistics.interval.ms", "5000", NULL,
                                  0);
        if (consumer_conf_apply(conf, cfg, err) < 0)
                goto fail;
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", NULL, 0);
        rd_kafka_conf_set_rebalance_cb(conf, consumer_rebalance_cb);
        rd_kafka_conf_set_stats_cb(conf, consumer_stats_cb);
        rd_kafka_conf_set_opaque(conf, c);

        c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        if (!c->rk) {
                err_set(err, ERR_FATAL, "kafka consumer: %s", errstr);
                goto fail;
        }
        conf = NULL; /* now owned by rk */
        rd_kafka_poll_set_consumer(c->rk);
        c->rkqu = rd_kafka_queue_get_consumer(c->rk);

        if (pipe2(c->pipefd, O_NONBLOCK | O_CLOEXEC) < 0) {
                err_set(err, ERR_FATAL, "pipe: %s", strerror(errno));
                goto fail;
        }
        rd_kafka_queue_io_event_enable(c->rkqu, c->pipefd[1], "1", 1);

        /* The jobs topic and the retry topics, one group. */
        topics = rd_kafka_topic_partition_list_new(1 + (int)cfg->retry_n);
        rd_kafka_topic_partition_list_add(topics, cfg->topic_jobs,
                                          RD_KAFKA_PARTITION_UA);
        for (size_t i = 0; i < cfg->retry_n; i++)
                rd_kafka_topic_partition_list_add(topics, cfg->retry[i].topic,
                                                  RD_KAFKA_PARTITION_UA);
        e = rd_kafka_subscribe(c->rk, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (e) {
                err_set(err, ERR_FATAL, "subscribe %s: %s", cfg->topic_jobs,
                        rd_kafka_err2str(e));
                goto fail;
        }

        uv_poll_init(loop, &c->poll, c->pipefd[0]);
        c->poll.data = c;
        uv_poll_start(&c->poll, UV_READABLE, consumer_on_readable);
        uv_timer_init(loop, &c->tick);
        c->tick.data = c;
        uv_timer_start(&c->tick, consumer_on_tick, CONSUMER_TICK_MS,
                       CONSUMER_TICK_MS);
        uv_timer_init(loop, &c->hold_timer);
        c->hold_timer.data = c;
        c->handles_open = 3;
        log_info("kafka", "subscribed to %s and %zu retry topics as group %s",
                 cfg->topic_jobs, cfg->retry_n,
                 config_kafka_get(cfg, "group.id")
                         ? config_kafka_get(cfg, "group.id")
                         : "(none)");
        return c;
fail:
        if (conf)
                rd_kafka_conf_destroy(conf);
        if (c->rkqu)
                rd_kafka_queue_destroy(c->rkqu);
        if (c->rk)
                rd_kafka_destroy(c->rk);
        if (c->pipefd[0] >= 0) {
                close(c->pipefd[0]);
                close(c->pipefd[1]);
        }
        offsets_free(c->offsets);
        rd_kafka_topic_partition_list_destroy(c->pending);
        free(c);
        return NULL;
}

static void consumer_set_paused(struct consumer *c, int pause)
{
        rd_kafka_topic_partition_list_t *parts = NULL;

        if (rd_kafka_assignment(c->rk, &parts) || !parts)
                return;
        /* Held partitions stay paused until due; pausing them again would
         * move their fetch position past the held message. */
        for (size_t i = 0; i < c->holds_n; i++)
                if (!c->holds[i].released)
                        rd_kafka_topic_partition_list_del(
                                parts, c->holds[i].topic,
                                c->holds[i].partition);
        if (parts->cnt > 0) {
                if (pause)
                        rd_kafka_pause_partitions(c->rk, parts);
                else
                        rd_kafka_resume_partitions(c->rk, parts);
        }
        rd_kafka_topic_partition_list_destroy(parts);
}

void consumer_pause(struct consumer *c, int pause)
{
        if (c->paused == pause || c->stopped)
                return;
        c->paused = pause;
        consumer_set_paused(c, pause);
        log_debug("kafka", "%s partitions", pause ? "paused" : "resumed");
}

void consumer_stop(struct consumer *c)
{
        if (c->stopped)
                return;
        c->stopped = 1;
        consumer_set_paused(c, 1);
}

rd_kafka_t *consumer_handle(struct consumer *c)
{
        return c->rk;
}

void consumer_set_metrics(struct consumer *c, struct metrics *m)
{
        c->metrics = m;
}

static void consumer_on_close(uv_handle_t *h)
{
        struct consumer *c = h->data;

        if (--c->handles_open == 0)
                free(c);
}

/* Is e a commit error that goes away once the group settles? */
static int consumer_commit_retriable(rd_kafka_resp_err_t e)
{
        return e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
               e == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
               e == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
               e == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
               e == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
               e == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
               e == RD_KAFKA_RESP_ERR__WAIT_COORD ||
               e == RD_KAFKA_RESP_ERR__TRANSPORT ||
               /* no answer yet: brokers that just came back are still
                * being reconnected to */
               e == RD_KAFKA_RESP_ERR__TIMED_OUT;
}

/* The last commit before leaving. When other members leave at the same
 * moment, the coordinator refuses commits until this member has rejoined:
 * keep serving the group (messages are dropped unprocessed, their offsets
 * unstored) and try again, for a bounded time. */
static void consumer_final_commit(struct consumer *c)
{
        uint64_t deadline = uv_hrtime() + CONSUMER_FINAL_COMMIT_MS * 1000000ULL;
        rd_kafka_resp_err_t e;

        for (;;) {
                int left = (int)((int64_t)(deadline - uv_hrtime()) / 1000000);
                e = consumer_commit_wait(c, NULL,
                                         left < 1 ? 1
                                         : left > CONSUMER_COMMIT_MS
                                                 ? CONSUMER_COMMIT_MS
                                                 : left);
                if (e == RD_KAFKA_RESP_ERR__NO_OFFSET)
                        e = RD_KAFKA_RESP_ERR_NO_ERROR;
                if (!e && c->pending->cnt == 0)
                        return;
                if ((e && !consumer_commit_retriable(e)) ||
                    uv_hrtime() > deadline)
                        break;
                rd_kafka_message_t *rkm = rd_kafka_consumer_poll(c->rk, 100);
                if (rkm)
                        rd_kafka_message_destroy(rkm);
        }
        if (e)
                log_warn("kafka", "final commit: %s", rd_kafka_err2str(e));
        if (c->pending->cnt > 0)
                log_warn("kafka",
                         "final commit: %d revoked partitions not "
                         "committed; their new owner redoes (and "
                         "skips) what was done",
                         c->pending->cnt);
}

/* Leaves the group: the revocation and the LeaveGroup request, served
 * here for at most CONSUMER_CLOSE_MS. rd_kafka_consumer_close would wait
 * up to session.timeout.ms for a coordinator that may be gone. */
static void consumer_leave(struct consumer *c)
{
        uint64_t deadline = uv_hrtime() + CONSUMER_CLOSE_MS * 1000000ULL;
        rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
        rd_kafka_error_t *error;

        c->closing = 1;
        error = rd_kafka_consumer_close_queue(c->rk, q);
        if (error) {
                log_warn("kafka", "close: %s", rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        }
        while (!rd_kafka_consumer_closed(c->rk) && uv_hrtime() < deadline) {
                rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);

                if (!ev)
                        continue;
                if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
                        consumer_rebalance_cb(
                                c->rk, rd_kafka_event_error(ev),
                                rd_kafka_event_topic_partition_list(ev), c);
                rd_kafka_event_destroy(ev);
        }
        if (!rd_kafka_consumer_closed(c->rk))
                log_warn("kafka",
                         "close: the group coordinator did not "
                         "answer in %d ms; leaving without it (the "
                         "group drops this member after "
                         "session.timeout.ms)",
                         CONSUMER_CLOSE_MS);
        rd_kafka_queue_destroy(q);
}

void consumer_close(struct consumer *c)
{
        if (!c)
                return;
        c->stopped = 1;
        consumer_final_commit(c);
        rd_kafka_queue_io_event_enable(c->rkqu, -1, NULL, 0);
        consumer_leave(c);
        rd_kafka_queue_destroy(c->rkqu);
        rd_kafka_destroy_flags(c->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        offsets_free(c->offsets);
        rd_kafka_topic_partition_list_destroy(c->pending);
        while (c->holds_n > 0)
                consumer_hold_drop(c, &c->holds[0]);
        free(c->holds);
        close(c->pipefd[0]);
        close(c->pipefd[1]);
        uv_close((uv_handle_t *)&c->poll, consumer_on_close);
        uv_close((uv_handle_t *)&c->tick, consumer_on_close);
        uv_close((uv_handle_t *)&c->hold_timer, consumer_on_close);
}
