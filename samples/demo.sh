#!/bin/sh
# `make demo`: installs what is missing, builds, generates the sample
# documents, starts a private PostgreSQL (Debian's server, in .pg/ of the
# project or under /tmp), runs `docpipe demo` (mock Kafka cluster, two
# workers, every sample submitted, a table of the results) and stops the
# PostgreSQL it started. Safe to run again.
set -eu
cd "$(dirname "$0")/.."
sh deploy/deps.sh
make -s -j"$(nproc 2>/dev/null || echo 2)" all
rm -rf build/samples
build/docgen samples build/samples
pgdir=${DEMO_PG_DIR:-$(pwd)/.pg/demo}
dsn=$(sh tests/pg.sh start "$pgdir")
trap 'sh tests/pg.sh stop "$pgdir" >/dev/null 2>&1 || true' EXIT
build/docpipe demo --dsn "$dsn" --samples build/samples
