/*
 * extract: turns a document's bytes into text and metadata. PDFs go through
 * Poppler's glib API (text per page, title, author, dates, page count);
 * plain text is checked and copied. Caps on bytes, pages and text apply.
 * Synchronous and thread-safe: the extract stage runs it on the thread
 * pool. Owns nothing beyond one call.
 */
#ifndef DOCPIPE_EXTRACT_H
#define DOCPIPE_EXTRACT_H

#include "../worker/config.h"
#include "../worker/doc.h"
#include "../worker/err.h"

/* Reads doc->bytes/len as doc->content_type and fills doc->text (pages
 * separated by '\f'), text_len, pages and the metadata fields. Returns 0, or
 * -1 with err: ERR_INPUT for corrupt, encrypted, unsupported or over-cap
 * documents, with a message that names the reason or the cap. */
int extract_document(struct doc *doc, const struct config *cfg,
                     struct err *err);

#endif
