#!/usr/bin/env bash
# The one test command: restores, builds and runs every test (xunit projects and the Node
# cross-stack tests) on a fresh machine, and ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
out="$root/.test-out"
rm -rf "$out" && mkdir -p "$out"

passed=0 failed=0 skipped=0
summary() { echo; echo "$passed passed, $failed failed, $skipped skipped"; }

echo "== build"
if ! dotnet build CrdtFieldStore.sln -c Release -nologo -clp:ErrorsOnly; then
  failed=$((failed + 1)); echo "build failed"; summary; exit 1
fi

# Node packages for the cross-stack tests (grpc-js and gRPC-Web clients against the relay).
echo "== node packages"
( cd tests/node && npm ci --no-audit --no-fund --loglevel=error ) > "$out/npm.log" 2>&1 \
  || { echo "npm ci failed"; tail -20 "$out/npm.log"; failed=$((failed + 1)); summary; exit 1; }

echo "== services the tests need"
if ! scripts/test-services.sh "$out"; then
  failed=$((failed + 1)); echo "could not start the test services"; summary; exit 1
fi
[ -f "$out/services.env" ] && . "$out/services.env"

# The dispatcher board's browser tests drive Debian's chromium (Playwright with its executable path).
if [ ! -x /usr/bin/chromium ]; then
  echo "== chromium (for the board's browser tests)"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } > "$out/chromium-install.log" 2>&1 \
    || { echo "could not install chromium"; tail -20 "$out/chromium-install.log"; }
fi

# xunit projects, one after the other (2 cores); each writes a trx file that we count.
for proj in tests/*/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  echo "== $name"
  timeout 1500 dotnet test "$proj" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$out/$name.trx" --logger "console;verbosity=normal" \
    --blame-hang-timeout 5m > "$out/$name.log" 2>&1
  rc=$?
  grep -E "^\s+(Failed|Skipped) |Error Message|^\s+at |Passed!|Failed!|Total tests" "$out/$name.log" | head -200
  counters=$(grep -o '<Counters [^>]*>' "$out/$name.trx" 2>/dev/null)
  if [ -z "$counters" ]; then
    echo "$name produced no results (exit $rc)"; tail -40 "$out/$name.log"; failed=$((failed + 1)); continue
  fi
  num() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  p=$(num passed); f=$(($(num failed) + $(num error) + $(num timeout) + $(num aborted)))
  s=$(($(num total) - $(num executed)))
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then echo "$name exited $rc"; tail -40 "$out/$name.log"; failed=$((failed + 1)); fi
done

# Node cross-stack tests: real @grpc/grpc-js clients (knowing only proto/) and gRPC-Web over fetch, against the relay.
if ls tests/node/*.test.mjs >/dev/null 2>&1; then
  echo "== node"
  timeout 1200 node --test --test-reporter=tap --test-concurrency=1 tests/node/*.test.mjs > "$out/node.tap" 2>&1
  grep -E "^not ok|^# (pass|fail|skipped|todo)" "$out/node.tap"
  grep -A30 "^not ok" "$out/node.tap" | head -120
  n() { grep -E "^# $1 [0-9]+" "$out/node.tap" | tail -1 | grep -o '[0-9]*'; }
  np=$(n pass); nf=$(n fail); ns=$(n skipped); nt=$(n todo)
  if [ -z "$np" ]; then echo "node tests gave no summary"; tail -40 "$out/node.tap"; failed=$((failed + 1))
  else passed=$((passed + np)); failed=$((failed + ${nf:-0})); skipped=$((skipped + ${ns:-0} + ${nt:-0})); fi
fi

scripts/test-services.sh --stop "$out" >/dev/null 2>&1
summary
[ "$failed" -eq 0 ]
