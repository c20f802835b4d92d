# Integration test of `docpipe eval` (issue 7), sourced by
# tests/integration/run.sh after lib.sh: a small generated labeled set
# (docgen's PDFs and their JSON sidecars, and the same set as JSON lines)
# through the builtin route alone, then through the builtin and the fake
# OpenAI-compatible server side by side; images (PNG, WebP) in a JSON lines
# set, OCR'd; the table's and the JSON's shape
# and numbers checked (documents, routes, accuracies in range, the fake
# route's cost equal to its tokens at the price map's DeepSeek rates, the
# builtin's zero, exit status on bad input). No Kafka, no PostgreSQL.

# jget FILE EXPR: a Python expression over the report `r`, printed.
jget() {
        python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

t_eval() {
        say "eval: a labeled set through the builtin and through the fake endpoint, side by side"
        d="$WORK/evalset"
        rm -rf "$d"
        "$B/docgen" corpus "$d" 16 7 2>/dev/null >/dev/null || { not_ok "docgen"; return 0; }

        # 1. The builtin route, the table.
        "$B/docpipe" eval --labels "$d" --quiet --mismatches >"$WORK/eval.txt" 2>"$WORK/eval.err"
        check "eval exit status" 0 $?
        check "table: documents" "docpipe eval: 16 documents" "$(head -n 1 "$WORK/eval.txt" | cut -d, -f1)"
        check "table: one route" "builtin" "$(awk '$1 == "route" {print $2}' "$WORK/eval.txt")"
        for row in "type accuracy" "language" "failed documents" "tokens per document" "cost" "time per document" "all fields" "confusion, builtin"; do
                if grep -q "^$row" "$WORK/eval.txt"; then ok "table has '$row'"; else not_ok "table lacks '$row'"; fi
        done

        # 2. The same as JSON: the numbers agree with the labels.
        "$B/docpipe" eval --labels "$d" --quiet --json >"$WORK/eval.json" 2>>"$WORK/eval.err"
        check "json: documents" 16 "$(jget "$WORK/eval.json" 'r["documents"]')"
        check "json: typed documents" 16 "$(jget "$WORK/eval.json" 'r["routes"][0]["typed"]')"
        check "json: nothing failed" 0 "$(jget "$WORK/eval.json" 'r["routes"][0]["failed"]')"
        check "json: expected per class add up" 16 "$(jget "$WORK/eval.json" 'sum(c["expected"] for c in r["routes"][0]["classes"].values())')"
        check "json: confusion adds up" 16 "$(jget "$WORK/eval.json" 'sum(sum(row.values()) for row in r["routes"][0]["confusion"].values())')"
        check "json: right + empty + wrong = labeled, per field" True "$(jget "$WORK/eval.json" 'all(f["correct"] + f["empty"] + f["wrong"] == f["expected"] for f in r["routes"][0]["fields"].values())')"
        check "json: labeled fields are the sidecars'" "$(python3 -c 'import json, glob, sys
print(sum(len(json.load(open(p))["fields"]) for p in glob.glob(sys.argv[1] + "/*.json")))' "$d")" "$(jget "$WORK/eval.json" 'r["routes"][0]["fields_all"]["expected"]')"
        check "builtin: type accuracy >= 0.9" True "$(jget "$WORK/eval.json" 'r["routes"][0]["type_accuracy"] >= 0.9')"
        check "builtin: field precision >= 0.95" True "$(jget "$WORK/eval.json" 'r["routes"][0]["fields_all"]["precision"] >= 0.95')"
        check "builtin: costs nothing" 0.0 "$(jget "$WORK/eval.json" 'r["routes"][0]["cost_usd"]')"
        check "builtin: counts tokens" True "$(jget "$WORK/eval.json" 'r["routes"][0]["tokens"]["input"] > 0')"

        # 3. JSON lines labels, relative paths: the same documents.
        python3 -c 'import json, glob, os, sys
d = sys.argv[1]
with open(d + "/set.jsonl", "w") as out:
    out.write("# path, type, fields\n")
    for p in sorted(glob.glob(d + "/doc-*.json"))[:4]:
        t = json.load(open(p))
        out.write(json.dumps({"path": os.path.basename(p)[:-5] + ".pdf",
                              "type": t["type"], "fields": t["fields"]}) + "\n")' "$d"
        "$B/docpipe" eval --labels "$d/set.jsonl" --quiet --json --no-summarize >"$WORK/eval3.json" 2>>"$WORK/eval.err"
        check "json lines: documents" 4 "$(jget "$WORK/eval3.json" 'r["documents"]')"

        # 4. Two routes: the builtin and the fake server priced as DeepSeek.
        start_fake
        ctl '{"usage_style":"openai","cached_fraction":0}'
        cat >"$WORK/eval.yaml" <<YAML
models:
  price_map: $TOP/deploy/prices/model_prices.json
  endpoints:
    - name: fake
      base_url: http://$FAKE/v1
      model: deepseek-v4-flash
      price_key: deepseek/deepseek-v4-flash
      context_window: 65536
      concurrency: 8
      retries: 2
      backoff_ms: 10
      max_backoff_ms: 200
YAML
        "$B/docpipe" eval -c "$WORK/eval.yaml" --labels "$d" --route builtin --route fake \
                --quiet --json --jobs 4 >"$WORK/eval2.json" 2>>"$WORK/eval.err"
        check "two routes: exit status" 0 $?
        check "two routes: in order" "builtin fake" "$(jget "$WORK/eval2.json" '" ".join(x["route"] for x in r["routes"])')"
        check "fake: nothing failed" 0 "$(jget "$WORK/eval2.json" 'r["routes"][1]["failed"]')"
        check "fake: accuracy is a fraction" True "$(jget "$WORK/eval2.json" '0 <= r["routes"][1]["type_accuracy"] <= 1')"
        check "fake: cost is its tokens at DeepSeek's prices" True "$(jget "$WORK/eval2.json" 'abs(r["routes"][1]["cost_usd"] - (r["routes"][1]["tokens"]["input"] * 0.14e-6 + r["routes"][1]["tokens"]["output"] * 0.28e-6)) < 1e-9')"
        check "fake: costs something" True "$(jget "$WORK/eval2.json" 'r["routes"][1]["cost_usd"] > 0')"
        check "builtin beside it: the same answers" "$(jget "$WORK/eval.json" 'r["routes"][0]["type_correct"]')" "$(jget "$WORK/eval2.json" 'r["routes"][0]["type_correct"]')"
        "$B/docpipe" eval -c "$WORK/eval.yaml" --labels "$d/set.jsonl" --route builtin --route fake \
                --quiet >"$WORK/eval2.txt" 2>>"$WORK/eval.err"
        check "table: two routes side by side" "builtin fake" "$(awk '$1 == "route" {print $2, $3}' "$WORK/eval2.txt")"
        if grep -q "^confusion, fake" "$WORK/eval2.txt"; then ok "table: a confusion table per route"; else not_ok "table: no confusion table for fake"; fi
        stop_fake

        # 5. Bad input: usage and unknown routes.
        "$B/docpipe" eval --labels "$d" --route nosuch --quiet >/dev/null 2>"$WORK/eval4.err"
        check "unknown route: exit status" 2 "$?"
        "$B/docpipe" eval --labels "$d" --route nosuch --quiet -c "$WORK/eval.yaml" >/dev/null 2>"$WORK/eval4.err"
        rc=$?
        if [ "$rc" -eq 2 ] && grep -q "route nosuch" "$WORK/eval4.err"; then ok "unknown route named in the error"; else not_ok "unknown route: rc $rc, $(cat "$WORK/eval4.err")"; fi
        "$B/docpipe" eval >/dev/null 2>&1
        check "no labels: usage" 2 "$?"

        # 6. An image in a JSON lines set: sniffed and OCR'd (a PNG and a
        # WebP of mkscan's invoice lines), classified from its text.
        "$B/mkscan" png "$d/scan.png" && "$B/mkscan" webp "$d/scan.webp" || not_ok "mkscan"
        printf '%s\n' '{"path": "scan.png", "type": "invoice"}' '{"path": "scan.webp", "type": "invoice"}' >"$d/images.jsonl"
        "$B/docpipe" eval --labels "$d/images.jsonl" --quiet --json --no-summarize >"$WORK/eval5.json" 2>>"$WORK/eval.err"
        check "images: read, OCR'd and classified" "2 0 2" \
                "$(jget "$WORK/eval5.json" '" ".join(str(x) for x in (r["documents"], r["routes"][0]["failed"], r["routes"][0]["type_correct"]))')"
        if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK"/eval*.err; then
                not_ok "sanitizer report: $(grep -h -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK"/eval*.err | head -3)"
        fi
}
