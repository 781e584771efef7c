#!/usr/bin/env bash
# What one Prometheus scrape of `portdex serve --expose-local` costs the host: CPU time
# of the exporter per scrape, bytes per scrape and series per host, with N listening
# TCP sockets on the machine (bench/listeners.py) for each N given. Each scrape is a
# fresh snapshot (serve shares one for a second: the scrapes are 1.2 s apart, as no
# Prometheus scrapes faster). CPU time is the exporter's own (all its threads, from
# /proc/PID/task/*/schedstat), so a busy machine slows it less than it slows wall time.
#
#   bench/scrape-cost.sh BIN [SCRAPES] N...       e.g. bench/scrape-cost.sh BIN 10 100 10000
set -euo pipefail
bin=$(realpath "$1"); scrapes=$2; shift 2
cd "$(dirname "$0")/.."
pids=""
cleanup() { if [ -n "$pids" ]; then kill $pids 2>/dev/null || true; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cpu_ns() { # CPU time of every thread of process $1, in ns
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d", s}'
}
echo "| listeners on the machine | CPU per scrape (median of $scrapes) | bytes per scrape | series per scrape | wall time per scrape (median) |"
echo "|---:|---:|---:|---:|---:|"
for n in "$@"; do
  log=$(mktemp)
  python3 bench/listeners.py "$n" 40000 >"$log" &
  holder=$!; pids="$pids $holder"
  while ! grep -q ready "$log"; do sleep 0.2; done
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin" serve --expose-local --bind "127.0.0.1:$port" 2>/dev/null &
  server=$!; pids="$pids $server"
  until curl -sf "http://127.0.0.1:$port/metrics" -o /dev/null; do sleep 0.1; done
  sleep 1.2
  cpu=(); wall=(); bytes=0; series=0
  for _ in $(seq "$scrapes"); do
    before=$(cpu_ns $server)
    out=$(curl -s -w '\n%{size_download} %{time_total}' "http://127.0.0.1:$port/metrics")
    after=$(cpu_ns $server)
    cpu+=($((after - before)))
    read -r bytes t <<<"$(tail -n 1 <<<"$out")"
    wall+=("$t")
    series=$(grep -cv '^#' <<<"$out")
    series=$((series - 1))   # the curl line
    sleep 1.2
  done
  kill "$server" "$holder" 2>/dev/null || true
  wait "$server" "$holder" 2>/dev/null || true
  listening=$(awk '{print $2}' "$log"); rm -f "$log"
  python3 - "$listening" "$bytes" "$series" "${cpu[*]}" "${wall[*]}" <<'PY'
import statistics, sys
n, size, series = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cpu = [int(x) / 1e6 for x in sys.argv[4].split()]
wall = [float(x) * 1000 for x in sys.argv[5].split()]
print(f"| {n} (+ this machine's own) | {statistics.median(cpu):.1f} ms ({min(cpu):.1f}-{max(cpu):.1f}) "
      f"| {size:,} | {series:,} | {statistics.median(wall):.1f} ms |")
PY
done
