#!/bin/sh
# `make fuzz`: builds the libFuzzer targets with clang (ASan + UBSan) and
# runs each for FUZZ_SECONDS (default 30) from its seed corpus in
# tests/fuzz/corpus/NAME (new inputs go to a scratch copy, not the
# repository). FUZZ_TARGETS picks some (default: all). Prints
# "fuzz: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-30}
out=build-fuzz
mkdir -p "$out"
PKGS="rdkafka poppler-glib gio-2.0 cairo libuv yaml-0.1 jansson libpq libcurl libexttextcat tesseract lept"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -DBUILTIN_CHECK_INDEX -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread -lm"
SRC="worker/doc.c worker/err.c worker/log.c worker/config.c worker/job.c stages/extract.c stages/ocr.c worker/model/prompts.c worker/model/builtin.c"
# The field schemas the library embeds (the Makefile makes the same file).
sh schemas/embed-fields.sh schemas/fields/*.json >"$out/field_schemas.c"
SRC="$SRC $out/field_schemas.c -Iworker"
passed=0 failed=0
for t in ${FUZZ_TARGETS:-job extract config reply builtin}; do
        if ! clang $CFLAGS -o "$out/fuzz_$t" "tests/fuzz/fuzz_$t.c" $SRC $LIBS; then
                failed=$((failed + 1)); continue
        fi
        scratch=$(mktemp -d)
        cp tests/fuzz/corpus/$t/* "$scratch"/ 2>/dev/null
        if ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp" \
           "$out/fuzz_$t" -max_total_time="$secs" -max_len=65536 -timeout=10 \
           -rss_limit_mb=2048 -artifact_prefix="$out/crash-$t-" "$scratch" \
           >"$out/fuzz_$t.log" 2>&1; then
                passed=$((passed + 1))
                echo "ok   fuzz_$t: $(grep -E '^#[0-9]+.*DONE' "$out/fuzz_$t.log" | tail -n 1)"
        else
                failed=$((failed + 1))
                echo "FAIL fuzz_$t"; tail -n 40 "$out/fuzz_$t.log"
        fi
        rm -rf "$scratch"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
