/*
 * extract: turns a document's bytes into text and metadata (see extract.h).
 * PDFs go through Poppler's glib API, opened from a GMemoryInputStream that
 * borrows doc->bytes (no copy) with no password: poppler_document_new_
 * from_data/_from_bytes crash on some encrypted files when given a wrong
 * password, from_stream reports a GError instead. Text is read page by page
 * and joined with '\f'. Each page is rebuilt from its glyph boxes into
 * physical lines (a label and its value on one line), unless it is set in
 * columns of prose, which keep Poppler's reading order. The caps on bytes
 * (limits.max_bytes), pages (limits.max_pages) and text
 * (limits.max_text_bytes; limits.max_page_text_bytes for one page) are
 * checked before the work they bound, the last two as the text grows.
 * Plain text (text/plain, text/csv, text/markdown) is checked to be UTF-8
 * without NUL bytes and copied. Everything is built in
 * locals and handed to doc only on success, so a failed call leaves doc as
 * it was. Owns the Poppler document, its pages and the GLib strings of one
 * call; thread-safe because nothing is shared between calls but the one
 * empty document opened with the first PDF and kept open for the
 * process's life, so that Poppler's global tables are built once per
 * process, not for every document (extract_hold).
 */
#include "extract.h"

#include <cairo.h>
#include <gio/gio.h>
#include <glib.h>
#include <leptonica/allheaders.h>
#include <math.h>
#include <poppler.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../worker/log.h"
#include "ocr.h"

/* Longest metadata string kept (title, author, ...): PDF strings are
 * unbounded, a title of megabytes helps nobody. Cut at a UTF-8 boundary. */
#define EXTRACT_META_MAX 1024

/* Scanned pages are rendered at this resolution for OCR. */
#define EXTRACT_OCR_DPI 300
/* limits.max_page_pixels when a hand-made config leaves it 0. */
#define EXTRACT_PIXELS_DEFAULT 50000000
/* A PDF page with fewer visible characters than this, or than one per
 * EXTRACT_SCAN_AREA square points (a fifth of a square inch), and an image
 * on it (or no text at all) is a scan: it is rendered and OCR'd. */
#define EXTRACT_SCAN_CHARS 16
#define EXTRACT_SCAN_AREA (72.0 * 72.0 * 5.0)

/* What OCR needs in one call: the engine (borrowed from the caller, or
 * made for this call), the languages and the pixel cap. */
struct extract_ocr {
        struct ocr *ocr;
        int owned;
        const char *languages;
        int64_t max_pixels;
        const char *id; /* for log lines */
        GString *conf;  /* {"page": confidence, ...} so far, or NULL */
        /* The vision route (ocr.vision): pages under vision_below (-1:
         * none) are kept as PNGs, vision_max of them at most, those of
         * lowest confidence. */
        int vision_below, vision_max, vision_side;
        int64_t vision_bytes;
        struct doc_page_image *images; /* vision_max slots */
        size_t images_n;
};

/* What one call builds before it is handed to doc. */
struct extract_out {
        char *text;
        size_t text_len;
        int pages;
        char *title, *author, *subject, *creator, *producer;
        char *created, *modified;
        char *ocr_confidence;
        struct doc_page_image *images;
        size_t images_n;
};

static void extract_images_free(struct doc_page_image *images, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(images[i].png);
        free(images);
}

static void extract_out_cleanup(struct extract_out *out)
{
        free(out->text);
        free(out->title);
        free(out->author);
        free(out->subject);
        free(out->creator);
        free(out->producer);
        free(out->created);
        free(out->modified);
        free(out->ocr_confidence);
        extract_images_free(out->images, out->images_n);
        memset(out, 0, sizeof(*out));
}

/* Moves a pointer from out to doc, freeing what doc held before. */
static void extract_move(char **dst, char **src)
{
        free(*dst);
        *dst = *src;
        *src = NULL;
}

static void extract_out_commit(struct extract_out *out, struct doc *doc)
{
        extract_move(&doc->text, &out->text);
        doc->text_len = out->text_len;
        doc->text_tokens = 0;
        doc->pages = out->pages;
        extract_move(&doc->title, &out->title);
        extract_move(&doc->author, &out->author);
        extract_move(&doc->subject, &out->subject);
        extract_move(&doc->creator, &out->creator);
        extract_move(&doc->producer, &out->producer);
        extract_move(&doc->created, &out->created);
        extract_move(&doc->modified, &out->modified);
        extract_move(&doc->ocr_confidence, &out->ocr_confidence);
        doc_images_free(doc);
        doc->images = out->images;
        doc->images_n = out->images_n;
        out->images = NULL;
        out->images_n = 0;
}

/* Does content type ct (may be NULL, may carry "; parameters") name type?
 * Compared without case. */
