/*
 * err: formatting helpers for struct err (see err.h). Owns nothing.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, enum err_class c, const char *fmt, ...)
{
        va_list ap;

        if (!e)
                return -1;
        e->cls = c;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
        return -1;
}

void err_prefix(struct err *e, const char *fmt, ...)
{
        char head[256], old[sizeof(e->msg)];
        va_list ap;

        if (!e)
                return;
        va_start(ap, fmt);
        vsnprintf(head, sizeof(head), fmt, ap);
        va_end(ap);
        size_t hl = strlen(head), ol;

        memcpy(old, e->msg, sizeof(old));
        old[sizeof(old) - 1] = '\0';
        ol = strlen(old);
        /* The head goes first; the old message is cut if both do not fit. */
        if (hl > sizeof(e->msg) - 1)
                hl = sizeof(e->msg) - 1;
        if (ol > sizeof(e->msg) - 1 - hl)
                ol = sizeof(e->msg) - 1 - hl;
        memcpy(e->msg, head, hl);
        memcpy(e->msg + hl, old, ol);
        e->msg[hl + ol] = '\0';
}

void err_clear(struct err *e)
{
        if (!e)
                return;
        e->cls = ERR_OK;
        e->msg[0] = '\0';
}

const char *err_class_name(enum err_class c)
{
        switch (c) {
        case ERR_OK:
                return "ok";
        case ERR_RETRY:
                return "retry";
        case ERR_INPUT:
                return "input";
        case ERR_FATAL:
                return "fatal";
        }
        return "unknown";
}
