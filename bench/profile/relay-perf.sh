#!/usr/bin/env bash
# Samples the load harness's relay process with Linux perf during the sync (burst, pulls and the
# steady phase), then prints where its CPU went with JIT-compiled .NET frames named (perf cannot
# name them itself here: they live in W^X double-mapped memory). Needs perf and root (or
# kernel.perf_event_paranoid <= 1). Run from the repository after
# `dotnet build bench/Crdt.Load -c Release`:
#   bench/profile/relay-perf.sh OUT_DIR [harness args...]   (no args: the harness defaults)
# DOTNET_ReadyToRun=0 (set below) has the framework JIT-compiled too, so Kestrel and CoreLib frames
# get names; it adds JIT work to the profile (libclrjit.so) and is not the shipped configuration
# (DOTNET_ReadyToRun=1 in the environment keeps the shipped one, with framework frames unnamed).
set -euo pipefail
out=$(mkdir -p "${1:?usage: relay-perf.sh OUT_DIR [harness args...]}" && cd "$1" && pwd); shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 DOTNET_ReadyToRun=${DOTNET_ReadyToRun:-0}
if [ $# -eq 0 ]; then set -- --devices 100 --edits 500 --subscribers 4; fi
dotnet "$repo/bench/Crdt.Load/bin/Release/net10.0/Crdt.Load.dll" "$@" >"$out/harness.txt" 2>&1 &
harness=$!
# The relay starts before the offline edits; sample from the line that starts the sync.
until grep -q syncing "$out/harness.txt" 2>/dev/null; do
  kill -0 $harness 2>/dev/null || { cat "$out/harness.txt"; exit 1; }
  sleep 0.05
done
# The harness prints its relay's pid first ("relay pid N serving ..."); other relays may be running.
relay=$(sed -n 's/^relay pid \([0-9]*\) .*/\1/p' "$out/harness.txt" | head -1)
perf record -F 999 -g -p "$relay" -o "$out/relay.perf" 2>"$out/perf.err" &
perf_pid=$!
until grep -q "commit -> subscriber" "$out/harness.txt" 2>/dev/null; do
  kill -0 $harness 2>/dev/null || break
  sleep 0.05
done
kill -INT $perf_pid 2>/dev/null || true
wait $perf_pid || true
wait $harness
cp "/tmp/perf-$relay.map" "$out/relay.map"
cat "$out/harness.txt"
python3 "$repo/bench/profile/perf_shares.py" "$out/relay.perf" "$out/relay.map" | tee "$out/shares.txt"
