#!/usr/bin/env bash
# Installs the helper tools under tools/: tools/psa-server, a local Pinning Service API server
# on a Helia 5 node (its own package: the root uses Helia 7). Installs only when node_modules
# is missing or older than the lockfile; prints one line unless the install fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/tools/psa-server"

# One install at a time: several test runs may start together in one working tree.
if command -v flock >/dev/null 2>&1 && [ -z "${TOOLS_LOCKED:-}" ]; then
  exec env TOOLS_LOCKED=1 flock "$0" bash "$0" "$@"
fi

# npm's own record of what it installed; newer than the lockfile means up to date.
marker="$dir/node_modules/.package-lock.json"
if [ -f "$marker" ] && [ ! "$dir/package-lock.json" -nt "$marker" ]; then
  echo "tools: psa-server up to date"
  exit 0
fi

# Node 24 (the root's `node` package) runs npm; the server's packages want Node >= 22.
export PATH="$root/node_modules/.bin:$PATH"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
started=$(date +%s.%N)
# --ignore-scripts: an optional WebRTC add-on of helia 5 downloads a prebuilt binary on
# install (no such download here, and the server never loads it). --omit=peer: skips
# react-native and friends, peers of that add-on.
if ! (cd "$dir" && npm ci --ignore-scripts --omit=peer --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
  cat "$log" >&2
  echo "tools: installing tools/psa-server failed (npm ci above)" >&2
  exit 1
fi
touch "$marker"
echo "tools: psa-server installed in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }')"
