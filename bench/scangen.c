/*
 * scangen: page images that look scanned or photographed, made from PDFs
 * (docgen's), for the OCR bench (bench/ocr.sh) and the receipt evaluation
 * (`make receipt-eval`). Each page is rendered with Poppler and cairo at
 * --dpi into 8-bit gray, then spoiled the way scans and phone pictures
 * are: paper and ink that are not white and black (--paper, --ink), a
 * box blur (--blur), Gaussian noise (--noise), a small random turn
 * (--skew), JPEG compression (--jpeg). Everything random comes from --seed
 * and the file's name, so a run gives the same files.
 *
 *   scangen [OPTIONS] OUTDIR FILE.pdf...
 *
 * Writes OUTDIR/NAME.png (or .jpg) for a one-page PDF or with --pages 1,
 * else OUTDIR/NAME-pNN.png per page. With --labels FILE, it also writes
 * `docpipe eval` labels (JSON lines: path, type, language, fields) from
 * each one-page PDF's NAME.json beside it (docgen's ground truth).
 * Prints "scangen: N images in OUTDIR". Owns one page's surface and
 * images at a time.
 */
#include <cairo.h>
#include <errno.h>
#include <getopt.h>
#include <gio/gio.h>
#include <jansson.h>
#include <leptonica/allheaders.h>
#include <math.h>
#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCANGEN_MAX_SIDE 20000 /* pixels: refuse to render past this */

struct opts {
        int dpi, pages, blur, jpeg, paper, ink;
        double skew, noise;
        unsigned seed;
        const char *labels;
};

/* A number in [0, 1) from *s (xorshift32; *s never 0). */
static double scangen_rand(unsigned *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return (*s >> 8) / 16777216.0;
}

/* Renders page at dpi into a new 8-bit gray Pix, or NULL. */
static PIX *scangen_render(PopplerPage *page, int dpi)
{
        double w = 0, h = 0, scale = dpi / 72.0;
        int pw, ph, stride;
        cairo_surface_t *s;
        cairo_t *cr;
        const unsigned char *data;
        PIX *pix = NULL;

        poppler_page_get_size(page, &w, &h);
        pw = (int)ceil(w * scale);
        ph = (int)ceil(h * scale);
        if (pw <= 0 || ph <= 0 || pw > SCANGEN_MAX_SIDE ||
            ph > SCANGEN_MAX_SIDE)
                return NULL;
        s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph);
        if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
                cairo_surface_destroy(s);
                return NULL;
        }
        cr = cairo_create(s);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_scale(cr, scale, scale);
        poppler_page_render_for_printing(page, cr);
        cairo_destroy(cr);
        cairo_surface_flush(s);
        pix = pixCreate(pw, ph, 8);
        data = cairo_image_surface_get_data(s);
        stride = cairo_image_surface_get_stride(s);
        for (int y = 0; pix && y < ph; y++) {
                const uint32_t *row =
                        (const uint32_t *)(data + (size_t)y * stride);
                l_uint32 *line = pixGetData(pix) + (size_t)y * pixGetWpl(pix);

                for (int x = 0; x < pw; x++) {
                        uint32_t v = row[x];

                        SET_DATA_BYTE(line, x,
                                      (((v >> 16) & 0xff) * 77 +
                                       ((v >> 8) & 0xff) * 150 +
                                       (v & 0xff) * 29) >>
                                              8);
                }
        }
        cairo_surface_destroy(s);
        if (pix)
                pixSetResolution(pix, dpi, dpi);
        return pix;
}

