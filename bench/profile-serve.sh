#!/usr/bin/env bash
# Where `portdex serve` spends its instructions on one endpoint: the server runs under
# callgrind with collection off, wrk sends a fixed number of keep-alive requests, and
# only those are counted (start-up and the listening are not). Prints instructions per
# request and the functions that take the most (self and inclusive).
#
#   cargo build --profile profiling -p portdex
#   bench/profile-serve.sh target/x86_64-unknown-linux-gnu/profiling/portdex /api/v1/ports/443 [REQUESTS]
#
# Writes bench/.work/callgrind.<name>.out (callgrind_annotate or kcachegrind read it).
set -euo pipefail
bin=$1 path=$2 requests=${3:-20000}
cd "$(dirname "$0")/.."
work=bench/.work; mkdir -p "$work"
name=$(basename "$bin")$(echo "$path" | tr -c 'a-zA-Z0-9\n' '_')
out=$work/callgrind.$name.out
port=7890
valgrind --tool=callgrind --instr-atstart=no --dump-instr=no --callgrind-out-file="$out" \
  "$bin" serve --bind 127.0.0.1:$port >/dev/null 2>"$work/callgrind.$name.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$port$path" >/dev/null; do sleep 0.2; done
# Stop after REQUESTS answers in all (2 connections, one wrk thread).
cat >"$work/stop-after.lua" <<LUA
local n = 0
function response() n = n + 1; if n >= $requests then wrk.thread:stop() end end
LUA
callgrind_control -i on $server >/dev/null
wrk -t1 -c2 -d300s -s "$work/stop-after.lua" "http://127.0.0.1:$port$path" >"$work/wrk.$name.txt"
callgrind_control -i off $server >/dev/null
kill -INT $server; wait $server || true
trap - EXIT
total=$(awk '/Requests\/sec/ {next} /requests in/ {print $1}' "$work/wrk.$name.txt")
ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
echo "$bin $path: $total requests, $ir instructions, $((ir / total)) per request"
echo "--- self"
callgrind_annotate --threshold=90 "$out" 2>/dev/null | sed -n '/^Ir/,$p' | head -40
echo "--- inclusive"
callgrind_annotate --inclusive=yes --threshold=99 "$out" 2>/dev/null | sed -n '/^Ir/,$p' | head -60
