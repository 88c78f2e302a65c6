#!/usr/bin/env bash
# Installs the helper tools under tools/ (local pinning service).
set -euo pipefail
echo "tools: not yet"
