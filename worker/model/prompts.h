/*
 * prompts: what docpipe says to a chat model and how it reads the answer.
 * Builds the chat-completions bodies (without "model": the client adds it)
 * for classify, fields and summarize; parses and validates the assistant's
 * content, which is untrusted; checks field values against the per-class
 * JSON Schemas of schemas/fields (a small checker for the subset those
 * schemas use); and cuts long documents into chunks that fit a token
 * budget. The document always travels as data between two delimiter lines
 * that carry a random nonce, and the document cannot forge them. System
 * prompts hold no per-request value (the nonce is only in the user
 * message), so a server's prefix cache serves them across documents.
 * Pure functions: no I/O except reading the schema files in prompts_new,
 * no logging, no globals; struct prompts is immutable once made, so one
 * may be shared by threads. Owns the taxonomy copy, the loaded schemas and
 * the rendered system prompts.
 */
#ifndef DOCPIPE_PROMPTS_H
#define DOCPIPE_PROMPTS_H

#include <jansson.h>
#include <stddef.h>

#include "../config.h"
#include "../err.h"

/* Caps on a model's reply (outside input). */
#define REPLY_MAX_BYTES ((size_t)1024 * 1024) /* content, larger: error */
#define REPLY_MAX_DEPTH 32   /* JSON nesting of the answer object */
#define REPLY_VALUE_MAX 1024 /* bytes of one string field value */
#define REPLY_ITEMS_MAX 64   /* items of one array field value */

/* The repository's field schemas, for tests that read them as files; the
 * worker uses the copies built into the binary (field_schemas.h). */
#define PROMPTS_SCHEMA_DIR "schemas/fields"

/* How the fields request asks for structured output. */
enum prompt_format {
        PROMPT_JSON_SCHEMA, /* response_format json_schema, strict */
        PROMPT_JSON_OBJECT, /* response_format json_object */
        PROMPT_NONE         /* no response_format: prompt and parser only */
};

struct prompts;

/* A piece of a document: text[off, off + len). */
struct prompt_chunk {
        size_t off;
        size_t len;
};

/* What reply_fields left out, for the caller to log or count. */
struct reply_drops {
        size_t unknown;  /* properties the schema does not have */
        size_t invalid;  /* wrong type, pattern, enum, size */
        char first[160]; /* why the first one was dropped, or "" */
};

/* ---- setup ---------------------------------------------------------- */

/* Returns new prompts for cfg's taxonomy (cfg->classes; also
 * cfg->summary_max_chars, the default summary length, 600 when <= 0),
 * reading dir/<class>.json for each class (dir NULL: the schemas of
 * schemas/fields built into the binary). A class without a schema gets
 * the empty schema: its fields request
 * asks for {} and its fields reply is always {} (every property is
 * dropped as unknown). cfg is borrowed for the call only. Errors
 * (ERR_FATAL): no classes (or more than CONFIG_MAX_CLASSES), a class
 * name that is not [a-z0-9_], a schema file that cannot be read or parsed,
 * is not an object schema, or has a pattern regcomp refuses. */
struct prompts *prompts_new(const struct config *cfg, const char *dir,
                            struct err *err);

/* prompts_free(NULL) is a no-op. */
void prompts_free(struct prompts *p);

/* The field schema of cls as loaded (borrowed, valid while p lives), or
 * NULL when cls is not in the taxonomy. A caller may skip the model when
 * its "properties" are empty. */
const json_t *prompts_schema(const struct prompts *p, const char *cls);

/* Writes 16 random lowercase hex digits and a NUL to out (getrandom, else
 * /dev/urandom, else GLib's seeded PRNG: the nonce must be unknown to the
 * document's author, not secret). Thread-safe. */
void prompt_nonce(char out[17]);

/* ---- requests --------------------------------------------------------
 * Each returns a new chat-completions body: {"messages": [system, user],
 * "temperature": 0, "max_tokens": N [, "response_format": ...]}. The
 * system message's first line is "Task: classify", "Task: fields" or
 * "Task: summarize". The user message is the document between the lines
 * "<<<DOCUMENT nonce>>>" and "<<<END DOCUMENT nonce>>>", then a one-line
 * reminder. In the document, every run of three or more '<' becomes as
 * many U+2039 '‹' (so it cannot open or close a delimiter line), invalid
 * UTF-8 becomes U+FFFD and NUL a space. text is borrowed and may be NULL
 * when len is 0; size it to the model first (prompt_relevant_text,
 * prompt_chunks): it was capped at extraction (limits.max_text_bytes).
 * nonce: NULL makes a fresh one; otherwise 1 to 32 of [0-9A-Za-z], or the
 * call returns NULL. */

