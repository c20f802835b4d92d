/*
 * store: everything docpipe keeps in PostgreSQL. Migrations
 * (schemas/NNN_name.sql, embedded in the binary) run under an advisory
 * lock, so two workers starting at once are safe. Outcomes (documents,
 * results, model_calls, shadow_comparisons, dead_letters) are written in
 * batches by one store thread with its own connection, idempotently: a
 * document written twice leaves one result. Callbacks come back on the
 * loop thread only once the write is durable. The same thread keeps the
 * ledger of the tenant daily budget (tenant_spend): reservations answered
 * at once, settlements written in the background. Owns the connection,
 * the thread and the queued work.
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

/* Writes libpq's message msg (PQerrorMessage of a connection to dsn, or
 * the error of PQconninfoParse(dsn)) to buf (size n) as one line without
 * the DSN's password: libpq quotes a DSN it cannot parse back, the whole
 * URI at times. Use it for every message about connecting. Returns buf. */
const char *store_dsn_line(const char *msg, const char *dsn, char *buf,
                           size_t n);

enum store_found {
        STORE_NEW,   /* nothing known: process the document */
        STORE_DONE,  /* doc->id already has an outcome: nothing to do */
        STORE_REUSED /* another document with the same sha256 has a
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

/* The tenant daily budget's ledger (tenant_spend, shared by every
 * replica). Amounts are nano-dollars (doc_usd_nano). */

/* Called once, on the loop thread. err NULL: granted says whether usd was
 * reserved, and day is the UTC day it counts against ("YYYY-MM-DD",
 * borrowed for the call), to be given back to store_spend_settle. err set:
 * PostgreSQL could not be asked (ERR_RETRY: unreachable for a while, or
 * the store closed) and nothing is reserved that anyone should settle. */
typedef void (*store_reserve_fn)(void *arg, int granted, const char *day,
                                 const struct err *err);

/* Reserves usd of tenant's spend of today (UTC) unless that would take it
 * over cap: one conditional upsert, so that replicas racing for the last
 * dollars cannot both pass. Served ahead of batched writes; while
 * PostgreSQL is unreachable it is retried with backoff for a few seconds,
 * then fails with ERR_RETRY. tenant is copied. */
void store_spend_reserve(struct store *s, const char *tenant, long long usd,
                         long long cap, store_reserve_fn cb, void *arg);

/* Adds delta (real cost less the reservation; negative gives back) to
 * tenant's spend of day, as reserved. No callback: written in the
 * background, summed per tenant and day, retried with backoff while the
 * store lives, and independent of any document's outcome. tenant and day
 * are copied. */
void store_spend_settle(struct store *s, const char *tenant, const char *day,
                        long long delta);

/* 0 while the store thread is retrying a statement PostgreSQL did not
 * answer (a lost connection, a server gone) and has not succeeded since;
 * 1 otherwise, also before any statement (store_new's caller migrated).
 * What the store already knows: no query is made. Any thread. */
int store_reachable(struct store *s);

/* Stops taking work, lets the store thread write what is queued (for at
 * most deadline_ms), joins it and closes the connection. Before it returns,
 * every outstanding callback is called: with its outcome when it was
 * written, otherwise with ERR_RETRY "store closed"; settlements not
 * written by then are logged and dropped. A callback that calls
 * store_put or store_lookup then gets ERR_RETRY "store closed" at once.
 * May be called from a store callback. The async handle is closed
 * (uv_close) and s is freed in its close callback: the caller must run the
 * loop afterwards (uv_run) to let it close before uv_loop_close. s must
 * not be used after the call. store_free(NULL) is a no-op. */
void store_free(struct store *s, int deadline_ms);

#endif
