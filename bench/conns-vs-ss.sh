#!/usr/bin/env bash
# `portdex conns` against `ss -tanp` and `lsof -i -n -P` with 10,000 established TCP
# connections over loopback (bench/connections.py: a server on 127.0.0.1:PORT and a
# client process, 20,000 sockets with owners): ROUNDS alternating rounds (bench/rounds.py;
# default 15, one timed run per command per round after 3 warm-up runs). Prints median,
# min and max per command and the ratio of medians to portdex's, and writes them to
# bench/.work/conns-vs-ss/conns.json. The connections are reset (not left in TIME_WAIT)
# when the script ends, however it ends.
#
#   bench/conns-vs-ss.sh BIN [ROUNDS] [PORT]
#
# Use a release build (cargo build --release -p portdex). Each command lists every
# connection with its owner: `portdex conns` TCP connections in every state and connected
# UDP sockets (listeners left out); `ss -tanp` every TCP socket, listeners included;
# `lsof -i -n -P` every TCP and UDP socket. The one listener and the few other sockets of
# the machine are noise next to the 20,000.
set -euo pipefail
bin=$(realpath "$1"); rounds=${2:-15}; port=${3:-31000}
n=10000
cd "$(dirname "$0")/.."
work=$PWD/bench/.work/conns-vs-ss; rm -rf "$work"; mkdir -p "$work"
ulimit -n $((n + 1024)) 2>/dev/null || true
python3 bench/connections.py "$n" "$port" >"$work/connections.out" &
holder=$!
trap 'kill $holder 2>/dev/null || true; wait $holder 2>/dev/null || true' EXIT
until grep -q ready "$work/connections.out" 2>/dev/null; do
  kill -0 $holder || { echo "bench/connections.py failed" >&2; exit 1; }
  sleep 0.2
done
cat "$work/connections.out"
# Every tool sees the same connections (both ends of each).
seen_portdex=$("$bin" conns --tcp --port "$port" --format jsonl | grep -c '"state":"established"')
seen_ss=$(ss -tanp state established "( sport = :$port or dport = :$port )" | tail -n +2 | wc -l)
seen_lsof=$(lsof -n -P -iTCP:"$port" -sTCP:ESTABLISHED | tail -n +2 | wc -l)
echo "established sockets on port $port seen: portdex $seen_portdex, ss $seen_ss, lsof $seen_lsof (want $((2 * n)))"
echo "== with owners (median of $rounds rounds)"
python3 bench/rounds.py "$work/conns.json" "$rounds" 1 3 \
  "portdex conns=$bin conns" \
  "ss -tanp=ss -tanp" \
  "lsof -i -n -P=lsof -i -n -P"
