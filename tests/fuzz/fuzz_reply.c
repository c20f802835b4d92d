/*
 * libFuzzer target: worker/model/prompts.c on arbitrary bytes. The first
 * byte picks what runs, the second its parameter (class, length, budget);
 * the rest is the model's content or the document:
 *   0 reply_classify      the class is a taxonomy member, confidence in [0,1]
 *   1 reply_fields        every kept field passes the class's schema
 *   2 reply_summary       non-empty, valid UTF-8, at most max bytes
 *   3 prompt_chunks       chunks cover the text exactly, within budget,
 *                         valid UTF-8 text cut only between characters
 *   4 prompt_relevant_text within budget
 *   5 requests + repair   the document cannot close its block
 *   6 reply_vision        non-empty, valid UTF-8 without NUL, form feed
 *                         or other controls but newline, within its cap;
 *                         prompt_image_tokens and prompt_vision on the
 *                         bytes as a PNG
 * A broken property aborts (a crash for libFuzzer). Runs from the
 * repository root (schemas/fields). Owns the one struct prompts, made on
 * the first input and kept for the run.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/doc.h"
#include "../../worker/model/prompts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *taxonomy[] = {"invoice",
                           "receipt",
                           "bank_statement",
                           "annual_report",
                           "financial_report",
                           "contract",
                           "tax_form",
                           "other",
                           "memo"};
#define NCLASSES (sizeof(taxonomy) / sizeof(taxonomy[0]))

static struct prompts *prompts(void)
{
        static struct prompts *p;
        struct config cfg;
        struct err err;
        size_t i;

        if (p)
                return p;
        memset(&cfg, 0, sizeof(cfg));
        for (i = 0; i < NCLASSES; i++)
                cfg.classes[i] = taxonomy[i];
        cfg.classes_n = NCLASSES;
        cfg.summary_max_chars = 600;
        p = prompts_new(&cfg, "schemas/fields", &err);
        if (!p) {
                fprintf(stderr,
                        "fuzz_reply: %s (run from the repository "
                        "root)\n",
                        err.msg);
                abort();
        }
        return p;
}

static void must(int ok, const char *what)
{
        if (!ok) {
                fprintf(stderr, "fuzz_reply: broken: %s\n", what);
                abort();
        }
}

static size_t count(const char *hay, const char *needle)
{
        size_t n = 0;

        while ((hay = strstr(hay, needle)) != NULL) {
                n++;
                hay += strlen(needle);
        }
        return n;
}

static void fuzz_classify(struct prompts *p, const char *s)
{
        const char *cls;
        double c;
        struct err err;
        size_t i;
        int found = 0;

        if (reply_classify(p, s, &cls, &c, &err) < 0) {
                must(err.cls == ERR_RETRY, "classify error class");
                return;
        }
        for (i = 0; i < NCLASSES; i++)
                found |= strcmp(cls, taxonomy[i]) == 0;
        must(found, "class in the taxonomy");
        must(c >= 0 && c <= 1, "confidence in [0,1]");
}

static void fuzz_fields(struct prompts *p, const char *cls, const char *s)
{
        struct reply_drops drops;
        struct err err;
        char why[160];
        json_t *f = reply_fields(p, cls, s, &drops, &err);

        if (!f) {
                must(err.cls == ERR_RETRY, "fields error class");
                return;
        }
        must(schema_check_value(prompts_schema(p, cls), f, why, sizeof(why)) ==
                     0,
             "kept fields pass the schema");
        must(drops.unknown + drops.invalid == 0 || drops.first[0],
             "a drop says why");
        json_decref(f);
}

static void fuzz_vision(const char *s, size_t len, int max)
{
        struct err err;
        char *t = reply_vision(s, (size_t)max, &err);
        json_t *body;

        if (!t) {
                must(err.cls == ERR_RETRY, "vision error class");
        } else {
                must(t[0] != '\0', "transcription not empty");
                must(max == 0 || strlen(t) <= (size_t)max,
                     "transcription within its cap");
                must(g_utf8_validate(t, -1, NULL), "transcription is UTF-8");
                for (const char *c = t; *c; c++)
                        must((unsigned char)*c >= 0x20 || *c == '\n',
                             "no control but newline");
                free(t);
        }
        /* The same bytes as an image: its header is untrusted too. */
        must(prompt_image_tokens((const unsigned char *)s, len) >= 85,
             "image tokens");
        body = prompt_vision((const unsigned char *)s, len, max);
        must(len == 0 || body, "vision request");
        if (body) {
                must(prompt_tokens_estimate(body) >=
                             prompt_image_tokens((const unsigned char *)s,
                                                 len),
                     "estimate counts the image");
                json_decref(body);
        }
}

