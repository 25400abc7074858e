#!/usr/bin/env bash
# Starts (or with --stop, stops) what the tests need besides the build.
# Writes environment variables for the tests into OUT/services.env.
# Nothing is needed yet beyond the build; the PostgreSQL backend will start its cluster here.
set -euo pipefail
if [ "${1:-}" = "--stop" ]; then exit 0; fi
out=$1
: > "$out/services.env"
