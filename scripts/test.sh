#!/usr/bin/env bash
# Run the whole test suite: installs the Python dependencies, starts a throwaway PostgreSQL
# cluster on loopback when PostgreSQL is installed (the server suite then runs on it as well as
# on SQLite), runs pytest offscreen, and stops the cluster again.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install -q -e '.[test]'

export QT_QPA_PLATFORM=offscreen
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "${TD_TEST_PG_URL:-}" ] && [ -n "$PGBIN" ] && [ "$(id -u)" = 0 ]; then
  PGROOT=$(mktemp -d); PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  chown postgres "$PGROOT"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w \
    -o "-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PGROOT"' EXIT
  # pg_signal_backend: a test database is dropped WITH (FORCE), which must also end an autovacuum
  # worker still busy in it (tests/server/databases.py)
  psql -h "$PGROOT" -p "$PGPORT" -U postgres -qc "CREATE ROLE city LOGIN CREATEDB PASSWORD 'citypw'" \
    -c "GRANT pg_signal_backend TO city" \
    -c "CREATE DATABASE citydb OWNER city"
  export TD_TEST_PG_URL="postgresql+psycopg://city:citypw@127.0.0.1:$PGPORT/citydb"
  echo "PostgreSQL test cluster on 127.0.0.1:$PGPORT"
fi
# CI sets TD_REQUIRE_PG=1: the server suite (the scope and field fuzz among it) must also run on
# PostgreSQL, never fall back silently to SQLite only.
if [ "${TD_REQUIRE_PG:-}" = 1 ] && [ -z "${TD_TEST_PG_URL:-}" ]; then
  echo "TD_REQUIRE_PG=1 but no PostgreSQL: install postgresql and run as root, or set TD_TEST_PG_URL" >&2
  exit 1
fi

set +e
python3 -m pytest "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then echo "pytest collected no tests"; exit 0; fi
exit "$rc"