static int extract_type_is(const char *ct, const char *type)
{
        size_t n = strlen(type);

        if (!ct || g_ascii_strncasecmp(ct, type, n) != 0)
                return 0;
        return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* Returns a new malloc'd copy of the GLib string s (steals s: it is
 * g_free'd), made valid UTF-8, cut to EXTRACT_META_MAX bytes and trimmed;
 * NULL when s is NULL or has nothing but blanks. */
static char *extract_meta(gchar *s)
{
        gchar *valid;
        char *res = NULL;
        size_t n;

        if (!s)
                return NULL;
        valid = g_utf8_make_valid(s, -1);
        g_free(s);
        g_strstrip(valid);
        n = strlen(valid);
        if (n > EXTRACT_META_MAX) {
                n = EXTRACT_META_MAX;
                /* Back up to the first byte of a character. */
                while (n > 0 && ((unsigned char)valid[n] & 0xC0) == 0x80)
                        n--;
        }
        if (n > 0)
                res = xstrndup(valid, n);
        g_free(valid);
        return res;
}

/* Returns a new "YYYY-MM-DDTHH:MM:SSZ" for dt (steals dt), or NULL. */
static char *extract_date(GDateTime *dt)
{
        GDateTime *utc;
        gchar *s;
        char *res = NULL;

        if (!dt)
                return NULL;
        utc = g_date_time_to_utc(dt);
        g_date_time_unref(dt);
        if (!utc)
                return NULL;
        s = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
        g_date_time_unref(utc);
        if (s && *s)
                res = xstrdup(s);
        g_free(s);
        return res;
}

static void extract_pdf_meta(PopplerDocument *pdf, struct extract_out *out)
{
        out->title = extract_meta(poppler_document_get_title(pdf));
        out->author = extract_meta(poppler_document_get_author(pdf));
        out->subject = extract_meta(poppler_document_get_subject(pdf));
        out->creator = extract_meta(poppler_document_get_creator(pdf));
        out->producer = extract_meta(poppler_document_get_producer(pdf));
        out->created =
                extract_date(poppler_document_get_creation_date_time(pdf));
        out->modified =
                extract_date(poppler_document_get_modification_date_time(pdf));
}

/* Appends s (len bytes) to buf, keeping the total within cap. Returns 0,
 * or -1 with err naming the cap. */
static int extract_append(GString *buf, const char *s, size_t len, int64_t cap,
                          struct err *err)
{
        if ((int64_t)(buf->len + len) > cap)
                return err_set(err, ERR_INPUT,
                               "extracted text is over the cap of %lld "
                               "bytes (limits.max_text_bytes)",
                               (long long)cap);
        g_string_append_len(buf, s, (gssize)len);
        return 0;
}

/* What separates two characters that Poppler put next to each other,
 * from their glyph boxes a and b: '\n' when b is on another line (Poppler
 * ran two lines together), ' ' when it is on the same line past a gap
 * wider than a thin space, 0 when they touch. */
static char extract_break(const PopplerRectangle *a, const PopplerRectangle *b)
{
        double h = a->y2 - a->y1, dy = b->y1 - a->y1;

        if (h <= 0)
                return 0;
        if (dy >= h / 2 || dy <= -h / 2)
                return '\n';
        return b->x1 - a->x2 > h * 0.25 ? ' ' : 0;
}

/* A word of a page: a run of characters of Poppler's text with no white
 * space and no visible gap, and the box around its glyphs. */
struct extract_word {
        const gchar *s; /* in the page's text */
        size_t len;
        double x1, y1, x2, y2;
        size_t order; /* in Poppler's reading order */
};

struct extract_line {
        size_t first, n; /* of the words, sorted */
        double y1, y2;
};

static int extract_word_by_y(const void *pa, const void *pb)
{
        const struct extract_word *a = pa, *b = pb;
        double ya = (a->y1 + a->y2) / 2, yb = (b->y1 + b->y2) / 2;

        if (ya != yb)
                return ya < yb ? -1 : 1;
        return a->order < b->order ? -1 : a->order > b->order;
}

static int extract_word_by_x(const void *pa, const void *pb)
{
        const struct extract_word *a = pa, *b = pb;

        if (a->x1 != b->x1)
                return a->x1 < b->x1 ? -1 : 1;
        return a->order < b->order ? -1 : a->order > b->order;
}

/* Sorts n words by cmp. Poppler's order is mostly the page's order
 * already, and a line has few words: insertion sort, which is linear on
 * sorted input, unless a run of moves says the input is far from
 * sorted. */
static void extract_sort(struct extract_word *w, size_t n,
                         int (*cmp)(const void *, const void *))
{
        size_t moves = 0;

        for (size_t i = 1; i < n; i++) {
                struct extract_word t = w[i];
                size_t j = i;

                while (j > 0 && cmp(&w[j - 1], &t) > 0) {
                        w[j] = w[j - 1];
                        j--;
                        if (++moves > 8 * n + 64) {
                                w[j] = t;
                                qsort(w, n, sizeof(*w), cmp);
                                return;
                        }
                }
                w[j] = t;
        }
}

/* Does the page read in text columns? Poppler reads a column of prose
 * whole before the next one, so a physical line across columns is made of
 * runs of words that Poppler read one after the other, each a piece of a
 * line of prose. A table or a form jumps too (labels, then their values)
 * but in short runs. Columns: at least 5 lines, and a third of the lines
 * that jump, have two runs of 3 words or more. */
static int extract_columns(const struct extract_word *w,
                           const struct extract_line *lines, size_t nl)
{
        size_t jumping = 0, prose = 0;

        for (size_t l = 0; l < nl; l++) {
                const struct extract_word *a = &w[lines[l].first];
                size_t runs = 1, long_runs = 0, run = 1;

                for (size_t k = 1; k <= lines[l].n; k++) {
                        if (k < lines[l].n &&
                            a[k].order == a[k - 1].order + 1) {
                                run++;
                                continue;
                        }
                        long_runs += run >= 3;
                        if (k < lines[l].n)
                                runs++;
                        run = 1;
                }
                if (runs < 2)
                        continue;
                jumping++;
                prose += long_runs >= 2;
        }
        return prose >= 5 && prose * 3 >= jumping;
}

/* Returns the page's text rebuilt from the glyph boxes, one physical line
 * after another, or NULL to keep Poppler's. Poppler reads in blocks: it
 * runs table cells and label/value pairs together ("Invoice No.INV-2024-
 * 0554Bill to") and puts a column of amounts after the column of their
 * labels, so that "TOTAL" is read far from its value. The words are
 * Poppler's text cut at white space and at gaps wider than a thin space;
 * they are grouped into lines by their vertical middle and read left to
 * right. A page set in text columns keeps Poppler's order, with the gaps
 * repaired. r has one box per character of text (n of them); NULL when
 * they disagree. */
static gchar *extract_rebuild(const gchar *text, const PopplerRectangle *r,
                              guint n)
{
        struct extract_word *w;
        struct extract_line *lines;
        size_t nw = 0, cap = 64, nl = 0, k = 0, i;
        const gchar *p, *start = NULL;
        GString *out;
        int columns;

        w = g_new(struct extract_word, cap);
        for (p = text;; p = g_utf8_next_char(p), k++) {
                int end = *p == '\0' || g_ascii_isspace(*p);
                const PopplerRectangle *b = NULL;

                if (!end) {
                        /* Boxes that do not match the text, or that a
                         * hostile file made NaN or infinite (they would
                         * break the sorts): Poppler's order stays. */
                        if (k >= n || !isfinite(r[k].x1) ||
                            !isfinite(r[k].y1) || !isfinite(r[k].x2) ||
                            !isfinite(r[k].y2)) {
                                g_free(w);
                                return NULL;
                        }
                        b = &r[k];
                }
                if (!end && start) {
                        /* A gap or a line change inside a run. */
                        if (extract_break(&r[k - 1], b))
                                end = 2;
                }
                if (end && start) {
                        w[nw - 1].len = (size_t)(p - start);
                        start = NULL;
                }
                if (*p == '\0')
                        break;
                if (b && !start) {
                        if (nw == cap) {
                                cap *= 2;
                                w = g_renew(struct extract_word, w, cap);
                        }
                        start = p;
                        w[nw] = (struct extract_word){
                                p, 0, b->x1, b->y1, b->x2, b->y2, nw};
                        nw++;
                } else if (b) {
                        struct extract_word *a = &w[nw - 1];
                        a->x1 = b->x1 < a->x1 ? b->x1 : a->x1;
                        a->y1 = b->y1 < a->y1 ? b->y1 : a->y1;
                        a->x2 = b->x2 > a->x2 ? b->x2 : a->x2;
                        a->y2 = b->y2 > a->y2 ? b->y2 : a->y2;
                }
        }
        if (k != n && k + 1 != n) {
                g_free(w);
                return NULL;
        }
        if (nw == 0) {
                g_free(w);
                return g_strdup("");
        }

        /* Lines: words sorted by their middle; a word whose middle is
         * within half a line height of the line's joins it. */
        extract_sort(w, nw, extract_word_by_y);
        lines = g_new(struct extract_line, nw);
        for (i = 0; i < nw; i++) {
                double mid = (w[i].y1 + w[i].y2) / 2;
                struct extract_line *L = nl ? &lines[nl - 1] : NULL;

                if (L && mid < L->y1 + (L->y2 - L->y1) * 0.75 && mid > L->y1) {
                        L->n++;
                        L->y1 = w[i].y1 < L->y1 ? w[i].y1 : L->y1;
                        L->y2 = w[i].y2 > L->y2 ? w[i].y2 : L->y2;
                        continue;
                }
                lines[nl++] = (struct extract_line){i, 1, w[i].y1, w[i].y2};
        }
        for (i = 0; i < nl; i++)
                extract_sort(w + lines[i].first, lines[i].n, extract_word_by_x);
        columns = extract_columns(w, lines, nl);
        out = NULL;
        if (!columns) {
                out = g_string_sized_new(strlen(text) + nw + 16);
                for (i = 0; i < nl; i++) {
                        for (size_t j = 0; j < lines[i].n; j++) {
                                const struct extract_word *a =
                                        &w[lines[i].first + j];
                                if (j)
                                        g_string_append_c(out, ' ');
                                g_string_append_len(out, a->s, (gssize)a->len);
                        }
                        g_string_append_c(out, '\n');
                }
        }
        g_free(lines);
        g_free(w);
        return out ? g_string_free(out, FALSE) : NULL;
}

/* Returns a new copy of text with a space put between two characters of
 * one line that are visibly apart on the page, and a line break between
 * two lines Poppler ran together ("22/09/2024Due date"). r: the glyph
 * boxes, one per character of the text. NULL when the boxes do not match
 * the text. */
static gchar *extract_spaced(const gchar *text, const PopplerRectangle *r,
                             guint n)
{
        guint k = 0;
        GString *out;
        const gchar *p, *run, *prev = NULL;

        out = g_string_sized_new(strlen(text) + strlen(text) / 16 + 16);
        /* Copy runs of text whole; stop only where a break goes in. */
        for (p = run = text; *p; prev = p, p = g_utf8_next_char(p), k++) {
                char sep;

                if (k >= n) { /* boxes and text disagree: leave it */
                        g_string_free(out, TRUE);
                        return NULL;
                }
                if (!prev || g_ascii_isspace(*p) || g_ascii_isspace(*prev))
                        continue;
                sep = extract_break(&r[k - 1], &r[k]);
                if (sep) {
                        g_string_append_len(out, run, p - run);
                        g_string_append_c(out, sep);
                        run = p;
                }
        }
        g_string_append_len(out, run, p - run);
        if (k != n) {
                g_string_free(out, TRUE);
                return NULL;
        }
        return g_string_free(out, FALSE);
}

/* The page's text as docpipe reads it: physical lines, or Poppler's
 * reading order with its gaps repaired when the page is set in columns.
 * NULL: keep Poppler's text as it is. */
static gchar *extract_layout(PopplerPage *page, const gchar *text)
{
        PopplerRectangle *r = NULL;
        guint n = 0;
        gchar *res;

        if (!poppler_page_get_text_layout(page, &r, &n))
                return NULL;
        res = extract_rebuild(text, r, n);
        if (!res)
                res = extract_spaced(text, r, n);
        g_free(r);
        return res;
}

/* Returns the ocr's engine, made on first use. */
static struct ocr *extract_engine(struct extract_ocr *x)
{
        if (!x->ocr) {
                x->ocr = ocr_new();
                x->owned = 1;
        }
        return x->ocr;
}

/* Checks a page of w x h pixels against limits.max_page_pixels. */
static int extract_pixels_ok(const struct extract_ocr *x, int page, double w,
                             double h, struct err *err)
{
        if (w * h > (double)x->max_pixels || w > 32767 || h > 32767)
                return err_set(err, ERR_INPUT,
                               "page %d is %.0fx%.0f pixels, over the cap of "
                               "%lld pixels (limits.max_page_pixels)",
                               page + 1, w, h, (long long)x->max_pixels);
        return 0;
}

/* Returns a new PNG (*len bytes) of pix (borrowed) turned by quads
 * quarter turns, in 8-bit gray, scaled down to at most side pixels on its
 * longest side and further (by 0.7 at a time, three times) until it fits
 * in max bytes; NULL when it cannot. Gray keeps the PNG of a 300 dpi page
 * at a few hundred KB; vision models read gray scans as well. */
static unsigned char *extract_png(struct Pix *pix, int quads, int side,
                                  int64_t max, size_t *len)
{
        struct Pix *gray = pixConvertTo8(pix, 0), *turned = NULL;
        struct Pix *src;
        unsigned char *res = NULL;
        float scale;
        int w, h;

        if (!gray)
                return NULL;
        if (quads % 4) {
                turned = pixRotateOrth(gray, quads % 4);
                if (!turned)
                        goto out;
        }
        src = turned ? turned : gray;
        w = pixGetWidth(src);
        h = pixGetHeight(src);
        scale = (float)side / (float)(w > h ? w : h);
        if (scale > 1)
                scale = 1;
        for (int attempt = 0; attempt < 4 && !res; attempt++) {
                struct Pix *scaled =
                        scale < 1 ? pixScale(src, scale, scale) : pixClone(src);
                l_uint8 *data = NULL;
                size_t size = 0;

                if (scaled && pixWriteMem(&data, &size, scaled, IFF_PNG) == 0 &&
                    data && (int64_t)size <= max) {
                        res = xmalloc(size);
                        memcpy(res, data, size);
                        *len = size;
                }
                if (data)
                        lept_free(data);
                pixDestroy(&scaled);
                scale *= 0.7f;
        }
out:
        pixDestroy(&turned);
        pixDestroy(&gray);
        return res;
}

/* The vision route: keeps page i's image when its OCR confidence is
 * under the threshold and it is among the vision_max of lowest
 * confidence so far. off, len: its OCR text in the document's text. */
static void extract_keep_image(struct extract_ocr *x, struct Pix *pix, int i,
                               int conf, int rotated, size_t off, size_t len)
{
        struct doc_page_image *slot = NULL;
        unsigned char *png;
        size_t png_len = 0;

        if (conf >= x->vision_below)
                return;
        if (!x->images)
                x->images = xcalloc((size_t)x->vision_max, sizeof(*x->images));
        if (x->images_n < (size_t)x->vision_max) {
                slot = &x->images[x->images_n];
        } else {
                /* Full: take the place of the most confident one. */
                for (size_t k = 0; k < x->images_n; k++)
                        if (x->images[k].confidence > conf &&
                            (!slot ||
                             x->images[k].confidence > slot->confidence))
                                slot = &x->images[k];
                if (!slot) {
                        log_info(x->id ? x->id : "extract",
                                 "vision: page %d (confidence %d) not sent, "
                                 "over ocr.vision.max_pages (%d)",
                                 i + 1, conf, x->vision_max);
                        return;
                }
        }
        png = extract_png(pix, rotated / 90, x->vision_side, x->vision_bytes,
                          &png_len);
        if (!png) {
                log_warn(x->id ? x->id : "extract",
                         "vision: page %d cannot be made a PNG of at most "
                         "%lld bytes (ocr.vision.max_image_bytes): it keeps "
                         "its OCR text",
                         i + 1, (long long)x->vision_bytes);
                return;
        }
        if (slot == &x->images[x->images_n]) {
                x->images_n++;
        } else {
                log_info(x->id ? x->id : "extract",
                         "vision: page %d (confidence %d) not sent, over "
                         "ocr.vision.max_pages (%d)",
                         slot->page, slot->confidence, x->vision_max);
                free(slot->png);
        }
        *slot = (struct doc_page_image){.page = i + 1,
                                        .confidence = conf,
                                        .text_off = off,
                                        .text_len = len,
                                        .png = png,
                                        .png_len = png_len};
}

static int extract_image_by_page(const void *pa, const void *pb)
{
        const struct doc_page_image *a = pa, *b = pb;

        return (a->page > b->page) - (a->page < b->page);
}

int extract_vision_below(const struct config *cfg)
{
        if (!cfg->vision_endpoint || !cfg->vision_endpoint[0] ||
            cfg->vision_max_pages <= 0)
                return -1;
        if (cfg->vision_mode && strcmp(cfg->vision_mode, "always") == 0)
                return 101;
        return cfg->vision_below;
}

/* OCRs pix (borrowed), page i, appending its text to buf within cap. */
static int extract_ocr_pix(struct extract_ocr *x, struct Pix *pix, int i,
                           GString *buf, int64_t cap, struct err *err)
{
        GString *t = g_string_new(NULL);
        int conf = 0, rotated = 0, rc;

        rc = ocr_page(extract_engine(x), x->languages, pix, t, &conf, &rotated,
                      err);
        if (rc == 0) {
                /* Confidence per page is logged (not stored yet). */
                size_t off = buf->len;

                log_info(x->id ? x->id : "extract",
                         "ocr page %d: confidence %d, turned %d degrees, "
                         "%zu bytes",
                         i + 1, conf, rotated, t->len);
                rc = extract_append(buf, t->str, t->len, cap, err);
                if (rc == 0 && x->vision_below >= 0)
                        extract_keep_image(x, pix, i, conf, rotated, off,
                                           t->len);
        }
        /* Kept per page, within what the sandbox passes on for a
         * metadata string (the first few hundred OCR'd pages). */
        if (rc == 0 && (!x->conf || x->conf->len < EXTRACT_META_MAX * 3)) {
                if (!x->conf)
                        x->conf = g_string_new("{");
                g_string_append_printf(x->conf, "%s\"%d\":%d",
                                       x->conf->len > 1 ? "," : "", i + 1,
                                       conf);
        }
        g_string_free(t, TRUE);
        return rc;
}

/* Is the page a scan: little or no text for its size, and an image on it
 * (or no text at all)? */
static int extract_is_scan(PopplerPage *page, const char *text)
{
        double w = 0, h = 0;
        size_t chars = 0;
        GList *images;
        int scan;

        for (const char *p = text; *p; p++)
                chars += !g_ascii_isspace(*p) &&
                         ((unsigned char)*p & 0xC0) != 0x80;
        poppler_page_get_size(page, &w, &h);
        if (chars >= EXTRACT_SCAN_CHARS &&
            (double)chars >= w * h / EXTRACT_SCAN_AREA)
                return 0;
        if (chars == 0)
                return 1;
        images = poppler_page_get_image_mapping(page);
        scan = images != NULL;
        poppler_page_free_image_mapping(images);
        return scan;
}

/* Renders page i at EXTRACT_OCR_DPI into an 8-bit gray Pix and OCRs it,
 * appending to buf within cap. */
static int extract_scan(struct extract_ocr *x, PopplerPage *page, int i,
                        GString *buf, int64_t cap, struct err *err)
{
        const double scale = EXTRACT_OCR_DPI / 72.0;
        double w = 0, h = 0;
        int pw, ph, stride, rc = -1;
        cairo_surface_t *surface = NULL;
        cairo_t *cr;
        struct Pix *pix = NULL;
        const unsigned char *data;

        poppler_page_get_size(page, &w, &h);
        if (!(w > 0 && h > 0) ||
            extract_pixels_ok(x, i, ceil(w * scale), ceil(h * scale), err) < 0)
                return w > 0 && h > 0 ? -1 : 0;
        pw = (int)ceil(w * scale);
        ph = (int)ceil(h * scale);
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph);
        if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
                err_set(err, ERR_INPUT, "page %d: cannot render %dx%d pixels",
                        i + 1, pw, ph);
                goto out;
        }
        cr = cairo_create(surface);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_scale(cr, scale, scale);
        poppler_page_render_for_printing(page, cr);
        cairo_destroy(cr);
        cairo_surface_flush(surface);

        /* Cairo's RGB24 words are 0x00RRGGBB; Tesseract gets gray. */
        pix = pixCreate(pw, ph, 8);
        if (!pix) {
                err_set(err, ERR_INPUT, "page %d: cannot hold %dx%d pixels",
                        i + 1, pw, ph);
                goto out;
        }
        pixSetResolution(pix, EXTRACT_OCR_DPI, EXTRACT_OCR_DPI);
        data = cairo_image_surface_get_data(surface);
        stride = cairo_image_surface_get_stride(surface);
        for (int y = 0; y < ph; y++) {
                const uint32_t *row =
                        (const uint32_t *)(data + (size_t)y * stride);
                l_uint32 *line = pixGetData(pix) + (size_t)y * pixGetWpl(pix);
                for (int px = 0; px < pw; px++) {
                        uint32_t v = row[px];
                        unsigned g =
                                (((v >> 16) & 0xff) * 77 +
                                 ((v >> 8) & 0xff) * 150 + (v & 0xff) * 29) >>
                                8;
                        SET_DATA_BYTE(line, px, g);
                }
        }
        cairo_surface_destroy(surface);
        surface = NULL;
        rc = extract_ocr_pix(x, pix, i, buf, cap, err);
