#!/usr/bin/env bash
# Starts Jupyter Notebook on notebooks/, bound to 127.0.0.1 with a token (Jupyter prints the URL).
# PORT (default 8888) moves to the next free port when taken; LAB_IP=0.0.0.0 opts in to other hosts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
args=(--no-browser --ip="${LAB_IP:-127.0.0.1}" --port="${PORT:-8888}" --port-retries=50
      --notebook-dir="$ROOT/notebooks")
[ "$(id -u)" = 0 ] && args+=(--allow-root)
echo "[lab] open the URL with the token printed below; the kernel is 'Java · repro4j (CPU)'"
exec jupyter notebook "${args[@]}"
