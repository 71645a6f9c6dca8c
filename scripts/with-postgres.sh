#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster on loopback, as the postgres user.
# Sets TEST_POSTGRES_URL for the command; the cluster is removed afterwards.
set -euo pipefail
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PG_BIN" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
PORT=${PG_TEST_PORT:-55432}
HERE=$(pwd)
cd /  # the postgres user may not enter the caller's (private) folder
DIR=$(mktemp -d /tmp/pgtest.XXXXXX)
chown postgres:postgres "$DIR"
cleanup() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
runuser -u postgres -- "$PG_BIN/initdb" -D "$DIR/data" -A trust -U postgres --no-sync >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=200" start >/dev/null
runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres mentoring_test
export TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PORT/mentoring_test"
cd "$HERE"
"$@"
