/*
 * log: one JSON object per line on stderr, with level, time, the subject of
 * the line (document id, stage, topic/partition@offset) and the message.
 * The level is checked before anything is formatted. Owns the process-wide
 * log level, set once at start before any thread runs.
 */
#ifndef DOCPIPE_LOG_H
#define DOCPIPE_LOG_H

#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
/* Parses "debug", "info", "warn", "error"; returns -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out);
int log_enabled(enum log_level lvl);

/* subject may be NULL; it names what the line is about, e.g.
 * "doc=inv-1 stage=extract" or "docpipe.jobs/3@42". */
void log_msg(enum log_level lvl, const char *subject, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* What a line about a document (or a partition) concerns. Each member
 * that is set becomes a field of its own ("document", "stage", "topic",
 * "partition", "offset"), and together they make the subject
 * ("doc=inv-1 stage=extract docpipe.jobs/3@42") unless subject is given.
 * Unset: NULL, or a partition or offset below 0. */
struct log_about {
        const char *subject;
        const char *doc;
        const char *stage;
        const char *topic;
        int32_t partition;
        int64_t offset;
};

/* log_msg for a line about what a names (a value: a small struct). */
void log_doc(enum log_level lvl, struct log_about a, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#define log_debug(subj, ...)                                                   \
        do {                                                                   \
                if (log_enabled(LOG_DEBUG))                                    \
                        log_msg(LOG_DEBUG, subj, __VA_ARGS__);                 \
        } while (0)
#define log_info(subj, ...) log_msg(LOG_INFO, subj, __VA_ARGS__)
#define log_warn(subj, ...) log_msg(LOG_WARN, subj, __VA_ARGS__)
#define log_error(subj, ...) log_msg(LOG_ERROR, subj, __VA_ARGS__)

#endif
