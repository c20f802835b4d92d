/*
 * fake_openai: a fake OpenAI-compatible chat completions server for the
 * tests and the benchmarks. It answers POST /v1/chat/completions with
 * deterministic answers computed from the request (classify, fields,
 * summarize; a "gullible" answer when the document carries a prompt
 * injection; vision: a page image sent as an image_url data URL, checked
 * to be base64 of a PNG, gets a fixed receipt transcription that names
 * the image's size, and is billed as OpenAI bills a high-detail image), reports token usage in the styles of OpenAI, vLLM and
 * DeepSeek, and injects faults (latency, errors, 429 with Retry-After,
 * malformed, truncated and trickled bodies) chosen at start by flags or at
 * run time by POST /_control. GET /_stats counts what it served. It listens
 * on 127.0.0.1 only. Waiting (latency, trickle) suspends the connection and
 * a timer resumes it, so 2,000 slow requests cost no threads.
 *
 *   fake-openai [--port N] [--port-file F] [--api-key KEY] [--model NAME]
 *               [--SETTING VALUE]...     (SETTING: keys[] below, '-' for '_')
 * prints "127.0.0.1:PORT" as its first stdout line (and into F), serves
 * POST /v1/chat/completions, GET /v1/models (both behind the key when one
 * is given), GET|POST /_control, GET /_stats, POST /_reset, and stops on
 * SIGTERM or SIGINT.
 *
 * Threads: libmicrohttpd's one epoll thread runs every handler and owns the
 * settings, the PRNG and the stats; a GLib main loop on a second thread owns
 * the timers that resume suspended connections (struct sleeper, shared
 * under fake.lock); the main thread waits for SIGTERM/SIGINT and stops both.
 *
 * Build (alone; the Makefile's $(BUILD)/fake-openai rule):
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes
 *      -Wmissing-prototypes -Wformat=2 -Wvla -Werror -O2 -g
 *      $(pkg-config --cflags libmicrohttpd jansson glib-2.0)
 *      -o build/fake-openai tests/fake/fake_openai.c
 *      $(pkg-config --libs libmicrohttpd jansson glib-2.0) -lpthread -lm
 */
#include <arpa/inet.h>
#include <glib.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define FAKE_BODY_DEFAULT (32LL << 20) /* request body cap, bytes */
#define FAKE_BODY_MAX (256LL << 20)    /* highest cap /_control accepts */
#define FAKE_CONN_LIMIT 10000
#define FAKE_BACKLOG 4096
#define FAKE_IDLE_TIMEOUT_S 120
#define FAKE_MAX_PROPS 64 /* schema properties answered */
#define FAKE_MAX_KEY 64   /* bytes of one property name */
#define FAKE_MAX_TOKENS (1LL << 24)
#define FAKE_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

enum usage_style { USAGE_OPENAI, USAGE_VLLM, USAGE_DEEPSEEK, USAGE_NONE };
static const char *const usage_names[] = {"openai", "vllm", "deepseek", "none"};

enum task {
        TASK_CLASSIFY,
        TASK_FIELDS,
        TASK_SUMMARIZE,
        TASK_VISION,
        TASK_OTHER,
        TASK_N
};
static const char *const task_names[] = {"classify", "fields", "summarize",
                                         "vision", "other"};

#define FAKE_MAX_IMAGES 8 /* image_url parts in one request */

/* What the tests control; see keys[] for bounds. */
struct settings {
        long long latency_ms;
        long long jitter_ms;
        double error_rate;
        long long error_status;
        long long fail_next;       /* counts down as requests fail */
        long long rate_limit_next; /* counts down as requests get 429 */
        long long retry_after;     /* seconds */
        bool retry_after_date;     /* Retry-After as an HTTP date */
        double malformed_rate;
        double truncated_rate;
        long long trickle_ms;
        long long trickle_bytes;
        double empty_content_rate;
        double wrong_json_rate;
        int usage_style; /* enum usage_style */
        double cached_fraction;
        long long reasoning_tokens;
        long long seed;
        long long max_body_bytes;
};

static const struct settings settings_default = {
        .error_status = 500,
        .retry_after = 1,
        .trickle_bytes = 16,
        .usage_style = USAGE_OPENAI,
        .seed = 1,
        .max_body_bytes = FAKE_BODY_DEFAULT,
};

enum key_type { KEY_INT, KEY_REAL, KEY_BOOL, KEY_STYLE };

/* One settings key: the name in /_control JSON and, with '-' for '_', the
 * command line flag. */
struct key {
        const char *name;
        enum key_type type;
        size_t off;
        double min, max;
};

#define KEY(n, t, lo, hi)                                                      \
        {                                                                      \
#n, t, offsetof(struct settings, n), lo, hi                    \
        }
static const struct key keys[] = {
        KEY(latency_ms, KEY_INT, 0, 600000),
        KEY(jitter_ms, KEY_INT, 0, 600000),
        KEY(error_rate, KEY_REAL, 0, 1),
        KEY(error_status, KEY_INT, 400, 599),
        KEY(fail_next, KEY_INT, 0, 1e9),
        KEY(rate_limit_next, KEY_INT, 0, 1e9),
        KEY(retry_after, KEY_INT, 0, 86400),
        KEY(retry_after_date, KEY_BOOL, 0, 0),
        KEY(malformed_rate, KEY_REAL, 0, 1),
        KEY(truncated_rate, KEY_REAL, 0, 1),
        KEY(trickle_ms, KEY_INT, 0, 60000),
        KEY(trickle_bytes, KEY_INT, 1, 1 << 20),
        KEY(empty_content_rate, KEY_REAL, 0, 1),
        KEY(wrong_json_rate, KEY_REAL, 0, 1),
        KEY(usage_style, KEY_STYLE, 0, 0),
        KEY(cached_fraction, KEY_REAL, 0, 1),
        KEY(reasoning_tokens, KEY_INT, 0, 1e9),
        KEY(seed, KEY_INT, 0, 4294967295.0),
        KEY(max_body_bytes, KEY_INT, 1, (double)FAKE_BODY_MAX),
};

struct stats {
        unsigned long long requests; /* chat completions only */
        unsigned long long by_status[600];
        unsigned long long by_task[TASK_N];
        long long in_flight;
        long long max_in_flight;
};

struct fake {
        /* owned by the MHD thread */
        struct settings set;
        struct stats st;
        GRand *rnd;
        unsigned long long next_id;
        const char *api_key; /* borrowed from argv; NULL: no check */
        const char *model;   /* borrowed from argv */
        struct MHD_Daemon *mhd;
        /* the timer thread, and what it shares under lock */
        GMainContext *ctx;
        GMainLoop *loop;
        GThread *thread;
        GMutex lock;
        GHashTable *sleepers; /* pending struct sleeper *, borrowed */
        bool stopping;        /* resume at once, wait no more */
};

