#!/usr/bin/env bash
# Installs the helper tools under tools/, each a package of its own (so ipfs-pin itself
# depends on no Helia):
#   - tools/psa-server: a local Pinning Service API server on a Helia 5 node;
#   - tools/helia-fetcher: a Helia 7 node that fetches a DAG over bitswap (tests, benches).
# Installs a tool only when its node_modules is missing or older than its lockfile; prints
# one line per tool unless an install fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

# One install at a time: several test runs may start together in one working tree.
if command -v flock >/dev/null 2>&1 && [ -z "${TOOLS_LOCKED:-}" ]; then
  exec env TOOLS_LOCKED=1 flock "$0" bash "$0" "$@"
fi

# Node 24 (the root's `node` package) runs npm; the tools' packages want Node >= 22.
export PATH="$root/node_modules/.bin:$PATH"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

install_tool() {
  local name=$1 dir="$root/tools/$1"
  # npm's own record of what it installed; newer than the lockfile means up to date.
  local marker="$dir/node_modules/.package-lock.json"
  if [ -f "$marker" ] && [ ! "$dir/package-lock.json" -nt "$marker" ]; then
    echo "tools: $name up to date"
    return 0
  fi
  local started
  started=$(date +%s.%N)
  # --ignore-scripts: an optional WebRTC add-on of Helia downloads a prebuilt binary on
  # install (no such download here, and the tools never load it). --omit=peer: skips
  # react-native and friends, peers of that add-on.
  if ! (cd "$dir" && npm ci --ignore-scripts --omit=peer --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
    cat "$log" >&2
    echo "tools: installing tools/$name failed (npm ci above)" >&2
    exit 1
  fi
  touch "$marker"
  echo "tools: $name installed in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }')"
}

install_tool psa-server
install_tool helia-fetcher