/* Steals pix; returns it spoiled as o asks (new), or NULL. */
static PIX *scangen_spoil(PIX *pix, const struct opts *o, unsigned *rng)
{
        PIX *t;

        if (o->paper < 255 || o->ink > 0) {
                /* white -> paper, black -> ink, linearly */
                int w = pixGetWidth(pix), h = pixGetHeight(pix);

                for (int y = 0; y < h; y++) {
                        l_uint32 *line =
                                pixGetData(pix) + (size_t)y * pixGetWpl(pix);

                        for (int x = 0; x < w; x++) {
                                int g = GET_DATA_BYTE(line, x);

                                SET_DATA_BYTE(line, x,
                                              o->ink + g * (o->paper - o->ink) /
                                                               255);
                        }
                }
        }
        if (o->blur > 0) {
                t = pixBlockconv(pix, o->blur, o->blur);
                pixDestroy(&pix);
                pix = t;
        }
        if (pix && o->noise > 0) {
                srand(*rng);
                t = pixAddGaussianNoise(pix, (float)o->noise);
                pixDestroy(&pix);
                pix = t;
        }
        if (pix && o->skew > 0) {
                double deg = (scangen_rand(rng) * 2 - 1) * o->skew;

                t = pixRotate(pix, (float)(deg * M_PI / 180), L_ROTATE_AREA_MAP,
                              L_BRING_IN_WHITE, 0, 0);
                pixDestroy(&pix);
                pix = t;
        }
        return pix;
}

/* "dir/name.pdf" -> "name" (new). */
static char *scangen_stem(const char *path)
{
        char *base = g_path_get_basename(path), *dot = strrchr(base, '.');
        char *res;

        if (dot && dot != base)
                *dot = '\0';
        res = strdup(base);
        g_free(base);
        return res;
}

/* Appends the label of image (a path relative to the label file) from
 * pdf's NAME.json to f. Returns 0, or -1 when the sidecar cannot be read. */
static int scangen_label(FILE *f, const char *pdf, const char *image)
{
        char *json = g_strdup_printf("%.*s.json", (int)(strlen(pdf) - 4), pdf);
        json_error_t je;
        json_t *truth = json_load_file(json, 0, &je), *l;
        char *line;
        int rc = -1;

        if (truth) {
                l = json_pack("{s:s, s:O?, s:O?, s:O?}", "path", image, "type",
                              json_object_get(truth, "type"), "language",
                              json_object_get(truth, "language"), "fields",
                              json_object_get(truth, "fields"));
                line = l ? json_dumps(l, JSON_COMPACT) : NULL;
                if (line) {
                        fprintf(f, "%s\n", line);
                        free(line);
                        rc = 0;
                }
                json_decref(l);
                json_decref(truth);
        } else {
                fprintf(stderr, "scangen: %s: %s\n", json, je.text);
        }
        g_free(json);
        return rc;
}

/* Renders and spoils the pages of one PDF; returns images written or -1. */
static int scangen_pdf(const char *path, const char *outdir,
                       const struct opts *o, FILE *labels)
{
        GError *gerr = NULL;
        GFile *file = g_file_new_for_path(path);
        PopplerDocument *pdf =
                poppler_document_new_from_gfile(file, NULL, NULL, &gerr);
        char *stem = scangen_stem(path);
        int n, written = 0;
        unsigned rng = o->seed ^ g_str_hash(stem);

        g_object_unref(file);
        if (!pdf) {
                fprintf(stderr, "scangen: %s: %s\n", path,
                        gerr ? gerr->message : "cannot open");
                if (gerr)
                        g_error_free(gerr);
                free(stem);
                return -1;
        }
        n = poppler_document_get_n_pages(pdf);
        if (o->pages > 0 && n > o->pages)
                n = o->pages;
        for (int i = 0; i < n; i++) {
                PopplerPage *page = poppler_document_get_page(pdf, i);
                PIX *pix = page ? scangen_render(page, o->dpi) : NULL;
                char *name, *out;
                int bad;

                if (page)
                        g_object_unref(page);
                if (rng == 0)
                        rng = 1;
                if (pix)
                        pix = scangen_spoil(pix, o, &rng);
                if (!pix) {
                        fprintf(stderr, "scangen: %s: page %d failed\n", path,
                                i + 1);
                        written = -1;
                        break;
                }
                name = n == 1 ? g_strdup_printf("%s.%s", stem,
                                                o->jpeg ? "jpg" : "png")
                              : g_strdup_printf("%s-p%02d.%s", stem, i + 1,
                                                o->jpeg ? "jpg" : "png");
                out = g_strdup_printf("%s/%s", outdir, name);
                bad = o->jpeg ? pixWriteJpeg(out, pix, o->jpeg, 0)
                              : pixWritePng(out, pix, 0);
                pixDestroy(&pix);
                if (bad) {
                        fprintf(stderr, "scangen: cannot write %s\n", out);
                        written = -1;
                } else {
                        written++;
                        if (labels && n == 1 &&
                            scangen_label(labels, path, name) < 0)
                                written = -1;
                }
                g_free(name);
                g_free(out);
                if (written < 0)
                        break;
        }
        g_object_unref(pdf);
        free(stem);
        return written;
}

