/*
 * log: JSON-lines logging to stderr (see log.h). Each line is written with a
 * single write(2) so lines from threads and processes do not interleave;
 * a line about a document (log_doc) carries its id, stage and Kafka
 * coordinates as fields of their own. Owns the process-wide level.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_level = LOG_INFO;

void log_set_level(enum log_level lvl)
{
        log_level = lvl;
}

int log_enabled(enum log_level lvl)
{
        return lvl >= log_level;
}

int log_level_parse(const char *s, enum log_level *out)
{
        static const char *names[] = {"debug", "info", "warn", "error"};

        for (int i = 0; i < 4; i++) {
                if (strcmp(s, names[i]) == 0) {
                        *out = (enum log_level)i;
                        return 0;
                }
        }
        return -1;
}

/* Appends s to buf as JSON string content, escaped; returns new length. */
static size_t log_escape(char *buf, size_t len, size_t cap, const char *s)
{
        for (; *s && len + 7 < cap; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\') {
                        buf[len++] = '\\';
                        buf[len++] = (char)c;
                } else if (c == '\n') {
                        buf[len++] = '\\';
                        buf[len++] = 'n';
                } else if (c < 0x20) {
                        len += (size_t)snprintf(buf + len, cap - len, "\\u%04x",
                                                c);
                } else {
                        buf[len++] = (char)c;
                }
        }
        return len;
}

/* Appends ,"name":"value" (value escaped) to line. */
static size_t log_field(char *line, size_t len, size_t cap, const char *name,
                        const char *value)
{
        if (len + 8 + strlen(name) >= cap)
                return len;
        len += (size_t)snprintf(line + len, cap - len, "\"%s\":\"", name);
        len = log_escape(line, len, cap - 32, value);
        len += (size_t)snprintf(line + len, cap - len, "\",");
        return len < cap ? len : cap - 1;
}

/* Writes one line: time, level, pid, the subject and the fields of a (both
 * may be NULL), the message. */
static void log_emit(enum log_level lvl, const char *subject,
                     const struct log_about *a, const char *msg)
{
        static const char *names[] = {"debug", "info", "warn", "error"};
        char line[4096], ts[40];
        struct timespec now;
        struct tm tm;
        size_t len;

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

        len = (size_t)snprintf(line, sizeof(line),
                               "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\","
                               "\"pid\":%d,",
                               ts, now.tv_nsec / 1000000, names[lvl],
                               (int)getpid());
        if (subject)
                len = log_field(line, len, sizeof(line) - 32, "subject",
                                subject);
        if (a && a->doc)
                len = log_field(line, len, sizeof(line) - 32, "document",
                                a->doc);
        if (a && a->stage)
                len = log_field(line, len, sizeof(line) - 32, "stage",
                                a->stage);
        if (a && a->topic)
                len = log_field(line, len, sizeof(line) - 32, "topic",
                                a->topic);
        if (a && a->topic && a->partition >= 0)
                len += (size_t)snprintf(line + len, sizeof(line) - len,
                                        "\"partition\":%d,", (int)a->partition);
        if (a && a->topic && a->offset >= 0)
                len += (size_t)snprintf(line + len, sizeof(line) - len,
                                        "\"offset\":%lld,",
                                        (long long)a->offset);
        if (len > sizeof(line) - 32)
                len = sizeof(line) - 32;
        len += (size_t)snprintf(line + len, sizeof(line) - len, "\"msg\":\"");
        len = log_escape(line, len, sizeof(line) - 4, msg);
        line[len++] = '"';
        line[len++] = '}';
        line[len++] = '\n';
        if (write(STDERR_FILENO, line, len) < 0) {
                /* Nowhere left to report it. */
        }
}

void log_msg(enum log_level lvl, const char *subject, const char *fmt, ...)
{
        char msg[2048];
        va_list ap;

        if (!log_enabled(lvl))
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        log_emit(lvl, subject, NULL, msg);
}

void log_doc(enum log_level lvl, struct log_about a, const char *fmt, ...)
{
        char msg[2048], subj[512];
        const char *subject = a.subject;
        va_list ap;

        if (!log_enabled(lvl))
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (!subject) {
                /* The same words the plain subjects use, for grep. */
                size_t n = 0;

                subj[0] = '\0';
                if (a.doc)
                        n += (size_t)snprintf(subj + n, sizeof(subj) - n,
                                              "doc=%.300s ", a.doc);
                if (a.stage && n < sizeof(subj))
                        n += (size_t)snprintf(subj + n, sizeof(subj) - n,
                                              "stage=%.40s ", a.stage);
                if (a.topic && n < sizeof(subj)) {
                        n += (size_t)snprintf(subj + n, sizeof(subj) - n,
                                              "%.120s/%d", a.topic,
                                              (int)a.partition);
                        if (a.offset >= 0 && n < sizeof(subj))
                                n += (size_t)snprintf(subj + n,
                                                      sizeof(subj) - n, "@%lld",
                                                      (long long)a.offset);
                }
                if (n > 0 && n < sizeof(subj) && subj[n - 1] == ' ')
                        subj[n - 1] = '\0';
                subject = subj[0] ? subj : NULL;
        }
        log_emit(lvl, subject, &a, msg);
}
