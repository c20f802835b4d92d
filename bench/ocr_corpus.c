/*
 * ocr_corpus: word accuracy of docpipe's OCR (extract_document_ocr, the
 * code the sandbox's children run) on a folder of page images with their
 * ground truth: X.tif/X.png against X.gold.txt, else X.txt, else (for the
 * rotated copies, "X-rotated-*.png", "Xrot.tif") the text of X. Words are
 * runs of letters and digits, compared exactly; a page's accuracy is the
 * longest common subsequence of its words and the truth's, over the
 * truth's word count (ISRI's wordacc, without its stopword options).
 *   ocr_corpus DIR [LANGUAGES]
 * Prints one line per page and the total; exits 1 when nothing was read.
 */
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stages/extract.h"
#include "../stages/ocr.h"

/* Returns the words of s, a new GPtrArray of new strings. */
static GPtrArray *words_of(const char *s)
{
        GPtrArray *w = g_ptr_array_new_with_free_func(g_free);
        const char *p = s, *start = NULL;

        for (;; p = g_utf8_next_char(p)) {
                gunichar c = *p ? g_utf8_get_char(p) : 0;
                int in = c && g_unichar_isalnum(c);

                if (in && !start)
                        start = p;
                if (!in && start) {
                        g_ptr_array_add(w, g_strndup(start, p - start));
                        start = NULL;
                }
                if (!*p)
                        break;
        }
        return w;
}

static size_t lcs(GPtrArray *a, GPtrArray *b)
{
        size_t n = a->len, m = b->len, res;
        size_t *prev = g_new0(size_t, m + 1), *cur = g_new0(size_t, m + 1);

        for (size_t i = 1; i <= n; i++) {
                for (size_t j = 1; j <= m; j++) {
                        if (strcmp(a->pdata[i - 1], b->pdata[j - 1]) == 0)
                                cur[j] = prev[j - 1] + 1;
                        else
                                cur[j] = prev[j] > cur[j - 1] ? prev[j]
                                                              : cur[j - 1];
                }
                memcpy(prev, cur, (m + 1) * sizeof(*cur));
        }
        res = prev[m];
        g_free(prev);
        g_free(cur);
        return res;
}

/* The ground truth of image `name` in dir: new text or NULL. */
static char *truth_of(const char *dir, const char *name)
{
        char *base = g_strndup(name, strrchr(name, '.') - name);
        const char *cut;
        char *text = NULL;

        for (int pass = 0; pass < 2 && !text; pass++) {
                static const char *const ext[] = {".gold.txt", ".txt"};
                for (int e = 0; e < 2 && !text; e++) {
                        char *path = g_strconcat(dir, "/", base, ext[e], NULL);
                        g_file_get_contents(path, &text, NULL, NULL);
                        g_free(path);
                }
                /* The rotated copies share their original's text. */
                cut = strstr(base, "-rotated");
                if (!cut)
                        cut = g_str_has_suffix(base, "rot")
                                      ? base + strlen(base) - 3
                                      : NULL;
                if (!cut)
                        break;
                base[cut - base] = '\0';
        }
        g_free(base);
        return text;
}

int main(int argc, char **argv)
{
        struct config cfg;
        struct ocr *ocr = ocr_new();
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        size_t all = 0, hit = 0;
        DIR *d;
        struct dirent *de;

        if (argc < 2) {
                fprintf(stderr, "usage: ocr_corpus DIR [LANGUAGES]\n");
                return 2;
        }
        d = opendir(argv[1]);
        if (!d) {
                perror(argv[1]);
                return 2;
        }
        while ((de = readdir(d)))
                if (g_str_has_suffix(de->d_name, ".tif") ||
                    g_str_has_suffix(de->d_name, ".png"))
                        g_ptr_array_add(names, g_strdup(de->d_name));
        closedir(d);
        g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
        memset(&cfg, 0, sizeof(cfg));
        cfg.max_bytes = 64 << 20;
        cfg.max_pages = 100;
        cfg.max_text_bytes = 16 << 20;
        cfg.max_page_pixels = 50000000;
        cfg.ocr_languages = argc > 2 ? argv[2] : "eng";
        for (guint i = 0; i < names->len; i++) {
                const char *name = *(char **)&names->pdata[i];
                char *truth = truth_of(argv[1], name);
                char *path = g_strconcat(argv[1], "/", name, NULL);
                struct doc *doc = doc_new();
                gchar *bytes = NULL;
                gsize len = 0;
                struct err err;

                err_clear(&err);
                if (!truth || !g_file_get_contents(path, &bytes, &len, NULL)) {
                        printf("%-28s no ground truth, skipped\n", name);
                } else {
                        doc->bytes = xmalloc(len);
                        memcpy(doc->bytes, bytes, len);
                        doc->len = len;
                        doc_set_str(&doc->content_type,
                                    g_str_has_suffix(name, ".png")
                                            ? "image/png"
                                            : "image/tiff");
                        if (extract_document_ocr(doc, &cfg, ocr, NULL, NULL,
                                                 &err) < 0) {
                                printf("%-28s error: %s\n", name, err.msg);
                        } else {
                                GPtrArray *t = words_of(truth),
                                          *o = words_of(doc->text);
                                size_t c = lcs(t, o);
                                printf("%-28s %4zu/%-4u words  %.3f\n", name, c,
                                       t->len, t->len ? (double)c / t->len : 0);
                                all += t->len;
                                hit += c;
                                g_ptr_array_free(t, TRUE);
                                g_ptr_array_free(o, TRUE);
                        }
                }
                g_free(bytes);
                g_free(path);
                g_free(truth);
                doc_free(doc);
        }
        printf("word accuracy: %zu/%zu = %.4f\n", hit, all,
               all ? (double)hit / all : 0);
        g_ptr_array_free(names, TRUE);
        ocr_free(ocr);
        return all ? 0 : 1;
}