out:
        pixDestroy(&pix);
        if (surface)
                cairo_surface_destroy(surface);
        return rc;
}

/* Appends the text of page i, after a '\f' unless it is the first, to buf
 * within cap; a scanned page (extract_is_scan) is rendered and OCR'd
 * when x is not NULL. Returns 0, or -1 with err naming the cap. */
static int extract_page(PopplerDocument *pdf, int i, GString *buf, int64_t cap,
                        struct extract_ocr *x, struct err *err)
{
        PopplerPage *page = poppler_document_get_page(pdf, i);
        gchar *text = page ? poppler_page_get_text(page) : NULL;
        gchar *valid = NULL;
        const char *s = text ? text : "";
        int rc = 0;

        if (page && x && extract_is_scan(page, s)) {
                if (i > 0)
                        rc = extract_append(buf, "\f", 1, cap, err);
                if (rc == 0)
                        rc = extract_scan(x, page, i, buf, cap, err);
                g_free(text);
                g_object_unref(page);
                return rc;
        }

        /* Poppler hands out NUL-terminated UTF-8, so there are no NUL
         * bytes; a broken font map can still produce bytes that are not
         * UTF-8, and the stages after us trust the text. */
        if (!g_utf8_validate(s, -1, NULL)) {
                valid = g_utf8_make_valid(s, -1);
                s = valid;
        } else if (page && *s) {
                valid = extract_layout(page, s);
                if (valid)
                        s = valid;
        }
        if (i > 0)
                rc = extract_append(buf, "\f", 1, cap, err);
        if (rc == 0)
                rc = extract_append(buf, s, strlen(s), cap, err);
        g_free(valid);
        g_free(text);
        if (page)
                g_object_unref(page);
        return rc;
}

