/*
 * log: JSON-lines logging to stderr (see log.h). Each line is written with a
 * single write(2) so lines from threads and processes do not interleave.
 * Owns the process-wide level.
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
                        len += (size_t)snprintf(buf + len, cap - len,
                                                "\\u%04x", c);
                } else {
                        buf[len++] = (char)c;
                }
        }
        return len;
}

void log_msg(enum log_level lvl, const char *subject, const char *fmt, ...)
{
        static const char *names[] = {"debug", "info", "warn", "error"};
        char msg[2048], line[4096], ts[40];
        struct timespec now;
        struct tm tm;
        size_t len;
        va_list ap;

        if (!log_enabled(lvl))
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

        len = (size_t)snprintf(line, sizeof(line),
                               "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\","
                               "\"pid\":%d,",
                               ts, now.tv_nsec / 1000000, names[lvl],
                               (int)getpid());
        if (subject) {
                len += (size_t)snprintf(line + len, sizeof(line) - len,
                                        "\"subject\":\"");
                len = log_escape(line, len, sizeof(line) - 32, subject);
                len += (size_t)snprintf(line + len, sizeof(line) - len, "\",");
        }
        len += (size_t)snprintf(line + len, sizeof(line) - len, "\"msg\":\"");
        len = log_escape(line, len, sizeof(line) - 4, msg);
        line[len++] = '"';
        line[len++] = '}';
        line[len++] = '\n';
        if (write(STDERR_FILENO, line, len) < 0) {
                /* Nowhere left to report it. */
        }
}