/* A suspended connection waiting for its timer. Lives inside the request
 * or stream that suspended it. */
struct sleeper {
        struct fake *f;
        struct MHD_Connection *conn;
        GSource *src; /* non-NULL while in f->sleepers */
};

enum route {
        ROUTE_CHAT,
        ROUTE_MODELS,
        ROUTE_CONTROL,
        ROUTE_STATS,
        ROUTE_RESET,
        ROUTE_NOT_FOUND,
        ROUTE_BAD_METHOD
};

/* The reply decided for a request, sent once its latency has passed. */
struct reply {
        unsigned status;
        GString *body;
        char retry_after[64]; /* "" for no header */
        bool truncated;       /* Content-Length promises all, half is sent */
        long long trickle_ms; /* 0: send at once */
        long long trickle_bytes;
};

enum req_state { REQ_READING, REQ_WAITING };

struct req {
        enum route route;
        enum req_state state;
        GString *body; /* up to set.max_body_bytes */
        bool too_big;
        struct reply rep;
        struct sleeper sl;
};

/* A reply body sent by a content reader: trickled and/or truncated. */
struct stream {
        struct sleeper sl;
        char *data;
        size_t len;
        size_t stop; /* bytes sent before the end (len, or less: truncated) */
        size_t chunk;
        gint64 every_us;
        gint64 due_us; /* the next chunk goes out at this monotonic time */
};

/* What parse_chat() finds in a request; pointers borrowed from its JSON. */
struct chat {
        enum task task;
        const char *model;
        json_t *props; /* response_format...schema.properties, or NULL */
        long long max_tokens;
        size_t prompt_bytes;
        char *doc; /* new */
        int images; /* image_url parts, each a valid PNG */
        long long image_tokens; /* billed for them */
        unsigned width, height; /* of the last one */
};

/* ---- settings ---------------------------------------------------------- */

static const struct key *key_find(const char *name)
{
        for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
                if (strcmp(keys[i].name, name) == 0)
                        return &keys[i];
        return NULL;
}

/* Sets one key of s from v (borrowed); on a bad value says why and leaves
 * s alone. Values are copied with memcpy: the table addresses fields by
 * offset. */
static int key_set(struct settings *s, const struct key *k, json_t *v,
                   GString *why)
{
        char *p = (char *)s + k->off;
        const char *style = json_string_value(v);
        long long i = json_integer_value(v);
        double d = json_number_value(v);
        bool b = json_is_true(v);

        switch (k->type) {
        case KEY_BOOL:
                if (!json_is_boolean(v))
                        goto bad;
                memcpy(p, &b, sizeof(b));
                return 0;
        case KEY_STYLE:
                for (int n = 0; style && n < (int)G_N_ELEMENTS(usage_names);
                     n++) {
                        if (strcmp(style, usage_names[n]) == 0) {
                                memcpy(p, &n, sizeof(n));
                                return 0;
                        }
                }
                goto bad;
        case KEY_INT:
                if (!json_is_integer(v) || i < k->min || i > k->max)
                        goto bad;
                memcpy(p, &i, sizeof(i));
                return 0;
        case KEY_REAL:
                if (!json_is_number(v) || !(d >= k->min && d <= k->max))
                        goto bad;
                memcpy(p, &d, sizeof(d));
                return 0;
        }
bad:
        if (k->type == KEY_STYLE)
                g_string_printf(why, "%s: want openai, vllm, deepseek or none",
                                k->name);
        else
                g_string_printf(why, "%s: want %s in [%g, %g]", k->name,
                                k->type == KEY_BOOL  ? "true or false"
                                : k->type == KEY_INT ? "an integer"
                                                     : "a number",
                                k->min, k->max);
        return -1;
}

/* Merges the JSON object obj (borrowed) into s: all keys or none. */
static int settings_merge(struct settings *s, json_t *obj, GString *why)
{
        struct settings next = *s;
        const char *name;
        json_t *v;

        if (!json_is_object(obj)) {
                g_string_assign(why, "want a JSON object of settings");
                return -1;
        }
        json_object_foreach(obj, name, v)
        {
                const struct key *k = key_find(name);

                if (!k) {
                        g_string_printf(why, "unknown setting \"%.64s\"", name);
                        return -1;
                }
                if (key_set(&next, k, v, why) < 0)
                        return -1;
        }
        *s = next;
        return 0;
}

/* Returns the settings as a new JSON object. */
static json_t *settings_json(const struct settings *s)
{
        json_t *obj = json_object();

        for (size_t n = 0; n < G_N_ELEMENTS(keys); n++) {
                const char *p = (const char *)s + keys[n].off;
                long long i;
                double d;
                bool b;
                int style;
                json_t *v = NULL;

                switch (keys[n].type) {
                case KEY_INT:
                        memcpy(&i, p, sizeof(i));
                        v = json_integer(i);
                        break;
                case KEY_REAL:
                        memcpy(&d, p, sizeof(d));
                        v = json_real(d);
                        break;
                case KEY_BOOL:
                        memcpy(&b, p, sizeof(b));
                        v = json_boolean(b);
                        break;
                case KEY_STYLE:
                        memcpy(&style, p, sizeof(style));
                        v = json_string(usage_names[style]);
                        break;
                }
                json_object_set_new(obj, keys[n].name, v);
        }
        return obj;
}

/* ---- timers: resume suspended connections when due ---------------------- */

static gpointer timers_main(gpointer data)
{
        struct fake *f = data;

        g_main_loop_run(f->loop);
        return NULL;
}

static gboolean sleeper_fire(gpointer data)
{
        struct sleeper *sl = data;
        struct MHD_Connection *conn;

        g_mutex_lock(&sl->f->lock);
        g_hash_table_remove(sl->f->sleepers, sl);
        g_source_unref(sl->src);
        sl->src = NULL;
        conn = sl->conn;
        g_mutex_unlock(&sl->f->lock);
        MHD_resume_connection(conn); /* sl may be freed from here on */
        return G_SOURCE_REMOVE;
}

/* Resumes sl->conn, which the caller (the MHD thread) has just suspended,
 * after ms milliseconds. */
static void sleeper_wait(struct sleeper *sl, long long ms)
{
        struct fake *f = sl->f;

        g_mutex_lock(&f->lock);
        if (f->stopping) {
                g_mutex_unlock(&f->lock);
                MHD_resume_connection(sl->conn);
                return;
        }
        sl->src = g_timeout_source_new((guint)ms);
        g_source_set_callback(sl->src, sleeper_fire, sl, NULL);
        g_hash_table_add(f->sleepers, sl);
        g_source_attach(sl->src, f->ctx);
        g_mutex_unlock(&f->lock);
}

static gboolean timers_quit(gpointer data)
{
        g_main_loop_quit(data);
        return G_SOURCE_REMOVE;
}

