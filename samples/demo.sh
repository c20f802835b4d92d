#!/bin/sh
# `make demo`: installs what is missing, builds, generates the sample
# documents, starts a private PostgreSQL (Debian's server, in .pg/ of the
# project or under /tmp), runs `docpipe demo` (mock Kafka cluster, two
# workers, every sample submitted, a table of the results) and stops the
# PostgreSQL it started (DEMO_KEEP=1 leaves it running, to be queried).
# Safe to run again.
set -eu
cd "$(dirname "$0")/.."
sh deploy/deps.sh
make -s -j"$(nproc 2>/dev/null || echo 2)" all
rm -rf build/samples
build/docgen samples build/samples
pgdir=${DEMO_PG_DIR:-$(pwd)/.pg/demo}
dsn=$(sh tests/pg.sh start "$pgdir")
if [ -n "${DEMO_KEEP:-}" ]; then
        build/docpipe demo --dsn "$dsn" --samples build/samples
        echo "PostgreSQL left running; stop it with: sh tests/pg.sh stop $pgdir"
        exit 0
fi
trap 'sh tests/pg.sh stop "$pgdir" >/dev/null 2>&1 || true' EXIT
build/docpipe demo --dsn "$dsn" --samples build/samples
echo "PostgreSQL stopped (DEMO_KEEP=1 make demo leaves it running for that)."
