#!/usr/bin/env bash
# Creates .venv with lgcloud and its pinned dependencies (and the test extras with --test).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.lgcloud-installed
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)$extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e ".$extras" 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c "import lgcloud" 
  echo "$want" > "$stamp"
fi