/* Stops the timer thread and resumes every connection still waiting:
 * MHD_stop_daemon must not meet a suspended connection. */
static void timers_stop(struct fake *f)
{
        GHashTableIter it;
        gpointer key;

        g_mutex_lock(&f->lock);
        f->stopping = true;
        g_mutex_unlock(&f->lock);
        g_main_context_invoke(f->ctx, timers_quit, f->loop);
        g_thread_join(f->thread);
        f->thread = NULL;

        g_mutex_lock(&f->lock);
        g_hash_table_iter_init(&it, f->sleepers);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
                struct sleeper *sl = key;

                g_source_destroy(sl->src);
                g_source_unref(sl->src);
                sl->src = NULL;
                MHD_resume_connection(sl->conn);
                g_hash_table_iter_remove(&it);
        }
        g_mutex_unlock(&f->lock);
}

/* ---- replies ----------------------------------------------------------- */

/* Sets the reply to the JSON value j (steals). */
static void reply_json(struct reply *rep, unsigned status, json_t *j)
{
        char *text = json_dumps(j, FAKE_JSON_FLAGS);

        rep->status = status;
        g_string_assign(rep->body, text ? text : "{}");
        free(text);
        json_decref(j);
}

/* An OpenAI-style error: {"error": {message, type, param, code}}. */
static void reply_error(struct reply *rep, unsigned status, const char *code,
                        const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void reply_error(struct reply *rep, unsigned status, const char *code,
                        const char *fmt, ...)
{
        const char *type = status == 429   ? "requests"
                           : status >= 500 ? "server_error"
                                           : "invalid_request_error";
        va_list ap;
        char *msg;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        reply_json(rep, status,
                   json_pack("{s:{s:s, s:s, s:n, s:s}}", "error", "message",
                             msg, "type", type, "param", "code", code));
        g_free(msg);
}

static void reply_rate_limited(struct fake *f, struct reply *rep)
{
        long long secs = f->set.retry_after;
        time_t when = time(NULL) + (time_t)secs;
        struct tm tm;

        if (f->set.retry_after_date) {
                gmtime_r(&when, &tm);
                strftime(rep->retry_after, sizeof(rep->retry_after),
                         "%a, %d %b %Y %H:%M:%S GMT", &tm);
        } else {
                g_snprintf(rep->retry_after, sizeof(rep->retry_after), "%lld",
                           secs);
        }
        reply_error(rep, 429, "rate_limit_exceeded",
                    "Rate limit reached; retry after %lld s", secs);
}

/* ---- the fake model ---------------------------------------------------- */

/* Appends the text of a message content (a string or an array of parts). */
static void content_text(json_t *content, GString *out)
{
        size_t i;
        json_t *part;

        if (json_is_string(content)) {
                g_string_append_len(out, json_string_value(content),
                                    (gssize)json_string_length(content));
                return;
        }
        json_array_foreach(content, i, part)
        {
                json_t *text = json_object_get(part, "text");

                if (json_is_string(text))
                        g_string_append_len(out, json_string_value(text),
                                            (gssize)json_string_length(text));
        }
}

/* Returns the document (new): the lines between "<<<DOCUMENT nonce>>>" and
 * "<<<END DOCUMENT nonce>>>", or all of text when there is no marker. */
static char *document_of(const char *text)
{
        const char *start = strstr(text, "<<<DOCUMENT ");
        const char *close, *nl, *end;
        char *nonce, *marker;

        if (!start)
                return g_strdup(text);
        start += strlen("<<<DOCUMENT ");
        close = strstr(start, ">>>");
        nl = strchr(start, '\n');
        if (!close || !nl || close > nl)
                return g_strdup(text);
        nonce = g_strndup(start, (gsize)(close - start));
        marker = g_strdup_printf("\n<<<END DOCUMENT %s>>>", nonce);
        end = strstr(nl, marker);
        if (!end)
                end = nl + strlen(nl);
        g_free(nonce);
        g_free(marker);
        return g_strndup(nl + 1, end > nl ? (gsize)(end - nl - 1) : 0);
}

/* Checks one image_url content part: a data URL of base64 PNG bytes.
 * Adds its size and tokens to chat; -1 with why otherwise. */
static int image_check(json_t *part, struct chat *chat, GString *why)
{
        static const char prefix[] = "data:image/png;base64,";
        const char *url = json_string_value(
                json_object_get(json_object_get(part, "image_url"), "url"));
        const char *b64;
        guchar *png = NULL;
        gsize n = 0;
        double w, h, f;
        int rc = -1;

        if (!url) {
                g_string_assign(why, "image_url.url must be a string");
                return -1;
        }
        if (strncmp(url, prefix, sizeof(prefix) - 1) != 0) {
                g_string_assign(why, "image_url.url: this fake reads only "
                                     "data:image/png;base64 URLs");
                return -1;
        }
        b64 = url + sizeof(prefix) - 1;
        if (strlen(b64) % 4 != 0 ||
            strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789+/=") != strlen(b64)) {
                g_string_assign(why, "image_url.url: invalid base64");
                return -1;
        }
        png = g_base64_decode(b64, &n);
        if (n < 24 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0 ||
            memcmp(png + 12, "IHDR", 4) != 0) {
                g_string_assign(why, "image_url.url: not a PNG image");
                goto out;
        }
        chat->width = (unsigned)png[16] << 24 | (unsigned)png[17] << 16 |
                      (unsigned)png[18] << 8 | png[19];
        chat->height = (unsigned)png[20] << 24 | (unsigned)png[21] << 16 |
                       (unsigned)png[22] << 8 | png[23];
        if (chat->width == 0 || chat->height == 0) {
                g_string_assign(why, "image_url.url: an empty PNG");
                goto out;
        }
        /* OpenAI's high detail: within 2048 x 2048, the short side at
         * most 768, 85 tokens and 170 per 512-pixel tile. */
        w = chat->width;
        h = chat->height;
        f = 2048 / MAX(w, h);
        if (f < 1) {
                w *= f;
                h *= f;
        }
        f = 768 / MIN(w, h);
        if (f < 1) {
                w *= f;
                h *= f;
        }
        chat->image_tokens += 85 + 170 * (long long)(ceil(w / 512) *
                                                     ceil(h / 512));
        chat->images++;
        rc = 0;
out:
        g_free(png);
        return rc;
}

/* Checks the image_url parts of a message content (an array); -1 with
 * why at the first bad one. */
static int images_check(json_t *content, struct chat *chat, GString *why)
{
        size_t i;
        json_t *part;

        json_array_foreach(content, i, part)
        {
                const char *type =
                        json_string_value(json_object_get(part, "type"));

                if (!type || strcmp(type, "image_url") != 0)
                        continue;
                if (chat->images >= FAKE_MAX_IMAGES) {
                        g_string_printf(why, "more than %d images",
                                        FAKE_MAX_IMAGES);
                        return -1;
                }
                if (image_check(part, chat, why) < 0)
                        return -1;
        }
        return 0;
}

/* Reads what the answer depends on from a request body root (borrowed). */
static int parse_chat(struct fake *f, json_t *root, struct chat *chat,
                      GString *why)
{
        json_t *msgs = json_object_get(root, "messages");
        json_t *model = json_object_get(root, "model");
        json_t *max = json_object_get(root, "max_tokens");
        json_t *msg;
        GString *system = g_string_new(NULL), *user = g_string_new(NULL);
        GString *text = g_string_new(NULL);
        const char *hay, *first = NULL;
        size_t i;
        int rc = -1;

        if (!json_is_array(msgs) || json_array_size(msgs) == 0) {
                g_string_assign(why, "'messages' must be a non-empty array");
                goto out;
        }
        json_array_foreach(msgs, i, msg)
        {
                const char *role =
                        json_string_value(json_object_get(msg, "role"));

                if (!role) {
                        g_string_printf(why, "messages[%zu].role is required",
                                        i);
                        goto out;
                }
                g_string_truncate(text, 0);
                content_text(json_object_get(msg, "content"), text);
                if (images_check(json_object_get(msg, "content"), chat, why) <
                    0)
                        goto out;
                chat->prompt_bytes += text->len;
                /* the task is named in the system prompt, the document in
                 * the user turns; assistant turns are neither */
                if (strcmp(role, "system") == 0 ||
                    strcmp(role, "developer") == 0)
                        g_string_append_printf(system, "%s\n", text->str);
                else if (strcmp(role, "user") == 0)
                        g_string_append_printf(user, "%s\n", text->str);
        }
        chat->model =
                json_is_string(model) ? json_string_value(model) : f->model;
        if (!json_is_integer(max))
                max = json_object_get(root, "max_completion_tokens");
        if (json_is_integer(max) && json_integer_value(max) > 0)
                chat->max_tokens =
                        MIN(json_integer_value(max), FAKE_MAX_TOKENS);
        chat->props = json_object_get(
                json_object_get(
                        json_object_get(
                                json_object_get(root, "response_format"),
                                "json_schema"),
                        "schema"),
                "properties");
        if (!json_is_object(chat->props))
                chat->props = NULL;

        /* the task named first in the system prompt (in the user turn
         * when there is no system prompt) */
        hay = system->len ? system->str : user->str;
        chat->task = TASK_OTHER;
        for (int t = 0; t < TASK_OTHER; t++) {
                char *needle = g_strdup_printf("Task: %s", task_names[t]);
                const char *at = strstr(hay, needle);

                g_free(needle);
                if (at && (!first || at < first)) {
                        chat->task = t;
                        first = at;
                }
        }
        if (chat->task == TASK_VISION && chat->images == 0) {
                g_string_assign(why, "Task: vision without an image_url "
                                     "part");
                goto out;
        }
        chat->doc = document_of(user->str);
        rc = 0;
out:
        g_string_free(system, TRUE);
        g_string_free(user, TRUE);
        g_string_free(text, TRUE);
        return rc;
}

/* Returns capture group 1 (new) of the first match of pattern in text, or
 * of the last one when last is set; NULL when nothing matches. */
static char *regex_capture(const char *pattern, const char *text, bool last)
{
        GRegex *re = g_regex_new(pattern, G_REGEX_CASELESS | G_REGEX_MULTILINE,
                                 0, NULL);
        GMatchInfo *mi = NULL;
        char *found = NULL;

        if (!re)
                return NULL;
        g_regex_match(re, text, 0, &mi);
        while (g_match_info_matches(mi)) {
                g_free(found);
                found = g_match_info_fetch(mi, 1);
                if (!last)
                        break;
                g_match_info_next(mi, NULL);
        }
        g_match_info_free(mi);
        g_regex_unref(re);
        return found;
}

static const char *classify_of(const char *doc)
{
        /* More specific phrases first: an annual report mentions
         * "statements", an invoice an IBAN. */
        static const struct {
                const char *re, *cls;
        } rules[] = {
                {"\\b(invoice|rechnung|facture)", "invoice"},
                {"\\breceipt", "receipt"},
                {"\\bannual\\s+report", "annual_report"},
                {"\\bquarterly", "financial_report"},
                {"\\bstatement|\\biban\\b", "bank_statement"},
                {"\\bagreement", "contract"},
                {"\\bform\\s+1040|\\btax\\b", "tax_form"},
        };

        for (size_t i = 0; i < G_N_ELEMENTS(rules); i++)
                if (g_regex_match_simple(rules[i].re, doc, G_REGEX_CASELESS, 0))
                        return rules[i].cls;
        return "other";
}

/* Parses "1,234.56", "1.234,56", "1'234.50", "-99" into *out. */
static int amount_parse(const char *raw, double *out)
{
        GString *s = g_string_new(raw[0] == '-' ? "-" : NULL);
        const char *dot = strrchr(raw, '.'), *comma = strrchr(raw, ',');
        char dec = '.';
        char *end;
        int rc = -1;

        if (comma && (!dot || comma > dot) && strlen(comma + 1) <= 2)
                dec = ','; /* "1.234,56", "12,5" */
        else if (dot && strchr(raw, '.') != dot)
                dec = 0; /* "1.234.567": the dots group thousands */
        for (const char *p = raw; *p; p++) {
                if (g_ascii_isdigit(*p))
                        g_string_append_c(s, *p);
                else if (*p == dec)
                        g_string_append_c(s, '.');
        }
        if (s->len > 0 && s->len < 64) {
                *out = g_ascii_strtod(s->str, &end);
                rc = *end == '\0' ? 0 : -1;
        }
        g_string_free(s, TRUE);
        return rc;
}

static char *currency_of(const char *doc)
{
        char *code = regex_capture("\\b(EUR|USD|GBP|CHF)\\b", doc, false);

        if (code) {
                char *up = g_ascii_strup(code, -1);

                g_free(code);
                return up;
        }
        if (strstr(doc, "€"))
                return g_strdup("EUR");
        if (strstr(doc, "£"))
                return g_strdup("GBP");
        return strchr(doc, '$') ? g_strdup("USD") : NULL;
}

/* Finds the raw text of field key (new), or NULL. What kind of value it is
 * comes from the key's name and the schema's pattern, as docpipe's field
 * schemas write them (dates "^\d{4}-\d{2}-\d{2}$", amounts
 * "^-?\d+\.\d{2}$"); *amount says it is one. */
static char *field_find(const char *doc, const char *key, json_t *prop,
                        bool *amount)
{
        static const char *const first_date[] = {"date", "issue", "invoice",
                                                 "document", NULL};
        const char *pat = json_string_value(json_object_get(prop, "pattern"));
        char *label = g_strdup(key), *esc, *re = NULL, *found = NULL;
        bool date = g_str_has_suffix(key, "date") ||
                    (pat && strstr(pat, "\\d{4}-\\d{2}-\\d{2}"));

        *amount = (pat && strstr(pat, "\\.\\d{2}")) ||
                  strcmp(key, "total") == 0 || strcmp(key, "amount") == 0;
        if (strcmp(key, "currency") == 0) {
                found = currency_of(doc);
                goto out;
        }
        if (strstr(key, "number") || strcmp(key, "invoice_no") == 0) {
                found = regex_capture(
                        "(?:\\b(?:invoice|rechnung|facture)\\b[ \\t]*"
                        "(?:no\\.?|nr\\.?|number|#)?|\\bno\\.)[ \\t]*[:#]?"
                        "[ \\t]*([a-z0-9/_-]*[0-9][a-z0-9/_-]*)",
                        doc, false);
                goto out;
        }
        if (g_str_has_suffix(label, "_date"))
                label[strlen(label) - 5] = '\0'; /* "due_date": "due" */
        g_strdelimit(label, "_", ' ');
        esc = g_regex_escape_string(label, -1);
        if (date) /* the first date after the label */
                re = g_strdup_printf("\\b%s\\b[^\\n]{0,40}?"
                                     "(\\d{4}-\\d{2}-\\d{2})",
                                     esc);
        else if (*amount) /* the last amount after the label, not a % */
                re = g_strdup_printf("\\b%s\\b[^\\n]{0,24}?"
                                     "(-?[0-9](?:[0-9.,']*[0-9])?)"
                                     "(?![0-9.,']*\\s*%%)",
                                     esc);
        else /* a "Label: value" line */
                re = g_strdup_printf(
                        "^[ \\t]*%s[ \\t]*[:=][ \\t]*(.+?)[ \\t]*$", esc);
        g_free(esc);
        found = regex_capture(re, doc, *amount);
        if (!found && date && g_strv_contains(first_date, label))
                found = regex_capture("(\\d{4}-\\d{2}-\\d{2})", doc, false);
out:
        g_free(re);
        g_free(label);
        return found;
}

/* "string", "number", "integer", "array"... of a property schema; the first
 * that is not "null" when the type is a list; "string" when absent. */
static const char *prop_type(json_t *prop)
{
        json_t *type = json_object_get(prop, "type");
        size_t i;
        json_t *t;

        if (json_is_string(type))
                return json_string_value(type);
        json_array_foreach(type, i, t)
        {
                if (json_is_string(t) && strcmp(json_string_value(t), "null"))
                        return json_string_value(t);
        }
        return "string";
}

/* Adds key to out when found in doc, typed as its schema prop (may be
 * NULL) asks: amounts as "1234.56" strings (docpipe's schemas) or numbers. */
static void field_put(json_t *out, const char *doc, const char *key,
                      json_t *prop)
{
        const char *type = prop_type(prop);
        bool amount;
        char *raw;
        double d;
        json_t *v = NULL;

        if (strlen(key) > FAKE_MAX_KEY)
                return;
        raw = field_find(doc, key, prop, &amount);
        if (!raw)
                return;
        if (strcmp(type, "number") == 0 || strcmp(type, "integer") == 0) {
                if (amount_parse(raw, &d) == 0)
                        v = strcmp(type, "integer") == 0
                                    ? json_integer((json_int_t)d)
                                    : json_real(d);
        } else if (amount) {
                if (amount_parse(raw, &d) == 0)
                        v = json_sprintf("%.2f", d);
        } else if (strcmp(type, "array") == 0) {
                v = json_pack("[s]", raw);
        } else {
                v = json_string(raw);
        }
        if (v)
                json_object_set_new(out, key, v);
        g_free(raw);
}

/* Returns the fields answer (new JSON object). */
static json_t *fields_of(const char *doc, json_t *props)
{
        static const char *const defaults[] = {"invoice_number", "date",
                                               "due_date", "total", "currency"};
        json_t *out = json_object();
        const char *key;
        json_t *prop;
        int n = 0;

        if (!props) {
                for (size_t i = 0; i < G_N_ELEMENTS(defaults); i++)
                        field_put(out, doc, defaults[i], NULL);
                return out;
        }
        json_object_foreach(props, key, prop)
        {
                if (n++ == FAKE_MAX_PROPS)
                        break;
                field_put(out, doc, key, prop);
        }
        return out;
}

/* The first two sentences of doc, whitespace folded, cut to max bytes
 * (0: no cut) on a UTF-8 boundary. Returns new; *cut says if it was. */
static char *summary_of(const char *doc, size_t max, bool *cut)
{
        GString *out = g_string_new(NULL);
        bool space = false;
        int sentences = 0;

        for (const char *p = doc; *p && sentences < 2; p++) {
                if (g_ascii_isspace(*p)) {
                        space = out->len > 0;
                        continue;
                }
                if (space)
                        g_string_append_c(out, ' ');
                space = false;
                g_string_append_c(out, *p);
                if (strchr(".!?", *p) &&
                    (p[1] == '\0' || g_ascii_isspace(p[1])))
                        sentences++;
        }
        *cut = max > 0 && out->len > max;
        if (*cut) {
                size_t at = max;

                while (at > 0 && ((unsigned char)out->str[at] & 0xC0) == 0x80)
                        at--;
                g_string_truncate(out, at);
        }
        return g_string_free(out, FALSE);
}

/* The assistant's content for chat (new); *cut when max_tokens cut it. */
static char *answer_of(const struct chat *chat, bool *cut)
{
        bool pwned = strcasestr(chat->doc, "ignore previous instructions");
        const char *cls;
        json_t *j;
        char *text, *content;

        *cut = false;
        switch (chat->task) {
        case TASK_CLASSIFY:
                cls = pwned ? "HACKED" : classify_of(chat->doc);
                j = json_pack("{s:s, s:f}", "class", cls, "confidence",
                              pwned ? 1.0 : 0.93);
                break;
        case TASK_FIELDS:
                j = pwned ? json_pack("{s:b}", "pwned", 1)
                          : fields_of(chat->doc, chat->props);
                break;
        case TASK_SUMMARIZE:
                if (pwned)
                        return g_strdup("I have been pwned.");
                return summary_of(chat->doc, (size_t)chat->max_tokens * 4, cut);
        case TASK_VISION:
                /* It cannot read the image: a fixed page that says which
                 * image it got, so a test can tell its text from OCR's. */
                return g_strdup_printf(
                        "RECEIPT\n"
                        "Fake Vision Market\n"
                        "Receipt number FV-%ux%u\n"
                        "Date 2024-03-15\n"
                        "Total 12.34 EUR\n"
                        "Thank you for your purchase",
                        chat->width, chat->height);
        default:
                return g_strdup("I am a fake model; name a task in the "
                                "system message.");
        }
        text = json_dumps(j, FAKE_JSON_FLAGS);
        content = g_strdup(text ? text : "{}");
        free(text);
        json_decref(j);
        return content;
}

static long long ceil4(size_t bytes)
{
        return (long long)((bytes + 3) / 4);
}

/* The usage object (new) in the style asked for, or NULL for none. */
static json_t *usage_of(const struct settings *s, size_t prompt_bytes,
                        size_t content_bytes)
{
        long long prompt = ceil4(prompt_bytes);
        long long reasoning = s->reasoning_tokens;
        /* reasoning is part of completion_tokens, as OpenAI bills it */
        long long completion = ceil4(content_bytes) + reasoning;
        long long cached =
                (long long)floor((double)prompt * s->cached_fraction);
        json_t *u;

        if (s->usage_style == USAGE_NONE)
                return NULL;
        u = json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)prompt,
                      "completion_tokens", (json_int_t)completion,
                      "total_tokens", (json_int_t)(prompt + completion));
        if (s->usage_style == USAGE_DEEPSEEK) {
                json_object_set_new(u, "prompt_cache_hit_tokens",
                                    json_integer(cached));
                json_object_set_new(u, "prompt_cache_miss_tokens",
                                    json_integer(prompt - cached));
                if (reasoning > 0)
                        json_object_set_new(u, "completion_tokens_details",
                                            json_pack("{s:I}",
                                                      "reasoning_tokens",
                                                      (json_int_t)reasoning));
                return u;
        }
        if (s->usage_style == USAGE_VLLM && cached == 0)
                json_object_set_new(u, "prompt_tokens_details", json_null());
        else
                json_object_set_new(u, "prompt_tokens_details",
                                    json_pack("{s:I}", "cached_tokens",
                                              (json_int_t)cached));
        json_object_set_new(
                u, "completion_tokens_details",
                json_pack("{s:I}", "reasoning_tokens", (json_int_t)reasoning));
        return u;
}

