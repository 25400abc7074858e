#!/usr/bin/env bash
# One command: runs our W1-W4 (memory target unless --target says otherwise) and the same
# workloads on Yjs and Automerge, then prints the figures side by side with ratios.
# Usage: bench/compare.sh [--scale S] [--reps N] [--target memory|replica|relay] [--libs yjs,automerge] [--reuse-peers] [--out DIR]
# Results (JSON) go to DIR, default bench/results/latest (git-ignored: the published figures in
# bench/results/full are replaced only when you say --out bench/results/full).
# Takes about 9 minutes at --scale 1 (Automerge alone ~6); --scale 0.1 takes under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=1 reps=3 target=memory libs=yjs,automerge reuse=0 out=bench/results/latest
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --libs) libs=$2; shift 2 ;;
    --reuse-peers) reuse=1; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
ours=$out/crdtfieldstore-$target.json
dotnet run -c Release --project bench/Crdt.Bench -- workloads --scale "$scale" --reps "$reps" --target "$target" --json "$ours"
if [ "$reuse" -eq 0 ]; then bench/peers/run.sh --scale "$scale" --reps "$reps" --libs "$libs" --out "$out"; fi
peer_files=()
for lib in ${libs//,/ }; do peer_files+=("$out/$lib.json"); done
echo
node bench/peers/compare.mjs "$ours" "${peer_files[@]}"
