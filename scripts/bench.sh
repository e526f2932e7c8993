#!/usr/bin/env bash
# Benchmarks (not run by CI): scripts/bench.sh interchange|registry|nhi|taxation|profile|soak|faults [args] [--sqlite] [--relaxed]
# Runs on a throwaway PostgreSQL started here with PostgreSQL's durable settings (fsync, synchronous_commit and
# full_page_writes on, as in production); --relaxed turns the three off (figures then labelled "relaxed").
# Or on SQLite with --sqlite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
[ -x .venv/bin/locust ] || .venv/bin/python -m pip install -q "locust==2.47.0"
what=${1:-interchange}; shift || true
sqlite=0
durable=1
args=()
for a in "$@"; do
  case "$a" in
    --sqlite) sqlite=1 ;;
    --relaxed) durable=0 ;;
    *) args+=("$a") ;;
  esac
done
script="bench/${what}_bench.py"
[ -f "$script" ] || script="bench/${what}.py"  # soak.py, faults.py
export LGCLOUD_HOME=$(mktemp -d /tmp/lgcloud-bench-home.XXXXXX)
if [ "$sqlite" = 1 ]; then
  .venv/bin/python "$script" "${args[@]}"
else
  pgdir=$(mktemp -d /tmp/lgcloud-pg.XXXXXX)
  trap 'scripts/pg.sh stop "$pgdir"; rm -rf "$LGCLOUD_HOME"' EXIT
  # Memory and checkpoint spacing sized for a 1,000,000-resident register (not durability settings).
  export LGCLOUD_PG_DURABLE=$durable
  export LGCLOUD_PG_OPTIONS=${LGCLOUD_PG_OPTIONS:-"-c shared_buffers=1GB -c max_wal_size=8GB -c maintenance_work_mem=512MB -c work_mem=32MB -c temp_buffers=256MB"}
  eval "$(PGPORT_TEST=${PGPORT_TEST:-55470} scripts/pg.sh start "$pgdir")"
  .venv/bin/python "$script" "${args[@]}"
fi