static bool authorized(struct fake *f, struct MHD_Connection *conn)
{
        const char *auth = MHD_lookup_connection_value(
                conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

        if (!f->api_key)
                return true;
        return auth && g_ascii_strncasecmp(auth, "Bearer ", 7) == 0 &&
               strcmp(auth + 7, f->api_key) == 0;
}

/* Decides the reply to a chat completion; returns the latency in ms. */
static long long chat_reply(struct fake *f, struct req *req)
{
        struct settings *s = &f->set;
        struct reply *rep = &req->rep;
        struct chat chat = {0};
        GString *why = g_string_new(NULL);
        double r_jitter, r_err, r_mal, r_trunc, r_empty, r_wrong;
        long long delay = 0;
        json_error_t jerr;
        json_t *root, *res, *usage;
        char *content = NULL, *id;
        bool cut;

        root = json_loadb(req->body->str, req->body->len, 0, &jerr);
        if (!root) {
                reply_error(rep, 400, "invalid_json",
                            "We could not parse the JSON body of your request: "
                            "%s (line %d)",
                            jerr.text, jerr.line);
                goto out;
        }
        if (parse_chat(f, root, &chat, why) < 0) {
                reply_error(rep, 400, "invalid_request", "%s", why->str);
                goto out;
        }
        f->st.by_task[chat.task]++;

        /* Every request draws the same values in the same order, so one seed
         * gives one sequence of faults whatever the settings are. */
        r_jitter = g_rand_double(f->rnd);
        r_err = g_rand_double(f->rnd);
        r_mal = g_rand_double(f->rnd);
        r_trunc = g_rand_double(f->rnd);
        r_empty = g_rand_double(f->rnd);
        r_wrong = g_rand_double(f->rnd);
        delay = s->latency_ms + (long long)(r_jitter * (double)s->jitter_ms);

        if (s->rate_limit_next > 0) {
                s->rate_limit_next--;
                reply_rate_limited(f, rep);
                goto out;
        }
        if (s->fail_next > 0 || r_err < s->error_rate) {
                if (s->fail_next > 0)
                        s->fail_next--;
                reply_error(rep, (unsigned)s->error_status, "injected",
                            "The fake server failed this request on purpose");
                goto out;
        }

        content = answer_of(&chat, &cut);
        if (r_empty < s->empty_content_rate) {
                content[0] = '\0';
        } else if (r_wrong < s->wrong_json_rate &&
                   (chat.task == TASK_CLASSIFY || chat.task == TASK_FIELDS)) {
                g_free(content);
                content = g_strdup("Sure! Here is the JSON: {class: invoice, "
                                   "confidence: high");
        }
        id = g_strdup_printf("chatcmpl-%llu", ++f->next_id);
        res = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s}, s:s}]}",
                        "id", id, "object", "chat.completion", "created",
                        (json_int_t)time(NULL), "model", chat.model, "choices",
                        "index", 0, "message", "role", "assistant", "content",
                        content, "finish_reason", cut ? "length" : "stop");
        g_free(id);
        /* An image is billed by its tiles, as 4 bytes a token. */
        usage = usage_of(s, chat.prompt_bytes + (size_t)chat.image_tokens * 4,
                         strlen(content));
        if (usage)
                json_object_set_new(res, "usage", usage);
        reply_json(rep, 200, res);

        if (r_mal < s->malformed_rate)
                g_string_assign(rep->body, "<html><body><h1>200 OK</h1>"
                                           "this is not JSON</body></html>");
        rep->truncated = r_trunc < s->truncated_rate;
        rep->trickle_ms = s->trickle_ms;
        rep->trickle_bytes = s->trickle_bytes;
