#!/usr/bin/env bash
# Load test of POST /v1/keys/validate against a bare net/http JSON handler,
# in the same run on the same machine (SPEC §10: ratios, not absolute times).
#
#   scripts/bench-validate.sh            # 10,000 keys, 64 connections, 10 s each
#   N=1000 DURATION=5s ROUNDS=1 CONNS=64 scripts/bench-validate.sh
#   PROFILE=/tmp/cpu.out scripts/bench-validate.sh   # also a CPU profile of the server under load
#   PIN=1 scripts/bench-validate.sh                  # server and wrk on separate CPUs
#   SERVER_GOGC=200 scripts/bench-validate.sh        # GOGC of the keyhouse server only
#   SPREAD=1 scripts/bench-validate.sh               # each request a different key of the N, round robin
#
# Prints req/s, p99 and each server's CPU per request (user + system time
# from /proc over the run, divided by the requests served); the last moves
# least when other work shares the machine.
#
# Needs wrk (Debian package wrk; installed with apt-get when missing and root).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18080}
BARE_PORT=${BARE_PORT:-18081}
PROFILE=${PROFILE:-}
# PIN=1 pins the servers and wrk to separate CPUs (taskset lists) so they do not
# preempt each other; by default the scheduler places them on all CPUs.
PIN=${PIN:-0}
# SPREAD=1 cycles through all N keys instead of validating one key: the
# cache then holds N entries and usage rows go to N keys' index ranges.
SPREAD=${SPREAD:-0}
SERVER_CPUS=${SERVER_CPUS:-0}
WRK_CPUS=${WRK_CPUS:-1}
DEBUG_PORT=${DEBUG_PORT:-18082}

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else echo "wrk is missing (apt-get install wrk)" >&2; exit 1; fi
fi

srv=() wrkpin=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  srv=(taskset -c "$SERVER_CPUS") wrkpin=(taskset -c "$WRK_CPUS")
fi

