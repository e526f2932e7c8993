#!/usr/bin/env bash
# A primary and a synchronous streaming-replication standby on this machine (two data directories, two ports):
# the second site of docs/operations.md in miniature, for `lgcloud dr drill` and the tests.
#
#   scripts/standby.sh start DIR [PRIMARY_PORT [STANDBY_PORT]]   prints the environment to use (DATABASE_URL lists both)
#   scripts/standby.sh status DIR      replication state as the primary sees it
#   scripts/standby.sh kill-primary DIR   SIGKILL of the primary's postmaster and every backend (the site is lost)
#   scripts/standby.sh promote DIR     pg_ctl promote of the standby
#   scripts/standby.sh stop DIR        stops both and removes DIR
#
# Durable settings (fsync, synchronous_commit=on, full_page_writes): a 異動 acknowledged to a clerk has been
# flushed on both sites. Replication and synchronous_standby_names are given on the primary's command line, not in
# its postgresql.conf, so pg_basebackup does not copy them: the promoted standby does not wait for a standby of
# its own that does not exist (it runs unprotected until a new standby is attached, see docs/operations.md).
# Uses Debian's PostgreSQL binaries (PGBIN, default the newest /usr/lib/postgresql/*/bin). Roles as scripts/pg.sh.
set -euo pipefail
cmd=${1:?usage: $0 start|status|kill-primary|promote|stop DIR}; dir=${2:?DIR}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
ports() { cat "$dir/ports"; }
psql_at() { as_pg "$PGBIN/psql" -h "$dir" -p "$1" -U postgres -v ON_ERROR_STOP=1 -qAt "${@:2}"; }

start_cluster() {  # data port extra-options
  as_pg "$PGBIN/pg_ctl" -D "$dir/$1" -l "$dir/$1.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $2 -k $dir -c max_connections=200 -c wal_level=replica \
        -c max_wal_senders=5 -c wal_keep_size=256MB -c hot_standby=on -c wal_log_hints=on \
        -c fsync=on -c synchronous_commit=on -c full_page_writes=on ${3:-}" start >/dev/null
}

case "$cmd" in
start)
  p1=${3:-${PGPORT_PRIMARY:-55008}}; p2=${4:-${PGPORT_STANDBY:-55009}}
  if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 3; fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres "$dir"
  echo "$p1 $p2" > "$dir/ports"
  as_pg "$PGBIN/initdb" -D "$dir/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --data-checksums >/dev/null
  echo "host replication postgres 127.0.0.1/32 trust" | as_pg tee -a "$dir/primary/pg_hba.conf" >/dev/null
  start_cluster primary "$p1" "-c synchronous_standby_names=standby1"
  # The primary waits for the standby from the first commit on: create the roles after the standby is attached.
  as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$p1" -U postgres -D "$dir/standby" -X stream -R -c fast
  echo "primary_conninfo = 'host=127.0.0.1 port=$p1 user=postgres application_name=standby1'" \
    | as_pg tee -a "$dir/standby/postgresql.auto.conf" >/dev/null
  start_cluster standby "$p2"
  for _ in $(seq 1 100); do
    [ "$(psql_at "$p1" -d postgres -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'")" = sync ] && break
    sleep 0.2
  done
  psql_at "$p1" -d template1 -c "ALTER FUNCTION textlike(text, text) LEAKPROOF"
  psql_at "$p1" -d postgres -c "CREATE ROLE lgcloud_owner LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD 'owner'" \
       -c "CREATE ROLE lgcloud_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD 'app'" \
       -c "CREATE DATABASE lgcloud OWNER lgcloud_owner"
  echo "export DATABASE_URL=postgres://lgcloud_owner:owner@127.0.0.1:$p1,127.0.0.1:$p2/lgcloud"
  echo "export LGCLOUD_DB_APP_ROLE=lgcloud_app"
  echo "export LGCLOUD_DR_CLUSTER=$dir"
  echo "export PGBIN=$PGBIN"
  ;;
status)
  read -r p1 p2 < <(ports)
  psql_at "$p1" -d postgres -c "SELECT application_name, state, sync_state, replay_lag FROM pg_stat_replication" \
    || echo "primary ($p1) not answering"
  echo "standby ($p2) in recovery: $(psql_at "$p2" -d postgres -c 'SELECT pg_is_in_recovery()' || echo '?')"
  ;;
kill-primary)
  pid=$(head -1 "$dir/primary/postmaster.pid")
  kids=$(ps -o pid= --ppid "$pid" || true)
  # shellcheck disable=SC2086
  kill -KILL "$pid" $kids 2>/dev/null || true
  ;;
promote)
  as_pg "$PGBIN/pg_ctl" -D "$dir/standby" -w -t 60 promote >/dev/null
  ;;
stop)
  for d in standby primary; do
    if [ -f "$dir/$d/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$dir/$d" -m immediate -w stop >/dev/null 2>&1 || true; fi
  done
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|status|kill-primary|promote|stop DIR" >&2; exit 2 ;;
esac
