#!/bin/bash
# `make receipt-eval`: docpipe eval of the builtin model on generated
# receipt photos, through the real OCR path (the extract stage and its
# sandbox children), printing the exact match of total, date and merchant.
#  1. once, into build/receipts-STYLE-N: N receipts from docgen (one page each,
#     80 mm till rolls in seven locales and five languages, fixed seeds),
#     each rendered by scangen at 250 dpi and spoiled like a phone picture
#     of thermal paper: gray paper and faded ink, a one-pixel blur, noise,
#     a random turn of up to 3 degrees, JPEG at quality 70; labels.jsonl
#     beside them holds docgen's ground truth as `docpipe eval` reads it;
#  2. docpipe eval --labels build/receipts-STYLE-N/labels.jsonl.
# The issue's target (merchant total and date exact match >= 0.70) is for
# real receipt scans, which this machine does not have: these generated
# photos are cleaner than a crumpled receipt under a kitchen lamp, so the
# figures here are an upper bound of what real scans would give.
# RECEIPT_STYLE=harsh spoils them further (200 dpi, a two-pixel blur,
# more noise, turns of up to 5 degrees, JPEG at 50): text a person still
# reads, Tesseract often not, to see how the fields hold up.
# RECEIPTS (default 60) sets N; RECEIPT_EVAL_ARGS adds eval options
# (e.g. --mismatches, -c FILE --route NAME for a vision endpoint).
set -u
B=${1:-build}
cd "$(dirname "$0")/.."
N=${RECEIPTS:-60}
STYLE=${RECEIPT_STYLE:-phone}
case "$STYLE" in
phone) SPOIL="--dpi 250 --paper 225 --ink 50 --blur 1 --noise 8 --skew 3 --jpeg 70" ;;
harsh) SPOIL="--dpi 200 --paper 215 --ink 70 --blur 2 --noise 14 --skew 5 --jpeg 50" ;;
*) echo "receipt-eval: RECEIPT_STYLE is phone or harsh"; exit 2 ;;
esac
D=build/receipts-$STYLE-$N
if [ ! -f "$D/.done" ]; then
        rm -rf "$D"
        mkdir -p "$D/pdf"
        for i in $(seq 1 "$N"); do
                "$B/docgen" one receipt "$D/pdf/receipt-$(printf %03d "$i").pdf" $((7000 + i)) 1 2>/dev/null || exit 1
        done
        # shellcheck disable=SC2086
        "$B/scangen" --pages 1 $SPOIL --seed 11 \
                --labels "$D/labels.jsonl" "$D" "$D"/pdf/*.pdf || exit 1
        rm -rf "$D/pdf"
        touch "$D/.done"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The extraction children log every OCR'd page: kept aside, shown on
# failure.
# shellcheck disable=SC2086
"$B/docpipe" eval --quiet --no-summarize ${RECEIPT_EVAL_ARGS:-} \
        --labels "$D/labels.jsonl" >"$log.out" 2>"$log" || { cat "$log.out"; tail -n 20 "$log"; rm -f "$log.out"; exit 1; }
cat "$log.out"
awk -v n="$N" -v style="$STYLE" '
        $1 ~ /^receipt\.(total|date|merchant)$/ { v[substr($1, 9)] = $3 }
        END {
                printf "receipts (%s): %d generated photos, exact match: total %s, date %s, merchant %s (target on real scans: total and date >= 0.70)\n", style, n, v["total"], v["date"], v["merchant"];
        }' "$log.out"
rm -f "$log.out"