static void fuzz_summary(const char *s, int max)
{
        struct err err;
        char *sum = reply_summary(s, max, &err);
        size_t limit = max > 0 ? (size_t)max : 600;

        if (!sum)
                return;
        must(sum[0] != '\0', "summary not empty");
        must(strlen(sum) <= limit, "summary within max");
        must(g_utf8_validate(sum, -1, NULL), "summary is UTF-8");
        free(sum);
}

static void fuzz_chunks(const char *s, size_t len, long budget)
{
        struct prompt_chunk *ch;
        size_t n = prompt_chunks(s, len, budget, &ch), i, at = 0;
        int utf8 = g_utf8_validate(s, (gssize)len, NULL);

        for (i = 0; i < n; i++) {
                must(ch[i].off == at, "chunks are consecutive");
                must(ch[i].len > 0, "chunks are not empty");
                must(ch[i].len <= (size_t)(budget < 1 ? 1 : budget) * 4,
                     "chunk within budget");
                must(!utf8 || g_utf8_validate(s + ch[i].off, (gssize)ch[i].len,
                                              NULL),
                     "chunk cut between characters");
                at += ch[i].len;
        }
        must(at == len, "chunks cover the text");
        free(ch);
}

static void fuzz_requests(struct prompts *p, const char *cls, const char *s,
                          size_t len, int fmt)
{
        json_t *body[3], *rep;
        size_t i;

        body[0] = prompt_classify(p, s, len, "n0nce");
        body[1] = prompt_fields(p, cls, s, len, "n0nce",
                                (enum prompt_format)(fmt % 3));
        body[2] = prompt_summarize(p, s, len, "de", fmt, "n0nce");
        for (i = 0; i < 3; i++) {
                const char *user;

                must(body[i] != NULL, "request made");
                user = json_string_value(json_object_get(
                        json_array_get(json_object_get(body[i], "messages"), 1),
                        "content"));
                must(user != NULL, "user message");
                must(count(user, "<<<") == 2, "only our delimiters");
                must(count(user, "\n<<<END DOCUMENT n0nce>>>\n") == 1,
                     "one END line");
                must(prompt_tokens_estimate(body[i]) > 0, "tokens");
        }
        rep = prompt_repair(body[1], s, s);
        must(rep != NULL, "repair made");
        must(json_array_size(json_object_get(rep, "messages")) == 4,
             "repair messages");
        json_decref(rep);
        for (i = 0; i < 3; i++)
                json_decref(body[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct prompts *p = prompts();
        const char *cls;
        char *s, *r;
        size_t len;
        uint8_t arg;

        if (size < 2)
                return 0;
        arg = data[1];
        cls = taxonomy[arg % NCLASSES];
        len = size - 2;
        s = xmalloc(len + 1);
        memcpy(s, data + 2, len);
        s[len] = '\0';

        switch (data[0] % 7) {
        case 0:
                fuzz_classify(p, s);
                break;
        case 1:
                fuzz_fields(p, cls, s);
                break;
        case 2:
                fuzz_summary(s, (int)arg * 4);
                break;
        case 3:
                fuzz_chunks(s, len, (long)(arg % 64));
                break;
        case 4:
                r = prompt_relevant_text(arg & 1 ? cls : NULL, s, len,
                                         (long)(arg % 64));
                must(strlen(r) <= (size_t)(arg % 64 ? arg % 64 : 1) * 4,
                     "relevant text within budget");
                free(r);
                break;
        case 5:
                fuzz_requests(p, cls, s, len, arg);
                break;
        default:
                fuzz_vision(s, len, (int)arg * 16);
                break;
        }
        free(s);
        return 0;
}