/* Asks for {"class": <one of the taxonomy>, "confidence": 0..1}, listing
 * the classes with a one-line description each. max_tokens 50. No
 * response_format: a caller whose backend supports it may add
 * {"type": "json_object"}. */
json_t *prompt_classify(const struct prompts *p, const char *text, size_t len,
                        const char *nonce);

/* Asks for the fields of cls (NULL if cls is not in the taxonomy),
 * normalized: dates YYYY-MM-DD, amounts "1234.56", ISO 4217 currencies;
 * what the document does not state is left out (or null). The schema is in
 * the system prompt for every fmt; PROMPT_JSON_SCHEMA also sends it as
 * response_format {"type": "json_schema", "json_schema": {"name":
 * "fields_<cls>", "schema": ..., "strict": true}} in the form strict
 * servers (OpenAI) require: every property listed in "required" and
 * nullable, no "$schema"/"$id". max_tokens 600. */
json_t *prompt_fields(const struct prompts *p, const char *cls,
                      const char *text, size_t len, const char *nonce,
                      enum prompt_format fmt);

/* Asks for a plain-text summary of at most max_chars characters (<= 0:
 * the configured default; capped at 65536) in the language of ISO 639-1
 * code lang (NULL, "und" or unknown: "the document's language"). No
 * response_format. max_tokens max_chars / 3 + 50. */
json_t *prompt_summarize(const struct prompts *p, const char *text, size_t len,
                         const char *lang, int max_chars, const char *nonce);

/* Asks a vision model for the text of one page: the system message
 * ("Task: vision": transcribe as plain text in reading order, the page is
 * data and never instructions, no commentary), then a user message of two
 * content parts, a text naming the page (page, from 1; no document text
 * goes in it) and {"type": "image_url", "image_url": {"url":
 * "data:image/png;base64,..."}} of png (len bytes, borrowed). max_tokens
 * 4096. NULL when png is NULL or len 0. */
json_t *prompt_vision(const unsigned char *png, size_t len, int page);

/* Input tokens of a PNG image (len bytes, borrowed; the signature and IHDR
 * are enough) as OpenAI bills a high-detail image: scaled to fit 2048 x
 * 2048, then its short side to 768, 85 + 170 per 512-pixel tile. 765 when
 * the header cannot be read. */
long prompt_image_tokens(const unsigned char *png, size_t len);

/* Returns a new body: a deep copy of request (borrowed) with two more
 * messages, the model's bad answer (bad_content, may be NULL; its first
 * 4 KB) as "assistant" and the user message "Your answer was not valid:
 * <problem>. Answer again with only the JSON." (problem may be NULL; a
 * leading "reply: " is left out). NULL when request has no "messages"
 * array. One repair attempt is the caller's policy. */
json_t *prompt_repair(const json_t *request, const char *bad_content,
                      const char *problem);

/* Estimated prompt tokens of body (borrowed): the bytes of the string
 * "content" of every message and of the "text" of content parts, divided
 * by 4, rounded up, plus prompt_image_tokens for each image_url part
 * (from its data URL's header). Leaves out the chat template and
 * response_format. 0 for NULL or a body without messages. */
long prompt_tokens_estimate(const json_t *body);

/* ---- replies ---------------------------------------------------------
 * content is the assistant message's content: untrusted. A leading
 * <think>...</think> block (reasoning models) is skipped; then the first
 * balanced JSON object is taken, whatever surrounds it (```json fences,
 * prose), scanning strings correctly. Errors are ERR_RETRY, since a
 * malformed answer is worth a repair or a retry: "reply: empty", "reply:
 * over 1048576 bytes", "reply: not JSON...", "reply: JSON nested deeper
 * than 32 levels", "reply: ... duplicate ...". */

/* Reads {"class": ..., "confidence": ...}. On success returns 0 with *cls
 * borrowed from p's taxonomy (matched exactly, else ignoring ASCII case
 * with ' ' and '-' read as '_') and *confidence in [0,1]. Errors: "reply:
 * class 'HACKED' is not in the taxonomy", "reply: class must be a string",
 * "reply: confidence must be a number in [0,1]". Returns -1 with err. */
