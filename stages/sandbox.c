/*
 * sandbox: the worker's side of the extraction children (see sandbox.h;
 * the child is sandbox_child.c, the protocol sandbox_proto.h).
 *
 * Why exec and not a bare fork: by the time documents flow, the worker has
 * librdkafka's threads, the store's thread, libuv's pool and GLib's state;
 * after fork() only async-signal-safe calls are allowed until exec, and
 * Poppler is far from that. So each child is this binary exec'd afresh
 * (uv_spawn: fork + exec, with the CLOEXEC lock libuv already holds for its
 * own descriptors) as `docpipe extract-child`. Exec costs a few tens of
 * milliseconds, paid once per sandbox.recycle_after documents.
 *
 * A child has a slot (sandbox.children of them). Its life, and the list
 * that owns it in each state:
 *   CHILD_STARTING  in slots[]: spawned, waiting for its HELLO (30 s);
 *                   may hold a pinned job, a retry for a fresh child
 *   CHILD_IDLE      in slots[]: ready
 *   CHILD_BUSY      in slots[]: one job sent, watchdog running
 *   CHILD_LEAVING   out of the slots (recycled, killed, dead): waiting
 *                   for its exit and for its handles to close, then freed
 * Each child has three handles: the process (its exit callback decides
 * what a death means), a poll on the socket (messages), a timer (the
 * watchdog: start, document, leave). A slot left empty is filled again at
 * once, or after a backoff when children fail to start.
 *
 * A job is one document's extraction: queued in FIFO order (the pool size
 * bounds the CPU the parsers take) until a child is idle. A child that
 * dies with a job costs the job one attempt; the first is retried in a
 * fresh child spawned for it, the second fails the job as ERR_INPUT with
 * both causes. The callback of a job is always the last thing a handler
 * does, so that it may queue more work.
 *
 * What a child sends is checked before it reaches the document: lengths
 * against the caps, UTF-8 without NUL bytes, its error class never fatal;
 * a child that breaks the protocol is killed and its document fails.
 *
 * Owns the children, their descriptors (socket, request and reply
 * memfds), the jobs waiting, the children's environment.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../worker/log.h"
#include "extract.h"
#include "sandbox_proto.h"

#define SB_START_MS 30000 /* from spawn to HELLO */
#define SB_LEAVE_MS 5000  /* from EXIT to the exit */
#define SB_META_MAX                                                            \
        4096 /* a metadata string from a child (extract.c                      \
                keeps 1024) */
#define SB_RESPAWN_MIN_MS 100
#define SB_RESPAWN_MAX_MS 10000
#define SB_ATTEMPTS 2 /* children a document may cost */

extern char **environ;

enum child_state { CHILD_STARTING, CHILD_IDLE, CHILD_BUSY, CHILD_LEAVING };

struct sb_job {
        struct doc *doc; /* borrowed until done */
        sandbox_done_fn done;
        int attempts;    /* children that died on it */
        char first[400]; /* why the first one did */
        struct sb_job *next;
};

struct sb_child {
        struct sandbox *sb;
        int slot;
        enum child_state state;
        uv_process_t proc;
        uv_poll_t poll;
        uv_timer_t timer;
        int handles; /* open: freed at 0 */
        int fd;      /* our end of the socketpair */
        int req_fd, rep_fd;
        int pid;
        int docs;           /* replies so far */
        uint32_t seq;       /* of the last request */
        struct sb_job *job; /* BUSY: in the child; STARTING: pinned */
        int exited, eof, timed_out, bad;
        int note; /* enum sandbox_note, from a dying child */
        char note_msg[320];
};

struct sandbox {
        uv_loop_t *loop;
        const struct config *cfg;
        char exe[PATH_MAX];  /* what is exec'd: a path, or /proc/self/fd/N */
        char name[PATH_MAX]; /* for the logs */
        int exe_fd;          /* this binary, open: -1 when exe is given */
        char **env;          /* of the children */
        int n;
        struct sb_child **slots;
        struct sb_job *head, *tail; /* waiting for an idle child */
        uv_timer_t respawn;
        unsigned respawn_ms; /* next backoff; 0 after a good start */
        int live;            /* children not freed, + the respawn timer */
        int closing;
        struct sandbox_stats st;
};

static void sb_dispatch(struct sandbox *sb);
static void sb_send(struct sb_child *c, struct sb_job *job);
static struct sb_child *sb_spawn(struct sandbox *sb, int slot,
                                 struct sb_job *pinned, struct err *err);

/* ---- small helpers ---- */

/* The worker's environment holds secrets (a DSN with its password, SASL
 * settings): a child gets only what the C library, GLib and the
 * sanitizers read, and the test switch. */
static int sb_env_keep(const char *kv)
{
        static const char *const names[] = {
                "PATH",           "LANG",
                "LANGUAGE",       "TZ",
                "TMPDIR",         "ASAN_OPTIONS",
                "LSAN_OPTIONS",   "UBSAN_OPTIONS",
                SANDBOX_TEST_ENV, "TESSDATA_PREFIX",
        };
        size_t n = strcspn(kv, "=");

        if (kv[n] != '=')
                return 0;
        if (n > 3 && strncmp(kv, "LC_", 3) == 0)
                return 1;
        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
                if (strlen(names[i]) == n && strncmp(kv, names[i], n) == 0)
                        return 1;
        return 0;
}

