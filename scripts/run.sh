#!/usr/bin/env bash
# Sets up and serves lgcloud on its embedded default: SQLite under var/, migrated,
# the demo group loaded, gunicorn on http://127.0.0.1:8000 with static files through WhiteNoise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export LGCLOUD_HOME="$PWD"
export DJANGO_SETTINGS_MODULE=lgcloud.settings
export LGCLOUD_STATIC_MANIFEST=1
LG=.venv/bin/lgcloud
$LG migrate --noinput -v 0
$LG collectstatic --noinput -v 0
$LG demo load --scale "${LGCLOUD_DEMO_SCALE:-1}"
BIND=${LGCLOUD_BIND:-127.0.0.1:8000}
echo ""
echo "lgcloud を http://${BIND} で起動します（終了は Ctrl+C）。"
exec .venv/bin/gunicorn lgcloud.wsgi:application --bind "$BIND" --workers "${LGCLOUD_WORKERS:-2}" \
  --threads 4 --access-logfile - --forwarded-allow-ips 127.0.0.1
