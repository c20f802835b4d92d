# Shared helpers of the integration tests: a private PostgreSQL (one for
# the run, a fresh database per test), a mock Kafka cluster per test
# (`docpipe broker`), workers, and assertions that read PostgreSQL.
# Sourced by tests/integration/run.sh; expects $B (build dir) and $WORK.

pass=0
fail=0

say() { printf '%s\n' "$*"; }

ok() { pass=$((pass + 1)); say "  ok   $*"; }

not_ok() { fail=$((fail + 1)); say "  FAIL $*"; }

# check DESCRIPTION EXPECTED ACTUAL
check() {
        if [ "$2" = "$3" ]; then ok "$1 ($3)"; else not_ok "$1: expected '$2', got '$3'"; fi
}

# psql on the test database: unaligned, tuples only.
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$DSN" -c "$1"; }

# new_db NAME: a fresh database, DSN points at it.
new_db() {
        psql -X -q "$PG_DSN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
        psql -X -q "$PG_DSN" -c "CREATE DATABASE $1" >/dev/null
        DSN="$PG_DSN dbname=$1"
}

# start_broker [PARTITIONS]: a mock cluster; sets BROKERS and BROKER_PID.
start_broker() {
        "$B/docpipe" broker -p "${1:-4}" >"$WORK/broker.out" 2>"$WORK/broker.log" &
        BROKER_PID=$!
        for _ in $(seq 1 100); do
                BROKERS=$(head -n 1 "$WORK/broker.out" 2>/dev/null)
                [ -n "$BROKERS" ] && return 0
                sleep 0.05
        done
        say "broker did not start"; cat "$WORK/broker.log"; return 1
}

stop_broker() {
        kill "$BROKER_PID" 2>/dev/null
        wait "$BROKER_PID" 2>/dev/null
}

# The environment every worker and tool of a test gets.
test_env() {
        export DOCPIPE_KAFKA_BOOTSTRAP_SERVERS="$BROKERS"
        export DOCPIPE_KAFKA_GROUP_ID="docpipe-test"
        export DOCPIPE_KAFKA_SESSION_TIMEOUT_MS=6000
        export DOCPIPE_POSTGRES_DSN="$DSN"
        export DOCPIPE_WORKER_LOG_LEVEL="${LOG_LEVEL:-info}"
        # Several workers on one host: each its own free metrics port.
        export DOCPIPE_WORKER_METRICS_ADDR="${METRICS_ADDR:-127.0.0.1:0}"
}

# metrics_port NAME: the port worker NAME's metrics listener took (from
# its log), waiting for it at most 10 s.
metrics_port() {
        for _ in $(seq 1 100); do
                p=$(sed -n 's/.*"msg":"listening on [^"]*:\([0-9]*\): \/metrics.*/\1/p' \
                        "$WORK/worker-$1.log" 2>/dev/null | tail -n 1)
                [ -n "$p" ] && { echo "$p"; return 0; }
                sleep 0.1
        done
        return 1
}

# start_worker NAME [CONFIG]: a worker in the background; its pid in
# PID_<NAME>.
start_worker() {
        "$B/docpipe" worker ${2:+-c "$2"} >>"$WORK/worker-$1.log" 2>&1 &
        eval "PID_$1=$!"
}

# start_fake: the fake OpenAI-compatible server on loopback; sets FAKE
# (host:port) and FAKE_PID. ctl JSON changes its settings.
start_fake() {
        rm -f "$WORK/fake.port"
        "$B/fake-openai" --port 0 --port-file "$WORK/fake.port" >"$WORK/fake.out" 2>"$WORK/fake.log" &
        FAKE_PID=$!
        for _ in $(seq 1 100); do [ -s "$WORK/fake.port" ] && break; sleep 0.05; done
        FAKE=$(cat "$WORK/fake.port")
}

stop_fake() {
        kill "$FAKE_PID" 2>/dev/null
        wait "$FAKE_PID" 2>/dev/null
}

ctl() { curl -s -X POST -d "$1" "http://$FAKE/_control" >/dev/null; }

# start_files DIR: a plain HTTP server of DIR's files on loopback
# (tests/integration/files.pl); sets FILES (127.0.0.1:port) and FILES_PID.
start_files() {
        rm -f "$WORK/files.port"
        perl tests/integration/files.pl "$1" "$WORK/files.port" 2>"$WORK/files.log" &
        FILES_PID=$!
        for _ in $(seq 1 100); do [ -s "$WORK/files.port" ] && break; sleep 0.05; done
        FILES="127.0.0.1:$(cat "$WORK/files.port")"
}

stop_files() {
        kill "$FILES_PID" 2>/dev/null
        wait "$FILES_PID" 2>/dev/null
}

# stop_worker NAME: SIGTERM and wait; returns the worker's exit status.
stop_worker() {
        eval "p=\$PID_$1"
        kill -TERM "$p" 2>/dev/null
        wait "$p"
}

# wait_count SQL N SECONDS: until SQL returns at least N.
wait_count() {
        i=0
        while [ "$i" -lt $(($3 * 10)) ]; do
                n=$(q "$1" 2>/dev/null || echo 0)
                [ "${n:-0}" -ge "$2" ] && return 0
                sleep 0.1
                i=$((i + 1))
        done
        return 1
}

# lag: the consumer group's total lag on the jobs topic.
lag() {
        "$B/docpipe" lag >"$WORK/lag.out" 2>>"$WORK/lag.err"
        l=$(sed -n 's/^total .* lag=\([0-9-]*\)$/\1/p' "$WORK/lag.out")
        [ "$l" = 0 ] || cat "$WORK/lag.out" >&2
        echo "$l"
}

# Sanitizer reports in worker logs are failures even when the exit was 0.
check_logs() {
        if grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK"/*.log >/dev/null 2>&1; then
                not_ok "sanitizer report in $(grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK"/*.log | tr '\n' ' ')"
                grep -h -A 30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK"/*.log | head -60
        fi
}
