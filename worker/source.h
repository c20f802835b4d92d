/*
 * source: fetches a document's bytes from its uri: `file://` confined to
 * the configured root (no `..`, no symlink escape), `http(s)://` through
 * libcurl with size and time limits. Synchronous and thread-safe (runs on
 * the thread pool). Owns nothing beyond one call.
 */
#ifndef DOCPIPE_SOURCE_H
#define DOCPIPE_SOURCE_H

#include "config.h"
#include "doc.h"
#include "err.h"

/* When doc->bytes is NULL, reads doc->source into doc->bytes/len. Then sets
 * doc->sha256 and, when doc->content_type is NULL, sniffs it. Returns 0, or
 * -1 with err: ERR_INPUT for a uri outside the root, a missing file, over
 * the size cap, an unsupported scheme, an HTTP 4xx; ERR_RETRY for network
 * failures and HTTP 5xx/429. */
int source_fetch(struct doc *doc, const struct config *cfg, struct err *err);

#endif
