#!/usr/bin/env bash
# Sets up and runs every test: lint and types, then the suite on SQLite and on a
# real PostgreSQL server started here (and stopped afterwards). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export LGCLOUD_HOME="$PWD"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -f /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf ] || need+=(fonts-ipaexfont-mincho)
[ -f /usr/share/fonts/truetype/ipamj/ipamjm.ttf ] || need+=(fonts-ipamj-mincho)  # names and addresses (文字情報基盤)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)  # the certificate tests read the PDF text
command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest)  # backups proved by restoring (tests/test_continuity_pg.py)
if [ ${#need[@]} -gt 0 ]; then
  echo "== Debian packages: ${need[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

echo "== ruff"
.venv/bin/ruff check src tests
echo "== mypy"
.venv/bin/mypy

# Two workers (the machine has two cores); a test module stays on one worker (its browser, its fixtures).
workers=(-n "${LGCLOUD_TEST_WORKERS:-2}" --dist loadfile)
[ "${LGCLOUD_TEST_WORKERS:-2}" = 0 ] && workers=()

echo "== pytest on SQLite"
.venv/bin/pytest "${workers[@]}" "$@"

echo "== pytest on PostgreSQL"
pgdir=$(mktemp -d /tmp/lgcloud-pg.XXXXXX)
trap 'scripts/pg.sh stop "$pgdir"' EXIT
eval "$(scripts/pg.sh start "$pgdir")"
.venv/bin/pytest "${workers[@]}" "$@"
