/*
 * ocr: see ocr.h. The recognition engine is Tesseract's LSTM with the
 * languages asked for (re-made when they change). A page is read upright
 * first; only a reading of low confidence asks for its orientation, from
 * a second engine with osd.traineddata (Debian's tesseract-ocr-osd,
 * because the LSTM engine cannot detect it), and is read again turned
 * upright. When OSD is not installed or not sure, such a page is read
 * again turned by 180, 90 and 270 degrees and the best reading kept.
 * OpenMP's threads are limited by OMP_THREAD_LIMIT=1 in the child's
 * environment (set by the sandbox before exec: libgomp reads it when
 * loaded). Owns the engines.
 */
#include "ocr.h"

#include <leptonica/allheaders.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "../worker/doc.h"

#define OCR_DPI 300
#define OCR_OSD_MIN_CONF 1.5f /* OSD's orientation confidence to trust */
#define OCR_LOW_CONF 60       /* below: try the other orientations */
/* No further turn is tried once a page has taken this long: the per-page
 * watchdog (limits.extract_page_ms, 10 s) must not kill a page that one
 * reading would have finished. */
#define OCR_TURNS_US (3 * G_USEC_PER_SEC)
#define OCR_OSD_TRIED (-1) /* osd: failed to start, do not try again */
/* A page at least this many times as tall as wide is a till roll, read
 * as one block of lines (PSM_SINGLE_BLOCK) so that an amount stays on its
 * label's line: automatic segmentation makes a column of the amounts, and
 * so did PSM_SINGLE_COLUMN where the gap is wide. A4 is 1.41, US Legal
 * 1.65. */
#define OCR_TALL 1.8

struct ocr {
        TessBaseAPI *api; /* recognition; NULL until the first page */
        char *languages;  /* api's */
        TessBaseAPI *osd; /* orientation; NULL until needed */
        int osd_state;    /* 0, or OCR_OSD_TRIED */
};

struct ocr *ocr_new(void)
{
        return xcalloc(1, sizeof(struct ocr));
}

void ocr_free(struct ocr *ocr)
{
        if (!ocr)
                return;
        if (ocr->api) {
                TessBaseAPIEnd(ocr->api);
                TessBaseAPIDelete(ocr->api);
        }
        if (ocr->osd) {
                TessBaseAPIEnd(ocr->osd);
                TessBaseAPIDelete(ocr->osd);
        }
        free(ocr->languages);
        free(ocr);
}

static int ocr_start(struct ocr *ocr, const char *languages, struct err *err)
{
        if (ocr->api && strcmp(ocr->languages, languages) == 0)
                return 0;
        if (ocr->api) {
                TessBaseAPIEnd(ocr->api);
                TessBaseAPIDelete(ocr->api);
                free(ocr->languages);
                ocr->languages = NULL;
        }
        /* Leptonica's warnings go to stderr: hostile images make many. */
        setMsgSeverity(L_SEVERITY_NONE);
        ocr->api = TessBaseAPICreate();
        if (TessBaseAPIInit3(ocr->api, NULL, languages) != 0) {
                TessBaseAPIDelete(ocr->api);
                ocr->api = NULL;
                return err_set(err, ERR_FATAL,
                               "ocr: Tesseract cannot load the languages "
                               "'%s' (ocr.languages; tesseract-ocr-* "
                               "packages, TESSDATA_PREFIX)",
                               languages);
        }
        /* No intermediate files, no user words from the environment. */
        TessBaseAPISetVariable(ocr->api, "debug_file", "/dev/null");
        ocr->languages = xstrdup(languages);
        return 0;
}

/* The clockwise turn that makes pix upright, in quarter turns, or -1
 * when orientation detection is unavailable or unsure. */
static int ocr_orientation(struct ocr *ocr, struct Pix *pix)
{
        int deg = 0;
        float oconf = 0, sconf = 0;
        const char *script = NULL;

        if (ocr->osd_state == OCR_OSD_TRIED && !ocr->osd)
                return -1;
        if (!ocr->osd) {
                ocr->osd = TessBaseAPICreate();
                if (TessBaseAPIInit3(ocr->osd, NULL, "osd") != 0) {
                        TessBaseAPIDelete(ocr->osd);
                        ocr->osd = NULL;
                        ocr->osd_state = OCR_OSD_TRIED;
                        return -1;
                }
                TessBaseAPISetPageSegMode(ocr->osd, PSM_OSD_ONLY);
        }
        TessBaseAPISetImage2(ocr->osd, pix);
        TessBaseAPISetSourceResolution(ocr->osd, OCR_DPI);
        if (!TessBaseAPIDetectOrientationScript(ocr->osd, &deg, &oconf, &script,
                                                &sconf)) {
                TessBaseAPIClear(ocr->osd);
                return -1;
        }
        TessBaseAPIClear(ocr->osd);
        if (oconf < OCR_OSD_MIN_CONF)
                return -1;
        /* deg: how far the page is turned clockwise, so turn it back. */
        return ((360 - deg) % 360) / 90;
}