static int usage(void)
{
        fputs("usage: scangen [--dpi N] [--pages N] [--skew DEG] [--noise SD] "
              "[--blur R]\n"
              "               [--paper G] [--ink G] [--jpeg Q] [--seed S] "
              "[--labels FILE]\n"
              "               OUTDIR FILE.pdf...\n",
              stderr);
        return 2;
}

/* A number from s within [lo, hi]; sets *bad when s is not one. */
static double scangen_num(const char *s, double lo, double hi, int *bad)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || *end || v < lo || v > hi)
                *bad = 1;
        return v;
}

int main(int argc, char **argv)
{
        static const struct option longs[] = {
                {"dpi", required_argument, NULL, 'd'},
                {"pages", required_argument, NULL, 'p'},
                {"skew", required_argument, NULL, 's'},
                {"noise", required_argument, NULL, 'n'},
                {"blur", required_argument, NULL, 'b'},
                {"paper", required_argument, NULL, 'P'},
                {"ink", required_argument, NULL, 'i'},
                {"jpeg", required_argument, NULL, 'j'},
                {"seed", required_argument, NULL, 'S'},
                {"labels", required_argument, NULL, 'l'},
                {NULL, 0, NULL, 0}};
        struct opts o = {.dpi = 300, .paper = 255, .seed = 1};
        FILE *labels = NULL;
        int c, bad = 0, total = 0, rc = 0;

        while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
                switch (c) {
                case 'd':
                        o.dpi = (int)scangen_num(optarg, 50, 600, &bad);
                        break;
                case 'p':
                        o.pages = (int)scangen_num(optarg, 0, 1e6, &bad);
                        break;
                case 's':
                        o.skew = scangen_num(optarg, 0, 45, &bad);
                        break;
                case 'n':
                        o.noise = scangen_num(optarg, 0, 128, &bad);
                        break;
                case 'b':
                        o.blur = (int)scangen_num(optarg, 0, 10, &bad);
                        break;
                case 'P':
                        o.paper = (int)scangen_num(optarg, 0, 255, &bad);
                        break;
                case 'i':
                        o.ink = (int)scangen_num(optarg, 0, 255, &bad);
                        break;
                case 'j':
                        o.jpeg = (int)scangen_num(optarg, 1, 100, &bad);
                        break;
                case 'S':
                        o.seed = (unsigned)scangen_num(optarg, 0, 4e9, &bad);
                        break;
                case 'l':
                        o.labels = optarg;
                        break;
                default:
                        return usage();
                }
        }
        if (bad || argc - optind < 2 || o.ink >= o.paper)
                return usage();
        setMsgSeverity(L_SEVERITY_ERROR);
        if (o.labels) {
                labels = fopen(o.labels, "w");
                if (!labels) {
                        fprintf(stderr, "scangen: %s: %s\n", o.labels,
                                strerror(errno));
                        return 1;
                }
        }
        for (int i = optind + 1; i < argc; i++) {
                int n = scangen_pdf(argv[i], argv[optind], &o, labels);

                if (n < 0)
                        rc = 1;
                else
                        total += n;
        }
        if (labels && fclose(labels) != 0)
                rc = 1;
        printf("scangen: %d images in %s\n", total, argv[optind]);
        return rc;
}
