/*
 * store: everything docpipe keeps in PostgreSQL. Migrations (schemas/NNN_name.sql,
 * embedded in the binary) run under an advisory lock, so two workers
 * starting at once are safe. Outcomes (documents, results, model_calls,
 * dead_letters) are written in batches by one store thread with its own
 * connection, idempotently: a document written twice leaves one result.
 * Callbacks come back on the loop thread only once the write is durable.
 * Owns the connection, the thread and the queued work.
 */
#ifndef DOCPIPE_STORE_H
#define DOCPIPE_STORE_H

#include <uv.h>

#include "config.h"
#include "doc.h"
#include "err.h"

/* Applies the embedded migrations that are not applied yet. Safe to run
 * twice and from two processes at once. Returns 0 or -1 with err. */
int store_migrate(const char *dsn, struct err *err);

enum store_found {
        STORE_NEW,    /* nothing known: process the document */
        STORE_DONE,   /* doc->id already has an outcome: nothing to do */
        STORE_REUSED  /* another document with the same sha256 has a
                         result: it is copied into doc, doc->reused = 1 */
};

typedef void (*store_lookup_fn)(struct doc *doc, enum store_found found,
                                const struct err *err);
/* err NULL when the outcome is durable. */
typedef void (*store_put_fn)(struct doc *doc, const struct err *err);

struct store;

/* Returns a new store that connects to cfg->pg_dsn (retrying with backoff
 * while it cannot), or NULL with err. */
struct store *store_new(uv_loop_t *loop, const struct config *cfg,
                        struct err *err);

/* Looks doc->id and doc->sha256 up; cb on the loop thread. */
void store_lookup(struct store *s, struct doc *doc, store_lookup_fn cb);

/* Queues doc's outcome (a result when doc->err.cls == ERR_OK, otherwise a
 * dead letter with doc->failed_stage and doc->err); cb once durable. doc is
 * borrowed until cb. */
void store_put(struct store *s, struct doc *doc, store_put_fn cb);

/* Stops taking work, lets the store thread write what is queued (for at
 * most deadline_ms), joins it and closes the connection. Before it returns,
 * every outstanding callback is called: with its outcome when it was
 * written, otherwise with ERR_RETRY "store closed". A callback that calls
 * store_put or store_lookup then gets ERR_RETRY "store closed" at once.
 * May be called from a store callback. The async handle is closed
 * (uv_close) and s is freed in its close callback: the caller must run the
 * loop afterwards (uv_run) to let it close before uv_loop_close. s must
 * not be used after the call. store_free(NULL) is a no-op. */
void store_free(struct store *s, int deadline_ms);

#endif
