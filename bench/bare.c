/*
 * bench-bare: the baseline of `make bench`. A bare in-process Poppler
 * text-extraction loop over the given PDFs on N threads (the worker's
 * worker.threads), with nothing else: no Kafka, no model, no database.
 * Prints "bare: PAGES pages in SECONDS s = RATE pages/s". Owns nothing
 * beyond one run.
 */
#include <gio/gio.h>
#include <poppler.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct bench {
        char **paths;
        int n;
        atomic_int next;
        atomic_long pages;
        atomic_long bytes;
};

static void *bench_thread(void *arg)
{
        struct bench *b = arg;
        int i;

        while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
                gchar *data = NULL;
                gsize len = 0;
                GError *error = NULL;
                GBytes *bytes;
                GInputStream *in;
                PopplerDocument *pdf;

                if (!g_file_get_contents(b->paths[i], &data, &len, NULL))
                        continue;
                bytes = g_bytes_new_take(data, len);
                in = g_memory_input_stream_new_from_bytes(bytes);
                pdf = poppler_document_new_from_stream(in, (goffset)len, NULL,
                                                       NULL, &error);
                if (pdf) {
                        int pages = poppler_document_get_n_pages(pdf);
                        for (int p = 0; p < pages; p++) {
                                PopplerPage *page =
                                        poppler_document_get_page(pdf, p);
                                char *text = poppler_page_get_text(page);
                                atomic_fetch_add(&b->bytes,
                                                 text ? (long)strlen(text) : 0);
                                g_free(text);
                                g_object_unref(page);
                        }
                        atomic_fetch_add(&b->pages, pages);
                        g_object_unref(pdf);
                } else {
                        g_error_free(error);
                }
                g_object_unref(in);
                g_bytes_unref(bytes);
        }
        return NULL;
}

int main(int argc, char **argv)
{
        struct bench b = {0};
        pthread_t tids[64];
        struct timespec t0, t1;
        int threads;
        double s;

        if (argc < 3) {
                fprintf(stderr, "usage: bench-bare THREADS FILE...\n");
                return 2;
        }
        threads = atoi(argv[1]);
        if (threads < 1 || threads > 64)
                threads = 2;
        b.paths = argv + 2;
        b.n = argc - 2;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < threads; i++)
                pthread_create(&tids[i], NULL, bench_thread, &b);
        for (int i = 0; i < threads; i++)
                pthread_join(tids[i], NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        s = (double)(t1.tv_sec - t0.tv_sec) +
            (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        printf("bare: %ld pages in %.2f s = %.1f pages/s (%d threads, %d "
               "documents, %ld bytes of text)\n",
               (long)b.pages, s, (double)b.pages / s, threads, b.n,
               (long)b.bytes);
        return 0;
}
