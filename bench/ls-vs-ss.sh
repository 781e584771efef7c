#!/usr/bin/env bash
# `portdex ls --tcp` against ss, lsof and the kernel's floor (bench/ls_floor.c), with
# 10,000 TCP listeners held by one process (bench/listeners.py): ROUNDS alternating
# rounds (bench/rounds.py; default 25, one timed run per command per round after 3
# warm-up runs), then the same for `--no-owners` against `ss -tln` and the floor's -n.
# Prints median, min and max per command and the ratio of medians to portdex's, and
# writes them to bench/.work/ls-vs-ss/{owners,no-owners}.json.
#
#   bench/ls-vs-ss.sh BIN [ROUNDS]
#
# Use a release build (cargo build --release -p portdex). Check ss's absolute figures:
# on an idle machine of this kind `ss -tlnp` takes ~130-165 ms with 10,000 listeners;
# much slower means the run was disturbed.
set -euo pipefail
bin=$(realpath "$1"); rounds=${2:-25}
cd "$(dirname "$0")/.."
work=$PWD/bench/.work/ls-vs-ss; rm -rf "$work"; mkdir -p "$work"
gcc -O2 -o "$work/ls_floor" bench/ls_floor.c
python3 bench/listeners.py 10000 >"$work/listeners.out" &
holder=$!
trap 'kill $holder 2>/dev/null || true' EXIT
until grep -q ready "$work/listeners.out" 2>/dev/null; do
  kill -0 $holder || { echo "bench/listeners.py failed" >&2; exit 1; }
  sleep 0.2
done
cat "$work/listeners.out"
# Every tool sees the same listeners (one line per listener after a header line).
echo "listeners seen: portdex $(($("$bin" ls --tcp | wc -l) - 1)), ss $(($(ss -tlnp | wc -l) - 1)), lsof $(($(lsof -nP -iTCP -sTCP:LISTEN | wc -l) - 1)); floor: $("$work/ls_floor")"
echo "== with owners (median of $rounds rounds)"
python3 bench/rounds.py "$work/owners.json" "$rounds" 1 3 \
  "portdex ls --tcp=$bin ls --tcp" \
  "ss -tlnp=ss -tlnp" \
  "lsof -nP -iTCP -sTCP:LISTEN=lsof -nP -iTCP -sTCP:LISTEN" \
  "the kernel's floor (bench/ls_floor.c)=$work/ls_floor"
echo "== without owners (median of $rounds rounds)"
python3 bench/rounds.py "$work/no-owners.json" "$rounds" 1 3 \
  "portdex ls --tcp --no-owners=$bin ls --tcp --no-owners" \
  "ss -tln=ss -tln" \
  "the kernel's floor (bench/ls_floor.c -n)=$work/ls_floor -n"
