/*
 * sandbox: PDFs are parsed in a pool of child processes, never in the
 * worker. Each child is the docpipe binary itself, exec'd as the hidden
 * subcommand `docpipe extract-child` (sandbox_child.c), with an address
 * space limit (limits.extract_memory), a CPU limit and a wall-clock
 * watchdog per document (limits.extract_timeout_ms), a watchdog per page
 * (limits.extract_page_ms), no network, no exec and no file writes
 * (seccomp), and nothing of the worker's environment or descriptors. A
 * child is replaced after sandbox.recycle_after documents. A document
 * whose child crashes, hangs or runs out of memory is tried once more in a
 * fresh child, then fails as ERR_INPUT naming what happened; the worker
 * goes on. The worker's side runs on its libuv loop: no thread waits for
 * a child. Owns the children, their descriptors and the jobs waiting.
 */
#ifndef DOCPIPE_SANDBOX_H
#define DOCPIPE_SANDBOX_H

#include <stdint.h>
#include <uv.h>

#include "../worker/config.h"
#include "../worker/doc.h"
#include "../worker/err.h"

struct sandbox;

/* err is NULL on success. Called on the loop thread, exactly once. */
typedef void (*sandbox_done_fn)(struct doc *doc, const struct err *err);

/* Counters since sandbox_new. */
struct sandbox_stats {
        uint64_t spawned;   /* children started */
        uint64_t recycled;  /* replaced after sandbox.recycle_after */
        uint64_t crashed;   /* died on a document (signal or exit) */
        uint64_t timed_out; /* killed by a watchdog, or over their CPU */
        uint64_t oom;       /* ran out of limits.extract_memory */
        uint64_t retried;   /* documents tried again in a fresh child */
        uint64_t extracted; /* replies received, errors included */
};

/* Returns a new pool of cfg->sandbox_children children (0: cfg->threads)
 * of the program exe (NULL: this process's own binary, /proc/self/exe),
 * each started and ready. cfg is borrowed for the pool's life. NULL with
 * err (ERR_FATAL) when a child cannot start within 30 s: no seccomp, no
 * binary, a child that dies at once. */
struct sandbox *sandbox_new(uv_loop_t *loop, const struct config *cfg,
                            const char *exe, struct err *err);

/* Does doc go to the sandbox? PDFs (and images, for OCR to come): the
 * binary formats whose parsers read outside input. Plain text does not. */
int sandbox_wants(const struct doc *doc);

/* Reads doc (bytes, content type) in a child and fills what
 * extract_document fills (text, pages, metadata), then calls
 * done(doc, err) on the loop thread, exactly once. doc is borrowed until
 * then. err: the child's ERR_INPUT (corrupt, encrypted, over a cap); after
 * a crash, a timeout or running out of memory twice, ERR_INPUT saying so
 * ("extraction crashed (signal 11, SIGSEGV) twice"); ERR_RETRY when no
 * child can be started. */
void sandbox_extract(struct sandbox *sb, struct doc *doc, sandbox_done_fn done);

void sandbox_stats(const struct sandbox *sb, struct sandbox_stats *st);

/* Stops the children (a busy one is killed) and frees sb once the loop
 * has closed their handles. Call it when no document is in the sandbox:
 * jobs still there are dropped without their callback. NULL is a no-op. */
void sandbox_free(struct sandbox *sb);

/* The child's main, for `docpipe extract-child PPID MEMORY REPLY` (argv[0] is
 * the subcommand). Returns the exit status. */
int sandbox_child_main(int argc, char **argv);

/* The Landlock ABI version of the running kernel (1 and up), or 0 when it
 * has none or it is turned off: then the children can read every file
 * the worker can (the worker says so at start). */
int sandbox_landlock(void);

#endif
