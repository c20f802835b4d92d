#!/bin/bash
# `make bench`, OCR part: the pipeline's OCR throughput against a bare
# Tesseract loop over the same page images, on the same machine, printed
# as a ratio (target, issue 5: pipeline >= 0.9 of bare).
#  1. generates the page images once into build/bench-ocr-N: docgen's
#     corpus (fixed seed), the first two pages of each document rendered
#     at 300 dpi by scangen and spoiled like office scans (gray paper,
#     a one-pixel blur, noise, a random turn of up to 1.5 degrees, JPEG
#     at quality 80), the first N (BENCH_OCR_PAGES, default 48) kept;
#  2. bare: bench-ocr-bare recognizes every image on worker.threads
#     threads (default 2), one Tesseract engine per thread,
#     OMP_THREAD_LIMIT=1, the languages and page segmentation mode of
#     stages/ocr.c, nothing else;
#  3. pipeline: one worker (same threads, so as many extraction children)
#     against the mock Kafka cluster, the builtin model and a private
#     PostgreSQL; the images submitted as file:// jobs before the worker
#     starts; timed from the worker's partition assignment until
#     PostgreSQL has the last outcome.
# Rounds alternate bare and pipeline (BENCH_OCR_ROUNDS, default 2) and the
# ratio is taken between the best round of each. CPU seconds are printed
# for both sides (the worker's with its children's): steadier than wall
# time on a shared machine. The rounds' machinery: bench/lib.sh.
set -u
B=${1:-build}
cd "$(dirname "$0")/.."
N=${BENCH_OCR_PAGES:-48}
T=${BENCH_THREADS:-2}
R=${BENCH_OCR_ROUNDS:-2}
C=build/bench-ocr-$N
if [ ! -f "$C/.done" ]; then
        rm -rf "$C" "$C.pdf"
        mkdir -p "$C" "$C.pdf"
        # N documents of one page or more, two pages of each at most.
        "$B/docgen" corpus "$C.pdf" "$N" 5 >/dev/null || exit 1
        "$B/scangen" --pages 2 --dpi 300 --paper 240 --ink 30 --blur 1 \
                --noise 6 --skew 1.5 --jpeg 80 --seed 5 "$C.pdf" "$C.pdf"/*.pdf >/dev/null || exit 1
        ls "$C.pdf"/*.jpg | sort | head -n "$N" | xargs -I{} mv {} "$C"/
        rm -rf "$C.pdf"
        [ "$(ls "$C" | wc -l)" -eq "$N" ] || { echo "bench-ocr: fewer than $N images"; exit 1; }
        touch "$C/.done"
fi
. bench/lib.sh
bench_init bench-ocr

export DOCPIPE_KAFKA_SESSION_TIMEOUT_MS=6000 \
        DOCPIPE_WORKER_THREADS="$T" DOCPIPE_SOURCES_FILE_ROOT="$(pwd)/$C" \
        DOCPIPE_WORKER_LOG_LEVEL=${DOCPIPE_WORKER_LOG_LEVEL:-info}
# The bare loop's engines, like the worker's children (which get it from
# the worker): libgomp reads it when it is loaded.
export OMP_THREAD_LIMIT=1

echo "bench-ocr: $N page images in $C, $T threads, $R rounds"
cat "$C"/*.jpg >/dev/null

# bare: prints "RATE CPU_SECONDS"
bare() {
        local TIMEFORMAT='cpu %U %S'
        { time "$B/bench-ocr-bare" "$T" "$C"/*.jpg >"$WORK/bare.out"; } 2>"$WORK/bare.time" || {
                cat "$WORK/bare.out" "$WORK/bare.time" >&2; return 1; }
        cat "$WORK/bare.out" >&2
        echo "$(sed -n 's/.*= \([0-9.]*\) pages\/s.*/\1/p' "$WORK/bare.out") \
$(awk '/^cpu/ {print $2 + $3}' "$WORK/bare.time")"
}

# pipeline ROUND: prints "RATE CPU_SECONDS"
pipeline() {
        local dead
        round_begin "ocr_$1" "bench-ocr-$1"
        round_submit --uri --id-prefix "o$1-" "$C"/*.jpg || return 1
        round_worker "$WORK/worker-$1.log"
        round_wait "$N" "SELECT count(*) FROM documents WHERE id LIKE 'o$1-%' AND status IN ('done', 'dead')" || return 1
        dead=$(sql "SELECT count(*) FROM documents WHERE status = 'dead'")
        [ "$dead" -gt 0 ] && sql "SELECT document_id || ': ' || message FROM dead_letters LIMIT 3" >&2
        round_end
        awk -v p="$N" -v t0="$t0" -v t1="$t1" -v dead="$dead" -v cpu="$cpu" 'BEGIN {
                s = t1 - t0;
                printf "pipeline: %d pages in %.2f s = %.2f pages/s, worker CPU %.2f s (%d dead letters)\n", p, s, p / s, cpu, dead > "/dev/stderr";
                printf "%.3f %s\n", p / s, cpu;
        }'
}

best_bare=0 best_pipe=0 bare_cpu=0 pipe_cpu=0
for r in $(seq 1 "$R"); do
        read -r rate cpu < <(bare) || exit 1
        [ -n "$rate" ] || { echo "bare round $r failed"; exit 1; }
        better "$rate" "$best_bare" && { best_bare=$rate; bare_cpu=$cpu; }
        read -r rate cpu < <(pipeline "$r") || exit 1
        [ -n "$rate" ] || { echo "pipeline round $r failed"; exit 1; }
        better "$rate" "$best_pipe" && { best_pipe=$rate; pipe_cpu=$cpu; }
done
awk -v bare="$best_bare" -v pipe="$best_pipe" -v bc="$bare_cpu" -v pc="$pipe_cpu" -v n="$N" 'BEGIN {
        printf "best rounds: bare OCR %.2f pages/s (%.2f CPU s, %.2f per page), pipeline %.2f pages/s (%.2f CPU s, %.2f per page)\n", bare, bc, bc / n, pipe, pc, pc / n;
        printf "CPU per page, bare / pipeline: %.2f\n", bc / pc;
        printf "OCR ratio pipeline/bare: %.2f (target >= 0.90)\n", pipe / bare;
}'
