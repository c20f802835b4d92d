/*
 * err: the one error type of docpipe. An error carries its class (is it
 * worth retrying, is the input bad for good, or must the worker stop) and a
 * message with its context, and travels up to the code that can act on it,
 * which logs it once. Owns nothing: a struct err is a plain value.
 */
#ifndef DOCPIPE_ERR_H
#define DOCPIPE_ERR_H

enum err_class {
        ERR_OK = 0,
        ERR_RETRY, /* transient: 429, 5xx, timeout, lost connection */
        ERR_INPUT, /* this document or message is bad and stays bad */
        ERR_FATAL  /* the worker cannot go on */
};

struct err {
        enum err_class cls;
        char msg[512];
};

/* Sets e (may be NULL) to class c and a formatted message. Returns -1 so
 * that callers can write `return err_set(err, ERR_INPUT, "...")`. */
int err_set(struct err *e, enum err_class c, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prefixes e->msg with a formatted context ("extract: ") and keeps class. */
void err_prefix(struct err *e, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

void err_clear(struct err *e);

/* "retry", "input", "fatal" or "ok". */
const char *err_class_name(enum err_class c);

#endif
