#!/bin/sh
# Runs the unit test binaries given (built by `make`), optionally under
# valgrind, and prints one closing line: "unit: N passed, M failed".
# Usage: tests/run-unit.sh [--valgrind] BUILD TEST...
set -u
vg=""
if [ "${1:-}" = "--valgrind" ]; then
        vg="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --suppressions=tests/valgrind.supp"
        shift
fi
shift # BUILD
passed=0 failed=0 bad=""
for t in "$@"; do
        log=$(mktemp)
        if [ -n "$vg" ]; then
                CK_FORK=no $vg "$t" >"$log" 2>&1
        else
                "$t" >"$log" 2>&1
        fi
        rc=$?
        # Check's summary: "100%: Checks: 12, Failures: 0, Errors: 0"
        line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
        checks=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
        fails=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p')
        nf=$(echo "$fails" | awk '{print $1 + $2}')
        checks=${checks:-0}
        nf=${nf:-0}
        if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
                [ "$nf" -eq 0 ] && nf=1
                bad="$bad $(basename "$t")"
                echo "---- $(basename "$t") failed (exit $rc) ----"
                tail -n 40 "$log"
        else
                echo "ok   $(basename "$t"): $line"
        fi
        passed=$((passed + checks - (nf < checks ? nf : checks)))
        failed=$((failed + nf))
        rm -f "$log"
done
label=unit
[ -n "$vg" ] && label=valgrind
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