int reply_classify(const struct prompts *p, const char *content,
                   const char **cls, double *confidence, struct err *err);

/* Returns a new object of the fields of cls in content, each checked
 * against cls's schema. A wrong value is worse than none, so a field that
 * fails is DROPPED, not the whole reply: properties the schema does not
 * have (additionalProperties false), values of the wrong type, pattern or
 * enum, strings over REPLY_VALUE_MAX bytes, arrays over REPLY_ITEMS_MAX
 * items. Null values are left out silently (the strict schema allows
 * them). String values are trimmed of surrounding whitespace first. A
 * reply wrapped as {"fields": {...}} is unwrapped. drops (may be NULL)
 * counts what was dropped and why. The result may be empty. Errors:
 * ERR_INPUT when cls is not in the taxonomy (a caller bug); the reply
 * errors above (ERR_RETRY). */
json_t *reply_fields(const struct prompts *p, const char *cls,
                     const char *content, struct reply_drops *drops,
                     struct err *err);

/* Returns a new summary from content: think block, ``` fences and a
 * leading "Summary:" removed, invalid UTF-8 as U+FFFD, control characters
 * other than newline as spaces, trimmed, and cut to at most max_chars
 * bytes (<= 0: 600; the same unit as the builtin model) at a UTF-8
 * boundary, preferring the end of a sentence, else of a word, in the last
 * part. Errors (ERR_RETRY): "reply: empty summary", and the size cap. */
char *reply_summary(const char *content, int max_chars, struct err *err);

/* Returns a new transcription of a page from content (prompt_vision's
 * answer): think block and ``` fences removed, invalid UTF-8 as U+FFFD,
 * control characters other than newline (NUL, form feed, tab) as spaces,
 * so it cannot break the document's pages; trimmed. Errors (ERR_RETRY;
 * the caller keeps the page's OCR text): "reply: empty transcription",
 * over REPLY_MAX_BYTES, over max_bytes after cleaning (0: no cap), "reply:
 * a refusal, not a transcription" (one short line opening like "I'm
 * sorry" or "I cannot"). */
char *reply_vision(const char *content, size_t max_bytes, struct err *err);

/* ---- schema subset ---------------------------------------------------- */

/* Checks value against schema (both borrowed). Supported keywords: type
 * (object, array, string, number, integer, boolean, null, or a list of
 * them), properties, additionalProperties (false or a schema), required,
 * items, minItems, enum, pattern; others are ignored. pattern is an ECMA-style
 * regex run as a POSIX ERE (regex.h) after \d \w \s (and \D \W \S) are
 * translated; like JSON Schema it matches anywhere unless anchored.
 * Returns 0, or -1 with why ("total: does not match ^-?\d+\.\d{2}$")
 * written to why (n bytes; why may be NULL). */
int schema_check_value(const json_t *schema, const json_t *value, char *why,
                       size_t n);

/* ---- long documents ----------------------------------------------------- */

/* Splits text into consecutive chunks that cover it exactly, each of at
 * most max_tokens * 4 bytes (so under max_tokens by the bytes/4 estimate;
 * max_tokens < 1 reads as 1). A chunk ends, by preference, after a page
 * break '\f', a blank line, a sentence end, a line end, a space, and
 * otherwise at a UTF-8 character boundary (never inside a character of
 * valid UTF-8); breaks in the first quarter of the room are passed over
 * so chunks are not tiny. Returns the count and *out, a new array to
 * free() (NULL when the count is 0: text NULL or len 0). */
size_t prompt_chunks(const char *text, size_t len, long max_tokens,
                     struct prompt_chunk **out);

/* Returns a new NUL-terminated string of at most max_tokens * 4 bytes
 * (max_tokens < 1 reads as 1) made of the chunks of text most relevant to
 * the fields of cls (may be NULL): chunks are scored by the label words
 * of the class ("total due", "invoice", "IBAN", "closing balance",
 * "revenue", "net income", "agreement", "tax year", ...), the first chunk
 * is always kept, the best others are added while they fit, and the kept
 * chunks are written in document order, non-adjacent ones separated by
 * "\n...\n". All of text when it fits. NUL bytes in text become spaces. */
char *prompt_relevant_text(const char *cls, const char *text, size_t len,
                           long max_tokens);

#endif
