# Integration tests of operations (issue 6), sourced by run.sh after
# lib.sh: t_metrics (the HTTP listener of a running worker against
# PostgreSQL, structured logs, reference prices) and t_scale (1 -> 3 -> 2
# workers on 12 partitions while 3,000 documents flow).

# metrics_get PORT PATH: "STATUS BODY" of a GET on the worker's listener.
metrics_get() {
        out=$(curl -s -m 10 -w '\n%{http_code}' "http://127.0.0.1:$1$2")
        printf '%s %s' "${out##*$'\n'}" "${out%$'\n'*}"
}

# msum TEXT NAME: the sum of every sample of family NAME in TEXT.
msum() {
        printf '%s\n' "$1" | awk -v n="$2" '
                index($0, n "{") == 1 || index($0, n " ") == 1 { s += $NF }
                END { printf "%.0f", s }'
}

# ---------------------------------------------------------------------------
t_metrics() {
        say "metrics, health and readiness of a running worker, checked against PostgreSQL; JSON logs"
        new_db t_metrics; start_broker 4
        LOG_LEVEL=debug test_env
        # Statistics (lag, group state) often; librdkafka's group logs on,
        # to see them come through the worker's log.
        export DOCPIPE_KAFKA_STATISTICS_INTERVAL_MS=500 DOCPIPE_KAFKA_DEBUG=cgrp
        start_worker a
        port=$(metrics_port a) || { not_ok "no metrics listener in the log"; stop_worker a; stop_broker; return 0; }
        ok "worker a listens on 127.0.0.1:$port"
        check "/healthz" "200 alive" "$(metrics_get "$port" /healthz)"
        r=""
        for _ in $(seq 1 300); do
                r=$(metrics_get "$port" /readyz)
                case "$r" in 200*) break ;; esac
                sleep 0.1
        done
        case "$r" in
        "200 ready: "*) ok "/readyz once in the group: $r" ;;
        *) not_ok "/readyz: $r" ;;
        esac
        check "/nothing" 404 "$(metrics_get "$port" /nothing | cut -d' ' -f1)"
        ct=$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/metrics")
        check "content type of /metrics" "text/plain; version=0.0.4; charset=utf-8" "$ct"

        d="$WORK/metrics"; mkdir -p "$d"
        head -c 3000 /dev/urandom >"$d/random.bin"
        ls "$WORK"/corpus/*.pdf | sed -n 401,430p |
                xargs "$B/docpipe" submit --uri --id-prefix met- 2>>"$WORK/submit.log"
        "$B/docpipe" submit --raw --id met-bad "$d/random.bin" 2>>"$WORK/submit.log"
        wait_count "SELECT count(*) FROM documents" 31 120 ||
                not_ok "timed out at $(q 'SELECT count(*) FROM documents') documents"

        # The committed offsets reach the end (auto-commit, 5 s) and the
        # statistics see it: every partition that got jobs at lag 0.
        parts=$(q "SELECT count(DISTINCT kafka_partition) FROM documents")
        m="" lines=0 lagsum=""
        for _ in $(seq 1 200); do
                m=$(curl -s -m 10 "http://127.0.0.1:$port/metrics")
                lines=$(printf '%s\n' "$m" | grep -c '^docpipe_kafka_consumer_lag{topic="docpipe.jobs"')
                lagsum=$(msum "$m" docpipe_kafka_consumer_lag)
                [ "$lines" -ge "$parts" ] && [ "$lagsum" = 0 ] && break
                sleep 0.1
        done
        check "consumer lag on every partition that had jobs (of $parts)" "0 ok" \
                "$lagsum $([ "$lines" -ge "$parts" ] && echo ok || echo "only $lines lines")"
        check "documents done = results" "$(q 'SELECT count(*) FROM results')" \
                "$(msum "$m" docpipe_documents_done_total)"
        check "documents done by class = results by class" \
                "$(q "SELECT string_agg(class || ' ' || n, ',' ORDER BY class) FROM (SELECT class, count(*) AS n FROM results GROUP BY class) x")" \
                "$(printf '%s\n' "$m" | sed -n 's/^docpipe_documents_done_total{class="\([^"]*\)"} \([0-9]*\)$/\1 \2/p' | sort | paste -sd, -)"
        check "documents failed = dead letters, by stage and class" \
                "$(q "SELECT string_agg(stage || ' ' || error_class || ' ' || n, ',' ORDER BY stage) FROM (SELECT stage, error_class, count(*) AS n FROM dead_letters GROUP BY 1, 2) x")" \
                "$(printf '%s\n' "$m" | sed -n 's/^docpipe_documents_failed_total{stage="\([^"]*\)",class="\([^"]*\)"} \([0-9]*\)$/\1 \2 \3/p' | sort | paste -sd, -)"
        check "model calls = model_calls rows" "$(q 'SELECT count(*) FROM model_calls')" \
                "$(msum "$m" docpipe_model_calls_total)"
        check "input and output tokens = model_calls' sums" \
                "$(q 'SELECT sum(input_tokens) || $$ $$ || sum(output_tokens) FROM model_calls')" \
                "$(printf '%s\n' "$m" | awk '/^docpipe_model_tokens_total\{.*kind="input"/ { i += $NF }
                        /^docpipe_model_tokens_total\{.*kind="output"/ { o += $NF } END { printf "%d %d", i, o }')"
        check "documents in flight" 0 "$(msum "$m" docpipe_documents_in_flight)"
        n=$(printf '%s\n' "$m" | sed -n 's/^docpipe_stage_duration_seconds_count{stage="fetch"} //p')
        if [ "${n:-0}" -ge 30 ]; then ok "fetch latency histogram: $n attempts"; else not_ok "fetch latency histogram: '$n'"; fi
        n=$(printf '%s\n' "$m" | sed -n 's/^docpipe_stage_duration_seconds_count{stage="store"} //p')
        if [ "${n:-0}" -ge 31 ]; then ok "store latency histogram: $n writes"; else not_ok "store latency histogram: '$n'"; fi
        check "postgres up, ready" "1 1" "$(msum "$m" docpipe_postgres_up) $(msum "$m" docpipe_ready)"

        # Reference prices from the price map, and the view on them.
        check "reference_prices: gpt-5 from the price map (1.25 and 10 USD per million)" t \
                "$(q "SELECT input_per_token = 0.00000125 AND cached_per_token = 0.000000125 AND output_per_token = 0.00001 FROM reference_prices WHERE model = 'gpt-5'")"
        check "reference_costs: the same tokens on gpt-5" t \
                "$(q "SELECT round(sum(reference_cost_usd), 6) = (SELECT round(sum((input_tokens - cached_input_tokens) * 0.00000125 + cached_input_tokens * 0.000000125 + output_tokens * 0.00001), 6) FROM model_calls) AND sum(reference_cost_usd) > 0 FROM reference_costs WHERE reference_model = 'gpt-5'")"

        # A second worker on the same port: an error in its log, and it
        # works without the listener.
        METRICS_ADDR="127.0.0.1:$port" test_env
        start_worker b
        for _ in $(seq 1 100); do grep -q 'running without /metrics' "$WORK/worker-b.log" && break; sleep 0.1; done
        if grep -q 'Address already in use.*running without /metrics' "$WORK/worker-b.log"; then
                ok "a port in use: logged, the worker goes on"
        else
                not_ok "a port in use: $(grep -m1 '"level":"error"' "$WORK/worker-b.log")"
        fi
        stop_worker b; check "worker b exit status" 0 $?
        test_env
        stop_worker a; check "worker a exit status" 0 $?

        # Logs: one JSON object per line; a line about a document names it,
        # its stage and where it came from as fields; librdkafka's lines
        # come through the same path.
        python3 - "$WORK/worker-a.log" >"$WORK/logcheck.out" 2>&1 <<'PY'
import json, sys
bad = docs = rdk = 0
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("{"):
        continue            # a sanitizer's report, checked elsewhere
    try:
        o = json.loads(line)
    except ValueError:
        bad += 1
        continue
    if not all(k in o for k in ("time", "level", "msg")):
        bad += 1
    if o.get("msg", "").startswith("dead letter:") and all(
            k in o for k in ("document", "stage", "topic", "partition", "offset")):
        docs += 1
    if o.get("subject", "").startswith("rdkafka "):
        rdk += 1
print(bad, docs, rdk)
PY
        read -r bad docs rdk <"$WORK/logcheck.out"
        check "log lines that are not JSON objects" 0 "$bad"
        check "the dead letter's line names document, stage, topic, partition, offset" 1 "$docs"
        if [ "${rdk:-0}" -gt 0 ]; then ok "librdkafka's lines in the same JSON log ($rdk)"; else not_ok "no librdkafka line in the log"; fi
        n=$(grep '"msg":"done: class=' "$WORK/worker-a.log" | grep -c '"document":"met-doc-[0-9]*","topic":"docpipe.jobs","partition":[0-9]*,"offset":[0-9]*,')
        check "done lines with document and topic/partition@offset fields" 30 "$n"
        unset DOCPIPE_KAFKA_STATISTICS_INTERVAL_MS DOCPIPE_KAFKA_DEBUG
        stop_broker
}

# ---------------------------------------------------------------------------
# Scaling: the consumer group spreads 12 partitions over 1, then 3, then 2
# workers while jobs keep coming; every document has exactly one outcome.
# The rebalance times come from the workers' own assigned/revoked lines.
t_scale() {
        say "scaling 1 -> 3 -> 2 workers on 12 partitions while 3,000 documents flow"
        new_db t_scale; start_broker 12; test_env
        d="$WORK/scale"; mkdir -p "$d"
        awk -v d="$d" 'BEGIN {
                split("Acme GmbH,Globex Ltd,Initech Inc,Umbrella SA,Hooli LLC", v, ",")
                for (i = 0; i < 3000; i++) {
                        f = sprintf("%s/s-%04d.txt", d, i)
                        printf "INVOICE\nInvoice number: INV-%05d\nInvoice date: 2026-%02d-%02d\n", i, i % 12 + 1, i % 28 + 1 >f
                        printf "Vendor: %s\nBill to: Customer %d\n", v[i % 5 + 1], i >f
                        printf "Net amount: %d.00 EUR\nVAT 19%%: %.2f EUR\nTotal due: %.2f EUR\n", 100 + i, (100 + i) * 0.19, (100 + i) * 1.19 >f
                        printf "Payment terms: 30 days net. Thank you for your business.\n" >f
                        close(f)
                }
        }'
        submit() { # FROM TO: jobs for s-FROM..s-TO
                seq -f "$d/s-%04g.txt" "$1" "$2" |
                        xargs "$B/docpipe" submit --uri --content-type text/plain --id-prefix scale- \
                        2>>"$WORK/submit.log" || not_ok "submit $1..$2"
        }
        until_assigned() { # NAME...: until each has its partitions of the jobs topic
                for _ in $(seq 1 300); do
                        all=1
                        for w in "$@"; do
                                grep -q '"msg":"assigned docpipe.jobs/' "$WORK/worker-$w.log" 2>/dev/null || all=0
                        done
                        [ "$all" = 1 ] && return 0
                        sleep 0.1
                done
                return 1
        }
        t0=$(date +%s%N)
        start_worker a
        until_assigned a || not_ok "worker a got no partition"
        # 3,000 jobs over about 20 s: 15 batches of 200.
        (
                for i in $(seq 0 14); do
                        submit $((i * 200)) $((i * 200 + 199))
                        sleep 1.2
                done
        ) &
        feeder=$!
        sleep 2
        start_worker b
        start_worker c
        until_assigned b c || not_ok "workers b and c got no partition"
        # c stops once it has done some of the work.
        for _ in $(seq 1 300); do
                grep -q '"msg":"done: class=' "$WORK/worker-c.log" && break
                sleep 0.1
        done
        sleep 2
        stop_worker c; check "worker c exit status (3 -> 2)" 0 $?
        wait "$feeder"
        wait_count "SELECT count(*) FROM documents" 3000 300 ||
                not_ok "timed out at $(q 'SELECT count(*) FROM documents') documents"
        t_done=$(date +%s%N)
        # The last documents can be done while the group still rebalances
        # after c left (its partitions' messages since the last commit are
        # redelivered and skipped): let it settle, all committed, before
        # stopping the others; the rebalances are judged up to then.
        for _ in $(seq 1 60); do
                [ "$(lag 2>/dev/null)" = 0 ] && break
                sleep 1
        done
        t1=$(date +%s%N)
        stop_worker a; check "worker a exit status" 0 $?
        stop_worker b; check "worker b exit status" 0 $?
        check "documents" 3000 "$(q 'SELECT count(*) FROM documents')"
        check "results" 3000 "$(q 'SELECT count(*) FROM results')"
        check "every document has exactly one outcome" "3000 0" "$(q "SELECT count(*), count(*) FILTER (WHERE (r.document_id IS NULL) = (l.document_id IS NULL)) FROM documents d LEFT JOIN results r ON r.document_id = d.id LEFT JOIN dead_letters l ON l.document_id = d.id" | tr '|' ' ')"
        check "no document paid twice for a stage" 0 \
                "$(q 'SELECT count(*) FROM (SELECT document_id, stage FROM model_calls GROUP BY 1, 2 HAVING count(*) > 1) x')"
        check "model calls" 9000 "$(q 'SELECT count(*) FROM model_calls')"
        check "consumer group lag" 0 "$(lag)"
        for w in a b c; do
                n=$(grep -c '"msg":"done: class=' "$WORK/worker-$w.log")
                s=$(grep -c '"msg":"already has an outcome' "$WORK/worker-$w.log")
                if [ "$n" -gt 0 ]; then ok "worker $w finished $n documents ($s redelivered and skipped)"; else not_ok "worker $w finished none"; fi
        done
        if python3 tests/integration/rebalances.py --until "$((t1 / 1000000))" docpipe.jobs 12 \
                "$WORK"/worker-a.log "$WORK"/worker-b.log "$WORK"/worker-c.log >"$WORK/rebalances.out"; then
                n=$(sed -n 's/^rebalances: //p' "$WORK/rebalances.out")
                if [ "${n:-0}" -ge 2 ]; then ok "$n rebalances, each ended with all 12 partitions assigned"; else not_ok "only ${n:-0} rebalances seen"; fi
        else
                not_ok "a rebalance did not end"
        fi
        sed 's/^/  /' "$WORK/rebalances.out"
        say "  3,000 documents in $(((t_done - t0) / 1000000)) ms from the first worker's start"
        stop_broker
}
