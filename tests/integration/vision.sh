# Sourced by tests/integration/run.sh (uses lib.sh's helpers).
#
# t_vision: the vision route (ocr.vision). A faint, speckled scan (mkscan
# faint) that OCR reads with low confidence goes to the fake server as an
# image_url data URL and the fake's transcription becomes the document's
# text; a clean scan and a half-scanned PDF do not go; the call is in
# model_calls (stage vision, tokens from the usage, cost at the price
# map's rates, the sums in document_costs); a failing vision endpoint
# leaves OCR's text and the document done; a per-document budget too
# small for the call does the same; ocr.vision.on_failure retry makes a
# failing call a dead letter of stage vision.

# vision_worker NAME: a worker on $WORK/vision.yaml, with the
# environment of the moment.
vision_worker() {
        start_worker "$1" "$WORK/vision.yaml"
}

t_vision() {
        say "vision route: a low-confidence scan read by the vision model, priced; failures and budgets keep OCR's text"
        new_db t_vision; start_broker 2; start_fake; LOG_LEVEL=debug test_env
        cat >"$WORK/vision.yaml" <<YAML
models:
  price_map: $TOP/deploy/prices/model_prices.json
  endpoints:
    - name: eyes
      base_url: http://$FAKE/v1
      model: gpt-4o-mini
      retries: 1
      backoff_ms: 10
      max_backoff_ms: 50
      breaker_failures: 1000
ocr:
  vision:
    endpoint: eyes
    below_confidence: 75
YAML
        "$B/docpipe" config check "$WORK/vision.yaml" >/dev/null 2>>"$WORK/config.log" ||
                not_ok "config check: $(cat "$WORK/config.log")"
        d="$WORK/vision"; mkdir -p "$d"
        "$B/mkscan" faint "$d/faint.png" && "$B/mkscan" png "$d/clean.png" &&
                "$B/mkscan" pdf "$d/mixed.pdf" || not_ok "mkscan"
        # The same scan with other bytes (after IEND), so that no result
        # is reused: one copy per part below.
        for n in fail budget strict; do
                { cat "$d/faint.png"; printf '%s' "$n"; } >"$WORK/faint-$n.png"
        done

        # 1. The vision model reads the faint page, not the others.
        vision_worker a
        "$B/docpipe" submit --uri --id-prefix v- "$d"/* 2>>"$WORK/submit.log"
        wait_count "SELECT count(*) FROM documents" 3 180 || not_ok "timed out at $(q 'SELECT count(*) FROM documents') documents"
        stop_worker a; check "worker exit status" 0 $?
        check "three documents done" 3 "$(q "SELECT count(*) FROM documents WHERE status = 'done'")"
        check "faint scan: OCR confidence under 75, clean ones over" "t|t|t" \
                "$(q "SELECT (SELECT (ocr_confidence->>'1')::int < 75 FROM documents WHERE id = 'v-faint'), (SELECT (ocr_confidence->>'1')::int >= 75 FROM documents WHERE id = 'v-clean'), (SELECT (ocr_confidence->>'2')::int >= 75 FROM documents WHERE id = 'v-mixed')")"
        check "one vision call, for the faint scan, ok" "v-faint|eyes|gpt-4o-mini|ok" \
                "$(q "SELECT document_id, endpoint, model, outcome FROM model_calls WHERE stage = 'vision'")"
        check "the fake saw one image request" 1 \
                "$(curl -s "http://$FAKE/_stats" | jq '.by_task.vision')"
        # 1400 x 500 pixels: 3 tiles of 512, 85 + 3 * 170 tokens, and
        # the instructions as text.
        check "input tokens: the image's 595 and the instructions" "t|t" \
                "$(q "SELECT input_tokens > 595 AND input_tokens < 1000, input_tokens = (usage->>'prompt_tokens')::bigint AND output_tokens = (usage->>'completion_tokens')::bigint FROM model_calls WHERE stage = 'vision'")"
        check "cost at gpt-4o-mini's rates, to the nano-dollar" 0 \
                "$(q "SELECT count(*) FROM model_calls WHERE stage = 'vision' AND (cost_usd <> round(input_tokens * 0.00000015 + output_tokens * 0.0000006, 9) OR cost_usd = 0)")"
        check "document_costs adds the vision call up" "t" \
                "$(q "SELECT c.cost_usd = (SELECT sum(cost_usd) FROM model_calls WHERE document_id = 'v-faint') AND c.tokens = (SELECT sum(input_tokens + output_tokens) FROM model_calls WHERE document_id = 'v-faint') AND c.cost_usd > 0 FROM document_costs c WHERE document_id = 'v-faint'")"
        # The fake's page is a receipt of 12.34 EUR; OCR read an invoice
        # of 1234.56.
        check "faint scan: the vision model's text is the document's" "receipt|12.34" \
                "$(q "SELECT class, fields->>'total' FROM results WHERE document_id = 'v-faint'")"
        check "clean scan: OCR's text" "invoice|1234.56" \
                "$(q "SELECT class, fields->>'total' FROM results WHERE document_id = 'v-clean'")"
        check "log: the page replaced" 1 \
                "$(grep -c 'vision page 1 (OCR confidence [0-9]*): [0-9]* bytes of OCR text replaced by [0-9]* bytes from eyes' "$WORK/worker-a.log")"

        # 2. The endpoint fails every request: OCR's text stays.
        ctl '{"error_rate":1}'
        vision_worker b
        "$B/docpipe" submit --uri --id v-fail "$WORK/faint-fail.png" 2>>"$WORK/submit.log"
        wait_count "SELECT count(*) FROM documents" 4 120 || not_ok "timed out waiting for v-fail"
        stop_worker b; check "worker exit status" 0 $?
        check "failing endpoint: done on OCR's text (not the fake's receipt)" "done|f|f" \
                "$(q "SELECT status, class = 'receipt', coalesce(fields->>'total', '') = '12.34' FROM documents d JOIN results r ON r.document_id = d.id WHERE d.id = 'v-fail'")"
        check "failing endpoint: the failed call recorded, nothing paid" "retry|0|0.000000000" \
                "$(q "SELECT outcome, input_tokens, cost_usd FROM model_calls WHERE document_id = 'v-fail' AND stage = 'vision'")"
        check "failing endpoint: tried twice (retries: 1)" 2 \
                "$(curl -s "http://$FAKE/_stats" | jq '.by_task.vision - 1')"
        check "log: OCR's text kept" 1 "$(grep -c "vision page 1 .*; OCR's text kept" "$WORK/worker-b.log")"

        # 3. A per-document budget the call does not fit: no call.
        ctl '{"error_rate":0}'
        export DOCPIPE_MODELS_BUDGET_PER_DOCUMENT_USD=0.00000001
        vision_worker c
        "$B/docpipe" submit --uri --id v-budget "$WORK/faint-budget.png" 2>>"$WORK/submit.log"
        wait_count "SELECT count(*) FROM documents" 5 120 || not_ok "timed out waiting for v-budget"
        stop_worker c; check "worker exit status" 0 $?
        unset DOCPIPE_MODELS_BUDGET_PER_DOCUMENT_USD
        check "over the budget: done on OCR's text, no call" "done|f|0" \
                "$(q "SELECT status, class = 'receipt', (SELECT count(*) FROM model_calls WHERE document_id = 'v-budget' AND stage = 'vision') FROM documents d JOIN results r ON r.document_id = d.id WHERE d.id = 'v-budget'")"
        check "log: the budget named" 1 "$(grep -c 'vision page 1 .*per-document budget .*models.budget.per_document_usd' "$WORK/worker-c.log")"

        # 4. on_failure retry, no retries left: a dead letter of stage
        # vision.
        ctl '{"error_rate":1}'
        export DOCPIPE_OCR_VISION_ON_FAILURE=retry DOCPIPE_WORKER_RETRIES=0 DOCPIPE_TOPICS_RETRY=
        vision_worker d
        "$B/docpipe" submit --uri --id v-strict "$WORK/faint-strict.png" 2>>"$WORK/submit.log"
        wait_count "SELECT count(*) FROM documents" 6 120 || not_ok "timed out waiting for v-strict"
        stop_worker d; check "worker exit status" 0 $?
        unset DOCPIPE_OCR_VISION_ON_FAILURE DOCPIPE_WORKER_RETRIES DOCPIPE_TOPICS_RETRY
        m=$(q "SELECT status || ' ' || l.stage || ' ' || error_class || ': ' || message FROM documents d JOIN dead_letters l ON l.document_id = d.id WHERE d.id = 'v-strict'")
        if echo "$m" | grep -q '^dead vision retry: .*eyes'; then
                ok "on_failure retry -> $m"; else not_ok "on_failure retry: got '$m'"; fi
        check "consumer group lag" 0 "$(lag)"
        stop_fake
        stop_broker
}