out:
        g_free(content);
        g_free(chat.doc);
        json_decref(root);
        g_string_free(why, TRUE);
        return delay;
}

/* ---- the other endpoints ------------------------------------------------ */

static void stats_reply(struct fake *f, struct reply *rep)
{
        json_t *by_status = json_object(), *by_task = json_object();
        char code[8];

        for (int i = 0; i < (int)G_N_ELEMENTS(f->st.by_status); i++) {
                if (f->st.by_status[i] == 0)
                        continue;
                g_snprintf(code, sizeof(code), "%d", i);
                json_object_set_new(
                        by_status, code,
                        json_integer((json_int_t)f->st.by_status[i]));
        }
        for (int t = 0; t < TASK_N; t++)
                json_object_set_new(by_task, task_names[t],
                                    json_integer((json_int_t)f->st.by_task[t]));
        reply_json(rep, 200,
                   json_pack("{s:I, s:o, s:o, s:I, s:I}", "requests",
                             (json_int_t)f->st.requests, "by_status", by_status,
                             "by_task", by_task, "in_flight",
                             (json_int_t)f->st.in_flight, "max_in_flight",
                             (json_int_t)f->st.max_in_flight));
}

static void control_reply(struct fake *f, struct req *req, const char *method)
{
        GString *why = g_string_new(NULL);
        json_error_t jerr;
        json_t *obj;

        if (strcmp(method, "POST") == 0) {
                obj = json_loadb(req->body->str, req->body->len, 0, &jerr);
                if (!obj) {
                        reply_error(&req->rep, 400, "invalid_json", "%s",
                                    jerr.text);
                        goto out;
                }
                if (settings_merge(&f->set, obj, why) < 0) {
                        reply_error(&req->rep, 400, "invalid_setting", "%s",
                                    why->str);
                        json_decref(obj);
                        goto out;
                }
                if (json_object_get(obj, "seed"))
                        g_rand_set_seed(f->rnd, (guint32)f->set.seed);
                json_decref(obj);
        }
        reply_json(&req->rep, 200, settings_json(&f->set));
out:
        g_string_free(why, TRUE);
}

