#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A throw-away PostgreSQL cluster on loopback for the test suite's PostgreSQL run (issue 22), from
# Debian's postgresql package (scripts/deps.sh installs it):
#   pg-cluster.sh start DIR   initdb into DIR/data, start it on 127.0.0.1 at a free port, create the
#                             role and database "eseal" (trust: loopback only), print the location
#                             postgresql://eseal@127.0.0.1:PORT/eseal
#   pg-cluster.sh stop DIR    stop it (the caller removes DIR)
# initdb refuses to run as root: as root the cluster is the postgres user's, in a folder of its own
# under /tmp (DIR may be in a folder it cannot enter), named in DIR/cluster and removed by stop.
# Durability is off (fsync, synchronous_commit): a test cluster that dies with the run; what the
# tests kill is eseal's processes, never the database's. PG_DURABLE=1 keeps PostgreSQL's defaults
# (fsync, synchronous_commit on): what a benchmark of durable commits needs (bench/scale.sh).
set -eu
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
case $cmd in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then
        pg=$(mktemp -d /tmp/eseal-pg.XXXXXX)
        chown postgres "$pg"
    else
        pg=$dir
    fi
    echo "$pg" >"$dir/cluster"
    as_pg "$bin/initdb" -D "$pg/data" -U eseal -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${PG_DURABLE:-0}" != 1 ] || fast=""
    for try in 1 2 3 4 5; do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        if as_pg "$bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 -o \
            "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$pg -c max_connections=500 \
             $fast -c shared_buffers=128MB" \
            start >"$dir/pg_ctl.log" 2>&1; then
            break
        fi
        port=""
    done
    [ -n "$port" ] || { cat "$dir/pg_ctl.log" "$pg/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U eseal -d postgres -c "CREATE DATABASE eseal" >/dev/null
    echo "postgresql://eseal@127.0.0.1:$port/eseal"
    ;;
stop)
    [ -f "$dir/cluster" ] || exit 0
    pg=$(cat "$dir/cluster")
    as_pg "$bin/pg_ctl" -D "$pg/data" -m immediate -w stop >/dev/null 2>&1 || true
    [ "$pg" = "$dir" ] || rm -rf "$pg"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
