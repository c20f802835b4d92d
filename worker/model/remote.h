/*
 * remote: model tasks on OpenAI-compatible endpoints. For one task on one
 * endpoint it builds the stage's prompt (prompts.c; long documents are cut
 * to the most relevant part for fields, summarized map-reduce when they do
 * not fit the context window), sends it through the HTTP client on the loop
 * (openai.c), prices every reply from its usage (prices.c), records every
 * call on the document, checks the answer and allows one repair request
 * for a malformed one. Owns the HTTP client, the endpoints' states, the
 * prompts and the price map.
 */
#ifndef DOCPIPE_REMOTE_H
#define DOCPIPE_REMOTE_H

#include <uv.h>

#include "../config.h"
#include "../doc.h"
#include "../err.h"
#include "model.h"

struct remote;
struct remote_ep;

/* Called once, on the loop thread; err NULL on success. */
typedef void (*remote_done_fn)(void *arg, const struct err *err);

/* Returns a new remote layer with one endpoint state per configured
 * endpoint, or NULL with err (a price map that does not load, an endpoint
 * without prices). With no endpoints configured it returns NULL and no
 * error: nothing remote to do. */
struct remote *remote_new(uv_loop_t *loop, const struct config *cfg,
                          struct err *err);

/* The endpoint named name, or NULL. */
struct remote_ep *remote_endpoint(struct remote *r, const char *name);

/* 1 while name's circuit breaker is open. */
int remote_ep_open(const struct remote_ep *ep);

/* Input tokens the endpoint takes for a document (its context window less
 * room for the instructions and the answer). */
long remote_ep_input_budget(const struct remote_ep *ep, enum model_task t);

/* Estimated USD of task on doc at ep (for budgets), from the document's
 * estimated tokens and the endpoint's prices. */
double remote_ep_estimate(const struct remote_ep *ep, enum model_task task,
                          const struct doc *doc);

struct doc_page_image;

/* Estimated USD of reading page image im (borrowed) at ep: the image's
 * tokens (prompt_image_tokens) and the instructions in, about as many
 * tokens out as its OCR text has plus 200. */
double remote_ep_estimate_vision(const struct remote_ep *ep,
                                 const struct doc_page_image *im);

/* Asks ep for the text of page image im of doc (both borrowed until done)
 * with prompt_vision, and records the request as a model call of stage
 * "vision" on doc. On success *text is the transcription (new, checked by
 * reply_vision, at most limits.max_page_text_bytes) and done gets NULL;
 * on error *text is left NULL. A malformed answer gets no repair request:
 * the page keeps its OCR text. */
void remote_vision(struct remote *r, struct remote_ep *ep, struct doc *doc,
                   const struct doc_page_image *im, char **text,
                   remote_done_fn done, void *arg);

/* Runs task on doc at ep: fills the document (class and confidence,
 * fields, or summary) and appends a model call per HTTP request. doc is
 * borrowed until done. */
void remote_run(struct remote *r, struct remote_ep *ep, enum model_task task,
                struct doc *doc, remote_done_fn done, void *arg);

/* Fails calls in flight and closes the client; the caller runs the loop
 * afterwards so its handles close. remote_free(NULL) is a no-op. */
void remote_free(struct remote *r);

#endif
