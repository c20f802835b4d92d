/*
 * libFuzzer target: job_parse on arbitrary messages. The first byte picks
 * the header (none, the envelope type, application/pdf, garbage) and the
 * key's length; the rest is key then payload. Owns nothing.
 */
#include <stdint.h>
#include <string.h>

#include "../../worker/config.h"
#include "../../worker/doc.h"
#include "../../worker/job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *headers[] = {NULL, JOB_ENVELOPE_TYPE,
                                        "application/pdf", "text/plain; x",
                                        "\001bad"};
        struct config cfg;
        struct doc *doc;
        struct err err;
        size_t keylen;

        if (size < 1)
                return 0;
        memset(&cfg, 0, sizeof(cfg));
        cfg.max_bytes = 1 << 20;
        cfg.max_job_bytes = 1 << 20;
        keylen = (data[0] >> 3) % 16;
        if (keylen > size - 1)
                keylen = size - 1;
        doc = doc_new();
        err_clear(&err);
        job_parse(doc, data + 1 + keylen, size - 1 - keylen, data + 1, keylen,
                  headers[data[0] % 5], &cfg, &err);
        doc_free(doc);
        return 0;
}
