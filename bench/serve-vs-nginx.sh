#!/usr/bin/env bash
# `portdex serve` against nginx serving the same answers as static files (nginx: 2
# workers, access_log off; wrk -t2 -c64 on loopback), RUNS times each, the servers'
# order swapped every run, on /api/v1/ports/443 and /api/v1/search?q=mail. Prints each
# run, then median, min and max of requests/s and p99 for each server, the ratio of
# medians, and portdex's RSS before and after; with OUT.json, writes the same there
# (bench/compare.sh runs it and makes its table from that).
#
#   bench/serve-vs-nginx.sh BIN [RUNS] [SECONDS] [OUT.json]   (defaults: 5 runs of 10 s)
set -euo pipefail
bin=$(realpath "$1"); runs=${2:-5}; secs=${3:-10}; json=${4:-}
cd "$(dirname "$0")/.."
work=$PWD/bench/.work/nginx-vs; rm -rf "$work"; mkdir -p "$work/www"
"$bin" serve --bind 127.0.0.1:7878 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
until curl -sf http://127.0.0.1:7878/api/v1/ports/443 >"$work/www/443.json"; do sleep 0.1; done
curl -sf 'http://127.0.0.1:7878/api/v1/search?q=mail' >"$work/www/search-mail.json"
cat >"$work/nginx.conf" <<NGX
daemon on;
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off; default_type application/json;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work;
  uwsgi_temp_path $work; scgi_temp_path $work;
  server {
    listen 127.0.0.1:7879; root $work/www;
    location = /api/v1/ports/443 { try_files /443.json =404; }
    location = /api/v1/search { try_files /search-mail.json =404; }
  }
}
NGX
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
# The same bytes from both (nginx adds its own Server, Date, Last-Modified, ETag).
for p in /api/v1/ports/443 '/api/v1/search?q=mail'; do
  cmp <(curl -sf "http://127.0.0.1:7878$p") <(curl -sf "http://127.0.0.1:7879$p")
done
rss() { awk '/VmRSS/ {print $2}' /proc/$server/status; }
rss_before=$(rss)
for p in /api/v1/ports/443 '/api/v1/search?q=mail'; do
  tag=$(echo "$p" | tr -c 'a-z0-9\n' '_')
  for i in $(seq "$runs"); do
    order="portdex nginx"; [ $((i % 2)) = 0 ] && order="nginx portdex"
    for who in $order; do
      port=7878; [ $who = nginx ] && port=7879
      wrk -t2 -c64 -d"${secs}s" --latency "http://127.0.0.1:$port$p" >"$work/$tag.$who.$i.txt"
      printf '%s %s run %s: %s req/s, p99 %s %s\n' "$p" $who "$i" \
        "$(awk '/Requests\/sec/ {print $2}' "$work/$tag.$who.$i.txt")" \
        "$(awk '$1 == "99%" {print $2}' "$work/$tag.$who.$i.txt")" \
        "$(grep -E 'Non-2xx|Socket errors' "$work/$tag.$who.$i.txt" | tr '\n' ' ' || true)"
    done
  done
done
rss_after=$(rss)
python3 - "$work" "$runs" "$secs" "$rss_before" "$rss_after" "$json" <<'PY'
import json, re, statistics, sys
work, runs, secs, rss_before, rss_after, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
summary = {"runs": runs, "seconds": secs, "rss_before_kib": int(rss_before), "rss_after_kib": int(rss_after), "endpoints": []}
def ms(s):
    v, u = re.match(r"([\d.]+)(us|ms|s)", s).groups()
    return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
for tag, path in (("_api_v1_ports_443", "/api/v1/ports/443"), ("_api_v1_search_q_mail", "/api/v1/search?q=mail")):
    med = {}
    entry = {"path": path}
    for who in ("portdex", "nginx"):
        rps, p99 = [], []
        for i in range(1, runs + 1):
            t = open(f"{work}/{tag}.{who}.{i}.txt").read()
            rps.append(float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)))
            p99.append(ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1)))
        med[who] = statistics.median(rps)
        entry[who] = {"rps_median": med[who], "rps_min": min(rps), "rps_max": max(rps),
                      "p99_median": statistics.median(p99), "p99_min": min(p99), "p99_max": max(p99)}
        print(f"{path:24} {who:8} req/s median {statistics.median(rps):9.0f} min {min(rps):9.0f} max {max(rps):9.0f}"
              f" | p99 ms median {statistics.median(p99):6.2f} min {min(p99):6.2f} max {max(p99):6.2f}")
    print(f"{path:24} portdex/nginx (medians): {med['portdex'] / med['nginx']:.2f}x")
    entry["ratio"] = med["portdex"] / med["nginx"]
    summary["endpoints"].append(entry)
if out:
    json.dump(summary, open(out, "w"), indent=1)
PY
echo "portdex RSS: $rss_before KiB before, $rss_after KiB after"