/* Poppler's glib API builds its global tables when the first
 * PopplerDocument of a process opens and frees them when the last one
 * closes: it scans its data directories under /usr/share/poppler, reads
 * some of their maps and builds its name-to-Unicode table. A process that
 * reads one document at a time (a sandbox child, a lone pool thread) paid
 * that for every document, 8 to 10% of its CPU. So the first PDF a process
 * reads first opens a one-page empty document that stays open, and the
 * tables with it, for the process's life (reachable from here, never
 * freed). */
static PopplerDocument *extract_held;
static pthread_once_t extract_held_once = PTHREAD_ONCE_INIT;

static void extract_hold(void)
{
        static const char *const obj[] = {
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
        };
        size_t off[3], xref;
        GString *pdf;
        GBytes *bytes;
        GError *gerr = NULL;

        /* An exact cross-reference table, so that Poppler has nothing to
         * repair (and nothing to log). */
        pdf = g_string_new("%PDF-1.4\n");
        for (size_t i = 0; i < 3; i++) {
                off[i] = pdf->len;
                g_string_append_printf(pdf, "%zu 0 obj\n%s\nendobj\n", i + 1,
                                       obj[i]);
        }
        xref = pdf->len;
        g_string_append(pdf, "xref\n0 4\n0000000000 65535 f \n");
        for (size_t i = 0; i < 3; i++)
                g_string_append_printf(pdf, "%010zu 00000 n \n", off[i]);
        g_string_append_printf(pdf,
                               "trailer\n<< /Size 4 /Root 1 0 R >>\n"
                               "startxref\n%zu\n%%%%EOF\n",
                               xref);
        bytes = g_string_free_to_bytes(pdf);
        extract_held = poppler_document_new_from_bytes(bytes, NULL, &gerr);
        g_bytes_unref(bytes);
        if (!extract_held) {
                log_warn("extract",
                         "cannot hold Poppler's tables (%s): they are built "
                         "again for each document",
                         gerr ? gerr->message : "unknown error");
                if (gerr)
                        g_error_free(gerr);
        }
}

