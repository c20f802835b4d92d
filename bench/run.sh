#!/bin/bash
# `make bench`: the throughput of the whole pipeline against a bare Poppler
# loop, from one run on the same machine, printed as a ratio.
#  1. generates a corpus (BENCH_DOCS documents, default 500, of
#     1 to 50 pages) into build/bench-corpus, once;
#  2. bare: bench-bare extracts the text of every page on worker.threads
#     threads (default 2), nothing else;
#  3. pipeline: one worker (same threads) against the mock Kafka cluster,
#     the builtin model and a private PostgreSQL; the corpus submitted as
#     file:// jobs; timed from the first submit until every document has
#     an outcome in PostgreSQL.
# Target (issue 2): pipeline / bare >= 0.7.
set -u
B=${1:-build}
cd "$(dirname "$0")/.."
N=${BENCH_DOCS:-500}
T=${BENCH_THREADS:-2}
C=build/bench-corpus-$N
if [ ! -f "$C/.done" ]; then
        rm -rf "$C"
        "$B/docgen" corpus "$C" "$N" 1 || exit 1
        touch "$C/.done"
fi
WORK=$(mktemp -d /tmp/docpipe-bench.XXXXXX)
chmod 755 "$WORK"
pgdir="$WORK/pg"
DSN0=$(sh tests/pg.sh start "$pgdir") || exit 1
cleanup() {
        jobs -p | xargs -r kill 2>/dev/null
        sh tests/pg.sh stop "$pgdir" >/dev/null 2>&1
        rm -rf "$WORK"
}
trap cleanup EXIT

echo "bench: $N documents in $C, $T threads"
# Warm the page cache so that neither side pays for the disk.
cat "$C"/*.pdf >/dev/null
bare=$("$B/bench-bare" "$T" "$C"/*.pdf)
echo "$bare"
bare_rate=$(echo "$bare" | sed -n 's/.*= \([0-9.]*\) pages\/s.*/\1/p')

psql -X -q "$DSN0" -c "CREATE DATABASE bench" >/dev/null
DSN="$DSN0 dbname=bench"
"$B/docpipe" broker -p 4 >"$WORK/broker.out" 2>"$WORK/broker.log" &
for _ in $(seq 1 100); do
        BROKERS=$(head -n 1 "$WORK/broker.out" 2>/dev/null); [ -n "$BROKERS" ] && break; sleep 0.05
done
export DOCPIPE_KAFKA_BOOTSTRAP_SERVERS="$BROKERS" DOCPIPE_KAFKA_GROUP_ID=bench \
        DOCPIPE_KAFKA_SESSION_TIMEOUT_MS=6000 DOCPIPE_POSTGRES_DSN="$DSN" \
        DOCPIPE_WORKER_THREADS="$T" DOCPIPE_SOURCES_FILE_ROOT="$(pwd)/$C" \
        DOCPIPE_WORKER_LOG_LEVEL=info DOCPIPE_WORKER_MAX_INFLIGHT=${BENCH_MAX_INFLIGHT:-256}
"$B/docpipe" migrate >/dev/null 2>&1
# The jobs go in first, so that the clock times the worker, not the
# producer: it starts when the worker gets its partitions (the mock
# cluster's first join takes about 3 s) and reads a full backlog.
"$B/docpipe" submit --uri --id-prefix b- "$C"/*.pdf 2>/dev/null
"$B/docpipe" worker 2>"$WORK/worker.log" &
wpid=$!
for _ in $(seq 1 300); do
        grep -q '"assigned docpipe.jobs' "$WORK/worker.log" 2>/dev/null && break
        sleep 0.02
done
t0=$(grep -m1 '"assigned docpipe.jobs' "$WORK/worker.log" | sed -n 's/.*"time":"\([^"]*\)".*/\1/p')
t0=$(date -d "$t0" +%s.%N)
# Poll gently (a psql every half second costs little CPU) and take the end
# time from PostgreSQL: when the last outcome was written.
while :; do
        n=$(psql -X -A -t "$DSN" -c "SELECT count(*) FROM documents" 2>/dev/null)
        [ "${n:-0}" -ge "$N" ] && break
        kill -0 $wpid 2>/dev/null || { echo "worker died"; tail "$WORK/worker.log"; exit 1; }
        sleep 0.5
done
t1=$(psql -X -A -t "$DSN" -c "SELECT extract(epoch FROM max(processed_at)) FROM documents")
pages=$(psql -X -A -t "$DSN" -c "SELECT sum(pages) FROM documents")
dead=$(psql -X -A -t "$DSN" -c "SELECT count(*) FROM documents WHERE status = 'dead'")
rss=$(grep VmHWM /proc/$wpid/status | awk '{print $2}')
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' /proc/$wpid/stat)
echo "pipeline: worker CPU ${cpu} s (user+sys)"
kill -TERM $wpid; wait $wpid
awk -v p="$pages" -v t0="$t0" -v t1="$t1" -v bare="$bare_rate" -v dead="$dead" -v rss="$rss" 'BEGIN {
        s = t1 - t0; rate = p / s;
        printf "pipeline: %d pages in %.2f s = %.1f pages/s (%d dead letters, peak RSS %.0f MB)\n", p, s, rate, dead, rss / 1024;
        printf "ratio pipeline/bare: %.2f (target >= 0.70)\n", rate / bare;
}'
