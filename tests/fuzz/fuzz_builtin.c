/*
 * libFuzzer target: the builtin model (worker/model/builtin.c) on
 * arbitrary text. The text of a hostile PDF reaches it unchanged but for
 * the UTF-8 and NUL checks of the sandbox, so every pass must hold on any
 * bytes. The first byte picks the class whose fields are extracted (every
 * extractor is reached whatever the classifier says) and whether the text
 * is made valid UTF-8 without NUL first, as the sandbox leaves it; the
 * rest is the text. Checks:
 *   builtin_language   two or three lower-case letters, or "und"
 *   builtin_classify   a configured class, confidence in [0,1]
 *   builtin_fields     a JSON object
 *   builtin_summarize  valid UTF-8, at most summary_max_chars bytes
 *   builtin_tokens     0 exactly for empty text
 * Built with BUILTIN_CHECK_INDEX: each label found through a context's
 * word index is checked against a plain scan (ctx_find aborts if the two
 * disagree). A broken property aborts. Owns the one struct builtin and
 * its configuration, made on the first input and kept for the run.
 */
#include <glib.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/config.h"
#include "../../worker/model/builtin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static struct builtin *model;

static void check_language(const char *lang)
{
        size_t n = strlen(lang), i;

        if (strcmp(lang, "und") == 0)
                return;
        if (n < 2 || n > 3)
                abort();
        for (i = 0; i < n; i++)
                if (lang[i] < 'a' || lang[i] > 'z')
                        abort();
}

static int is_class(const char *cls)
{
        size_t k;

        for (k = 0; k < cfg.classes_n; k++)
                if (strcmp(cls, cfg.classes[k]) == 0)
                        return 1;
        return 0;
}

/* The text as extraction hands it over: valid UTF-8, no NUL. */
static char *sanitized(const char *s, size_t n, size_t *len)
{
        char *v = g_utf8_make_valid(s, (gssize)n), *out;
        size_t i, o = 0, vn = strlen(v);

        out = g_malloc(vn + 1);
        for (i = 0; i < vn; i++)
                if (v[i])
                        out[o++] = v[i];
        out[o] = '\0';
        g_free(v);
        *len = o;
        return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *cls, *want;
        char lang[8], *text, *summary;
        double conf;
        size_t len, max;
        json_t *fields;
        long tokens;

        if (!model) {
                struct err err;

                err_clear(&err);
                if (config_load(&cfg, NULL, &err) < 0 ||
                    !(model = builtin_new(&cfg, &err)))
                        abort();
        }
        if (size < 1)
                return 0;
        want = cfg.classes[data[0] % cfg.classes_n];
        if (data[0] & 0x80) {
                text = sanitized((const char *)data + 1, size - 1, &len);
        } else {
                len = size - 1;
                text = g_memdup2(data + 1, len ? len : 1);
        }

        builtin_language(model, text, len, lang);
        check_language(lang);
        builtin_classify(model, text, len, &cls, &conf);
        if (!is_class(cls) || !(conf >= 0 && conf <= 1))
                abort();
        fields = builtin_fields(model, want, text, len, lang);
        if (!json_is_object(fields))
                abort();
        summary = builtin_summarize(model, want, fields, text, len, lang);
        max = cfg.summary_max_chars > 0 ? (size_t)cfg.summary_max_chars : 600;
        if (strlen(summary) > max || !g_utf8_validate(summary, -1, NULL))
                abort();
        tokens = builtin_tokens(text, len);
        if ((len == 0) != (tokens == 0) || tokens < 0)
                abort();

        free(summary);
        json_decref(fields);
        g_free(text);
        return 0;
}
