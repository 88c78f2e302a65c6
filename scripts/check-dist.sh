#!/usr/bin/env bash
# Rebuilds dist/ from the source and fails when it differs from what is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent bundle >/dev/null
if ! git diff --quiet --exit-code -- dist || [ -n "$(git ls-files --others --exclude-standard dist)" ]; then
  echo "check-dist: dist/ is out of date with src/. Run 'npm run bundle' and commit dist/." >&2
  git status --short -- dist >&2
  exit 1
fi
echo "check-dist: dist/ matches the source"
