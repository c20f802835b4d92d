/*
 * vision: the vision route's stage (stage_vision, declared in stage.h),
 * between extract and classify: the page images extraction kept
 * (doc->images, ocr.vision) go to the vision model and its answers take
 * the place of their OCR text. See vision.c.
 */
#ifndef DOCPIPE_VISION_H
#define DOCPIPE_VISION_H

#include "stage.h"

/* Puts texts[i] (borrowed; NULL: keep OCR's) in place of the OCR text of
 * doc->images[i] in doc->text; images in page order with disjoint text
 * ranges. A replacement that would take the text over max_text bytes
 * (limits.max_text_bytes) is left out, with a log line. Returns 0, or -1
 * with err (ERR_INPUT) when an image's range is not inside the text, in
 * order; doc is unchanged then. doc->images stays. */
int vision_splice(struct doc *doc, char *const *texts, int64_t max_text,
                  struct err *err);

#endif
