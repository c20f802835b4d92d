/*
 * paper.h: the blank page the tests draw their scans and photos on: a
 * white RGB24 cairo image of w by h pixels, black ink, the font face at
 * size pixels. Header-only, for the unit tests and the integration
 * helpers (tests/integration/mkscan.c); owns nothing.
 */
#ifndef DOCPIPE_TESTS_PAPER_H
#define DOCPIPE_TESTS_PAPER_H

#include <cairo.h>

/* Returns a context to draw with on a new surface (*s); destroy the
 * context when done, then flush and use *s. */
static inline cairo_t *paper_new(int w, int h, const char *face, double size,
                                 cairo_surface_t **s)
{
        cairo_t *cr;

        *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
        cr = cairo_create(*s);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_select_font_face(cr, face, CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, size);
        return cr;
}

#endif