/* Fills req->rep for a request whose body has arrived; returns how long to
 * wait before sending it, in ms. */
static long long route_reply(struct fake *f, struct req *req,
                             struct MHD_Connection *conn, const char *method)
{
        struct reply *rep = &req->rep;

        if (req->too_big) {
                reply_error(rep, 413, "request_too_large",
                            "Request body exceeds %lld bytes",
                            f->set.max_body_bytes);
                return 0;
        }
        if ((req->route == ROUTE_CHAT || req->route == ROUTE_MODELS) &&
            !authorized(f, conn)) {
                reply_error(rep, 401, "invalid_api_key",
                            "Incorrect API key provided");
                return 0;
        }
        switch (req->route) {
        case ROUTE_CHAT:
                return chat_reply(f, req);
        case ROUTE_MODELS:
                reply_json(rep, 200,
                           json_pack("{s:s, s:[{s:s, s:s, s:i, s:s}]}",
                                     "object", "list", "data", "id", f->model,
                                     "object", "model", "created", 0,
                                     "owned_by", "docpipe-tests"));
                break;
        case ROUTE_CONTROL:
                control_reply(f, req, method);
                break;
        case ROUTE_STATS:
                stats_reply(f, rep);
                break;
        case ROUTE_RESET:
                memset(f->st.by_status, 0, sizeof(f->st.by_status));
                memset(f->st.by_task, 0, sizeof(f->st.by_task));
                f->st.requests = 0;
                f->st.max_in_flight = f->st.in_flight;
                stats_reply(f, rep);
                break;
        case ROUTE_NOT_FOUND:
                reply_error(rep, 404, "unknown_url", "Unknown path");
                break;
        case ROUTE_BAD_METHOD:
                reply_error(rep, 405, "method_not_allowed",
                            "Method %.16s not allowed here", method);
                break;
        }
        return 0;
}

