#!/usr/bin/env bash
# Sets up and serves lgcloud on its embedded default: SQLite under var/, migrated,
# the demo group loaded, gunicorn on http://127.0.0.1:8000 with static files through WhiteNoise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Certificates (住民票の写し) embed the IPAex Mincho font, and IPAmj Mincho (文字情報基盤) for names and addresses.
fonts=()
[ -f /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf ] || fonts+=(fonts-ipaexfont-mincho)
[ -f /usr/share/fonts/truetype/ipamj/ipamjm.ttf ] || fonts+=(fonts-ipamj-mincho)
if [ ${#fonts[@]} -gt 0 ]; then
  echo "== Debian packages: ${fonts[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${fonts[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${fonts[@]}" >/dev/null
  fi
fi
export LGCLOUD_HOME="$PWD"
export DJANGO_SETTINGS_MODULE=lgcloud.settings
export LGCLOUD_STATIC_MANIFEST=1
# Metrics of every process (web workers, the events worker, batch commands) meet in one directory.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
LG=.venv/bin/lgcloud
# The project's modules compiled once (where PYTHONDONTWRITEBYTECODE is set, each command below would otherwise
# compile all ~300 of them again: ~0.3 s of CPU a command); unchanged files are skipped.
.venv/bin/python -m compileall -q src >/dev/null
$LG migrate --noinput -v 0
$LG collectstatic --noinput -v 0
# migrate has just run the system checks on this code: the two commands below skip them (importing every URL
# and API schema for the checks costs ~0.8 s of CPU a command).
# The key that signs the audit log's sealed heads (docs/operations.md); the worker below seals every 5 s.
$LG audit --skip-checks keygen --if-missing
$LG demo --skip-checks load --scale "${LGCLOUD_DEMO_SCALE:-1}"
BIND=${LGCLOUD_BIND:-127.0.0.1:8000}
echo ""
echo "lgcloud を http://${BIND} で起動します（終了は Ctrl+C）。"
# Domain events (and the meters' roll-up) are delivered by a worker beside the web server.
$LG events worker --interval "${LGCLOUD_EVENTS_INTERVAL:-5}" &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true' EXIT
.venv/bin/gunicorn lgcloud.wsgi:application -c python:lgcloud.platform.observability.gunicorn_conf \
  --bind "$BIND" --workers "${LGCLOUD_WORKERS:-2}" --threads "${LGCLOUD_THREADS:-4}" --forwarded-allow-ips 127.0.0.1
