#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's package) on a loopback port for the benchmarks and prints the line to export;
# stop it with: bench/postgres.sh stop. As root it runs as the package's postgres user (initdb refuses root).
set -euo pipefail
dir=/tmp/kitu-bench-pg
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "${1:-}" = "stop" ]; then
  as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast stop && rm -rf "$dir"
  exit 0
fi
port="${PORT:-55499}"
mkdir -p "$dir" && chmod 755 "$dir" && { [ "$(id -u)" -ne 0 ] || chown postgres "$dir"; }
[ -d "$dir/data" ] || as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
# Durable as a real server would be (fsync on): the benchmark compares engines as deployed, not a tuned-down one.
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=512MB" start >/dev/null
echo "export KITU_BENCH_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres'"
