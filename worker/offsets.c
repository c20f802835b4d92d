/*
 * offsets: per-partition trackers of in-flight offsets (see offsets.h).
 * A tracker is a ring of the offsets taken, in order, each with a done flag;
 * finished entries are popped from the head, so the head is always the
 * lowest offset still in flight. Lookups are linear over the trackers: a
 * worker owns tens of partitions, not thousands. Owns the trackers.
 */
#include "offsets.h"

#include <stdlib.h>
#include <string.h>

#include "doc.h"

struct entry {
        int64_t offset;
        int done;
};

struct tracker {
        char *topic;
        int32_t partition;
        int64_t generation;
        int64_t next; /* one past the last offset taken, -1 if none */
        struct entry *ring;
        size_t cap, head, n;
};

struct offsets {
        struct tracker *t;
        size_t n, cap;
        int64_t generation;
        size_t inflight;
};

struct offsets *offsets_new(void)
{
        return xcalloc(1, sizeof(struct offsets));
}

void offsets_free(struct offsets *o)
{
        if (!o)
                return;
        for (size_t i = 0; i < o->n; i++) {
                free(o->t[i].topic);
                free(o->t[i].ring);
        }
        free(o->t);
        free(o);
}

static struct tracker *offsets_find(const struct offsets *o, const char *topic,
                                    int32_t partition)
{
        for (size_t i = 0; i < o->n; i++)
                if (o->t[i].partition == partition &&
                    strcmp(o->t[i].topic, topic) == 0)
                        return &o->t[i];
        return NULL;
}

void offsets_revoke(struct offsets *o, const char *topic, int32_t partition)
{
        struct tracker *t = offsets_find(o, topic, partition);

        if (!t)
                return;
        o->inflight -= t->n;
        free(t->topic);
        free(t->ring);
        *t = o->t[--o->n];
}

int64_t offsets_assign(struct offsets *o, const char *topic, int32_t partition)
{
        struct tracker *t;

        offsets_revoke(o, topic, partition);
        if (o->n == o->cap) {
                o->cap = o->cap ? o->cap * 2 : 16;
                o->t = xrealloc(o->t, o->cap * sizeof(*o->t));
        }
        t = &o->t[o->n++];
        memset(t, 0, sizeof(*t));
        t->topic = xstrdup(topic);
        t->partition = partition;
        t->generation = ++o->generation;
        t->next = -1;
        return t->generation;
}

static struct entry *ring_at(struct tracker *t, size_t i)
{
        return &t->ring[(t->head + i) % t->cap];
}

static void ring_grow(struct tracker *t)
{
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct entry *ring = xmalloc(cap * sizeof(*ring));

        for (size_t i = 0; i < t->n; i++)
                ring[i] = *ring_at(t, i);
        free(t->ring);
        t->ring = ring;
        t->cap = cap;
        t->head = 0;
}

int64_t offsets_begin(struct offsets *o, const char *topic, int32_t partition,
                      int64_t offset)
{
        struct tracker *t = offsets_find(o, topic, partition);

        if (!t || (t->next >= 0 && offset < t->next))
                return -1;
        if (t->n == t->cap)
                ring_grow(t);
        *ring_at(t, t->n) = (struct entry){offset, 0};
        t->n++;
        t->next = offset + 1;
        o->inflight++;
        return t->generation;
}

/* Binary search: offsets in the ring are strictly increasing. */
static struct entry *tracker_lookup(struct tracker *t, int64_t offset)
{
        size_t lo = 0, hi = t->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                struct entry *e = ring_at(t, mid);
                if (e->offset == offset)
                        return e;
                if (e->offset < offset)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

int64_t offsets_done(struct offsets *o, const char *topic, int32_t partition,
                     int64_t generation, int64_t offset)
{
        struct tracker *t = offsets_find(o, topic, partition);
        struct entry *e;
        int moved = 0;

        if (!t || t->generation != generation)
                return -1;
        e = tracker_lookup(t, offset);
        if (!e || e->done)
                return -1;
        e->done = 1;
        o->inflight--;
        while (t->n > 0 && ring_at(t, 0)->done) {
                t->head = (t->head + 1) % t->cap;
                t->n--;
                moved = 1;
        }
        return moved ? offsets_commit_point(o, topic, partition) : -1;
}

int64_t offsets_commit_point(const struct offsets *o, const char *topic,
                             int32_t partition)
{
        struct tracker *t = offsets_find(o, topic, partition);

        if (!t || t->next < 0)
                return -1;
        return t->n > 0 ? ring_at(t, 0)->offset : t->next;
}

size_t offsets_inflight(const struct offsets *o)
{
        return o->inflight;
}
