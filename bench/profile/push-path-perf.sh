#!/usr/bin/env bash
# Samples `Crdt.Bench relay-push` (the relay's push path in process, no Kestrel or streams) with Linux
# perf while it measures, then prints where the CPU went (perf_shares.py). Needs perf; run from the
# repository after `dotnet build bench/Crdt.Bench -c Release`:
#   bench/profile/push-path-perf.sh OUT_DIR [relay-push args...]
set -euo pipefail
out=$(mkdir -p "${1:?usage: push-path-perf.sh OUT_DIR [relay-push args...]}" && cd "$1" && pwd); shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
# As the relay runs: no tiered compilation, workstation GC.
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 DOTNET_TieredCompilation=${DOTNET_TieredCompilation:-0} DOTNET_gcServer=0
# and its 64 MiB gen0 budget (System.GC.Gen0MaxBudget in Crdt.Relay.csproj; hexadecimal here).
export DOTNET_GCGen0MaxBudget=${DOTNET_GCGen0MaxBudget:-0x4000000}
dotnet "$repo/bench/Crdt.Bench/bin/Release/net10.0/Crdt.Bench.dll" relay-push "$@" >"$out/bench.txt" 2>&1 &
bench=$!
until grep -q measuring "$out/bench.txt" 2>/dev/null; do
  kill -0 $bench 2>/dev/null || { cat "$out/bench.txt"; exit 1; }
  sleep 0.02
done
pid=$(sed -n 's/^pid \([0-9]*\) measuring.*/\1/p' "$out/bench.txt")
perf record -F 999 -g -p "$pid" -o "$out/push.perf" 2>"$out/perf.err" &
perf_pid=$!
until grep -q "^measured" "$out/bench.txt" 2>/dev/null; do
  kill -0 $bench 2>/dev/null || break
  sleep 0.02
done
kill -INT $perf_pid 2>/dev/null || true
wait $perf_pid || true
wait $bench
cp "/tmp/perf-$pid.map" "$out/push.map"
cat "$out/bench.txt"
python3 "$repo/bench/profile/perf_shares.py" "$out/push.perf" "$out/push.map" | tee "$out/shares.txt"