base=/tmp
[ -d /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/keyhouse-bench.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/keyhouse" ./cmd/keyhouse
go build -o "$work/benchseed" ./scripts/benchseed
go build -o "$work/barejson" ./scripts/barejson

echo "seeding $N keys..." >&2
eval "$("$work/benchseed" -db "$work/bench.db" -n "$N" -keys "$work/keys.txt")"

GOGC=${SERVER_GOGC:-${GOGC:-100}} "${srv[@]}" "$work/keyhouse" serve --database-url "$work/bench.db" --addr "127.0.0.1:$PORT" --rate-limit 0 --log-level error \
  ${PROFILE:+--debug-addr "127.0.0.1:$DEBUG_PORT"} >"$work/serve.log" 2>&1 &
pids+=($!)
kh_pid=$!
"${srv[@]}" "$work/barejson" -addr "127.0.0.1:$BARE_PORT" &
pids+=($!)
bare_pid=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && curl -s -o /dev/null "http://127.0.0.1:$BARE_PORT/" && break
  sleep 0.1
done

cat >"$work/validate.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"raw_key":"$KEY","ip":"10.0.0.1","endpoint":"/v1/things","method":"GET"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $MGMT"
LUA
if [ "$SPREAD" = 1 ]; then
  # Both servers get the same script, so wrk's cost per request stays equal.
  cat >>"$work/validate.lua" <<LUA
local keys = {}
for line in io.lines("$work/keys.txt") do keys[#keys + 1] = line end
local i = math.random(#keys)
request = function()
  i = i % #keys + 1
  return wrk.format(nil, nil, nil, '{"raw_key":"' .. keys[i] .. '","ip":"10.0.0.1","endpoint":"/v1/things","method":"GET"}')
end
LUA
fi

# Check the answer once: a benchmark of 401s would measure nothing.
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $MGMT" -H 'Content-Type: application/json' \
  -d "{\"raw_key\":\"$KEY\"}" "http://127.0.0.1:$PORT/v1/keys/validate")
[ "$status" = 200 ] || { echo "validate answered $status" >&2; cat "$work/serve.log" >&2; exit 1; }

run() { "${wrkpin[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$work/validate.lua" "$1"; }
# wrk prints "99%  1.23ms"; convert to milliseconds.
p99() { awk '$1=="99%"{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}'; }
rps() { awk '/^Requests\/sec:/{print $2}'; }
# Server CPU per request (user + system, from /proc): steadier than req/s on
# a machine other work shares, since it does not depend on the CPU time the
# server was given, only on what each request cost.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# measure PID URL NAME.ROUND: runs wrk and appends the server's CPU µs/request.
measure() {
  local before after reqs
  before=$(ticks "$1")
  run "$2" >"$work/$3.txt"
  after=$(ticks "$1")
  reqs=$(awk '/requests in/{print $1}' "$work/$3.txt")
  awk -v t=$((after - before)) -v hz="$hz" -v n="$reqs" 'BEGIN{printf "CPU/request: %.1f\n", t / hz * 1e6 / n}' >>"$work/$3.txt"
}
cpu() { awk '/^CPU\/request:/{print $2}'; }

# Rounds alternate bare and validate so both see the same machine (other
# load, thermal state); each figure is the median over the rounds.
median() { sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for r in $(seq "$ROUNDS"); do
  measure "$bare_pid" "http://127.0.0.1:$BARE_PORT/" "bare.$r"
  if [ -n "$PROFILE" ] && [ "$r" = 1 ]; then
    secs=$(( ${DURATION%s} > 2 ? ${DURATION%s} - 1 : 1 ))
    curl -s -o "$PROFILE" "http://127.0.0.1:$DEBUG_PORT/debug/pprof/profile?seconds=$secs" &
    pids+=($!)
  fi
  measure "$kh_pid" "http://127.0.0.1:$PORT/v1/keys/validate" "validate.$r"
  if [ -n "$PROFILE" ] && [ "$r" = 1 ]; then
    wait "${pids[-1]}" || true; cp "$work/keyhouse" "$PROFILE.bin"; echo "profile: go tool pprof $PROFILE.bin $PROFILE" >&2
  fi
  grep -E "Non-2xx|Socket errors" "$work/validate.$r.txt" >&2 || true
  printf 'round %s: bare %s req/s (%s µs CPU/req), validate %s req/s (%s µs CPU/req)\n' "$r" "$(rps <"$work/bare.$r.txt")" \
    "$(cpu <"$work/bare.$r.txt")" "$(rps <"$work/validate.$r.txt")" "$(cpu <"$work/validate.$r.txt")" >&2
done

each() { for r in $(seq "$ROUNDS"); do "$1" <"$work/$2.$r.txt"; done | median; }
bare_rps=$(each rps bare); val_rps=$(each rps validate)
bare_p99=$(each p99 bare); val_p99=$(each p99 validate)
bare_cpu=$(each cpu bare); val_cpu=$(each cpu validate)
ratio=$(awk -v a="$val_rps" -v b="$bare_rps" 'BEGIN{printf "%.2f", a/b}')
printf 'keys=%s spread=%s connections=%s duration=%s rounds=%s cpus=%s pinned=%s\n' "$N" "$SPREAD" "$CONNS" "$DURATION" "$ROUNDS" "$(nproc)" "${srv[*]:+server:$SERVER_CPUS wrk:$WRK_CPUS}"
printf 'bare net/http JSON: %10.0f req/s  p99 %6.2f ms  server CPU %5.1f µs/req\n' "$bare_rps" "$bare_p99" "$bare_cpu"
printf 'POST /v1/keys/validate: %6.0f req/s  p99 %6.2f ms  server CPU %5.1f µs/req\n' "$val_rps" "$val_p99" "$val_cpu"
printf 'ratio validate/bare: %s (target >= 0.7; p99 target <= 5 ms)\n' "$ratio"
