#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, owned by one test run.
#   scripts/postgres.sh start DIR   -> prints the connection URL
#   scripts/postgres.sh stop DIR
set -euo pipefail
action=$1 dir=$2
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
run_as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    run_as_pg "$BIN/initdb -D '$dir/data' -U postgres --auth=trust -E UTF8 >'$dir/initdb.log' 2>&1"
    run_as_pg "$BIN/pg_ctl -D '$dir/data' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" -l '$dir/pg.log' -w start >/dev/null"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && run_as_pg "$BIN/pg_ctl -D '$dir/data' -m fast -w stop" || true
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