static char **sb_env_new(void)
{
        size_t n = 0, k = 0;
        char **env;

        for (char **e = environ; e && *e; e++)
                n++;
        env = xcalloc(n + 2, sizeof(*env));
        for (char **e = environ; e && *e; e++)
                if (sb_env_keep(*e) && strncmp(*e, "OMP_THREAD_LIMIT=", 17))
                        env[k++] = xstrdup(*e);
        /* Tesseract's OpenMP threads are slower than one per child on a
         * few cores; libgomp reads this when it is loaded, before main. */
        env[k++] = xstrdup("OMP_THREAD_LIMIT=1");
        return env;
}

static void sb_env_free(char **env)
{
        if (!env)
                return;
        for (char **e = env; *e; e++)
                free(*e);
        free(env);
}

/* A message from a child, made fit for a log line and a dead letter:
 * printable, valid UTF-8. */
static void sb_clean(char *s)
{
        int utf8 = g_utf8_validate(s, -1, NULL);

        for (unsigned char *p = (unsigned char *)s; *p; p++)
                if (*p < 0x20 || *p == 0x7f || (!utf8 && *p >= 0x80))
                        *p = '?';
}

static int sb_write_all(int fd, const unsigned char *p, size_t len)
{
        off_t off = 0;

        while (len > 0) {
                ssize_t n = pwrite(fd, p, len, off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                p += n;
                len -= (size_t)n;
                off += n;
        }
        return 0;
}

static int sb_read_all(int fd, char *p, size_t len, off_t *off)
{
        while (len > 0) {
                ssize_t n = pread(fd, p, len, *off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                p += n;
                len -= (size_t)n;
                *off += n;
        }
        return 0;
}

/* "60 s" or "1500 ms". */
static const char *sb_ms(int ms, char *buf, size_t n)
{
        if (ms % 1000 == 0)
                snprintf(buf, n, "%d s", ms / 1000);
        else
                snprintf(buf, n, "%d ms", ms);
        return buf;
}

static const char *sb_subject(const struct doc *doc, char *buf, size_t n)
{
        snprintf(buf, n, "doc=%s stage=extract", doc->id ? doc->id : "?");
        return buf;
}

/* ---- jobs ---- */

static void sb_push(struct sandbox *sb, struct sb_job *job, int front)
{
        if (front) {
                job->next = sb->head;
                sb->head = job;
                if (!sb->tail)
                        sb->tail = job;
                return;
        }
        job->next = NULL;
        if (sb->tail)
                sb->tail->next = job;
        else
                sb->head = job;
        sb->tail = job;
}

static struct sb_job *sb_pop(struct sandbox *sb)
{
        struct sb_job *job = sb->head;

        if (job) {
                sb->head = job->next;
                if (!sb->head)
                        sb->tail = NULL;
                job->next = NULL;
        }
        return job;
}

/* Frees job and calls its callback: the last thing a handler does. */
static void sb_finish(struct sb_job *job, const struct err *err)
{
        sandbox_done_fn done = job->done;
        struct doc *doc = job->doc;

        free(job);
        done(doc, err);
}

/* ---- children: closing ---- */

static void sb_maybe_free(struct sandbox *sb)
{
        if (!sb->closing || sb->live > 0)
                return;
        if (sb->exe_fd >= 0)
                close(sb->exe_fd);
        sb_env_free(sb->env);
        free(sb->slots);
        free(sb);
}

static void sb_child_closed(uv_handle_t *h)
{
        struct sb_child *c = h->data;
        struct sandbox *sb = c->sb;

        if (--c->handles > 0)
                return;
        if (c->fd >= 0)
                close(c->fd);
        if (c->req_fd >= 0)
                close(c->req_fd);
        if (c->rep_fd >= 0)
                close(c->rep_fd);
        free(c);
        sb->live--;
        sb_maybe_free(sb);
}

/* Closes c's handles; c is freed when the last one is closed. */
static void sb_child_close(struct sb_child *c)
{
        uv_close((uv_handle_t *)&c->poll, sb_child_closed);
        uv_close((uv_handle_t *)&c->timer, sb_child_closed);
        uv_close((uv_handle_t *)&c->proc, sb_child_closed);
}

static void sb_on_watchdog(uv_timer_t *t);

/* Takes c out of its slot for good: asks it to leave (or kills it) and
 * gives it SB_LEAVE_MS to do so. With refill, a new child takes the
 * slot. */
static void sb_retire(struct sb_child *c, int kill, int refill)
{
        struct sandbox *sb = c->sb;
        struct sandbox_msg m;
        struct err err;

        if (sb->slots[c->slot] == c)
                sb->slots[c->slot] = NULL;
        c->state = CHILD_LEAVING;
        memset(&m, 0, sizeof(m));
        m.magic = SANDBOX_MAGIC;
        m.type = SANDBOX_EXIT;
        if (kill || send(c->fd, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT) !=
                            (ssize_t)sizeof(m))
                uv_process_kill(&c->proc, SIGKILL);
        uv_timer_start(&c->timer, sb_on_watchdog, SB_LEAVE_MS, 0);
        if (refill && !sb->closing && !sb_spawn(sb, c->slot, NULL, &err))
                log_error("sandbox", "%s", err.msg);
}

/* ---- children: the replies ---- */

/* Checks the page images a reply announces (m's images_n and images)
 * against what was asked and the text they point into: how many, the
 * page, the confidence, the text range, the PNG's size within
 * ocr.vision.max_image_bytes, pages in increasing order with disjoint
 * text. Adds their bytes to *total. Returns 0, or -1 with *why. */
static int sb_check_images(const struct config *cfg,
                           const struct sandbox_msg *m, uint64_t *total,
                           const char **why)
{
        int32_t most =
                extract_vision_below(cfg) < 0 ? 0 : cfg->vision_max_pages;
        uint64_t text = m->part_len[SANDBOX_TEXT], end = 0;

        if (most > SANDBOX_IMAGES)
                most = SANDBOX_IMAGES;
        if (m->images_n < 0 || m->images_n > most) {
                *why = "page image count";
                return -1;
        }
        for (int32_t k = 0; k < m->images_n; k++) {
                const struct sandbox_image *si = &m->images[k];

                if (si->page < 1 || si->page > m->pages ||
                    (k > 0 && si->page <= m->images[k - 1].page) ||
                    si->confidence < 0 || si->confidence > 100 ||
                    si->text_off > text || si->text_len > text - si->text_off ||
                    si->text_off < end || si->png_len < 8 ||
                    si->png_len > (uint64_t)cfg->vision_max_bytes) {
                        *why = "a page image out of bounds";
                        return -1;
                }
                end = si->text_off + si->text_len;
                *total += si->png_len;
        }
        return 0;
}

/* Takes the child's reply into doc. Returns 0, or -1 with err: the
 * child's own error, or a malformed reply (c->bad). */
static int sb_read_reply(struct sb_child *c, const struct sandbox_msg *m,
                         struct doc *doc, struct err *err)
{
        const struct config *cfg = c->sb->cfg;
        char **into[SANDBOX_PARTS] = {
                &doc->text,    &doc->title,    &doc->author,
                &doc->subject, &doc->creator,  &doc->producer,
                &doc->created, &doc->modified, &doc->ocr_confidence,
        };
        char *parts[SANDBOX_PARTS] = {NULL};
        struct doc_page_image *images = NULL;
        size_t images_n = 0;
        const char *why = NULL;
        uint64_t total = 0;
        struct stat st;
        off_t off = 0;
        int i;

        if (m->status != 0) {
                char msg[sizeof(m->msg)];
                memcpy(msg, m->msg, sizeof(msg));
                msg[sizeof(msg) - 1] = '\0';
                sb_clean(msg);
                /* A child's word is never fatal to the worker. */
                return err_set(err,
                               m->status == ERR_RETRY ? ERR_RETRY : ERR_INPUT,
                               "%s", msg);
        }
        if (m->pages < 0 || m->pages > cfg->max_pages) {
                why = "page count";
                goto bad;
        }
        if (m->part_len[SANDBOX_TEXT] == SANDBOX_ABSENT) {
                why = "no text";
                goto bad;
        }
        for (i = 0; i < SANDBOX_PARTS; i++) {
                uint64_t len = m->part_len[i];
                uint64_t cap = i == SANDBOX_TEXT ? (uint64_t)cfg->max_text_bytes
                                                 : SB_META_MAX;
                if (len == SANDBOX_ABSENT)
                        continue;
                if (len > cap) {
                        why = "over a cap";
                        goto bad;
                }
                total += len;
        }
        if (sb_check_images(cfg, m, &total, &why) < 0)
                goto bad;
        if (fstat(c->rep_fd, &st) < 0 || (uint64_t)st.st_size < total) {
                why = "short";
                goto bad;
        }
        for (i = 0; i < SANDBOX_PARTS; i++) {
                size_t len = (size_t)m->part_len[i];
                if (m->part_len[i] == SANDBOX_ABSENT)
                        continue;
                parts[i] = xmalloc(len + 1);
                if (sb_read_all(c->rep_fd, parts[i], len, &off) < 0) {
                        why = "unreadable";
                        goto bad;
                }
                parts[i][len] = '\0';
                /* Rejects NUL bytes too: the stages trust the text. */
                if (!g_utf8_validate(parts[i], (gssize)len, NULL)) {
                        why = "not UTF-8";
                        goto bad;
                }
        }
        /* The store casts it to jsonb: only an object of numbers passes. */
        if (parts[SANDBOX_OCR]) {
                json_t *o = json_loads(parts[SANDBOX_OCR], 0, NULL);
                const char *k;
                json_t *v;
                int fine = json_is_object(o);

                json_object_foreach(o, k, v)
                {
                        fine = fine && json_is_integer(v);
                }
                json_decref(o);
                if (!fine) {
                        why = "OCR confidence not a JSON object of numbers";
                        goto bad;
                }
        }
        if (m->images_n > 0) {
                images_n = (size_t)m->images_n;
                images = xcalloc(images_n, sizeof(*images));
        }
        for (size_t k = 0; k < images_n; k++) {
                const struct sandbox_image *si = &m->images[k];
                struct doc_page_image *im = &images[k];

                im->page = si->page;
                im->confidence = si->confidence;
                im->text_off = (size_t)si->text_off;
                im->text_len = (size_t)si->text_len;
                im->png_len = (size_t)si->png_len;
                im->png = xmalloc(im->png_len);
                if (sb_read_all(c->rep_fd, (char *)im->png, im->png_len, &off) <
                    0) {
                        why = "unreadable";
                        goto bad;
                }
                if (memcmp(im->png, "\x89PNG\r\n\x1a\n", 8) != 0) {
                        why = "a page image that is not a PNG";
                        goto bad;
                }
                /* Its text is one page's: no page break inside. */
                if (memchr(parts[SANDBOX_TEXT] + im->text_off, '\f',
                           im->text_len)) {
                        why = "a page image's text crosses a page";
                        goto bad;
                }
        }
        for (i = 0; i < SANDBOX_PARTS; i++) {
                char **field = into[i];
                free(*field);
                *field = parts[i];
        }
        doc_images_free(doc);
        doc->images = images;
        doc->images_n = images_n;
        doc->text_len = (size_t)m->part_len[SANDBOX_TEXT];
        doc->text_tokens = 0;
        doc->pages = m->pages;
        return 0;
bad:
        for (i = 0; i < SANDBOX_PARTS; i++)
                free(parts[i]);
        for (size_t k = 0; k < images_n; k++)
                free(images[k].png);
        free(images);
        c->bad = 1;
        return err_set(err, ERR_INPUT,
                       "extraction child sent a malformed reply (%s)", why);
}

static void sb_on_reply(struct sb_child *c, const struct sandbox_msg *m)
{
        struct sandbox *sb = c->sb;
        struct sb_job *job = c->job;
        struct err err;
        int rc;

        uv_timer_stop(&c->timer);
        c->job = NULL;
        c->docs++;
        sb->st.extracted++;
        err_clear(&err);
        rc = sb_read_reply(c, m, job->doc, &err);
        /* Give the memory of both files back while the child waits. */
        if (ftruncate(c->req_fd, 0) < 0 || ftruncate(c->rep_fd, 0) < 0)
                c->bad = 1;
        if (c->bad) {
                log_warn("sandbox", "child %d: %s; killing it", c->pid,
                         rc < 0 ? err.msg : "cannot empty its memfds");
                sb_retire(c, 1, 1);
        } else if (c->docs >= sb->cfg->sandbox_recycle) {
                sb->st.recycled++;
                log_debug("sandbox", "child %d: %d documents, recycled", c->pid,
                          c->docs);
                sb_retire(c, 0, 1);
        } else {
                c->state = CHILD_IDLE;
        }
        sb_dispatch(sb);
        sb_finish(job, rc < 0 ? &err : NULL);
}

/* Handles one message; returns -1 when c is not to be read any more. */
static int sb_on_msg(struct sb_child *c, const struct sandbox_msg *m)
{
        struct sandbox *sb = c->sb;
        struct sb_job *job;

        if (c->state == CHILD_LEAVING)
                return 0; /* retired before it said anything: ignore it */
        switch (m->type) {
        case SANDBOX_HELLO:
                if (c->state != CHILD_STARTING || m->version != SANDBOX_VERSION)
                        break;
                uv_timer_stop(&c->timer);
                c->state = CHILD_IDLE;
                sb->respawn_ms = 0;
                log_debug("sandbox", "child %d ready in slot %d", c->pid,
                          c->slot);
                /* A retry goes to this fresh child, not any idle one. */
                job = c->job;
                c->job = NULL;
                if (job)
                        sb_send(c, job);
                else
                        sb_dispatch(sb);
                return 0;
        case SANDBOX_NOTE:
                c->note = m->note;
                memcpy(c->note_msg, m->msg, sizeof(c->note_msg) - 1);
                c->note_msg[sizeof(c->note_msg) - 1] = '\0';
                sb_clean(c->note_msg);
                return 0;
        case SANDBOX_REPLY:
                if (c->state != CHILD_BUSY || m->seq != c->seq)
                        break;
                sb_on_reply(c, m);
                return -1;
        default:
                break;
        }
        log_warn("sandbox", "child %d: unexpected message %u; killing it",
                 c->pid, (unsigned)m->type);
        c->bad = 1;
        uv_process_kill(&c->proc, SIGKILL);
        return -1;
}

/* Reads what c has sent until nothing is left, or c must not be read. */
static void sb_drain(struct sb_child *c)
{
        struct sandbox_msg m;

        while (!c->eof && !c->bad) {
                ssize_t n =
                        recv(c->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_TRUNC);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return;
                if (n <= 0) { /* gone: its exit callback says why */
                        c->eof = 1;
                        uv_poll_stop(&c->poll);
                        return;
                }
                if (n != (ssize_t)sizeof(m) || m.magic != SANDBOX_MAGIC) {
                        log_warn("sandbox",
                                 "child %d: malformed message; killing it",
                                 c->pid);
                        c->bad = 1;
                        uv_process_kill(&c->proc, SIGKILL);
                        return;
                }
                if (sb_on_msg(c, &m) < 0)
                        return;
        }
}

static void sb_on_readable(uv_poll_t *h, int status, int events)
{
        struct sb_child *c = h->data;

        (void)events;
        if (status < 0) {
                uv_poll_stop(h);
                return;
        }
        sb_drain(c);
}

/* ---- children: deaths ---- */

/* What killed c, for a log line and a dead letter; counts it. */
static void sb_describe(struct sb_child *c, int64_t status, int sig, char *buf,
                        size_t n)
{
        const struct config *cfg = c->sb->cfg;
        struct sandbox_stats *st = &c->sb->st;
        const char *name = sig ? sigabbrev_np(sig) : NULL;
        char t[32];

        if (c->timed_out) {
                st->timed_out++;
                snprintf(buf, n,
                         "extraction timed out after %s "
                         "(limits.extract_timeout_ms)",
                         sb_ms(cfg->extract_timeout_ms, t, sizeof(t)));
        } else if (c->note == SANDBOX_NOTE_PAGE && c->note_msg[0]) {
                st->timed_out++;
                snprintf(buf, n, "extraction timed out: %.300s", c->note_msg);
        } else if (c->note == SANDBOX_NOTE_OOM) {
                st->oom++;
                snprintf(buf, n,
                         "extraction ran out of memory "
                         "(limits.extract_memory, %lld MiB)",
                         (long long)(cfg->extract_memory >> 20));
        } else if (sig == SIGXCPU) {
                st->timed_out++;
                snprintf(buf, n,
                         "extraction used more than %s of CPU "
                         "(limits.extract_timeout_ms)",
                         sb_ms(cfg->extract_timeout_ms, t, sizeof(t)));
        } else if (c->bad) {
                st->crashed++;
                snprintf(buf, n, "extraction child broke the protocol");
        } else if (sig == SIGKILL) {
                st->crashed++;
                snprintf(buf, n,
                         "extraction child was killed (SIGKILL; "
                         "out of memory in its cgroup?)");
        } else if (sig) {
                st->crashed++;
                snprintf(buf, n, "extraction crashed (signal %d, SIG%s)", sig,
                         name ? name : "?");
        } else {
                st->crashed++;
                snprintf(buf, n, "extraction child exited with status %lld",
                         (long long)status);
        }
}

static void sb_respawn_later(struct sandbox *sb);

/* Fails every job waiting when no child works (all dead or starting):
 * they would wait for good otherwise; the pipeline retries them. */
static void sb_fail_waiting(struct sandbox *sb, const char *why)
{
        struct sb_job *job;
        struct err err;

        for (int i = 0; i < sb->n; i++)
                if (sb->slots[i] && (sb->slots[i]->state == CHILD_IDLE ||
                                     sb->slots[i]->state == CHILD_BUSY))
                        return;
        err_set(&err, ERR_RETRY, "sandbox: no extraction child: %s", why);
        /* Detach the queue first: a callback may queue again. */
        job = sb->head;
        sb->head = sb->tail = NULL;
        while (job) {
                struct sb_job *next = job->next;
                sb_finish(job, &err);
                job = next;
        }
}

/* c died while busy with job: one more try in a fresh child, or the
 * end. */
static void sb_lost(struct sb_child *c, struct sb_job *job, const char *what)
{
        struct sandbox *sb = c->sb;
        char subj[300];
        struct err err, spawn_err;

        sb_subject(job->doc, subj, sizeof(subj));
        job->attempts++;
        if (job->attempts < SB_ATTEMPTS) {
                snprintf(job->first, sizeof(job->first), "%s", what);
                sb->st.retried++;
                log_warn(subj, "%s (child %d); trying again in a fresh child",
                         what, c->pid);
                if (sb_spawn(sb, c->slot, job, &err))
                        return;
                log_error("sandbox", "%s", err.msg);
                sb_respawn_later(sb);
                sb_finish(job, &err);
                return;
        }
        if (strcmp(job->first, what) == 0)
                err_set(&err, ERR_INPUT, "%s twice", what);
        else
                err_set(&err, ERR_INPUT, "%s, then %s", job->first, what);
        log_warn(subj, "%s (child %d)", what, c->pid);
        if (!sb_spawn(sb, c->slot, NULL, &spawn_err)) {
                log_error("sandbox", "%s", spawn_err.msg);
                sb_respawn_later(sb);
        }
        sb_finish(job, &err);
}

static void sb_on_exit(uv_process_t *p, int64_t status, int sig)
{
        struct sb_child *c = p->data;
        struct sandbox *sb = c->sb;
        enum child_state was;
        struct sb_job *job;
        char what[400] = "";
        struct err err;

        c->exited = 1;
        sb_drain(c); /* a reply or a note it sent before it died */
        was = c->state;
        job = c->job;
        c->job = NULL;
        if (sb->slots[c->slot] == c)
                sb->slots[c->slot] = NULL;
        c->state = CHILD_LEAVING;
        if (was != CHILD_LEAVING)
                sb_describe(c, status, sig, what, sizeof(what));
        sb_child_close(c);
        if (sb->closing) {
                free(job); /* dropped: see sandbox_free */
                return;
        }
        switch (was) {
        case CHILD_STARTING:
                log_error("sandbox", "child %d did not start: %s", c->pid,
                          what);
                sb_respawn_later(sb);
                if (job) {
                        err_set(&err, ERR_RETRY,
                                "sandbox: a fresh child did not start: %s",
                                what);
                        sb_finish(job, &err);
                }
                sb_fail_waiting(sb, what);
                return;
        case CHILD_BUSY:
                sb_lost(c, job, what);
                return;
        case CHILD_IDLE:
                log_warn("sandbox", "child %d died while idle: %s", c->pid,
                         what);
                if (!sb_spawn(sb, c->slot, NULL, &err)) {
                        log_error("sandbox", "%s", err.msg);
                        sb_respawn_later(sb);
                }
                return;
        case CHILD_LEAVING:
                return;
        }
}

static void sb_on_watchdog(uv_timer_t *t)
{
        struct sb_child *c = t->data;

        if (c->state == CHILD_BUSY || c->state == CHILD_STARTING)
                c->timed_out = 1;
        uv_process_kill(&c->proc, SIGKILL);
}

static void sb_on_respawn(uv_timer_t *t)
{
        struct sandbox *sb = t->data;
        struct err err;

        for (int i = 0; i < sb->n && !sb->closing; i++) {
                if (sb->slots[i])
                        continue;
                if (!sb_spawn(sb, i, NULL, &err)) {
                        log_error("sandbox", "%s", err.msg);
                        sb_respawn_later(sb);
                        return;
                }
        }
}

/* Fills the empty slots after a backoff that doubles while children
 * fail to start. */
static void sb_respawn_later(struct sandbox *sb)
{
        if (sb->closing || uv_is_active((uv_handle_t *)&sb->respawn))
                return;
        sb->respawn_ms =
                sb->respawn_ms ? sb->respawn_ms * 2 : SB_RESPAWN_MIN_MS;
        if (sb->respawn_ms > SB_RESPAWN_MAX_MS)
                sb->respawn_ms = SB_RESPAWN_MAX_MS;
        uv_timer_start(&sb->respawn, sb_on_respawn, sb->respawn_ms, 0);
}

/* ---- children: starting, sending ---- */

/* Starts a child in slot (which it takes), with pinned to run first.
 * Returns it, or NULL with err (ERR_RETRY); pinned stays the caller's
 * then. */
static struct sb_child *sb_spawn(struct sandbox *sb, int slot,
                                 struct sb_job *pinned, struct err *err)
{
        struct sb_child *c = xcalloc(1, sizeof(*c));
        uv_process_options_t opts;
        uv_stdio_container_t stdio[6];
        char ppid[24], memory[24], reply[24];
        char *args[6];
        int sv[2] = {-1, -1}, rc;

        c->sb = sb;
        c->slot = slot;
        c->state = CHILD_STARTING;
        c->fd = c->req_fd = c->rep_fd = -1;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
            (c->req_fd = memfd_create("docpipe-doc", MFD_CLOEXEC)) < 0 ||
            (c->rep_fd = memfd_create("docpipe-reply", MFD_CLOEXEC)) < 0) {
                err_set(err, ERR_RETRY, "sandbox: cannot start a child: %s",
                        strerror(errno));
                goto fail;
        }
        c->fd = sv[0];
        memset(stdio, 0, sizeof(stdio));
        stdio[0].flags = UV_IGNORE;
        stdio[1].flags = UV_IGNORE;
        stdio[2].flags = UV_INHERIT_FD;
        stdio[2].data.fd = STDERR_FILENO;
        stdio[SANDBOX_FD_SOCK].flags = UV_INHERIT_FD;
        stdio[SANDBOX_FD_SOCK].data.fd = sv[1];
        stdio[SANDBOX_FD_REQ].flags = UV_INHERIT_FD;
        stdio[SANDBOX_FD_REQ].data.fd = c->req_fd;
        stdio[SANDBOX_FD_REP].flags = UV_INHERIT_FD;
        stdio[SANDBOX_FD_REP].data.fd = c->rep_fd;
        snprintf(ppid, sizeof(ppid), "%ld", (long)getpid());
        snprintf(memory, sizeof(memory), "%lld",
                 (long long)sb->cfg->extract_memory);
        snprintf(reply, sizeof(reply), "%lld",
                 (long long)(sb->cfg->max_text_bytes +
                             SANDBOX_PARTS * SB_META_MAX +
                             (extract_vision_below(sb->cfg) < 0
                                      ? 0
                                      : (int64_t)sb->cfg->vision_max_pages *
                                                sb->cfg->vision_max_bytes)));
        args[0] = sb->name;
        args[1] = SANDBOX_CHILD_CMD;
        args[2] = ppid;
        args[3] = memory;
        args[4] = reply;
        args[5] = NULL;
        memset(&opts, 0, sizeof(opts));
        opts.file = sb->exe;
        opts.args = args;
        opts.env = sb->env;
        opts.exit_cb = sb_on_exit;
        opts.stdio = stdio;
        opts.stdio_count = 6;
        c->proc.data = c;
        rc = uv_spawn(sb->loop, &c->proc, &opts);
        close(sv[1]);
        sv[1] = -1;
        if (rc < 0) {
                err_set(err, ERR_RETRY, "sandbox: cannot start %s: %s",
                        sb->name, uv_strerror(rc));
                /* The handle is initialized all the same. */
                c->handles = 1;
                c->state = CHILD_LEAVING;
                sb->live++;
                uv_close((uv_handle_t *)&c->proc, sb_child_closed);
                return NULL;
        }
        c->pid = c->proc.pid;
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        uv_poll_init(sb->loop, &c->poll, c->fd);
        c->poll.data = c;
        uv_poll_start(&c->poll, UV_READABLE, sb_on_readable);
        uv_timer_init(sb->loop, &c->timer);
        c->timer.data = c;
        uv_timer_start(&c->timer, sb_on_watchdog, SB_START_MS, 0);
        c->handles = 3;
        c->job = pinned;
        sb->live++;
        sb->slots[slot] = c;
        sb->st.spawned++;
        log_debug("sandbox", "child %d started in slot %d", c->pid, slot);
        return c;
fail:
        if (sv[0] >= 0)
                close(sv[0]);
        if (sv[1] >= 0)
                close(sv[1]);
        if (c->req_fd >= 0)
                close(c->req_fd);
        if (c->rep_fd >= 0)
                close(c->rep_fd);
        free(c);
        return NULL;
}

/* Hands job to the idle child c. */
static void sb_send(struct sb_child *c, struct sb_job *job)
{
        const struct config *cfg = c->sb->cfg;
        const struct doc *doc = job->doc;
        struct sandbox_msg m;
        struct err err;

        if (ftruncate(c->req_fd, 0) < 0 ||
            (doc->len && sb_write_all(c->req_fd, doc->bytes, doc->len) < 0)) {
                err_set(&err, ERR_RETRY,
                        "sandbox: cannot hand the document to a child: %s",
                        strerror(errno));
                sb_finish(job, &err);
                return;
        }
        memset(&m, 0, sizeof(m));
        m.magic = SANDBOX_MAGIC;
        m.type = SANDBOX_REQUEST;
        m.seq = ++c->seq;
        m.len = doc->len;
        m.max_bytes = cfg->max_bytes;
        m.max_text_bytes = cfg->max_text_bytes;
        m.max_page_text_bytes = cfg->max_page_text_bytes;
        m.max_pages = cfg->max_pages;
        m.page_ms = cfg->extract_page_ms;
        m.max_page_pixels = cfg->max_page_pixels;
        snprintf(m.ocr_languages, sizeof(m.ocr_languages), "%s",
                 cfg->ocr_languages ? cfg->ocr_languages : "eng");
        m.vision_below = extract_vision_below(cfg);
        m.vision_pages = cfg->vision_max_pages;
        m.vision_side = cfg->vision_max_side;
        m.vision_bytes = cfg->vision_max_bytes;
        m.cpu_s = (cfg->extract_timeout_ms + 999) / 1000;
        snprintf(m.content_type, sizeof(m.content_type), "%s",
                 doc->content_type ? doc->content_type : "");
        if (send(c->fd, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT) !=
            (ssize_t)sizeof(m)) {
                /* Died while idle: its exit is on its way. The job has
                 * cost nothing; it waits for the next child. */
                log_warn("sandbox", "child %d: cannot send to it: %s", c->pid,
                         strerror(errno));
                sb_push(c->sb, job, 1);
                sb_retire(c, 1, 1);
                return;
        }
        c->job = job;
        c->state = CHILD_BUSY;
        c->timed_out = 0;
        c->note = 0;
        uv_timer_start(&c->timer, sb_on_watchdog,
                       (uint64_t)cfg->extract_timeout_ms, 0);
}

static void sb_dispatch(struct sandbox *sb)
{
        while (sb->head && !sb->closing) {
                struct sb_child *c = NULL;

                for (int i = 0; i < sb->n && !c; i++)
                        if (sb->slots[i] && sb->slots[i]->state == CHILD_IDLE &&
                            !sb->slots[i]->exited)
                                c = sb->slots[i];
                if (!c)
                        return;
                sb_send(c, sb_pop(sb));
        }
}

/* ---- the interface ---- */

/* Waits (before the loop runs) until every child has said HELLO, one died
 * or SB_START_MS passed. */
static int sb_wait_ready(struct sandbox *sb, struct err *err)
{
        struct timespec t0, now;
        struct pollfd *pfd = xcalloc((size_t)sb->n, sizeof(*pfd));
        int rc = -1;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
                int k = 0, left;
                long ms;

                for (int i = 0; i < sb->n; i++) {
                        struct sb_child *c = sb->slots[i];
                        if (!c || c->eof || c->bad) {
                                err_set(err, ERR_FATAL,
                                        "sandbox: an extraction child died "
                                        "at start (%s %s)",
                                        sb->name, SANDBOX_CHILD_CMD);
                                goto out;
                        }
                        if (c->state == CHILD_STARTING)
                                pfd[k++] = (struct pollfd){c->fd, POLLIN, 0};
                }
                if (k == 0)
                        break;
                clock_gettime(CLOCK_MONOTONIC, &now);
                ms = (now.tv_sec - t0.tv_sec) * 1000 +
                     (now.tv_nsec - t0.tv_nsec) / 1000000;
                left = ms >= SB_START_MS ? 0 : (int)(SB_START_MS - ms);
                if (left == 0) {
                        err_set(err, ERR_FATAL,
                                "sandbox: an extraction child did not start "
                                "within %d s",
                                SB_START_MS / 1000);
                        goto out;
                }
                if (poll(pfd, (nfds_t)k, left) < 0 && errno != EINTR) {
                        err_set(err, ERR_FATAL, "sandbox: poll: %s",
                                strerror(errno));
                        goto out;
                }
                for (int i = 0; i < sb->n; i++)
                        if (sb->slots[i]->state == CHILD_STARTING)
                                sb_drain(sb->slots[i]);
        }
        rc = 0;
out:
        free(pfd);
        return rc;
}

