#!/usr/bin/env bash
# Runs every test suite of the portal on a fresh machine: installs what it needs (Debian Chromium and
# fonts for the browser tests, the Node packages of e2e/package-lock.json, Debian's PostgreSQL and Redis for the
# scale-out suites), builds once, runs unit, integration, component (bUnit), architecture and Playwright e2e tests,
# then the integration suite again on a throwaway PostgreSQL, prints a count per suite and ends with the line
# "N passed, N failed".
# Exits non-zero when a test fails or when no test ran.
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
CONFIGURATION="${CONFIGURATION:-Debug}"
RESULTS="TestResults"

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  echo "== Installing Chromium and fonts with apt (needed by the Playwright tests)"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-liberation >/dev/null
}

if ! ensure_chromium; then
  echo "Could not install Chromium (apt-get install chromium fonts-liberation)."
  echo "0 passed, 1 failed"
  exit 1
fi

# Node packages the suites use (e2e/package-lock.json: axe-core for the accessibility check, ocpp-rpc as the OCPP
# charging station of the gateway tests).
ensure_node_packages() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "== Installing Node.js and npm with apt"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null || return 1
  fi
  [ -d e2e/node_modules/axe-core ] && [ -d e2e/node_modules/ocpp-rpc ] && return 0
  echo "== Installing Node packages (e2e)"
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

if ! ensure_node_packages; then
  echo "Could not install the Node packages (cd e2e && npm ci)."
  echo "0 passed, 1 failed"
  exit 1
fi

# PostgreSQL and Redis, from Debian's packages, for the suites that run the portal at scale. The packages' own
# servers are not used: this run starts throwaway ones on loopback (below) and removes them at the end.
ensure_services() {
  local need="" sudo=""
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
  command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
  [ -z "$need" ] && return 0
  echo "== Installing$need with apt"
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null 2>&1
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1
}

if ! ensure_services; then
  echo "Could not install PostgreSQL and Redis (apt-get install postgresql redis-server)."
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== Building ($CONFIGURATION)"
if ! dotnet build Kitu.V2X.Portal.sln -c "$CONFIGURATION" -nologo -v q -clp:ErrorsOnly; then
  echo "Build failed."
  echo "0 passed, 1 failed"
  exit 1
fi

rm -rf "$RESULTS" && mkdir -p "$RESULTS"
crashed=0

# run_assembly NAME DLL [ARGS]: runs one xUnit v3 test assembly with its in-process runner, writing xUnit XML.
run_assembly() {
  local name="$1" dll="$2"
  shift 2
  echo "== Running $name"
  if ! dotnet "$dll" -xml "$RESULTS/$name.xml" -noColor -noLogo "$@" >"$RESULTS/$name.log" 2>&1; then
    # Each failure with its message and the first lines of its stack, so a CI log says why.
    grep -E -A 12 '\[FAIL\]' "$RESULTS/$name.log" | grep -v 'Total:' | head -150
    grep -E 'Total:' "$RESULTS/$name.log"
    if [ ! -s "$RESULTS/$name.xml" ]; then
      echo "$name did not finish; last lines of its log:"
      tail -30 "$RESULTS/$name.log"
      crashed=$((crashed + 1))
    fi
  else
    grep -E 'Total:' "$RESULTS/$name.log"
  fi
}

