/*
 * extract: turns a document's bytes into text and metadata. PDFs go through
 * Poppler's glib API (text per page, title, author, dates, page count);
 * plain text is checked and copied. Caps on bytes, pages and text apply.
 * Synchronous and thread-safe: the sandbox's children (stages/sandbox.c)
 * run it for PDFs, the thread pool for the rest. Owns nothing beyond one
 * call.
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

/* Called before page `page` (0-based) of `pages` of a PDF is read. */
typedef void (*extract_page_fn)(void *arg, int page, int pages);

/* extract_document, calling page_fn(arg, i, n) before each page of a PDF
 * (the sandbox's child arms its per-page watchdog there). page_fn may be
 * NULL; arg is passed through. Caps and errors as extract_document, and
 * limits.max_page_text_bytes (cfg->max_page_text_bytes, 0: no cap) for
 * the text of one page. */
int extract_document_paged(struct doc *doc, const struct config *cfg,
                           extract_page_fn page_fn, void *arg, struct err *err);

struct ocr;

/* extract_document_paged with a Tesseract engine for images and scanned
 * PDF pages: ocr (borrowed; made with ocr_new and kept by the caller for
 * the next documents) or NULL for one made and freed in this call.
 * Images: PNG, JPEG, WebP, TIFF (every page). A PDF page with little or no
 * text and an image on it is rendered at 300 dpi and OCR'd. A page over
 * limits.max_page_pixels is ERR_INPUT, checked before it is decoded or
 * rendered. */
int extract_document_ocr(struct doc *doc, const struct config *cfg,
                         struct ocr *ocr, extract_page_fn page_fn, void *arg,
                         struct err *err);

/* The vision route (ocr.vision): an OCR'd page whose confidence is under
 * this goes to the vision model. -1 when the route is off (no
 * ocr.vision.endpoint), 101 for mode always. extract_document_ocr keeps
 * the images of such pages (at most cfg->vision_max_pages, those of
 * lowest confidence; PNG, gray, at most vision_max_side pixels a side and
 * vision_max_bytes) in doc->images, in page order. */
int extract_vision_below(const struct config *cfg);

#endif
