/*
 * job: turns one Kafka message into a document to process. A message is
 * either the raw document (key = document id, content type from a
 * `content-type` header or sniffed from the bytes) or a JSON envelope
 * (schemas/job.schema.json): id, tenant, source (inline base64 or a uri),
 * content_type, stages, metadata. Owns nothing beyond one call.
 */
#ifndef DOCPIPE_JOB_H
#define DOCPIPE_JOB_H

#include <stddef.h>

#include "config.h"
#include "doc.h"
#include "err.h"

#define JOB_ENVELOPE_TYPE "application/vnd.docpipe.job+json"

/* Fills doc from a message: payload/len (may be NULL/0), key/keylen (may be
 * NULL/0), the content-type header (NUL-terminated, may be NULL). doc->id is
 * the key when it is a valid id, replaced by an envelope's id; set even on
 * error when the message names one (else the caller's default stays). For a raw
 * document, doc->bytes takes a copy of the payload; for an envelope with inline
 * data, the decoded bytes; for a uri, doc->source holds the uri and bytes stay
 * NULL until source_fetch. doc->job_json always gets a JSON description of the
 * job (raw documents: without their bytes). Returns 0, or -1 with err
 * (ERR_INPUT) saying what is wrong. */
int job_parse(struct doc *doc, const void *payload, size_t len, const void *key,
              size_t keylen, const char *content_type, const struct config *cfg,
              struct err *err);

/* Returns the content type sniffed from bytes ("application/pdf",
 * "image/png", "image/jpeg", "image/tiff", "image/webp", "text/plain") or
 * NULL when unknown. Static string. */
const char *job_sniff(const unsigned char *bytes, size_t len);

/* Returns a new JSON envelope (compact, NUL-terminated) for a file: id,
 * tenant, inline base64 source or the uri, content type, stages mask. */
char *job_envelope_new(const char *id, const char *tenant,
                       const unsigned char *bytes, size_t len, const char *uri,
                       const char *content_type, unsigned stages);

#endif
