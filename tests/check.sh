#!/bin/sh
# The whole test suite, as `make check` and .ci/run run it:
#   1. the Debian packages (deploy/deps.sh; a no-op when present),
#   2. the plain build and its unit tests, also under valgrind, and the
#      offline checks of README's configuration reference, the compose
#      file, the Dockerfile and the Kubernetes manifests, and the
#      sandbox's integration test with this build (its memory limit),
#   3. the ASan+UBSan build, its unit tests, and the integration tests
#      with the real binary, the mock Kafka cluster and a private
#      PostgreSQL,
#   4. the libFuzzer targets, each for a bounded time.
# Ends with one line: "check: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
sh deploy/deps.sh || exit 1
total_pass=0 total_fail=0
tally() { # LOGFILE: add the "X: N passed, M failed" line of a step
        line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
        p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
        f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
        [ -z "$line" ] && f=1
        total_pass=$((total_pass + ${p:-0}))
        total_fail=$((total_fail + ${f:-1}))
}
step() { # NAME COMMAND...: run, show, tally
        name=$1; shift
        echo "== $name"
        log=$(mktemp)
        "$@" 2>&1 | tee "$log"
        tally "$log"
        rm -f "$log"
}

pgdir=$(mktemp -d /tmp/docpipe-check-pg.XXXXXX)
TEST_PG_DSN=$(sh tests/pg.sh start "$pgdir") || { echo "cannot start PostgreSQL"; exit 1; }
export TEST_PG_DSN
export TEST_PG_DIR="$pgdir"
trap 'sh tests/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$pgdir"' EXIT

jobs=$(nproc 2>/dev/null || echo 2)
echo "== build"
make -s -j"$jobs" all unit-bins || exit 1
step "unit tests" sh tests/run-unit.sh build $(ls build/tests/test_* | grep -v "\.d$")
step "unit tests under valgrind" sh tests/run-unit.sh --valgrind build $(ls build/tests/test_* | grep -v "\.d$")
step "deployment and configuration reference (offline)" sh tests/deploy/check.sh build
# The sanitizer build sets no RLIMIT_AS and allocates with ASan's own
# allocator: the children as they run in production, memory limit and
# mimalloc, are tested here, with the plain build.
step "sandbox, plain build" env IT_TESTS=t_sandbox bash tests/integration/run.sh build
echo "== build with AddressSanitizer and UndefinedBehaviorSanitizer"
make -s -j"$jobs" SANITIZE=1 all unit-bins || exit 1
export ASAN_OPTIONS=detect_leaks=1
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
step "unit tests (sanitizers)" sh tests/run-unit.sh build-asan $(ls build-asan/tests/test_* | grep -v "\.d$")
step "fake model server (sanitizers)" env FAKE=build-asan/fake-openai sh tests/fake/test_fake.sh
step "integration tests (sanitizers)" bash tests/integration/run.sh build-asan
step "fuzzing (bounded)" env FUZZ_SECONDS=${FUZZ_SECONDS:-20} sh tests/fuzz/run.sh
echo "check: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
