# bench/lib.sh: what the pipeline benchmarks (bench/run.sh, bench/ocr.sh)
# share; sourced, with B (the build directory) set. bench_init makes the
# work directory and a private PostgreSQL, both gone at exit (BENCH_KEEP=1
# keeps the directory: worker logs). A pipeline round is
#   round_begin DB GROUP   a fresh mock cluster and database, migrated;
#   round_submit ARGS...   the jobs (docpipe submit ARGS), before the
#                          worker, so that the clock times the worker, not
#                          the producer;
#   round_worker LOG       one worker, timed (t0) from its partition
#                          assignment;
#   round_wait N SQL       until SQL (a count) reaches N;
#   round_end              the end time (t1) from PostgreSQL, when the
#                          last outcome was written; the CPU the worker
#                          with its extraction children (cpu), PostgreSQL
#                          (pgcpu) and the broker (bcpu) took, the worker's
#                          peak RSS (rss, kB); the worker and cluster
#                          stopped.
# BENCH_PERF=FILE records each round system-wide with perf's cpu-clock
# (no hardware counters needed) into FILE.DB. Owns WORK, the PostgreSQL
# cluster and each round's processes.

# bench_init NAME: WORK, DSN0 (the cluster's maintenance database), PSQL,
# PGPID; cleanup at exit.
bench_init() {
        BENCH_NAME=$1
        WORK=$(mktemp -d "/tmp/docpipe-$1.XXXXXX")
        chmod 755 "$WORK"
        DSN0=$(sh tests/pg.sh start "$WORK/pg") || exit 1
        trap bench_cleanup EXIT
        # psql itself, not Debian's perl wrapper: the poll runs during the
        # timed part, on the same cores.
        PSQL=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
        PSQL=${PSQL:-psql}
        PGPID=$(head -n 1 "$("$PSQL" -X -A -t "$DSN0" -c 'SHOW data_directory')/postmaster.pid")
}

bench_cleanup() {
        jobs -p | xargs -r kill 2>/dev/null
        sh tests/pg.sh stop "$WORK/pg" >/dev/null 2>&1
        [ -n "${BENCH_KEEP:-}" ] && echo "$BENCH_NAME: kept $WORK" >&2 || rm -rf "$WORK"
}

# cputree PID: CPU seconds of PID with its children, live and reaped.
cputree() {
        { cat /proc/$1/stat; for c in $(pgrep -P $1); do cat /proc/$c/stat; done; } 2>/dev/null |
                awk -v hz="$(getconf CLK_TCK)" -v w="$1" '$1 == w { s += $14 + $15 + $16 + $17; next }
                        { s += $14 + $15 } END { printf "%.2f", s / hz }'
}

# better A B: is A more than B (decimals)?
better() {
        awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'
}

# sql QUERY: one value from the round's database.
sql() {
        "$PSQL" -X -A -t "$DOCPIPE_POSTGRES_DSN" -c "$1" 2>/dev/null
}

round_begin() {
        round_db=$1
        rm -f "$WORK/broker.out"
        "$B/docpipe" broker -p 4 >"$WORK/broker.out" 2>"$WORK/broker.log" &
        bpid=$!
        for _ in $(seq 1 100); do
                BROKERS=$(head -n 1 "$WORK/broker.out" 2>/dev/null); [ -n "$BROKERS" ] && break; sleep 0.05
        done
        export DOCPIPE_KAFKA_BOOTSTRAP_SERVERS="$BROKERS"
        "$PSQL" -X -q "$DSN0" -c "CREATE DATABASE $1" >/dev/null
        export DOCPIPE_POSTGRES_DSN="$DSN0 dbname=$1" DOCPIPE_KAFKA_GROUP_ID=$2
        "$B/docpipe" migrate >/dev/null 2>&1
}

round_submit() {
        "$B/docpipe" submit "$@" 2>"$WORK/submit.log" && return 0
        echo "$BENCH_NAME: submit failed:" >&2
        tail -n 3 "$WORK/submit.log" >&2
        kill $bpid; wait $bpid 2>/dev/null
        return 1
}

round_worker() {
        round_log=$1
        pg0=$(cputree $PGPID)
        ppid=""
        if [ -n "${BENCH_PERF:-}" ]; then
                perf record -q -e cpu-clock -F 999 -a -g -o "$BENCH_PERF.$round_db" 2>/dev/null &
                ppid=$!
        fi
        "$B/docpipe" worker 2>"$1" &
        wpid=$!
        for _ in $(seq 1 300); do
                grep -q '"assigned docpipe.jobs' "$1" 2>/dev/null && break
                sleep 0.02
        done
        t0=$(grep -m1 '"assigned docpipe.jobs' "$1" | sed -n 's/.*"time":"\([^"]*\)".*/\1/p')
        t0=$(date -d "$t0" +%s.%N)
}

# Polls gently: a psql a second costs some 10 ms of CPU. A round takes
# seconds to minutes; ten minutes without the end means it is stuck.
round_wait() {
        local n start=$SECONDS
        while :; do
                n=$(sql "$2")
                [ "${n:-0}" -ge "$1" ] && return 0
                kill -0 $wpid 2>/dev/null || { echo "$BENCH_NAME: the worker died" >&2; tail "$round_log" >&2; break; }
                if [ $SECONDS -ge $((start + 600)) ]; then
                        echo "$BENCH_NAME: $round_db stuck at ${n:-0} of $1" >&2
                        break
                fi
                sleep 1
        done
        kill -TERM $wpid $bpid $ppid 2>/dev/null; wait $wpid $bpid $ppid 2>/dev/null
        return 1
}

round_end() {
        t1=$(sql "SELECT extract(epoch FROM max(processed_at)) FROM documents")
        [ -n "$ppid" ] && { kill -INT $ppid; wait $ppid; }
        rss=$(grep VmHWM /proc/$wpid/status | awk '{print $2}')
        cpu=$(cputree $wpid)
        pgcpu=$(awk -v a="$(cputree $PGPID)" -v b="$pg0" 'BEGIN { printf "%.2f", a - b }')
        bcpu=$(cputree $bpid)
        kill -TERM $wpid; wait $wpid
        kill $bpid; wait $bpid 2>/dev/null
}