/* ---- HTTP plumbing ------------------------------------------------------ */

static enum route route_of(const char *method, const char *url)
{
        static const struct {
                const char *url, *method, *method2;
                enum route route;
        } routes[] = {
                {"/v1/chat/completions", "POST", NULL, ROUTE_CHAT},
                {"/v1/models", "GET", NULL, ROUTE_MODELS},
                {"/_control", "POST", "GET", ROUTE_CONTROL},
                {"/_stats", "GET", NULL, ROUTE_STATS},
                {"/_reset", "POST", NULL, ROUTE_RESET},
        };

        for (size_t i = 0; i < G_N_ELEMENTS(routes); i++) {
                if (strcmp(url, routes[i].url) != 0)
                        continue;
                if (strcmp(method, routes[i].method) == 0 ||
                    (routes[i].method2 &&
                     strcmp(method, routes[i].method2) == 0))
                        return routes[i].route;
                return ROUTE_BAD_METHOD;
        }
        return ROUTE_NOT_FOUND;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct stream *st = cls;
        gint64 now;
        size_t n;

        if (pos >= st->stop)
                return st->stop < st->len ? MHD_CONTENT_READER_END_WITH_ERROR
                                          : MHD_CONTENT_READER_END_OF_STREAM;
        if (st->every_us > 0) {
                now = g_get_monotonic_time();
                if (now < st->due_us) {
                        MHD_suspend_connection(st->sl.conn);
                        sleeper_wait(&st->sl, (st->due_us - now + 999) / 1000);
                        return 0;
                }
                st->due_us = now + st->every_us;
        }
        n = MIN(MIN(max, st->stop - (size_t)pos), st->chunk);
        memcpy(buf, st->data + pos, n);
        return (ssize_t)n;
}

static void stream_free(void *cls)
{
        struct stream *st = cls;

        g_free(st->data);
        g_free(st);
}

/* A response whose body a content reader sends: all of rep->body (stolen)
 * in trickle_bytes chunks trickle_ms apart, or half of it, then a close. */
static struct MHD_Response *
stream_new(struct fake *f, struct MHD_Connection *conn, struct reply *rep)
{
        struct stream *st = g_new0(struct stream, 1);
        struct MHD_Response *resp;

        st->sl.f = f;
        st->sl.conn = conn;
        st->len = rep->body->len;
        st->data = g_string_free(rep->body, FALSE);
        rep->body = NULL;
        st->stop = rep->truncated ? st->len / 2 : st->len;
        st->chunk = rep->trickle_ms > 0 ? (size_t)rep->trickle_bytes : SIZE_MAX;
        st->every_us = rep->trickle_ms * 1000;
        st->due_us = g_get_monotonic_time() + st->every_us;
        resp = MHD_create_response_from_callback(st->len, 4096, stream_read, st,
                                                 stream_free);
        if (!resp)
                stream_free(st);
        return resp;
}

static enum MHD_Result req_send(struct fake *f, struct req *req,
                                struct MHD_Connection *conn)
{
        struct reply *rep = &req->rep;
        struct MHD_Response *resp;
        enum MHD_Result ret;

