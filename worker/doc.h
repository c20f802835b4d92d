/*
 * doc: one document on its way through the pipeline, from the Kafka message
 * it came in to the outcome that is written to PostgreSQL. Each stage fills
 * its part. Owns every pointer in it; doc_free releases them all.
 */
#ifndef DOCPIPE_DOC_H
#define DOCPIPE_DOC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "log.h"

/* Stages a job can ask for (bit mask). */
enum {
        STAGE_CLASSIFY = 1u << 0,
        STAGE_FIELDS = 1u << 1,
        STAGE_SUMMARIZE = 1u << 2,
        STAGE_ALL = STAGE_CLASSIFY | STAGE_FIELDS | STAGE_SUMMARIZE
};

/* One model call, as written to model_calls. */
struct model_call {
        char stage[16];
        char provider[32];
        char model[64];
        long input_tokens;
        long cached_tokens;
        long output_tokens;
        double cost_usd;
        double latency_ms;
        char outcome[16];       /* "ok" or the error class */
        char endpoint[33];      /* configured endpoint name, or "builtin" */
        char price_version[32]; /* price map that priced it, "" if none */
        json_t *usage;    /* the reply's raw usage object, or NULL; owned by
                             the document once added (doc_add_call steals) */
        int shadow;       /* a shadow call (models.shadow): paid for, only
                             compared, never the result */
        long http_status; /* the reply's last HTTP status; 0: none (no
                             reply, or the builtin model) */
};

/* One shadow comparison: the answer of a stage against the reference
 * endpoint's answer to the same question, as written to
 * shadow_comparisons. */
struct shadow_cmp {
        char stage[16];          /* "classify", "fields", "summarize" */
        char primary_model[100]; /* "endpoint/model" that answered */
        char reference_model[100];
        int agree;         /* the answers agree (see model/shadow.h) */
        double score;      /* 0..1 */
        json_t *primary;   /* the primary answer, or NULL */
        json_t *reference; /* the reference answer, or NULL */
        json_t *details;   /* how they differ, or NULL */
};

/* The image of one OCR'd page kept for the vision route (ocr.vision):
 * the page as a PNG and where its OCR text lies in doc->text, so that a
 * vision model's reading can take its place. */
struct doc_page_image {
        int page;           /* from 1 */
        int confidence;     /* OCR's mean confidence, 0..100 */
        size_t text_off;    /* the page's OCR text: doc->text[text_off, */
        size_t text_len;    /*   text_off + text_len) */
        unsigned char *png; /* owned */
        size_t png_len;
};

struct rd_kafka_headers_s;

/* The Kafka message a document came in, kept as it came so that a retry
 * topic or the dead-letter topic gets it unchanged (requeue.c), and what
 * became of it there. */
struct doc_msg {
        void *value; /* the payload, NULL when empty */
        size_t len;
        void *key; /* NULL when none */
        size_t keylen;
        struct rd_kafka_headers_s *hdrs; /* a copy of its headers, or NULL */
        int64_t timestamp; /* ms since the epoch, -1 when unknown */
        int attempts;      /* tries before this delivery (docpipe-attempts
                              of a retry topic's message) */
        int replay;        /* a replayed dead letter (docpipe-replay): a
                              dead document is processed again */
        /* Once the dead-letter topic has it (requeue_send): */
        char *dlq_headers;     /* JSON object of the headers it got */
        char *own_headers;     /* JSON array of the message's own headers,
                                  [[name, value], ...], docpipe-* left out */
        const char *dlq_topic; /* borrowed from the config */
        int32_t dlq_partition;
        int64_t dlq_offset; /* -1: not in the topic (see dlq_headers) */
};

struct doc {
        /* Identity, from the message key or the envelope. */
        char *id;
        char *tenant;
        char *source;       /* "kafka", "file:///...", "https://..." */
        char *content_type; /* declared or sniffed; NULL until known */
        json_t *metadata;   /* envelope metadata object, or NULL */
        unsigned stages;    /* STAGE_* mask */
        char *job_json;     /* the job as JSON, for dead_letters */

        /* Where it came from. */
        char *topic;
        int32_t partition;
        int64_t offset;
        int64_t generation; /* consumer assignment generation */
        struct doc_msg msg; /* the message itself, for retries and dead
                               letters */

        /* The source bytes (after fetch) and their SHA-256, hex. */
        unsigned char *bytes;
        size_t len;
        char sha256[65];

        /* Extraction. text holds all pages, separated by '\f'. */
        char *text;
        size_t text_len;
        long text_tokens; /* builtin_doc_tokens' count; 0: not yet */
        int pages;
        char *title, *author, *subject, *creator, *producer;
        char *created, *modified; /* ISO 8601 or NULL */
        char *ocr_confidence;     /* JSON object: OCR'd page (from 1) -> mean
                                     confidence 0..100; NULL: no page OCR'd */
        struct doc_page_image *images; /* pages for the vision route, in
                                          page order; freed once read */
        size_t images_n;

        /* Model stages. */
        char *language; /* ISO 639-1 code or "und" */
        char *class;    /* one of the taxonomy */
        double confidence;
        json_t *fields; /* object, normalized values */
        char *summary;
        char *model; /* provider/model that produced the result */
        struct model_call *calls;
        size_t calls_n;
        struct shadow_cmp *shadows; /* written with the result */
        size_t shadows_n;

        /* Outcome. */
        int reused;   /* result copied from an earlier same-hash doc */
        int skipped;  /* already had an outcome: nothing to write */
        int attempts; /* tries of the current stage */
        const char *failed_stage; /* static string, NULL when it succeeded */
        struct err err;           /* ERR_OK when it succeeded */

        void *owner; /* the pipeline's slot; not owned */
};

/* Returns a new, zeroed document; never NULL (aborts on OOM). */
struct doc *doc_new(void);

/* Frees doc and everything it owns; doc_free(NULL) is a no-op. */
void doc_free(struct doc *doc);

/* Frees doc->images and sets it to none. */
void doc_images_free(struct doc *doc);

/* Appends a copy of call to doc->calls; steals call->usage. */
void doc_add_call(struct doc *doc, const struct model_call *call);

/* Adds cmp to doc->shadows, replacing one of the same stage; steals its
 * JSON values. */
void doc_add_shadow(struct doc *doc, const struct shadow_cmp *cmp);

/* Releases the JSON values of cmp (not cmp itself). */
void doc_shadow_cleanup(struct shadow_cmp *cmp);

/* Replaces *dst with a copy of src (src may be NULL). */
void doc_set_str(char **dst, const char *src);

/* What a log line about doc names (log_doc): its id, the stage, the
 * topic, partition and offset it came from (each left out when NULL: a
 * document of `docpipe eval` has no topic). Borrows from doc. */
struct log_about doc_about(const struct doc *doc, const char *stage);

/* Total cost and tokens of doc's calls, shadow calls included. */
double doc_cost(const struct doc *doc);
long doc_tokens(const struct doc *doc);

/* The tenant doc is accounted to: doc->tenant, or "default" like the
 * documents table. Borrowed from doc. */
const char *doc_tenant(const struct doc *doc);

/* usd in nano-dollars, rounded to the nearest: what PostgreSQL keeps of a
 * cost (numeric(18, 9)), so that sums in C and in SQL agree to the last
 * digit. 0 for a NaN or an infinity. */
long long doc_usd_nano(double usd);

/* Calls malloc/calloc/realloc/strdup and aborts on failure: docpipe treats
 * out-of-memory as fatal, the way GLib does. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
