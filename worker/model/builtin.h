/*
 * builtin: docpipe's in-process model. No network, no cost: language
 * identification (libexttextcat), document-type classification with a
 * confidence, field extraction per type with normalized values, and an
 * extractive summary. Everything here is synchronous and thread-safe, so the
 * builtin backend (builtin_backend.c) runs it on the thread pool. Text is
 * untrusted: every call reads a bounded part of it (the first 64 KB, and
 * for classify also the last 8 KB). Owns the loaded language profiles and
 * the taxonomy.
 */
#ifndef DOCPIPE_BUILTIN_H
#define DOCPIPE_BUILTIN_H

#include <jansson.h>
#include <stddef.h>

#include "../config.h"
#include "../doc.h"
#include "../err.h"

struct builtin;

/* Returns a new builtin model for cfg (taxonomy cfg->classes, language data
 * cfg->lang_dir, summary length cfg->summary_max_chars), or NULL with err.
 * Copies what it needs: cfg is borrowed for the call only. Errors are
 * ERR_FATAL: an empty taxonomy, or language profiles that cannot be read
 * (cfg->lang_dir, default /usr/share/libexttextcat). summary_max_chars <= 0
 * means 600. */
struct builtin *builtin_new(const struct config *cfg, struct err *err);

/* builtin_free(NULL) is a no-op. */
void builtin_free(struct builtin *b);

/* Writes the ISO 639-1 code of text's language ("en", "de", ...) or "und"
 * to out: "und" for text too short, with no letters, or that neither
 * libexttextcat nor the words of the five languages it knows best (en,
 * de, fr, nl, es) can tell. Reads at most the first 16 KB. text may be
 * NULL (len 0). */
void builtin_language(struct builtin *b, const char *text, size_t len,
                      char out[8]);

/* Classifies text into one of the taxonomy's classes. *cls is borrowed from
 * b (valid while b lives) and is always a configured class; *confidence is
 * in [0,1] and low when unsure: little evidence, or two classes close
 * (about 0.9 and up for a clear document, under 0.5 for a guess). Without
 * evidence the class is "other" if configured. text may be NULL (len 0). */
void builtin_classify(struct builtin *b, const char *text, size_t len,
                      const char **cls, double *confidence);

/* Returns a new JSON object of the fields of a document of class cls, with
 * normalized values (dates YYYY-MM-DD, amounts as decimal strings "1234.56",
 * currencies ISO 4217). Fields it cannot find are left out: a wrong value is
 * worse than none. cls NULL or unknown: the fields of "other". lang (ISO
 * 639-1, may be NULL) decides how 03/04/2024 reads: month first for
 * American English (in dollars, or with no currency and no British legal
 * form or VAT), day first otherwise, left out when unknown. Reads the
 * first 64 KB, and for a long contract or report also where its
 * governing-law clause or income statement is. Never NULL. */
json_t *builtin_fields(struct builtin *b, const char *cls, const char *text,
                       size_t len, const char *lang);

/* Returns a new, NUL-terminated summary of at most cfg->summary_max_chars
 * bytes (valid UTF-8): a lead sentence from cls and fields (both may be
 * NULL; fields borrowed) in language lang ("en", "de", "fr", "nl", "es";
 * English for any other or NULL), then the most informative sentences of
 * text (may be NULL), in document order. Empty when there is nothing to
 * say. */
char *builtin_summarize(struct builtin *b, const char *cls,
                        const json_t *fields, const char *text, size_t len,
                        const char *lang);

/* Estimated tokens of text, the way a BPE tokenizer would count them
 * (about 4 bytes of English a token; the heuristic is described at its
 * definition). Used so that every backend reports tokens the same way.
 * 0 only for empty text. */
long builtin_tokens(const char *text, size_t len);

/* builtin_tokens of doc's text, counted once per text (doc->text_tokens):
 * every stage of every backend asks for it. */
long builtin_doc_tokens(struct doc *doc);

#endif