# Throwaway PostgreSQL and Redis servers on free loopback ports, in a scratch folder removed at exit. initdb refuses
# to run as root: as root, the servers run as the packages' postgres user.
SCRATCH="$(mktemp -d /tmp/kitu-test-XXXXXX)"
chmod 755 "$SCRATCH"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { local p=$1; while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
stop_services() {
  [ -f "$SCRATCH/pg/data/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$SCRATCH/pg/data" -m immediate stop >/dev/null 2>&1
  [ -f "$SCRATCH/redis.pid" ] && kill "$(cat "$SCRATCH/redis.pid")" 2>/dev/null
  rm -rf "$SCRATCH"
}
trap stop_services EXIT
start_services() {
  PG_PORT="$(free_port 55432)"
  mkdir -p "$SCRATCH/pg" && { [ "$(id -u)" -ne 0 ] || chown postgres "$SCRATCH/pg"; }
  as_postgres "$PG_BIN/initdb" -D "$SCRATCH/pg/data" -A trust -U postgres --no-sync >"$SCRATCH/initdb.log" 2>&1 || { cat "$SCRATCH/initdb.log"; return 1; }
  # Durability off: the server is thrown away after the run.
  as_postgres "$PG_BIN/pg_ctl" -D "$SCRATCH/pg/data" -l "$SCRATCH/pg/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $SCRATCH/pg -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { tail -20 "$SCRATCH/pg/server.log"; return 1; }
  REDIS_PORT="$(free_port 56379)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$SCRATCH/redis.pid" --logfile "$SCRATCH/redis.log" --dir "$SCRATCH" || return 1
  echo "   PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"
}

echo "== Starting PostgreSQL and Redis"
services=0
if start_services; then
  services=1
  export KITU_TEST_REDIS="127.0.0.1:$REDIS_PORT" # the scale-out tests' Redis
else
  echo "Could not start PostgreSQL and Redis."
  crashed=$((crashed + 1))
fi

run_assembly tests "Kitu.V2X.Portal.Tests/bin/$CONFIGURATION/net10.0/Kitu.V2X.Portal.Tests.dll"
run_assembly e2e "e2e/Kitu.V2X.Portal.E2E/bin/$CONFIGURATION/net10.0/Kitu.V2X.Portal.E2E.dll"

if [ "$services" -eq 1 ]; then
  # The integration suite once more, every portal it starts on PostgreSQL (two databases per portal).
  KITU_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Maximum Pool Size=20" \
    run_assembly tests-postgresql "Kitu.V2X.Portal.Tests/bin/$CONFIGURATION/net10.0/Kitu.V2X.Portal.Tests.dll" -filter "/*/Kitu.V2X.Portal.Tests.Integration*"
fi

# Benchmark harness smoke: each scenario runs briefly in Release; it checks the harness works, not timings.
bench_passed=0
bench_failed=0
echo "== Bench smoke"
if dotnet build bench -c Release -nologo -v q -clp:ErrorsOnly >"$RESULTS/bench-build.log" 2>&1; then
  for scenario in "decide --quick" "connections --quick" "connections --quick --tls" "grid-sessions --quick" \
                  "fan-out --quick" "fan-out --quick --protocol messagepack" "fan-out --quick --restart" \
                  "connections --quick --ocpp" "fan-out --quick --transport ocpp" "cluster --quick"; do
    if [ "$scenario" = "cluster --quick" ] && [ "$services" -ne 1 ]; then continue; fi # needs PostgreSQL and Redis
    name=$(echo "$scenario" | sed 's/ --quick//; s/ --protocol / /; s/ --transport / /; s/ --/-/g; s/ /-/g')
    if KITU_BENCH_POSTGRES="Host=127.0.0.1;Port=${PG_PORT:-0};Username=postgres" \
       timeout 600 dotnet bench/bin/Release/net10.0/Kitu.V2X.Portal.Bench.dll $scenario >"$RESULTS/bench-$name.log" 2>&1; then
      bench_passed=$((bench_passed + 1))
      echo "   bench $name: ok"
    else
      bench_failed=$((bench_failed + 1))
      echo "   bench $name: FAILED; last lines:"
      tail -15 "$RESULTS/bench-$name.log"
    fi
  done
else
  bench_failed=$((bench_failed + 1))
  tail -20 "$RESULTS/bench-build.log"
fi

# One line per suite: the test namespace under Kitu.V2X.Portal.Tests (Domain, Integration, Components,
# Architecture, ...), e2e, and the integration suite's run on PostgreSQL. Errors in fixtures count as failures.
echo
echo "== Results per suite"
for xml in "$RESULTS"/*.xml; do
  [ -f "$xml" ] || continue
  engine=""
  case "$xml" in *-postgresql.xml) engine=" (PostgreSQL)" ;; esac
  grep -o '<test [^>]*>' "$xml" | awk -v engine="$engine" '
    {
      type = ""; result = "";
      if (match($0, / type="[^"]*"/)) type = substr($0, RSTART + 7, RLENGTH - 8);
      if (match($0, / result="[^"]*"/)) result = substr($0, RSTART + 9, RLENGTH - 10);
      n = split(type, part, ".");
      print ((part[4] == "E2E") ? "e2e (Playwright)" : part[5] engine) "\t" result;
    }'
done | awk -F'\t' '
  { if ($2 == "Pass") pass[$1]++; else if ($2 == "Skip") skip[$1]++; else fail[$1]++; seen[$1] = 1 }
  END { for (s in seen) printf "  %-24s %4d passed, %d failed, %d skipped\n", s, pass[s], fail[s], skip[s]; }' | sort
printf "  %-24s %4d passed, %d failed, %d skipped\n" "bench (smoke)" "$bench_passed" "$bench_failed" 0

# Totals from each assembly's own counts; errors (a fixture that failed) count as failures.
read -r passed failed skipped < <(cat "$RESULTS"/*.xml 2>/dev/null | grep -o '<assembly [^>]*>' | awk '
  function attr(name,   v) { if (match($0, " " name "=\"[0-9]+\"")) { v = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", v); return v + 0 } return 0 }
  { p += attr("passed"); f += attr("failed") + attr("errors"); s += attr("skipped") }
  END { print p + 0, f + 0, s + 0 }')
failed=$((failed + crashed + bench_failed))
passed=$((passed + bench_passed))

echo
if [ "$skipped" -gt 0 ]; then
  echo "($skipped skipped: tests that do not apply to an engine, listed per suite above)"
fi
echo "$passed passed, $failed failed"

if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