struct sandbox *sandbox_new(uv_loop_t *loop, const struct config *cfg,
                            const char *exe, struct err *err)
{
        struct sandbox *sb = xcalloc(1, sizeof(*sb));
        int landlock;

        sb->loop = loop;
        sb->cfg = cfg;
        sb->exe_fd = -1;
        sb->n = cfg->sandbox_children > 0
                        ? cfg->sandbox_children
                        : (cfg->threads > 0 ? cfg->threads : 1);
        if (exe) {
                snprintf(sb->exe, sizeof(sb->exe), "%s", exe);
                snprintf(sb->name, sizeof(sb->name), "%s", exe);
        } else {
                /* This very binary, held open: a rebuild or an upgrade of
                 * the file while the worker runs must not start children
                 * of another version. Above the descriptors uv_spawn
                 * places in the child (0 to 5). */
                int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
                ssize_t n = readlink("/proc/self/exe", sb->name,
                                     sizeof(sb->name) - 1);
                if (fd >= 0) {
                        sb->exe_fd = fcntl(fd, F_DUPFD_CLOEXEC, 64);
                        close(fd);
                }
                if (n <= 0 || sb->exe_fd < 0) {
                        err_set(err, ERR_FATAL,
                                "sandbox: cannot open /proc/self/exe: %s",
                                strerror(errno));
                        free(sb);
                        return NULL;
                }
                sb->name[n] = '\0';
                snprintf(sb->exe, sizeof(sb->exe), "/proc/self/fd/%d",
                         sb->exe_fd);
        }
        sb->env = sb_env_new();
        sb->slots = xcalloc((size_t)sb->n, sizeof(*sb->slots));
        uv_timer_init(loop, &sb->respawn);
        sb->respawn.data = sb;
        sb->live = 1; /* the respawn timer */
        uv_update_time(loop);
        for (int i = 0; i < sb->n; i++) {
                if (!sb_spawn(sb, i, NULL, err)) {
                        err->cls = ERR_FATAL;
                        sandbox_free(sb);
                        return NULL;
                }
        }
        if (sb_wait_ready(sb, err) < 0) {
                sandbox_free(sb);
                return NULL;
        }
        log_info("sandbox",
                 "%d extraction children (%s), recycled after %d documents, "
                 "%lld MiB, %d ms per document, %d ms per page",
                 sb->n, sb->name, cfg->sandbox_recycle,
                 (long long)(cfg->extract_memory >> 20),
                 cfg->extract_timeout_ms, cfg->extract_page_ms);
        landlock = sandbox_landlock();
        if (landlock > 0)
                log_info("sandbox",
                         "the children read only system files "
                         "(Landlock ABI %d)",
                         landlock);
        else
                log_warn("sandbox", "no Landlock in this kernel: the "
                                    "extraction children can read every "
                                    "file the worker can");
        return sb;
}