static int extract_pdf(struct doc *doc, const struct config *cfg,
                       extract_page_fn page_fn, void *arg,
                       struct extract_ocr *x, struct extract_out *out,
                       struct err *err)
{
        GInputStream *stream;
        PopplerDocument *pdf = NULL;
        GError *gerr = NULL;
        GString *buf = NULL;
        int n, i, rc = -1;

        pthread_once(&extract_held_once, extract_hold);
        /* Borrows doc->bytes: no copy and no free function; the stream and
         * the document are gone before this function returns. */
        stream = g_memory_input_stream_new_from_data(doc->bytes,
                                                     (gssize)doc->len, NULL);
        pdf = poppler_document_new_from_stream(stream, (goffset)doc->len, NULL,
                                               NULL, &gerr);
        if (!pdf) {
                if (gerr && g_error_matches(gerr, POPPLER_ERROR,
                                            POPPLER_ERROR_ENCRYPTED))
                        err_set(err, ERR_INPUT, "encrypted PDF (no password)");
                else
                        err_set(err, ERR_INPUT, "corrupt PDF: %s",
                                gerr ? gerr->message : "unknown error");
                goto out;
        }

        n = poppler_document_get_n_pages(pdf);
        if (n > cfg->max_pages) {
                err_set(err, ERR_INPUT,
                        "document has %d pages, over the cap of %d "
                        "(limits.max_pages)",
                        n, cfg->max_pages);
                goto out;
        }

