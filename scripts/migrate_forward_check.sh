#!/usr/bin/env bash
# A database made by an older lgcloud migrates forward with this tree without loss.
#
#   scripts/migrate_forward_check.sh [BASE_COMMIT] [MUNICIPALITY_CODE]
#
# 1. The code of BASE_COMMIT (default 59e11df, main before src/lgcloud was split into platform/areas/group)
#    is unpacked from git into a temporary directory and run with this tree's .venv: migrate, the demo
#    group (scale 1), and a standard-layout export of one member (default 113018 伊奈町).
# 2. The same SQLite database is migrated with this tree; then `registry verify` for that member,
#    `audit verify --all` and a new export, whose data files must be byte-identical to the first.
# Exits non-zero naming the step that failed. The lead's slow test runs it (tests/test_migrate_forward.py).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$PWD
BASE=${1:-59e11df}
CODE=${2:-113018}
PY=${PYTHON:-$TREE/.venv/bin/python}
GIT_DIR_OPT=(-C "$TREE")

if ! git "${GIT_DIR_OPT[@]}" cat-file -e "$BASE^{commit}" 2>/dev/null; then
  echo "migrate_forward_check: commit $BASE is not in this repository's history" >&2
  exit 3
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lgcloud-forward-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/old" "$WORK/home"
git "${GIT_DIR_OPT[@]}" archive "$BASE" src | tar -x -C "$WORK/old"

# One home (var/db.sqlite3 and var/secret_key, which encrypts the 個人番号) for both trees.
export LGCLOUD_HOME="$WORK/home"
# The project's settings, with a fast password hasher: the demo creates about 150 accounts.
cat > "$WORK/home/forward_settings.py" <<'PY'
from lgcloud.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PY
export DJANGO_SETTINGS_MODULE=forward_settings
unset DATABASE_URL LGCLOUD_SECRET_KEY LGCLOUD_EXTRA_APPS
export LGCLOUD_SECRET_KEY="migrate-forward-check-$(date +%s)"

old() { (cd "$WORK/home" && PYTHONPATH="$WORK/old/src:$WORK/home" "$PY" -m lgcloud.cli "$@"); }
new() { (cd "$WORK/home" && PYTHONPATH="$TREE/src:$WORK/home" "$PY" -m lgcloud.cli "$@"); }
step() { echo "== $(date +%T) $*" >&2; }
fail() { echo "migrate_forward_check: FAILED: $*" >&2; exit 1; }

step "old tree ($BASE): where does it import lgcloud from?"
(cd "$WORK/home" && PYTHONPATH="$WORK/old/src:$WORK/home" "$PY" -c 'import lgcloud, sys; print(lgcloud.__file__)') \
  | grep -q "^$WORK/old/src/" || fail "the old tree's lgcloud is not the one imported"

step "old tree: migrate, demo load, export $CODE"
old migrate --noinput -v 0 || fail "migrate with $BASE"
step "old tree: demo load"
old demo load --scale 1 --quiet-logins >/dev/null || fail "demo load with $BASE"
step "old tree: export $CODE"
old export --municipality "$CODE" --out "$WORK/before" >/dev/null || fail "export with $BASE"

DB="$WORK/home/var/lgcloud.sqlite3"
meters() { "$PY" -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchall())' "$DB" "$1"; }
meters "SELECT municipality_id, meter, month, value FROM costs_meterreading ORDER BY 1, 2, 3" > "$WORK/meters_before"

step "this tree: migrate"
new migrate --noinput -v 0 || fail "migrate forward"
meters "SELECT municipality_id, meter, month, value FROM metering_monthlytotal ORDER BY 1, 2, 3" > "$WORK/meters_after"
cmp -s "$WORK/meters_before" "$WORK/meters_after" || fail "the meters (costs_meterreading) were not carried into metering"
[ "$(wc -c < "$WORK/meters_before")" -gt 10 ] || fail "the old database had no meter readings"
new migrate --check --noinput -v 0 || fail "unapplied migrations after migrate"

step "this tree: registry verify $CODE"
new registry verify --municipality "$CODE" || fail "registry verify"
step "this tree: audit seal (signs the heads of the chains written before sealing)"
new audit seal >/dev/null || fail "audit seal"
step "this tree: audit verify --all"
new audit verify --all || fail "audit verify --all"
step "this tree: export $CODE"
new export --municipality "$CODE" --out "$WORK/after" >/dev/null || fail "export with this tree"

step "compare the data files"
n=0
for f in "$WORK/before"/*.csv; do
  name=$(basename "$f")
  cmp -s "$f" "$WORK/after/$name" || fail "$name differs after migrating forward"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "the export before had no data files"
extra=$(comm -13 <(cd "$WORK/before" && ls ./*.csv) <(cd "$WORK/after" && ls ./*.csv) | tr '\n' ' ')
[ -z "$extra" ] || fail "files only in the export after: $extra"
rows=$(tail -n +2 -q "$WORK/before"/01_persons.csv | wc -l)
echo "migrate_forward_check: OK ($BASE → $(git "${GIT_DIR_OPT[@]}" rev-parse --short HEAD 2>/dev/null || echo tree)," \
  "$n files byte-identical, $rows residents in $CODE)"
