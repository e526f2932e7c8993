#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml: every dependency, direct and indirect, pinned with its
# hashes (pip-tools). Run after changing a dependency in pyproject.toml and commit the result;
# scripts/setup.sh installs from these files with pip's --require-hashes.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d /tmp/lgcloud-lock.XXXXXX)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install -q "pip-tools==7.6.2"
compile=("$tools/venv/bin/pip-compile" -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url
         --resolver=backtracking)
"${compile[@]}" -o requirements/run.lock pyproject.toml requirements/build.in
"${compile[@]}" --extra test -o requirements/test.lock pyproject.toml requirements/build.in
"${compile[@]}" --extra test --extra bench -o requirements/bench.lock pyproject.toml requirements/build.in
echo "requirements/run.lock, test.lock and bench.lock written"
