#!/usr/bin/env bash
# Creates .venv with lgcloud and its dependencies (and the test extras with --test), every package from the
# lock file with pip's hash checking (requirements/*.lock, written by scripts/lock.sh from pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.lgcloud-installed
lock=requirements/run.lock
[ "${1:-}" = "--test" ] && lock=requirements/test.lock
want="$(cat pyproject.toml "$lock" | sha256sum | cut -d' ' -f1) $lock"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # A package whose hash differs from the lock file stops the installation here.
  # (pip's notes about unreachable index locations are filtered out; its exit status still stops the script)
  .venv/bin/python -m pip install -q --require-hashes --no-deps -r "$lock" 2> >(grep -v '^WARNING: Location' >&2)
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . 2> >(grep -v '^WARNING: Location' >&2)
  .venv/bin/python -m pip check >/dev/null
  .venv/bin/python -c "import lgcloud"
  echo "$want" > "$stamp"
fi
