/*
 * doc: construction and release of struct doc, plus the allocation helpers
 * every module uses (see doc.h). Owns nothing beyond the documents it makes.
 */
#include "doc.h"

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
        return doc;
}

void doc_set_str(char **dst, const char *src)
{
        free(*dst);
        *dst = src ? xstrdup(src) : NULL;
}

void doc_add_call(struct doc *doc, const struct model_call *call)
{
        doc->calls = xrealloc(doc->calls,
                              (doc->calls_n + 1) * sizeof(*doc->calls));
        doc->calls[doc->calls_n++] = *call;
}

double doc_cost(const struct doc *doc)
{
        double c = 0;
        for (size_t i = 0; i < doc->calls_n; i++)
                c += doc->calls[i].cost_usd;
        return c;
}

long doc_tokens(const struct doc *doc)
{
        long t = 0;
        for (size_t i = 0; i < doc->calls_n; i++)
                t += doc->calls[i].input_tokens + doc->calls[i].output_tokens;
        return t;
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
        free(doc->bytes);
        free(doc->text);
        free(doc->title);
        free(doc->author);
        free(doc->subject);
        free(doc->creator);
        free(doc->producer);
        free(doc->created);
        free(doc->modified);
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
        free(doc);
}