        buf = g_string_new(NULL);
        for (i = 0; i < n; i++) {
                size_t before = buf->len + (i > 0); /* after the '\f' */

                if (page_fn)
                        page_fn(arg, i, n);
                if (extract_page(pdf, i, buf, cfg->max_text_bytes, x, err) < 0)
                        goto out;
                if (cfg->max_page_text_bytes > 0 &&
                    (int64_t)(buf->len - before) > cfg->max_page_text_bytes) {
                        err_set(err, ERR_INPUT,
                                "page %d has %zu bytes of text, over the cap "
                                "of %lld (limits.max_page_text_bytes)",
                                i + 1, buf->len - before,
                                (long long)cfg->max_page_text_bytes);
                        goto out;
                }
        }

        out->text_len = buf->len;
        out->text = xmalloc(buf->len + 1);
        memcpy(out->text, buf->str, buf->len + 1);
        out->pages = n;
        extract_pdf_meta(pdf, out);
        rc = 0;
out:
        if (buf)
                g_string_free(buf, TRUE);
        if (gerr)
                g_error_free(gerr);
        if (pdf)
                g_object_unref(pdf);
        g_object_unref(stream);
        return rc;
}

/* Images (PNG, JPEG, WebP, TIFF with every page): each page's size is
 * read from its header and checked against limits.max_page_pixels before
 * it is decoded, then it is OCR'd. Leptonica reads the headers: for WebP
 * through libwebp's WebPGetFeatures, which parses the VP8, VP8L or VP8X
 * header and decodes no pixel (and libwebp's decoder refuses a frame
 * whose size differs from the VP8X canvas that was checked). */
