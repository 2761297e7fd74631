#!/usr/bin/env bash
# Runs the public HTTP caching test suite (github.com/http-tests/cache-tests) against https-proxy
# with its cache on, and prints per-group pass / fail / optional-fail counts beside the suite's
# published nginx, Squid and Varnish results.
#
#   bench/cache-tests/run.sh /path/to/cache-tests [out-dir]
#
# The suite drives a reverse proxy; adapter.mjs is that reverse proxy, a pass-through that sends
# each request to https-proxy in absolute form. Needs node >= 18, and `npm install` done in the
# suite's directory. Ports: suite server 18000, adapter 18001, proxy 18002 (loopback only).
# PROXY_ARGS adds flags to the proxy (e.g. PROXY_ARGS="--cache-heuristic 0.1").
set -euo pipefail
suite=$(cd "${1:?usage: run.sh SUITE_DIR [OUT_DIR]}" && pwd)
out=${2:-$(mktemp -d)}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jar="$root/target/https-proxy.jar"
[ -f "$jar" ] || (cd "$root" && nice -n 10 mvn -o -q -DskipTests package)
mkdir -p "$out"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

(cd "$suite" && exec npm run --silent server --port=18000 --pidfile="$out/server.pid") >"$out/server.log" 2>&1 &
pids+=($!)
java -Xmx512m -jar "$jar" --port 18002 --host 127.0.0.1 --allow-destinations 127.0.0.1/32 \
  --cache-enabled true --access-log "$out/access.log" --log-level WARN --stats-interval 3600 \
  ${PROXY_ARGS:-} \
  >"$out/proxy.log" 2>&1 &
pids+=($!)
node "$here/adapter.mjs" 18001 18002 127.0.0.1:18000 >"$out/adapter.log" 2>&1 &
pids+=($!)
for port in 18000 18001 18002; do
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
done
(cd "$suite" && npm run --silent cli --base=http://127.0.0.1:18001) >"$out/results.json"
node "$here/summarize.mjs" "$suite" "https-proxy=$out/results.json" | tee "$out/summary.md"
echo "results: $out/results.json"
