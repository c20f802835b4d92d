/*
 * vision: the stage after extract that sends poorly OCR'd pages to a
 * vision-capable model (ocr.vision). Extraction keeps the image of each
 * OCR'd page under ocr.vision.below_confidence (every OCR'd page in mode
 * always; at most ocr.vision.max_pages, those of lowest confidence) in
 * doc->images, with where its OCR text lies in doc->text. This stage asks
 * the model layer (model_vision: the budgets, the endpoint's retries,
 * rate limits and circuit, a model call of stage "vision" per request)
 * for each page's text, one page after the other so that each call sees
 * the document's cost so far, then puts the answers in place of the OCR
 * text. A page whose call fails or whose answer is no transcription keeps
 * its OCR text, with a log line that says why; with ocr.vision.on_failure
 * retry the stage fails instead (the error's own class: a transient
 * failure is retried, a budget is a dead letter) and the text is left as
 * OCR made it. A document with no page image passes straight through.
 * Owns one struct vision_job per document from start to done, and the
 * answers until they are in the text; frees doc->images when done.
 */
#include "vision.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../worker/log.h"
#include "../worker/model/model.h"

struct vision_job {
        const struct stage_env *env;
        struct doc *doc;
        stage_done_fn done;
        size_t next;       /* the image being read */
        char **texts;      /* one per image: the answer, or NULL (OCR stays) */
        struct err failed; /* the first failure */
};

int vision_splice(struct doc *doc, char *const *texts, int64_t max_text,
                  struct err *err)
{
        GString *out;
        size_t pos = 0;

        if (!doc->text)
                return err_set(err, ERR_INPUT, "vision: no text to splice");
        out = g_string_sized_new(doc->text_len + 1);
        for (size_t i = 0; i < doc->images_n; i++) {
                const struct doc_page_image *im = &doc->images[i];
                const char *t = texts[i];
                size_t tlen = t ? strlen(t) : 0;

                /* Checked by the sandbox; the inline path trusts
                 * extract.c. Still, never read outside the text. */
                if (im->text_off < pos || im->text_off > doc->text_len ||
                    im->text_len > doc->text_len - im->text_off) {
                        g_string_free(out, TRUE);
                        return err_set(err, ERR_INPUT,
                                       "vision: page %d's text is out of "
                                       "bounds",
                                       im->page);
                }
                g_string_append_len(out, doc->text + pos,
                                    (gssize)(im->text_off - pos));
                if (t && (int64_t)(doc->text_len - im->text_len + tlen +
                                   out->len - im->text_off) > max_text) {
                        log_doc(LOG_WARN, doc_about(doc, "vision"),
                                "vision page %d: its %zu bytes would pass "
                                "limits.max_text_bytes (%lld): OCR's text "
                                "kept",
                                im->page, tlen, (long long)max_text);
                        t = NULL;
                }
                if (t)
                        g_string_append_len(out, t, (gssize)tlen);
                else
                        g_string_append_len(out, doc->text + im->text_off,
                                            (gssize)im->text_len);
                pos = im->text_off + im->text_len;
        }
        g_string_append_len(out, doc->text + pos,
                            (gssize)(doc->text_len - pos));
        free(doc->text);
        doc->text_len = out->len;
        doc->text = xmalloc(out->len + 1);
        memcpy(doc->text, out->str, out->len + 1);
        doc->text_tokens = 0;
        g_string_free(out, TRUE);
        return 0;
}

static void vision_finish(struct vision_job *j)
{
        struct doc *doc = j->doc;
        stage_done_fn done = j->done;
        const struct config *cfg = j->env->cfg;
        int retry = cfg->vision_on_failure &&
                    strcmp(cfg->vision_on_failure, "retry") == 0;
        struct err err;
        int rc = 0;

        err_clear(&err);
        if (retry && j->failed.cls != ERR_OK) {
                err = j->failed;
                rc = -1;
        } else {
                rc = vision_splice(doc, j->texts, cfg->max_text_bytes, &err);
        }
        for (size_t i = 0; i < doc->images_n; i++)
                free(j->texts[i]);
        free(j->texts);
        free(j);
        /* A stage retried sends the pages again: keep them until then. */
        if (rc == 0)
                doc_images_free(doc);
        done(doc, rc < 0 ? &err : NULL);
}

static void vision_next(struct vision_job *j);

static void vision_on_page(void *arg, char *text, const struct err *err)
{
        struct vision_job *j = arg;
        struct doc *doc = j->doc;
        const struct doc_page_image *im = &doc->images[j->next];

        if (err) {
                log_doc(LOG_WARN, doc_about(doc, "vision"),
                        "vision page %d (OCR confidence %d): %s; %s", im->page,
                        im->confidence, err->msg,
                        j->env->cfg->vision_on_failure &&
                                        strcmp(j->env->cfg->vision_on_failure,
                                               "retry") == 0
                                ? "the stage fails (ocr.vision.on_failure: "
                                  "retry)"
                                : "OCR's text kept");
                if (j->failed.cls == ERR_OK)
                        j->failed = *err;
        } else {
                log_doc(LOG_INFO, doc_about(doc, "vision"),
                        "vision page %d (OCR confidence %d): %zu bytes of "
                        "OCR text replaced by %zu bytes from %s",
                        im->page, im->confidence, im->text_len, strlen(text),
                        j->env->cfg->vision_endpoint);
                j->texts[j->next] = text;
        }
        j->next++;
        vision_next(j);
}

static void vision_next(struct vision_job *j)
{
        struct doc *doc = j->doc;
        int retry = j->env->cfg->vision_on_failure &&
                    strcmp(j->env->cfg->vision_on_failure, "retry") == 0;

        /* Under on_failure retry, one failure decides: no more calls. */
        if (j->next >= doc->images_n || (retry && j->failed.cls != ERR_OK)) {
                vision_finish(j);
                return;
        }
        model_vision(j->env->model, doc, &doc->images[j->next], vision_on_page,
                     j);
}

static int vision_init(void **state, const struct stage_env *env,
                       struct err *err)
{
        (void)err;
        *state = (void *)env;
        return 0;
}

static void vision_start(void *state, struct doc *doc, stage_done_fn done)
{
        const struct stage_env *env = state;
        struct vision_job *j;

        if (doc->images_n == 0 || !env->model || !doc->text) {
                doc_images_free(doc);
                done(doc, NULL);
                return;
        }
        j = xcalloc(1, sizeof(*j));
        j->env = env;
        j->doc = doc;
        j->done = done;
        j->texts = xcalloc(doc->images_n, sizeof(char *));
        err_clear(&j->failed);
        vision_next(j);
}

static void vision_destroy(void *state)
{
        (void)state;
}

const struct stage stage_vision = {
        .name = "vision",
        .mask = 0,
        .init = vision_init,
        .start = vision_start,
        .destroy = vision_destroy,
};