/* Reads pix (borrowed); *text new (TessDeleteText), *conf its mean
 * confidence. */
static int ocr_read(struct ocr *ocr, struct Pix *pix, char **text, int *conf)
{
        int tall = pixGetHeight(pix) >= OCR_TALL * pixGetWidth(pix);

        TessBaseAPISetPageSegMode(ocr->api, tall ? PSM_SINGLE_BLOCK : PSM_AUTO);
        TessBaseAPISetImage2(ocr->api, pix);
        TessBaseAPISetSourceResolution(ocr->api, OCR_DPI);
        *text = TessBaseAPIGetUTF8Text(ocr->api);
        *conf = *text ? TessBaseAPIMeanTextConf(ocr->api) : 0;
        TessBaseAPIClear(ocr->api);
        return *text ? 0 : -1;
}

/* Reads pix turned by q quarter turns and keeps the reading in *best
 * when its confidence beats *best_conf. */
static void ocr_try(struct ocr *ocr, struct Pix *pix, int q, char **best,
                    int *best_conf, int *best_quads)
{
        struct Pix *turned = q ? pixRotateOrth(pix, q) : NULL;
        char *text = NULL;
        int c = 0;

        if (q && !turned)
                return;
        if (ocr_read(ocr, turned ? turned : pix, &text, &c) == 0 &&
            c > *best_conf) {
                if (*best)
                        TessDeleteText(*best);
                *best = text;
                *best_conf = c;
                *best_quads = q;
        } else if (text) {
                TessDeleteText(text);
        }
        pixDestroy(&turned);
}

int ocr_page(struct ocr *ocr, const char *languages, struct Pix *pix,
             GString *out, int *conf, int *rotated, struct err *err)
{
        struct Pix *gray = NULL;
        char *best = NULL;
        int quads, best_conf = -1, best_quads = 0, rc = -1;
        gint64 t0 = g_get_monotonic_time();

        *conf = 0;
        *rotated = 0;
        if (ocr_start(ocr, languages ? languages : "eng", err) < 0)
                return -1;
        /* 8-bit gray: what Tesseract thresholds anyway, and a quarter of
         * the memory of 32-bit colour for the turns. */
        gray = pixConvertTo8(pix, 0);
        if (!gray) {
                err_set(err, ERR_INPUT, "ocr: cannot convert the image");
                goto out;
        }
        /* Upright first: most pages are, and Tesseract's layout analysis
         * reads a page turned by 90 or 270 degrees as vertical lines by
         * itself. Orientation detection costs a third of a reading, so it
         * runs only for a poor reading (an upside-down page reads at
         * confidence 30 to 40): OSD's answer is read once more, or, when
         * OSD is unavailable or unsure, the other turns while the reading
         * stays poor and time is left. */
        ocr_try(ocr, gray, 0, &best, &best_conf, &best_quads);
        if (best_conf < OCR_LOW_CONF) {
                quads = ocr_orientation(ocr, gray);
                if (quads > 0) {
                        ocr_try(ocr, gray, quads, &best, &best_conf,
                                &best_quads);
                } else if (quads < 0) {
                        static const int order[3] = {2, 1, 3};

                        for (int i = 0; i < 3; i++) {
                                if (best_conf >= OCR_LOW_CONF ||
                                    g_get_monotonic_time() - t0 > OCR_TURNS_US)
                                        break;
                                ocr_try(ocr, gray, order[i], &best, &best_conf,
                                        &best_quads);
                        }
                }
        }
        if (!best) {
                err_set(err, ERR_INPUT,
                        "ocr: Tesseract could not read the "
                        "image");
                goto out;
        }
        g_string_append(out, best);
        *conf = best_conf < 0 ? 0 : best_conf;
        *rotated = best_quads * 90;
        rc = 0;
out:
        if (best)
                TessDeleteText(best);
        pixDestroy(&gray);
        return rc;
}
