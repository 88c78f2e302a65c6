#!/usr/bin/env bash
# Builds the Go test peers into .peers/bin: kubo (ipfs), IPFS Cluster
# (ipfs-cluster-service, ipfs-cluster-ctl), toxiproxy (toxiproxy-server, the WAN lab's
# latency, bandwidth and faults) and nektos/act (act, a runner of its own that runs the
# example workflows). As root without iptables (the lab drops inbound SYNs
# with it), installs it from Debian's packages. Skips each one already there at the right
# version. Needs Go; without it, fails under CI=true and only warns locally (the tests
# that need a peer then fail and say to run `npm run peers`).
set -euo pipefail

KUBO_VERSION=0.42.0
CLUSTER_VERSION=1.1.5
TOXIPROXY_VERSION=2.5.0
ACT_VERSION=0.2.89

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.peers/bin"
mkdir -p "$bin"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
started=$(now)

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF
peers: Go is not installed, so kubo and IPFS Cluster cannot be built into .peers/bin.
peers: install Go 1.26 or newer (https://go.dev/dl/, or actions/setup-go in CI), then run: npm run peers
EOF
  if [ "${CI:-}" = "true" ]; then
    exit 1
  fi
  echo "peers: WARNING: continuing without peers; tests that need kubo or IPFS Cluster will fail" >&2
  exit 0
fi

# One build at a time: several test runs may start together in one working tree.
if command -v flock >/dev/null 2>&1 && [ -z "${PEERS_LOCKED:-}" ]; then
  exec env PEERS_LOCKED=1 flock "$root/.peers/.lock" bash "$0" "$@"
fi

# Our go.mod/go.sum are the source of truth; a workspace or -mod flag must not interfere.
export GOWORK=off GOFLAGS=-buildvcs=false
# Neither is in the checksum database (the proxy serves them; go.sum pins their hashes).
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/ipfs-cluster,github.com/ipfs/go-ds-crdt"

version_of() { "$@" 2>/dev/null || true; }

# kubo: `go install ...@v` refuses kubo (its go.mod has exclude directives), so build it
# as the main module from its directory in the module cache (read-only, nothing written there).
have=$(version_of "$bin/ipfs" version --number)
if [ "$have" = "$KUBO_VERSION" ]; then
  echo "peers: kubo $KUBO_VERSION already in .peers/bin"
else
  t=$(now)
  echo "peers: building kubo $KUBO_VERSION (have: ${have:-none}); a cold build takes several minutes"
  dir=$(go mod download -json "github.com/ipfs/kubo@v$KUBO_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "peers: could not download github.com/ipfs/kubo@v$KUBO_VERSION" >&2
    exit 1
  fi
  (cd "$dir" && go build -trimpath -o "$bin/ipfs.tmp" ./cmd/ipfs)
  mv -f "$bin/ipfs.tmp" "$bin/ipfs"
  echo "peers: kubo $("$bin/ipfs" version --number) built in $(since "$t")"
fi

# IPFS Cluster: built from the wrapper module in scripts/peers/cluster (see its go.mod for why).
have_service=$(version_of "$bin/ipfs-cluster-service" --version)
have_ctl=$(version_of "$bin/ipfs-cluster-ctl" --version)
if [[ "$have_service" == *" $CLUSTER_VERSION" && "$have_ctl" == *" $CLUSTER_VERSION" ]]; then
  echo "peers: ipfs-cluster $CLUSTER_VERSION already in .peers/bin"
else
  t=$(now)
  echo "peers: building ipfs-cluster-service and ipfs-cluster-ctl $CLUSTER_VERSION; a cold build takes several minutes"
  tmp="$bin/.cluster.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  (cd "$root/scripts/peers/cluster" && go build -trimpath -o "$tmp/" \
    github.com/ipfs-cluster/ipfs-cluster/cmd/ipfs-cluster-service \
    github.com/ipfs-cluster/ipfs-cluster/cmd/ipfs-cluster-ctl)
  mv -f "$tmp/ipfs-cluster-service" "$tmp/ipfs-cluster-ctl" "$bin/"
  rmdir "$tmp"
  echo "peers: $("$bin/ipfs-cluster-service" --version) built in $(since "$t")"
fi

# toxiproxy: the module proxy serves it; `go install` builds the server alone.
have=$(version_of "$bin/toxiproxy-server" --version)
if [ "$have" = "toxiproxy-server version $TOXIPROXY_VERSION" ]; then
  echo "peers: toxiproxy $TOXIPROXY_VERSION already in .peers/bin"
else
  t=$(now)
  echo "peers: building toxiproxy $TOXIPROXY_VERSION"
  tmp="$bin/.toxiproxy.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  GOBIN="$tmp" go install -trimpath -ldflags "-X github.com/Shopify/toxiproxy/v2.Version=$TOXIPROXY_VERSION" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@v$TOXIPROXY_VERSION"
  mv -f "$tmp/server" "$bin/toxiproxy-server"
  rmdir "$tmp"
  echo "peers: $("$bin/toxiproxy-server" --version) built in $(since "$t")"
fi

# act: the module proxy serves it; `act --version` prints "act version X".
have=$(version_of "$bin/act" --version)
if [ "$have" = "act version $ACT_VERSION" ]; then
  echo "peers: act $ACT_VERSION already in .peers/bin"
else
  t=$(now)
  echo "peers: building act $ACT_VERSION (have: ${have:-none})"
  tmp="$bin/.act.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  GOBIN="$tmp" go install -trimpath -ldflags "-X main.version=$ACT_VERSION" \
    "github.com/nektos/act@v$ACT_VERSION"
  mv -f "$tmp/act" "$bin/act"
  rmdir "$tmp"
  echo "peers: $("$bin/act" --version) built in $(since "$t")"
fi

# The WAN lab (network namespaces, veth, iptables) needs root and iptables.
if [ "$(id -u)" = 0 ] && ! command -v iptables >/dev/null 2>&1; then
  echo "peers: installing iptables for the WAN lab (apt-get)"
  if ! (apt-get install -y -q iptables >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q iptables >/dev/null 2>&1)); then
    echo "peers: could not install iptables; the WAN lab tests will fail" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi

echo "peers: ready in $(since "$started"): $(ls "$bin" | tr '\n' ' ')"
