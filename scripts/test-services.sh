#!/usr/bin/env bash
# Starts (or with --stop, stops) what the tests need besides the build: a throwaway PostgreSQL
# cluster on a free loopback port, its data under OUT/postgres. Writes the environment variables
# the tests read into OUT/services.env:
#   CRDT_TEST_POSTGRES  connection string of a superuser on that cluster (tests create and drop
#                       their own databases in it).
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user (created
# by the server package). The server is installed with apt-get when no initdb is found.
#   scripts/test-services.sh OUT          start, write OUT/services.env
#   scripts/test-services.sh --stop OUT   stop the cluster started in OUT
set -euo pipefail

stop=0
if [ "${1:-}" = "--stop" ]; then stop=1; shift; fi
out=$(mkdir -p "${1:?usage: test-services.sh [--stop] OUT}" && cd "$1" && pwd)
data="$out/postgres"

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" && return 0
  return 1
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$stop" -eq 1 ]; then
  if [ -f "$data/PG_VERSION" ] && bin=$(find_bin); then
    as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  exit 0
fi

if ! bin=$(find_bin); then
  echo "PostgreSQL server not found; installing it with apt-get" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "installing needs root (apt-get install postgresql)" >&2; exit 1; fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bin=$(find_bin) || { echo "apt-get installed postgresql but no initdb was found" >&2; exit 1; }
fi

# A cluster left running by an earlier run in the same folder is stopped first.
if [ -f "$data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true; fi
rm -rf "$data"
: > "$out/services.env"
mkdir -p "$data"
password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
printf '%s\n' "$password" > "$out/postgres.pw"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$data" "$out/postgres.pw"
  # The owner must reach its data folder through the checkout's folders.
  chmod o+x "$out"
fi
chmod 700 "$data"; chmod 600 "$out/postgres.pw"
as_owner "$bin/initdb" -D "$data" -U crdt --pwfile="$out/postgres.pw" --auth=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >"$out/postgres-initdb.log" 2>&1 \
  || { echo "initdb failed:" >&2; tail -20 "$out/postgres-initdb.log" >&2; exit 1; }
rm -f "$out/postgres.pw"

# A free loopback port: ask the kernel for one, then retry on a race with another process.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $((20000 + RANDOM % 30000)); }
durability=${CRDT_TEST_POSTGRES_DURABILITY--c fsync=off -c synchronous_commit=off -c full_page_writes=off}
started=0
for attempt in 1 2 3 4 5; do
  port=$(free_port)
  # Sockets only on 127.0.0.1 and in the data folder. Quick by default: fsync off (a throwaway
  # cluster); CRDT_TEST_POSTGRES_DURABILITY= (empty) keeps PostgreSQL's durable defaults, for measurements.
  if as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
      -o "-p $port -h 127.0.0.1 -k $data $durability -c max_connections=200 -c shared_buffers=64MB" \
      start >/dev/null 2>&1; then
    started=1; break
  fi
done
if [ "$started" -ne 1 ]; then echo "PostgreSQL did not start:" >&2; tail -20 "$data/server.log" >&2; exit 1; fi

echo "CRDT_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=crdt;Password=$password;Database=postgres'" >> "$out/services.env"
echo "export CRDT_TEST_POSTGRES" >> "$out/services.env"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data: $data)"
