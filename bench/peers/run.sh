#!/usr/bin/env bash
# Installs yjs and @automerge/automerge (versions pinned in package.json) into
# bench/peers/node_modules and runs W1-W4 on each, writing bench/results/<lib>.json.
# Usage: bench/peers/run.sh [--scale S] [--reps N] [--libs yjs,automerge] [--out DIR (default bench/results/latest, git-ignored)]
set -euo pipefail
cd "$(dirname "$0")"
scale=1 reps=3 libs=yjs,automerge out=../results/latest
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --libs) libs=$2; shift 2 ;;
    --out) out=$(cd "$OLDPWD" && mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    *) echo "unknown argument: $1 (expected --scale S, --reps N, --libs yjs,automerge, --out DIR)" >&2; exit 2 ;;
  esac
done
if [ ! -d node_modules/yjs ] || [ ! -d node_modules/@automerge/automerge ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p "$out"
for lib in ${libs//,/ }; do
  node peers.mjs --lib "$lib" --scale "$scale" --reps "$reps" --json "$out/$lib.json"
done