        if (rep->truncated || rep->trickle_ms > 0)
                resp = stream_new(f, conn, rep);
        else
                resp = MHD_create_response_from_buffer(
                        rep->body->len, rep->body->str, MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/json");
        if (rep->retry_after[0])
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
                                        rep->retry_after);
        if (req->route == ROUTE_CHAT && rep->status < 600)
                f->st.by_status[rep->status]++;
        ret = MHD_queue_response(conn, rep->status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        struct fake *f = cls;
        struct req *req = *con_cls;

        (void)version;
        if (!req) {
                /* the headers are in: owned by the connection from now on,
                 * on_completed frees it */
                const char *clen = MHD_lookup_connection_value(
                        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

                req = g_new0(struct req, 1);
                req->route = route_of(method, url);
                req->body = g_string_new(NULL);
                req->rep.body = g_string_new(NULL);
                req->sl.f = f;
                req->sl.conn = conn;
                *con_cls = req;
                if (req->route == ROUTE_CHAT) {
                        f->st.requests++;
                        f->st.in_flight++;
                        f->st.max_in_flight =
                                MAX(f->st.max_in_flight, f->st.in_flight);
                }
                if (clen &&
                    g_ascii_strtoll(clen, NULL, 10) > f->set.max_body_bytes) {
                        req->too_big = true; /* say so before reading it */
                        route_reply(f, req, conn, method);
                        return req_send(f, req, conn);
                }
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                if (req->body->len + *upload_data_size >
                    (size_t)f->set.max_body_bytes)
                        req->too_big = true;
                if (!req->too_big)
                        g_string_append_len(req->body, upload_data,
                                            (gssize)*upload_data_size);
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (req->state == REQ_READING) {
                long long delay = route_reply(f, req, conn, method);

                if (delay > 0) {
                        req->state = REQ_WAITING;
                        MHD_suspend_connection(conn);
                        sleeper_wait(&req->sl, delay);
                        return MHD_YES;
                }
        }
        return req_send(f, req, conn);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        struct fake *f = cls;
        struct req *req = *con_cls;

        (void)conn;
        (void)toe;
        if (!req)
                return;
        if (req->route == ROUTE_CHAT)
                f->st.in_flight--;
        g_string_free(req->body, TRUE);
        if (req->rep.body)
                g_string_free(req->rep.body, TRUE);
        g_free(req);
        *con_cls = NULL;
}

/* ---- main --------------------------------------------------------------- */

static void print_usage(FILE *to)
{
        fprintf(to, "usage: fake-openai [--port N] [--port-file F] "
                    "[--api-key KEY] [--model NAME] [--SETTING VALUE]...\n"
                    "settings (also POST /_control {\"setting\": value}):\n");
        for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
                char *flag = g_strdup(keys[i].name);

                fprintf(to, "  --%s\n", g_strdelimit(flag, "_", '-'));
                g_free(flag);
        }
}

struct opts {
        long port;
        const char *port_file;
};

/* Parses the command line into f and o; returns 0, 1 for --help, -1. */
static int args_parse(struct fake *f, struct opts *o, int argc, char **argv)
{
        GString *why = g_string_new(NULL);
        int rc = -1;

        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i], *val;
                char *name, *eq;
                const struct key *k;
                json_t *v;

                if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
                        rc = 1;
                        goto out;
                }
                if (strncmp(arg, "--", 2) != 0) {
                        g_string_printf(why, "unexpected argument %s", arg);
                        goto out;
                }
                name = g_strdup(arg + 2);
                eq = strchr(name, '=');
                if (eq)
                        *eq = '\0';
                val = eq ? arg + 2 + (eq - name) + 1 : argv[i + 1];
                if (!eq)
                        i++;
                g_strdelimit(name, "-", '_');
                k = key_find(name);
                if (!val) {
                        g_string_printf(why, "%s needs a value", arg);
                } else if (strcmp(name, "port") == 0) {
                        o->port = strtol(val, &eq, 10);
                        if (*eq || o->port < 0 || o->port > 65535)
                                g_string_printf(why, "bad port %s", val);
                } else if (strcmp(name, "port_file") == 0) {
                        o->port_file = val;
                } else if (strcmp(name, "api_key") == 0) {
                        f->api_key = val;
                } else if (strcmp(name, "model") == 0) {
                        f->model = val;
                } else if (!k) {
                        g_string_printf(why, "unknown option %s", arg);
                } else {
                        /* "500", "0.5", "true" are JSON; "vllm" is not */
                        v = json_loads(val, JSON_DECODE_ANY, NULL);
                        if (!v)
                                v = json_string(val);
                        key_set(&f->set, k, v, why); /* fills why */
                        json_decref(v);
                }
                g_free(name);
                if (why->len > 0)
                        goto out;
        }
        rc = 0;
out:
        if (rc < 0)
                fprintf(stderr, "fake-openai: %s\n", why->str);
        g_string_free(why, TRUE);
        return rc;
}

static int port_file_write(const char *path, const char *addr)
{
        char *tmp = g_strdup_printf("%s.tmp", path);
        FILE *fp = fopen(tmp, "w");
        int rc = -1;

        if (!fp)
                goto out;
        fprintf(fp, "%s\n", addr);
        if (fclose(fp) == 0 && rename(tmp, path) == 0)
                rc = 0;
out:
        if (rc < 0)
                perror(path);
        g_free(tmp);
        return rc;
}

int main(int argc, char **argv)
{
        struct fake *f = g_new0(struct fake, 1);
        struct opts o = {0};
        struct sockaddr_in sin = {0};
        const union MHD_DaemonInfo *info;
        struct rlimit rl;
        sigset_t sigs;
        char addr[32];
        int sig, rc = 1;

        f->set = settings_default;
        f->model = "fake-model";
        rc = args_parse(f, &o, argc, argv);
        if (rc != 0) {
                print_usage(rc > 0 ? stdout : stderr);
                rc = rc > 0 ? 0 : 2;
                goto out;
        }
        rc = 1;
        /* the load check holds thousands of connections */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        /* signals go to sigwait() below, never to the worker threads */
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        pthread_sigmask(SIG_BLOCK, &sigs, NULL);
        signal(SIGPIPE, SIG_IGN);

        f->rnd = g_rand_new_with_seed((guint32)f->set.seed);
        g_mutex_init(&f->lock);
        f->sleepers = g_hash_table_new(NULL, NULL);
        f->ctx = g_main_context_new();
        f->loop = g_main_loop_new(f->ctx, FALSE);
        f->thread = g_thread_new("timers", timers_main, f);

        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)o.port);
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        f->mhd = MHD_start_daemon(
                MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                        MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                (uint16_t)o.port, NULL, NULL, on_request, f,
                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned int)FAKE_CONN_LIMIT,
                MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)FAKE_BACKLOG,
                MHD_OPTION_CONNECTION_TIMEOUT,
                (unsigned int)FAKE_IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
                on_completed, f, MHD_OPTION_END);
        if (!f->mhd) {
                fprintf(stderr, "fake-openai: cannot listen on 127.0.0.1:%ld\n",
                        o.port);
                goto stop;
        }
        info = MHD_get_daemon_info(f->mhd, MHD_DAEMON_INFO_BIND_PORT);
        g_snprintf(addr, sizeof(addr), "127.0.0.1:%u",
                   info ? (unsigned)info->port : 0u);
        printf("%s\n", addr);
        fflush(stdout);
        if (o.port_file && port_file_write(o.port_file, addr) < 0)
                goto stop;

        sigwait(&sigs, &sig);
        rc = 0;
stop:
        timers_stop(f);
        if (f->mhd)
                MHD_stop_daemon(f->mhd);
        g_main_loop_unref(f->loop);
        g_main_context_unref(f->ctx);
        g_hash_table_destroy(f->sleepers);
        g_mutex_clear(&f->lock);
        g_rand_free(f->rnd);
out:
        g_free(f);
        return rc;
}
