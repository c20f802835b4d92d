/*
 * bench-ocr-bare: the baseline of the OCR bench (bench/ocr.sh). A bare
 * Tesseract loop over page images on N threads, one engine per thread,
 * with what stages/ocr.c uses: the LSTM engine for the languages given
 * (OCR_LANGUAGES, default "eng"), automatic page segmentation, 300 dpi,
 * 8-bit gray (stages/ocr.c reads a page 1.8 times as tall as wide, a
 * till roll, as one block; the bench's A4 pages are not); nothing else
 * (no orientation detection, no Kafka, no model, no database). Run it
 * with OMP_THREAD_LIMIT=1, as the worker's children are. Prints "bare-ocr: PAGES pages in SECONDS s = RATE
 * pages/s, mean confidence C". Owns its engines and one image per thread
 * at a time.
 */
#include <leptonica/allheaders.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <tesseract/capi.h>
#include <time.h>

struct bench {
        char **paths;
        int n;
        const char *languages;
        atomic_int next;
        atomic_long pages;
        atomic_long conf; /* sum of the pages' mean confidences */
        atomic_int failed;
};

static void *bench_thread(void *arg)
{
        struct bench *b = arg;
        TessBaseAPI *api = TessBaseAPICreate();
        int i;

        if (TessBaseAPIInit3(api, NULL, b->languages) != 0) {
                fprintf(stderr, "bare-ocr: cannot load '%s'\n", b->languages);
                atomic_store(&b->failed, 1);
                TessBaseAPIDelete(api);
                return NULL;
        }
        TessBaseAPISetPageSegMode(api, PSM_AUTO);
        TessBaseAPISetVariable(api, "debug_file", "/dev/null");
        while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
                PIX *pix = pixRead(b->paths[i]), *gray;
                char *text;

                if (!pix) {
                        fprintf(stderr, "bare-ocr: cannot read %s\n",
                                b->paths[i]);
                        atomic_store(&b->failed, 1);
                        continue;
                }
                gray = pixConvertTo8(pix, 0);
                pixDestroy(&pix);
                TessBaseAPISetImage2(api, gray);
                TessBaseAPISetSourceResolution(api, 300);
                text = TessBaseAPIGetUTF8Text(api);
                if (text) {
                        atomic_fetch_add(&b->conf,
                                         TessBaseAPIMeanTextConf(api));
                        atomic_fetch_add(&b->pages, 1);
                        TessDeleteText(text);
                }
                TessBaseAPIClear(api);
                pixDestroy(&gray);
        }
        TessBaseAPIEnd(api);
        TessBaseAPIDelete(api);
        return NULL;
}

int main(int argc, char **argv)
{
        struct bench b = {0};
        pthread_t th[64];
        struct timespec t0, t1;
        int threads;
        double s;
        const char *lang = getenv("OCR_LANGUAGES");

        if (argc < 3 || (threads = atoi(argv[1])) < 1 || threads > 64) {
                fprintf(stderr, "usage: bench-ocr-bare THREADS IMAGE...\n");
                return 2;
        }
        setMsgSeverity(L_SEVERITY_NONE);
        b.paths = argv + 2;
        b.n = argc - 2;
        b.languages = lang && lang[0] ? lang : "eng";
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < threads; i++)
                pthread_create(&th[i], NULL, bench_thread, &b);
        for (int i = 0; i < threads; i++)
                pthread_join(th[i], NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
        printf("bare-ocr: %ld pages in %.2f s = %.2f pages/s, mean "
               "confidence %.0f\n",
               atomic_load(&b.pages), s, atomic_load(&b.pages) / s,
               atomic_load(&b.pages)
                       ? (double)atomic_load(&b.conf) / atomic_load(&b.pages)
                       : 0.0);
        return atomic_load(&b.failed) ? 1 : 0;
}