int sandbox_wants(const struct doc *doc)
{
        const char *ct = doc->content_type;

        if (!ct)
                return 0;
        if (g_ascii_strncasecmp(ct, "application/pdf", 15) == 0)
                return ct[15] == '\0' || ct[15] == ';' || ct[15] == ' ';
        return g_ascii_strncasecmp(ct, "image/", 6) == 0;
}

void sandbox_extract(struct sandbox *sb, struct doc *doc, sandbox_done_fn done)
{
        struct sb_job *job = xcalloc(1, sizeof(*job));

        job->doc = doc;
        job->done = done;
        sb_push(sb, job, 0);
        sb_dispatch(sb);
}

void sandbox_stats(const struct sandbox *sb, struct sandbox_stats *st)
{
        *st = sb->st;
}

static void sb_respawn_closed(uv_handle_t *h)
{
        struct sandbox *sb = h->data;

        sb->live--;
        sb_maybe_free(sb);
}

void sandbox_free(struct sandbox *sb)
{
        struct sb_job *job;
        size_t dropped = 0;

        if (!sb || sb->closing)
                return;
        sb->closing = 1;
        while ((job = sb_pop(sb))) {
                free(job);
                dropped++;
        }
        for (int i = 0; i < sb->n; i++) {
                struct sb_child *c = sb->slots[i];
                if (!c)
                        continue;
                if (c->job) {
                        free(c->job);
                        c->job = NULL;
                        dropped++;
                }
                sb_retire(c, c->state == CHILD_BUSY, 0);
        }
        if (dropped)
                log_warn("sandbox", "stopped with %zu documents in it",
                         dropped);
        uv_close((uv_handle_t *)&sb->respawn, sb_respawn_closed);
}