static int extract_image(struct doc *doc, const struct config *cfg,
                         extract_page_fn page_fn, void *arg,
                         struct extract_ocr *x, struct extract_out *out,
                         struct err *err)
{
        const l_uint8 *data = doc->bytes;
        int tiff = doc->len >= 4 && (memcmp(data, "II*\0", 4) == 0 ||
                                     memcmp(data, "MM\0*", 4) == 0);
        int n = 1, rc = -1;
        GString *buf = g_string_new(NULL);
        struct Pix *pix = NULL;

        setMsgSeverity(L_SEVERITY_NONE);
        if (tiff) {
                FILE *fp = fopenReadFromMemory(data, doc->len);
                l_int32 count = 0;

                if (!fp || tiffGetCount(fp, &count) != 0 || count < 1) {
                        if (fp)
                                fclose(fp);
                        err_set(err, ERR_INPUT, "corrupt TIFF image");
                        goto out;
                }
                fclose(fp);
                n = count;
        }
        if (n > cfg->max_pages) {
                err_set(err, ERR_INPUT,
                        "image has %d pages, over the cap of %d "
                        "(limits.max_pages)",
                        n, cfg->max_pages);
                goto out;
        }
        for (int i = 0; i < n; i++) {
                l_int32 w = 0, h = 0, bps = 0, spp = 0, res = 0, cmap = 0,
                        format = 0;
                size_t before = buf->len + (i > 0);
                l_ok bad;

                if (page_fn)
                        page_fn(arg, i, n);
                if (tiff)
                        bad = readHeaderMemTiff(data, doc->len, i, &w, &h, &bps,
                                                &spp, &res, &cmap, &format);
                else
                        bad = pixReadHeaderMem(data, doc->len, &format, &w, &h,
                                               &bps, &spp, &cmap);
                if (bad || w <= 0 || h <= 0) {
                        err_set(err, ERR_INPUT,
                                "corrupt or unsupported image (page %d)",
                                i + 1);
                        goto out;
                }
                if (extract_pixels_ok(x, i, w, h, err) < 0)
                        goto out;
                pix = tiff ? pixReadMemTiff(data, doc->len, i)
                           : pixReadMem(data, doc->len);
                if (!pix) {
                        err_set(err, ERR_INPUT,
                                "corrupt image: page %d cannot be decoded",
                                i + 1);
                        goto out;
                }
                if (i > 0 &&
                    extract_append(buf, "\f", 1, cfg->max_text_bytes, err) < 0)
                        goto out;
                if (extract_ocr_pix(x, pix, i, buf, cfg->max_text_bytes, err) <
                    0)
                        goto out;
                pixDestroy(&pix);
                if (cfg->max_page_text_bytes > 0 &&
                    (int64_t)(buf->len - before) > cfg->max_page_text_bytes) {
                        err_set(err, ERR_INPUT,
                                "page %d has %zu bytes of text, over the cap "
                                "of %lld (limits.max_page_text_bytes)",
                                i + 1, buf->len - before,
                                (long long)cfg->max_page_text_bytes);
                        goto out;
                }
        }
        /* Tesseract's text is UTF-8; checked all the same, the stages
         * after us trust it. */
        if (!g_utf8_validate(buf->str, (gssize)buf->len, NULL) ||
            memchr(buf->str, '\0', buf->len)) {
                err_set(err, ERR_INPUT, "ocr produced text that is not UTF-8");
                goto out;
        }
        out->text_len = buf->len;
        out->text = xmalloc(buf->len + 1);
        memcpy(out->text, buf->str, buf->len + 1);
        out->pages = n;
        rc = 0;
out:
        pixDestroy(&pix);
        g_string_free(buf, TRUE);
        return rc;
}

