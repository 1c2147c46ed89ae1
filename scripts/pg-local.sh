#!/usr/bin/env bash
# pg-local.sh start|stop|url - a throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks.
# Uses the machine's PostgreSQL binaries (Debian: apt-get install postgresql); the cluster lives
# in $PG_LOCAL_DIR (default /tmp/pg-local-<port>) and is owned by the postgres user when run as root.
# env: PG_LOCAL_PORT (default 55432)
set -Eeuo pipefail
PORT="${PG_LOCAL_PORT:-55432}"
DIR="${PG_LOCAL_DIR:-/tmp/pg-local-$PORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
URL="postgres://app:app@127.0.0.1:$PORT/app"
[ -x "$BIN/pg_ctl" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; else "$@"; fi
}

case "${1:-}" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      [ "$(id -u)" = 0 ] && chown postgres "$DIR"
      as_owner "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 30 \
      -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qtAc "SELECT 1 FROM pg_roles WHERE rolname='app'" | grep -q 1 ||
      "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB"
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='app'" | grep -q 1 ||
      "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE app OWNER app"
    echo "$URL"
    ;;
  stop)
    [ -f "$DIR/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null
    rm -rf "$DIR"
    ;;
  url) echo "$URL" ;;
  *) sed -n '2,5p' "$0"; exit 2 ;;
esac
