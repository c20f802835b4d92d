#!/bin/sh
# A private PostgreSQL for the tests, the demo and the benchmarks: Debian's
# server in a directory of its own, reachable only through a unix socket in
# that directory (no TCP port is opened).
#
# THIS IS A TEST CLUSTER: fsync, synchronous_commit and full_page_writes
# are off and every local user is trusted. A crash can lose or corrupt its
# data. Never point it at anything you want to keep.
#
# Usage:
#   sh tests/pg.sh start DIR    create the cluster in DIR (once; reused
#                               afterwards), start it unless it runs, wait
#                               until it accepts connections, print its
#                               libpq DSN (also written to DIR/dsn)
#   sh tests/pg.sh stop DIR     stop it (pg_ctl stop -m fast); no error when
#                               it is not running
#   sh tests/pg.sh dsn DIR      print the DSN
#   sh tests/pg.sh destroy DIR  stop it and remove its files (DIR itself
#                               and, see below, the directory under /tmp)
#
# The DSN looks like: host=DIR port=N user=postgres dbname=postgres
# Append " dbname=other" to reach another database: libpq keeps the last
# value of a repeated key.
#
# Run as root, the server runs as the postgres user, which must be able to
# reach DIR. When it cannot (DIR under a 0700 home, or a path too long for
# a unix socket name), the cluster lives in a fresh directory under /tmp
# and DIR/cluster records where; DIR still gets the dsn file.
# Run as any other user, the server runs as that user.
# PGBIN may name the directory of initdb/pg_ctl; by default the newest
# /usr/lib/postgresql/*/bin, else whatever is on PATH.
set -eu

die() {
        echo "pg.sh: $*" >&2
        exit 1
}

usage() {
        echo "usage: sh tests/pg.sh start|stop|dsn|destroy DIR" >&2
        exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
case $2 in
/*) dir=$2 ;;
*) dir=$(pwd)/$2 ;;
esac
dir=$(echo "$dir" | sed 's://*:/:g; s:/$::')
[ -n "$dir" ] || die "refusing to use / as the cluster directory"

if [ -z "${PGBIN:-}" ]; then
        PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
        if [ -z "$PGBIN" ]; then
                p=$(command -v pg_ctl 2>/dev/null) ||
                        die "no PostgreSQL server found (install postgresql)"
                PGBIN=$(dirname "$p")
        fi
fi
[ -x "$PGBIN/initdb" ] || die "$PGBIN/initdb not found (install postgresql)"

as_root=0
[ "$(id -u)" -eq 0 ] && as_root=1

# as_pg CMD ARGS...: runs a command as the server's user, from /, so that an
# unreadable working directory does not get in the way.
as_pg() {
        if [ "$as_root" -eq 1 ]; then
                (cd / && runuser -u postgres -- "$@")
        else
                (cd / && "$@")
        fi
}

# can_use D: can the server's user create files in D, and is D short
# enough for a socket name (sun_path holds 107 bytes; ".s.PGSQL.NNNNN.lock"
# needs 20 of them)?
can_use() {
        [ "${#1}" -le 80 ] || return 1
        as_pg test -d "$1" -a -w "$1" -a -x "$1" 2>/dev/null
}

# The directory that holds the cluster: DIR itself, or the one recorded
# in DIR/cluster.
home_of() {
        if [ -f "$dir/cluster" ]; then
                cat "$dir/cluster"
        else
                echo "$dir"
        fi
}

running() { # HOME
        [ -f "$1/data/PG_VERSION" ] || return 1
        as_pg "$PGBIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

dsn_of() { # HOME
        port=$(cat "$1/port")
        case $1 in
        *[\ \'\\]*) h="'$(echo "$1" | sed "s/[\\\\']/\\\\&/g")'" ;;
        *) h=$1 ;;
        esac
        echo "host=$h port=$port user=postgres dbname=postgres"
}

# A port number for the socket name: no TCP listener has it and no socket
# of that name exists in HOME (the server opens no TCP port, but a number
# nobody uses keeps psql -p and logs unambiguous).
pick_port() { # HOME
        for _ in $(seq 1 50); do
                n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
                port=$((5433 + n % 20000))
                [ -e "$1/.s.PGSQL.$port" ] && continue
                if command -v ss >/dev/null 2>&1; then
                        [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ] && continue
                fi
                echo "$port"
                return 0
        done
        die "no free port number found"
}

prepare_home() {
        mkdir -p "$dir"
        if [ -f "$dir/cluster" ] && [ -d "$(cat "$dir/cluster")/data" ]; then
                home=$(cat "$dir/cluster")
                return 0
        fi
        home=$dir
        if [ "$as_root" -eq 1 ] && [ ! -f "$dir/data/PG_VERSION" ]; then
                chown postgres: "$dir"
                chmod 0755 "$dir"
        fi
        if ! can_use "$dir"; then
                home=$(mktemp -d /tmp/docpipe-pg.XXXXXX)
                [ "$as_root" -eq 1 ] && chown postgres: "$home"
                chmod 0755 "$home"
                echo "$home" >"$dir/cluster"
                echo "pg.sh: $dir: out of the server user's reach or too" \
                        "long for a socket name; the cluster is in $home" >&2
        fi
}

init_cluster() { # HOME
        port=$(pick_port "$1")
        as_pg "$PGBIN/initdb" -D "$1/data" -U postgres -A trust -E UTF8 \
                --locale=C --no-sync >"$1/initdb.log" 2>&1 ||
                { cat "$1/initdb.log" >&2; die "initdb failed"; }
        # The server's user writes its own configuration file.
        as_pg sh -c 'cat >>"$1/data/postgresql.conf"' _ "$1" <<EOF

# docpipe test cluster (tests/pg.sh): speed over durability.
listen_addresses = ''
unix_socket_directories = '$1'
port = $port
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
EOF
        echo "$port" >"$1/port.tmp" && mv "$1/port.tmp" "$1/port"
}

start() {
        prepare_home
        if ! running "$home"; then
                [ -f "$home/data/PG_VERSION" ] || init_cluster "$home"
                as_pg "$PGBIN/pg_ctl" -D "$home/data" -l "$home/server.log" \
                        -w -t 60 -s start >/dev/null 2>&1 ||
                        {
                                tail -n 20 "$home/server.log" >&2 || true
                                die "the server did not start" \
                                        "(log: $home/server.log)"
                        }
        fi
        port=$(cat "$home/port")
        i=0
        until "$PGBIN/pg_isready" -q -h "$home" -p "$port" -U postgres; do
                i=$((i + 1))
                [ "$i" -lt 300 ] || die "the server does not accept connections"
                sleep 0.1
        done
        d=$(dsn_of "$home")
        echo "$d" >"$dir/dsn"
        [ "$home" = "$dir" ] || echo "$d" >"$home/dsn"
        echo "$d"
}

stop() {
        [ -d "$dir" ] || return 0
        home=$(home_of)
        if running "$home"; then
                as_pg "$PGBIN/pg_ctl" -D "$home/data" -m fast -w -t 60 -s stop
        fi
}

case $cmd in
start) start ;;
stop) stop ;;
dsn)
        [ -f "$dir/dsn" ] || die "no cluster in $dir (sh tests/pg.sh start $dir)"
        cat "$dir/dsn"
        ;;
destroy)
        stop
        home=$(home_of)
        [ "$home" = "$dir" ] || rm -rf "$home"
        rm -rf "$dir"
        ;;
*) usage ;;
esac
