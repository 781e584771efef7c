#!/usr/bin/env bash
# `portdex ls --tcp --netns all` against `ip -all netns exec ss -tlnp`, with NS network
# namespaces (default 50, named pdxbench-NN) of PER TCP listeners each (default 20,
# held by one python process per namespace: bench/listeners.py on 127.0.0.1 from port
# 40000, which every namespace has to itself): ROUNDS alternating rounds
# (bench/rounds.py; default 25, one timed run per command per round after 3 warm-up
# runs), then the same without owners (`--no-owners` against `ss -tln`). Prints median,
# min and max per command and the ratio of medians to portdex's, and writes them to
# bench/.work/netns-vs-ss/{owners,no-owners}.json. Needs root (ip netns add); the
# namespaces and their processes are removed on exit, also on failure.
#
#   bench/netns-vs-ss.sh BIN [ROUNDS]     NS=50 PER=20 WARMUP=3 (runs per command) by default
#
# The peer: ss reads one namespace (the one it runs in), so `ip -all netns exec` runs
# it once in each named namespace; with -p each ss walks /proc/*/fd again. portdex
# reads every namespace and the host's in one process and walks /proc/*/fd once. Both
# see the named namespaces; portdex also the host's and those of processes without a
# name (containers), which makes its side of the comparison the larger.
# Use a release build (cargo build --release -p portdex).
set -euo pipefail
bin=$(realpath "$1"); rounds=${2:-25}; n=${NS:-50}; per=${PER:-20}; warmup=${WARMUP:-3}
cd "$(dirname "$0")/.."
work=$PWD/bench/.work/netns-vs-ss; rm -rf "$work"; mkdir -p "$work"
holders=()
cleanup() {
  for p in "${holders[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for i in $(seq -w 1 "$n"); do ip netns del "pdxbench-$i" 2>/dev/null || true; done
}
trap cleanup EXIT
for i in $(seq -w 1 "$n"); do
  ip netns add "pdxbench-$i"
  ip -n "pdxbench-$i" link set lo up
  ip netns exec "pdxbench-$i" python3 bench/listeners.py "$per" 40000 >"$work/ns-$i.out" &
  holders+=($!)
done
for i in $(seq -w 1 "$n"); do
  until grep -q ready "$work/ns-$i.out" 2>/dev/null; do sleep 0.1; done
done
# Every tool sees the namespaces' listeners (those on ports 40000 and up).
ours() { grep -cE "127\.0\.0\.1[: ]+400[0-9][0-9]\b" || true; }
echo "namespaces: $(ip netns list | wc -l) named ($n ours), $("$bin" ls --json --netns all | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["namespaces"]))') in all for portdex"
echo "listeners of ours seen: portdex $("$bin" ls --tcp --netns all | ours), ss $(ip -all netns exec ss -tlnp | ours) (want $((n * per)))"
echo "== with owners (median of $rounds rounds)"
python3 bench/rounds.py "$work/owners.json" "$rounds" 1 "$warmup" \
  "portdex ls --tcp --netns all=$bin ls --tcp --netns all" \
  "ip -all netns exec ss -tlnp=ip -all netns exec ss -tlnp"
echo "== without owners (median of $rounds rounds)"
python3 bench/rounds.py "$work/no-owners.json" "$rounds" 1 "$warmup" \
  "portdex ls --tcp --no-owners --netns all=$bin ls --tcp --no-owners --netns all" \
  "ip -all netns exec ss -tln=ip -all netns exec ss -tln"
