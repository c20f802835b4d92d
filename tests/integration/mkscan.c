/*
 * mkscan: scans for the OCR integration test (t_ocr), drawn with cairo.
 *   mkscan png OUT.png        a 300 dpi image of a few lines of text
 *   mkscan pdf OUT.pdf        page 1 a text layer, page 2 that image only
 *   mkscan bomb OUT.png       a small PNG whose header claims 100000^2 px
 *   mkscan faint OUT.png      the image faded and speckled: low OCR
 *                             confidence
 *   mkscan webp OUT.webp      the image as a lossy WebP (Leptonica)
 *   mkscan webp-bomb OUT.webp a small WebP whose VP8 header claims 16383^2
 * The lines hold the words the test looks for: INVOICE, 4711, Payment.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <string.h>

#include "../paper.h"

#define FAINT_INK 30   /* percent of the ink left */
#define FAINT_NOISE 5 /* percent of the pixels speckled */

static cairo_surface_t *scan_new(void)
{
        static const char *const lines[] = {
                "INVOICE NUMBER 4711",
                "Total amount due 1234.56 EUR",
                "Payment within thirty days",
        };
        cairo_surface_t *s;
        cairo_t *cr = paper_new(1400, 500, "Sans", 42, &s);

        for (int i = 0; i < 3; i++) {
                cairo_move_to(cr, 60, 120 + 110 * i);
                cairo_show_text(cr, lines[i]);
        }
        cairo_destroy(cr);
        cairo_surface_flush(s);
        return s;
}

/* Makes img a poor scan that OCR reads with low confidence: the ink
 * faded to light gray and speckled with noise (a fixed sequence, so every
 * run makes the same file). For the vision route's test (t_vision). */
static void faint(cairo_surface_t *img)
{
        unsigned char *data = cairo_image_surface_get_data(img);
        int stride = cairo_image_surface_get_stride(img);
        unsigned seed = 4711;

        for (int y = 0; y < cairo_image_surface_get_height(img); y++) {
                unsigned *row = (unsigned *)(data + y * stride);

                for (int x = 0; x < cairo_image_surface_get_width(img); x++) {
                        int ink = 255 - (int)(row[x] & 0xff);
                        int g = 255 - ink * FAINT_INK / 100;

                        seed = seed * 1103515245u + 12345u;
                        if ((seed >> 16) % 100 < FAINT_NOISE)
                                g = (int)((seed >> 8) & 0xff);
                        row[x] = (unsigned)(g << 16 | g << 8 | g);
                }
        }
        cairo_surface_mark_dirty(img);
}

static int bomb(const char *path)
{
        static const unsigned char big[8] = {0, 1, 0x86, 0xa0,
                                             0, 1, 0x86, 0xa0};
        unsigned char buf[1 << 16];
        size_t n;
        FILE *f = fopen(path, "r+b");

        if (!f)
                return 1;
        n = fread(buf, 1, sizeof(buf), f);
        if (n < 24)
                return 1;
        memcpy(buf + 16, big, 8); /* IHDR width and height */
        rewind(f);
        fwrite(buf, 1, n, f);
        return fclose(f) != 0;
}

/* Writes img to path as a lossy WebP; with claim_max, its VP8 frame
 * header (14-bit sizes after the start code, at 26) says 16383 x 16383. */
static int webp(cairo_surface_t *img, const char *path, int claim_max)
{
        PIX *pix = pixCreate(cairo_image_surface_get_width(img),
                             cairo_image_surface_get_height(img), 32);
        const unsigned char *data = cairo_image_surface_get_data(img);
        int stride = cairo_image_surface_get_stride(img), rc = 1;
        l_uint8 *out = NULL;
        size_t len = 0;
        FILE *f;

        /* Cairo's RGB24 words (0x00RRGGBB) as Leptonica's RGBA. */
        for (int y = 0; y < pixGetHeight(pix); y++) {
                const unsigned *row = (const unsigned *)(data + y * stride);
                l_uint32 *line = pixGetData(pix) + y * pixGetWpl(pix);

                for (int x = 0; x < pixGetWidth(pix); x++)
                        line[x] = row[x] << 8 | 0xff;
        }
        if (pixWriteMemWebP(&out, &len, pix, 85, 0) == 0 && len > 30 &&
            memcmp(out + 23, "\x9d\x01\x2a", 3) == 0) {
                if (claim_max)
                        memcpy(out + 26, "\xff\x3f\xff\x3f", 4);
                f = fopen(path, "wb");
                if (f) {
                        rc = fwrite(out, 1, len, f) != len;
                        rc |= fclose(f) != 0;
                }
        }
        lept_free(out);
        pixDestroy(&pix);
        return rc;
}

int main(int argc, char **argv)
{
        cairo_surface_t *img;
        int rc = 0;

        if (argc != 3) {
                fprintf(stderr,
                        "usage: mkscan png|pdf|bomb|webp|webp-bomb OUT\n");
                return 2;
        }
        img = scan_new();
        if (strcmp(argv[1], "faint") == 0) {
                faint(img);
                rc = cairo_surface_write_to_png(img, argv[2]) !=
                     CAIRO_STATUS_SUCCESS;
        } else if (strcmp(argv[1], "png") == 0 ||
                   strcmp(argv[1], "bomb") == 0) {
                rc = cairo_surface_write_to_png(img, argv[2]) !=
                     CAIRO_STATUS_SUCCESS;
                if (rc == 0 && argv[1][0] == 'b')
                        rc = bomb(argv[2]);
        } else if (strcmp(argv[1], "webp") == 0 ||
                   strcmp(argv[1], "webp-bomb") == 0) {
                rc = webp(img, argv[2], argv[1][4] == '-');
        } else if (strcmp(argv[1], "pdf") == 0) {
                cairo_surface_t *pdf =
                        cairo_pdf_surface_create(argv[2], 595, 842);
                cairo_t *cr = cairo_create(pdf);

                cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                                       CAIRO_FONT_WEIGHT_NORMAL);
                cairo_set_font_size(cr, 12);
                cairo_move_to(cr, 50, 100);
                cairo_show_text(cr, "Cover letter with a real text layer, "
                                    "enough characters for one page");
                cairo_move_to(cr, 50, 130);
                cairo_show_text(cr, "Dear customer, the scan follows.");
                cairo_show_page(cr);
                cairo_translate(cr, 50, 100);
                cairo_scale(cr, 72.0 / 300, 72.0 / 300);
                cairo_set_source_surface(cr, img, 0, 0);
                cairo_paint(cr);
                cairo_show_page(cr);
                cairo_destroy(cr);
                cairo_surface_finish(pdf);
                rc = cairo_surface_status(pdf) != CAIRO_STATUS_SUCCESS;
                cairo_surface_destroy(pdf);
        } else {
                rc = 2;
        }
        cairo_surface_destroy(img);
        return rc;
}
