/*
 * cpu: priority scheduling in front of libuv's thread pool (see cpu.h).
 * Each queued request gets a small item that wraps it: the item's own
 * uv_work_t goes to the pool and calls the caller's work and after on the
 * caller's request. Waiting items sit in one FIFO per priority. All of it
 * runs on the loop thread except the work callbacks. Owns the items.
 */
#include "cpu.h"

#include <stdlib.h>

#include "doc.h"

struct cpu_item {
        uv_work_t req;   /* ours, handed to the pool */
        uv_work_t *orig; /* the caller's */
        uv_work_cb work;
        uv_after_work_cb after;
        struct cpu *cpu;
        struct cpu_item *next;
};

struct cpu {
        uv_loop_t *loop;
        int inflight, max;
        struct cpu_item *head[CPU_PRIORITIES], *tail[CPU_PRIORITIES];
};

struct cpu *cpu_new(uv_loop_t *loop, int inflight)
{
        struct cpu *c = xcalloc(1, sizeof(*c));

        c->loop = loop;
        c->max = inflight > 0 ? inflight : 1;
        uv_loop_set_data(loop, c);
        return c;
}

void cpu_free(struct cpu *c)
{
        if (!c)
                return;
        if (uv_loop_get_data(c->loop) == c)
                uv_loop_set_data(c->loop, NULL);
        free(c);
}

static void cpu_work(uv_work_t *req)
{
        struct cpu_item *it = req->data;

        it->work(it->orig);
}

static void cpu_dispatch(struct cpu *c);

static void cpu_after(uv_work_t *req, int status)
{
        struct cpu_item *it = req->data;
        struct cpu *c = it->cpu;
        uv_after_work_cb after = it->after;
        uv_work_t *orig = it->orig;

        free(it);
        c->inflight--;
        /* Refill the pool before the caller's callback queues more, so
         * that waiting work of later stages keeps its turn. */
        cpu_dispatch(c);
        after(orig, status);
}

static void cpu_dispatch(struct cpu *c)
{
        for (int p = CPU_PRIORITIES - 1; p >= 0 && c->inflight < c->max;) {
                struct cpu_item *it = c->head[p];
                int rc;

                if (!it) {
                        p--;
                        continue;
                }
                c->head[p] = it->next;
                if (!c->head[p])
                        c->tail[p] = NULL;
                it->next = NULL;
                rc = uv_queue_work(c->loop, &it->req, cpu_work, cpu_after);
                if (rc < 0) {
                        /* Cannot happen with valid arguments; report it
                         * as a cancelled work item. */
                        uv_after_work_cb after = it->after;
                        uv_work_t *orig = it->orig;
                        free(it);
                        after(orig, rc);
                        continue;
                }
                c->inflight++;
        }
}

int cpu_queue(uv_loop_t *loop, int prio, uv_work_t *req, uv_work_cb work,
              uv_after_work_cb after)
{
        struct cpu *c = uv_loop_get_data(loop);
        struct cpu_item *it;

        if (!c)
                return uv_queue_work(loop, req, work, after);
        if (prio < 0)
                prio = 0;
        if (prio >= CPU_PRIORITIES)
                prio = CPU_PRIORITIES - 1;
        it = xcalloc(1, sizeof(*it));
        it->req.data = it;
        it->orig = req;
        it->work = work;
        it->after = after;
        it->cpu = c;
        if (c->tail[prio])
                c->tail[prio]->next = it;
        else
                c->head[prio] = it;
        c->tail[prio] = it;
        cpu_dispatch(c);
        return 0;
}