static int extract_text(struct doc *doc, const struct config *cfg,
                        struct extract_out *out, struct err *err)
{
        const char *s = (const char *)doc->bytes;

        if ((int64_t)doc->len > cfg->max_text_bytes)
                return err_set(err, ERR_INPUT,
                               "text is %zu bytes, over the cap of %lld "
                               "bytes (limits.max_text_bytes)",
                               doc->len, (long long)cfg->max_text_bytes);
        if (memchr(s, '\0', doc->len) ||
            !g_utf8_validate(s, (gssize)doc->len, NULL))
                return err_set(err, ERR_INPUT,
                               "text document is not valid UTF-8");
        out->text = xmalloc(doc->len + 1);
        memcpy(out->text, s, doc->len);
        out->text[doc->len] = '\0';
        out->text_len = doc->len;
        out->pages = 1;
        return 0;
}

int extract_document(struct doc *doc, const struct config *cfg, struct err *err)
{
        return extract_document_paged(doc, cfg, NULL, NULL, err);
}

int extract_document_paged(struct doc *doc, const struct config *cfg,
                           extract_page_fn page_fn, void *arg, struct err *err)
{
        return extract_document_ocr(doc, cfg, NULL, page_fn, arg, err);
}

int extract_document_ocr(struct doc *doc, const struct config *cfg,
                         struct ocr *ocr, extract_page_fn page_fn, void *arg,
                         struct err *err)
{
        struct extract_out out;
        struct extract_ocr x;
        const char *ct = doc->content_type;
        int rc;

        memset(&out, 0, sizeof(out));
        memset(&x, 0, sizeof(x));
        x.ocr = ocr;
        x.languages = cfg->ocr_languages ? cfg->ocr_languages : "eng";
        x.max_pixels = cfg->max_page_pixels > 0 ? cfg->max_page_pixels
                                                : EXTRACT_PIXELS_DEFAULT;
        x.id = doc->id;
        x.vision_below = extract_vision_below(cfg);
        x.vision_max = cfg->vision_max_pages;
        x.vision_side = cfg->vision_max_side > 0 ? cfg->vision_max_side : 2048;
        x.vision_bytes =
                cfg->vision_max_bytes > 0 ? cfg->vision_max_bytes : 4 << 20;
        if (!doc->bytes || doc->len == 0)
                return err_set(err, ERR_INPUT, "empty document");
        if ((int64_t)doc->len > cfg->max_bytes)
                return err_set(err, ERR_INPUT,
                               "document is %zu bytes, over the cap of %lld "
                               "(limits.max_bytes)",
                               doc->len, (long long)cfg->max_bytes);

        if (extract_type_is(ct, "application/pdf"))
                rc = extract_pdf(doc, cfg, page_fn, arg, &x, &out, err);
        else if (extract_type_is(ct, "image/png") ||
                 extract_type_is(ct, "image/jpeg") ||
                 extract_type_is(ct, "image/tiff") ||
                 extract_type_is(ct, "image/webp"))
                rc = extract_image(doc, cfg, page_fn, arg, &x, &out, err);
        else if (extract_type_is(ct, "text/plain") ||
                 extract_type_is(ct, "text/csv") ||
                 extract_type_is(ct, "text/markdown"))
                rc = extract_text(doc, cfg, &out, err);
        else
                rc = err_set(err, ERR_INPUT, "unsupported content type %.100s",
                             ct ? ct : "(none)");

        if (rc == 0 && x.conf) {
                g_string_append_c(x.conf, '}');
                out.ocr_confidence = xstrdup(x.conf->str);
        }
        if (x.conf)
                g_string_free(x.conf, TRUE);
        if (rc == 0 && x.images_n) {
                qsort(x.images, x.images_n, sizeof(*x.images),
                      extract_image_by_page);
                out.images = x.images;
                out.images_n = x.images_n;
                x.images = NULL;
                x.images_n = 0;
        }
        extract_images_free(x.images, x.images_n);
        if (rc == 0)
                extract_out_commit(&out, doc);
        extract_out_cleanup(&out);
        if (x.owned)
                ocr_free(x.ocr);
        return rc;
}
