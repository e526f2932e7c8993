#!/usr/bin/env bash
# Benchmarks (not run by CI): scripts/bench.sh interchange [--residents N] [--runs K] [--sqlite]
# Runs on a throwaway PostgreSQL started here (like the tests), or on SQLite with --sqlite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
[ -x .venv/bin/locust ] || .venv/bin/python -m pip install -q "locust==2.47.0"
what=${1:-interchange}; shift || true
sqlite=0
args=()
for a in "$@"; do [ "$a" = "--sqlite" ] && sqlite=1 || args+=("$a"); done
export LGCLOUD_HOME=$(mktemp -d /tmp/lgcloud-bench-home.XXXXXX)
if [ "$sqlite" = 1 ]; then
  .venv/bin/python "bench/${what}_bench.py" "${args[@]}"
else
  pgdir=$(mktemp -d /tmp/lgcloud-pg.XXXXXX)
  trap 'scripts/pg.sh stop "$pgdir"; rm -rf "$LGCLOUD_HOME"' EXIT
  eval "$(PGPORT_TEST=${PGPORT_TEST:-55470} scripts/pg.sh start "$pgdir")"
  .venv/bin/python "bench/${what}_bench.py" "${args[@]}"
fi
