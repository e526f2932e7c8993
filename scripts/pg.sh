#!/usr/bin/env bash
# Throwaway PostgreSQL for the tests: `scripts/pg.sh start DIR` prints the environment to use,
# `scripts/pg.sh stop DIR` stops it. Roles: lgcloud_owner (owns the schema, no superuser,
# bound by FORCE ROW LEVEL SECURITY), lgcloud_app (what the application would connect as),
# postgres (superuser, only for tests that tamper behind the application's back).
# Durability: the tests' throwaway cluster runs relaxed (fsync, synchronous_commit and full_page_writes off)
# unless LGCLOUD_PG_DURABLE=1, which keeps PostgreSQL's durable defaults (what production runs, and what
# scripts/bench.sh uses unless told --relaxed).
# Buffers kept across restarts: pg_prewarm's autoprewarm (shared_preload_libraries) writes the list of the blocks in
# shared_buffers to DIR/data/autoprewarm.blocks every 5 minutes and at shutdown, and reads them back in the background
# when the cluster starts, so the first minute after a restart does not read the register from disk one page a
# request (docs/operations.md). LGCLOUD_PG_PREWARM=0 leaves it out.
# A cluster kept across runs (the 1,000,000-resident register of bench/README.md): `start` on a DIR that already
# holds a cluster starts it again without initdb (same environment printed); `halt DIR` stops it and keeps DIR.
set -euo pipefail
cmd=$1; dir=$2
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
start)
  if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    echo "PostgreSQL server binaries not found; installing Debian's postgresql" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  port=${PGPORT_TEST:-55432}
  existing=0
  [ -f "$dir/data/PG_VERSION" ] && existing=1
  if [ "$existing" = 0 ]; then
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if [ "${LGCLOUD_PG_DURABLE:-0}" = 1 ]; then
    settings="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  else
    settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  if [ "${LGCLOUD_PG_PREWARM:-1}" = 1 ]; then
    settings="$settings -c shared_preload_libraries=pg_prewarm"
  fi
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $settings -c max_connections=200 ${LGCLOUD_PG_OPTIONS:-}" start >/dev/null
  psql() { "$PGBIN/psql" -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
  if [ "$existing" = 0 ]; then
    # Row-level security hides statistics from, and keeps index scans away from, operators not marked
    # LEAKPROOF; LIKE is not, so partial-match search would scan every resident. textlike raises errors only
    # about the pattern (always the clerk's bound parameter), never about row data. template1 first, so the
    # application's and the test databases inherit it. See docs/operations.md.
    psql -d template1 -c "ALTER FUNCTION textlike(text, text) LEAKPROOF"
    psql -d postgres -c "CREATE ROLE lgcloud_owner LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD 'owner'" \
         -c "CREATE ROLE lgcloud_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD 'app'" \
         -c "CREATE DATABASE lgcloud OWNER lgcloud_owner"
  fi
  echo "export DATABASE_URL=postgres://lgcloud_owner:owner@127.0.0.1:$port/lgcloud"
  echo "export LGCLOUD_DB_APP_ROLE=lgcloud_app"
  echo "export LGCLOUD_TEST_PG_APP_URL=postgres://lgcloud_app:app@127.0.0.1:$port/"
  echo "export LGCLOUD_TEST_PG_SUPERUSER_URL=postgres://postgres@127.0.0.1:$port/"
  ;;
stop)
  if [ -d "$dir/data" ]; then as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
  rm -rf "$dir"
  ;;
halt)
  if [ -d "$dir/data" ]; then as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
  ;;
*) echo "usage: $0 start|stop|halt DIR" >&2; exit 2 ;;
esac
