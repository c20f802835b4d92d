/*
 * doc: construction and release of struct doc, plus the allocation helpers
 * every module uses (see doc.h). Owns nothing beyond the documents it makes.
 */
#include "doc.h"

#include <librdkafka/rdkafka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
        fputs("docpipe: out of memory\n", stderr);
        abort();
}

void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);
        if (!p)
                oom();
        return p;
}

void *xcalloc(size_t n, size_t m)
{
        void *p = calloc(n ? n : 1, m ? m : 1);
        if (!p)
                oom();
        return p;
}

void *xrealloc(void *p, size_t n)
{
        void *q = realloc(p, n ? n : 1);
        if (!q)
                oom();
        return q;
}

char *xstrdup(const char *s)
{
        char *p = strdup(s);
        if (!p)
                oom();
        return p;
}

char *xstrndup(const char *s, size_t n)
{
        char *p = strndup(s, n);
        if (!p)
                oom();
        return p;
}

struct doc *doc_new(void)
{
        struct doc *doc = xcalloc(1, sizeof(*doc));
        doc->partition = -1;
        doc->offset = -1;
        doc->stages = STAGE_ALL;
        doc->msg.timestamp = -1;
        doc->msg.dlq_partition = -1;
        doc->msg.dlq_offset = -1;
        return doc;
}

void doc_set_str(char **dst, const char *src)
{
        free(*dst);
        *dst = src ? xstrdup(src) : NULL;
}

void doc_add_call(struct doc *doc, const struct model_call *call)
{
        doc->calls =
                xrealloc(doc->calls, (doc->calls_n + 1) * sizeof(*doc->calls));
        doc->calls[doc->calls_n++] = *call;
}

double doc_cost(const struct doc *doc)
{
        double c = 0;
        for (size_t i = 0; i < doc->calls_n; i++)
                c += doc->calls[i].cost_usd;
        return c;
}

const char *doc_tenant(const struct doc *doc)
{
        return doc->tenant ? doc->tenant : "default";
}

long long doc_usd_nano(double usd)
{
        if (!isfinite(usd) || fabs(usd) > 9e9)
                return 0;
        return llround(usd * 1e9);
}

void doc_shadow_cleanup(struct shadow_cmp *cmp)
{
        if (cmp->primary)
                json_decref(cmp->primary);
        if (cmp->reference)
                json_decref(cmp->reference);
        if (cmp->details)
                json_decref(cmp->details);
        cmp->primary = cmp->reference = cmp->details = NULL;
}

void doc_add_shadow(struct doc *doc, const struct shadow_cmp *cmp)
{
        for (size_t i = 0; i < doc->shadows_n; i++) {
                if (strcmp(doc->shadows[i].stage, cmp->stage) == 0) {
                        doc_shadow_cleanup(&doc->shadows[i]);
                        doc->shadows[i] = *cmp;
                        return;
                }
        }
        doc->shadows = xrealloc(doc->shadows,
                                (doc->shadows_n + 1) * sizeof(*doc->shadows));
        doc->shadows[doc->shadows_n++] = *cmp;
}

long doc_tokens(const struct doc *doc)
{
        long t = 0;
        for (size_t i = 0; i < doc->calls_n; i++)
                t += doc->calls[i].input_tokens + doc->calls[i].output_tokens;
        return t;
}

void doc_images_free(struct doc *doc)
{
        for (size_t i = 0; i < doc->images_n; i++)
                free(doc->images[i].png);
        free(doc->images);
        doc->images = NULL;
        doc->images_n = 0;
}

void doc_free(struct doc *doc)
{
        if (!doc)
                return;
        free(doc->id);
        free(doc->tenant);
        free(doc->source);
        free(doc->content_type);
        if (doc->metadata)
                json_decref(doc->metadata);
        free(doc->job_json);
        free(doc->topic);
        free(doc->msg.value);
        free(doc->msg.key);
        if (doc->msg.hdrs)
                rd_kafka_headers_destroy(doc->msg.hdrs);
        free(doc->msg.dlq_headers);
        free(doc->msg.own_headers);
        free(doc->bytes);
        free(doc->text);
        free(doc->title);
        free(doc->author);
        free(doc->subject);
        free(doc->creator);
        free(doc->producer);
        free(doc->created);
        free(doc->modified);
        free(doc->ocr_confidence);
        doc_images_free(doc);
        free(doc->language);
        free(doc->class);
        if (doc->fields)
                json_decref(doc->fields);
        free(doc->summary);
        free(doc->model);
        for (size_t i = 0; i < doc->calls_n; i++)
                if (doc->calls[i].usage)
                        json_decref(doc->calls[i].usage);
        free(doc->calls);
        for (size_t i = 0; i < doc->shadows_n; i++)
                doc_shadow_cleanup(&doc->shadows[i]);
        free(doc->shadows);
        free(doc);
}

struct log_about doc_about(const struct doc *doc, const char *stage)
{
        struct log_about a = {.doc = doc->id,
                              .stage = stage,
                              .topic = doc->topic,
                              .partition = doc->partition,
                              .offset = doc->offset};
        return a;
}
