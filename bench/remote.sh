#!/bin/bash
# `make bench`, remote part: one worker against the fake OpenAI-compatible
# server at 1 s latency with 2,000 requests allowed in flight. Every stage is
# routed to the endpoint; documents are small text jobs so that the model
# calls are the work. Prints model calls/s against the bound (in flight /
# latency), the worker's CPU time per call and its peak RSS.
# Targets (issue 3): >= 0.9 of the bound, RSS under 300 MB. The stages of
# one document call one after another, so the run is long (16,000
# documents, 48,000 calls) to make the ramp up and down small.
set -u
B=${1:-build}
cd "$(dirname "$0")/.."
N=${BENCH_REMOTE_DOCS:-16000}
INFLIGHT=2000
LAT=1000
WORK=$(mktemp -d /tmp/docpipe-rbench.XXXXXX)
chmod 755 "$WORK"
DSN0=$(sh tests/pg.sh start "$WORK/pg") || exit 1
cleanup() {
        jobs -p | xargs -r kill 2>/dev/null
        sh tests/pg.sh stop "$WORK/pg" >/dev/null 2>&1
        rm -rf "$WORK"
}
trap cleanup EXIT
psql -X -q "$DSN0" -c "CREATE DATABASE rbench" >/dev/null
DSN="$DSN0 dbname=rbench"

"$B/fake-openai" --port 0 --port-file "$WORK/fake.port" --latency-ms $LAT >/dev/null 2>"$WORK/fake.log" &
for _ in $(seq 1 100); do [ -s "$WORK/fake.port" ] && break; sleep 0.05; done
FAKE=$(cat "$WORK/fake.port")
"$B/docpipe" broker -p 8 >"$WORK/broker.out" 2>"$WORK/broker.log" &
for _ in $(seq 1 100); do
        BROKERS=$(head -n 1 "$WORK/broker.out" 2>/dev/null); [ -n "$BROKERS" ] && break; sleep 0.05
done
cat >"$WORK/bench.yaml" <<YAML
worker:
  # More documents than model slots, so that the endpoint's queue, not
  # Kafka, is where documents wait: the slots never run dry while paused
  # partitions are resumed and refetched.
  max_inflight: $((INFLIGHT * 3 / 2))
  low_water: $((INFLIGHT * 5 / 4))
  log_level: warn
postgres:
  batch_max: 256
models:
  endpoints:
    - name: fake
      base_url: http://$FAKE/v1
      model: deepseek-v4-flash
      price_key: deepseek/deepseek-v4-flash
      concurrency: $INFLIGHT
      timeout_ms: 30000
  routes:
    classify: [fake]
    fields: [fake]
    summarize: [fake]
YAML
export DOCPIPE_KAFKA_BOOTSTRAP_SERVERS="$BROKERS" DOCPIPE_KAFKA_GROUP_ID=rbench \
        DOCPIPE_KAFKA_SESSION_TIMEOUT_MS=6000 DOCPIPE_POSTGRES_DSN="$DSN"
"$B/docpipe" migrate >/dev/null 2>&1
# The jobs: small invoices as JSON envelopes, produced before the worker
# starts so that it sees a full backlog.
mkdir -p "$WORK/docs"
for i in $(seq 1 "$N"); do
        printf 'Invoice INV-%05d\nDate: 2024-03-12\nTotal: %d.50 EUR\nThank you.\n' "$i" "$i" >"$WORK/docs/d$i.txt"
done
ls "$WORK"/docs/*.txt | xargs "$B/docpipe" submit --id-prefix rb- --content-type text/plain 2>/dev/null
"$B/docpipe" worker -c "$WORK/bench.yaml" 2>"$WORK/worker.log" &
wpid=$!
# Start the clock at the first model call: the group join (3 s on the mock
# cluster) is not the client's time.
while :; do
        n=$(curl -s "http://$FAKE/_stats" | sed -n 's/.*"requests": *\([0-9]*\).*/\1/p')
        [ "${n:-0}" -gt 0 ] && break
        sleep 0.05
done
t0=$(date +%s.%N)
c0=$(awk '{print $14 + $15}' /proc/$wpid/stat)
while :; do
        n=$(psql -X -A -t "$DSN" -c "SELECT count(*) FROM documents" 2>/dev/null)
        [ "${n:-0}" -ge "$N" ] && break
        kill -0 $wpid 2>/dev/null || { echo "worker died"; tail "$WORK/worker.log"; exit 1; }
        sleep 0.5
done
t1=$(psql -X -A -t "$DSN" -c "SELECT extract(epoch FROM max(processed_at)) FROM documents")
c1=$(awk '{print $14 + $15}' /proc/$wpid/stat)
rss=$(grep VmHWM /proc/$wpid/status | awk '{print $2}')
calls=$(psql -X -A -t "$DSN" -c "SELECT count(*) FROM model_calls WHERE outcome = 'ok'")
failed=$(psql -X -A -t "$DSN" -c "SELECT count(*) FROM model_calls WHERE outcome <> 'ok'")
maxin=$(curl -s "http://$FAKE/_stats" | sed -n 's/.*"max_in_flight": *\([0-9]*\).*/\1/p')
# Steady state: documents finished between the end of the ramp up (three
# calls of 1 s each) and the start of the ramp down, three calls each.
steady=$(psql -X -A -t "$DSN" -c "SELECT round(3 * count(*) / (($t1 - 3) - ($t0 + 4))) FROM documents WHERE extract(epoch FROM processed_at) BETWEEN $t0 + 4 AND $t1 - 3")
kill -TERM $wpid; wait $wpid
awk -v c="$calls" -v f="$failed" -v t0="$t0" -v t1="$t1" -v cpu=$((c1 - c0)) \
    -v hz="$(getconf CLK_TCK)" -v rss="$rss" -v inflight=$INFLIGHT -v lat=$LAT -v maxin="$maxin" -v steady="$steady" 'BEGIN {
        s = t1 - t0; rate = c / s; bound = inflight / (lat / 1000);
        printf "remote: %d model calls (%d failed) in %.2f s = %.0f calls/s; bound %d in flight / %.1f s = %.0f calls/s\n", c, f, s, rate, inflight, lat / 1000, bound;
        printf "remote: whole run %.2f of the bound (ramp up and down included: the three calls of a document go one after another)\n", rate / bound;
        printf "remote: steady state %d calls/s = %.2f of the bound (target >= 0.90); at most %d requests in flight at the server\n", steady, steady / bound, maxin;
        printf "remote: worker CPU %.1f ms per call; peak RSS %.0f MB (target < 300 MB)\n", cpu / hz * 1000 / c, rss / 1024;
}'
