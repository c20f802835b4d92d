/*
 * ocr: Tesseract (C API) over one page image at a time. A struct ocr holds
 * one recognition engine and one orientation (OSD) engine, both made on
 * first use and kept for the next pages and documents: the sandbox's child
 * makes one per process. Not thread-safe: one struct ocr per thread.
 */
#ifndef DOCPIPE_OCR_H
#define DOCPIPE_OCR_H

#include <glib.h>

#include "../worker/err.h"

struct Pix;
struct ocr;

/* Returns a new struct ocr with no engine yet (made on the first page). */
struct ocr *ocr_new(void);

/* Frees ocr and its engines; accepts NULL. */
void ocr_free(struct ocr *ocr);

/* Recognizes pix (borrowed; any depth, resolution set or 300 dpi assumed)
 * with languages ("eng", "eng+deu") and appends the text to out. A page
 * read with low confidence has its orientation detected and is read again
 * turned upright (90 and 270 degrees Tesseract reads as they are).
 * *conf gets Tesseract's mean word confidence (0..100), *rotated the
 * turn applied in degrees. Returns 0, or -1 with err: ERR_FATAL
 * when the engine cannot start (language data missing), ERR_INPUT when
 * the image cannot be read. */
int ocr_page(struct ocr *ocr, const char *languages, struct Pix *pix,
             GString *out, int *conf, int *rotated, struct err *err);

#endif
