/*
 * libFuzzer target: extract_document on arbitrary bytes as a PDF (and as
 * text when the first byte is 'T': a PDF, starting "%PDF-", goes the PDF
 * way, so the seed corpus reaches Poppler). Bytes that job_sniff takes
 * for an image (the seeds: WebP in VP8, VP8L and VP8X form, a WebP bomb)
 * go the image way with a cap of one pixel: what is fuzzed is the sniffing
 * and the header reading that guards the decoders (Leptonica, libwebp's
 * WebPGetFeatures), not the decoders and Tesseract themselves, which would
 * take a second per input. Owns nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../stages/extract.h"
#include "../../worker/job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct config cfg;
        struct doc *doc;
        struct err err;
        const char *ct;

        if (size < 1)
                return 0;
        memset(&cfg, 0, sizeof(cfg));
        cfg.max_bytes = 1 << 20;
        cfg.max_pages = 50;
        cfg.max_text_bytes = 1 << 20;
        /* Scanned pages stop at the pixel cap, before a 300 dpi render
         * and OCR that would take seconds per input. */
        cfg.max_page_pixels = 10000;
        doc = doc_new();
        doc->bytes = xmalloc(size);
        memcpy(doc->bytes, data, size);
        doc->len = size;
        ct = job_sniff(data, size);
        if (ct && strncmp(ct, "image/", 6) == 0)
                cfg.max_page_pixels = 1;
        else
                ct = data[0] == 'T' ? "text/plain" : "application/pdf";
        doc->content_type = xstrdup(ct);
        err_clear(&err);
        extract_document(doc, &cfg, &err);
        doc_free(doc);
        return 0;
}
