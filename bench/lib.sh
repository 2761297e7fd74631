# Shared shell functions for bench/run, bench/scenarios, bench/soak and bench/jvm-flags.
# Source it after `cd` to the repository root and after creating the work directory $W:
#   . bench/lib.sh
# Every address used is on loopback (127.0.0.1); ports are either given or picked free.
# shellcheck shell=bash

# bench_need cmd:package ... -> installs the Debian packages of the commands that are missing
bench_need() {
  local need=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair##*:}")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

# bench_java_build -> compiles bench/java (BareForwarder, SlowUpstream, HopBench) into
# target/bench-classes against target/https-proxy.jar (same Vert.x, Netty and BoringSSL)
bench_java_build() {
  [ -f target/https-proxy.jar ] || mvn -q -B package -DskipTests
  rm -rf target/bench-classes && mkdir -p target/bench-classes
  javac -nowarn -cp target/https-proxy.jar -d target/bench-classes $(find bench/java -name '*.java')
}

# free_port -> a TCP port nothing listens on now (the kernel's pick for 127.0.0.1:0)
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# loadavg -> "load 0.52 0.61 0.70" (1, 5, 15 min), printed next to every measured number:
# the machine is shared and a busy neighbour changes every figure.
loadavg() { echo "load $(cut -d' ' -f1-3 /proc/loadavg)"; }

# bench_certs DIR -> DIR/ca.pem (a throw-away CA), DIR/srv.pem + DIR/srv.key (localhost, 127.0.0.1)
bench_certs() {
  local d=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench-ca" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/srv.key" -out "$d/srv.csr" 2>/dev/null
  printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" > "$d/ext"
  openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/ext" -out "$d/srv.pem" 2>/dev/null
}

# bench_content DIR -> DIR/www/1k and DIR/www/64k
bench_content() {
  local d=$1
  chmod 755 "$d" # nginx's workers run as nobody
  mkdir -p "$d/www"
  head -c 1024 /dev/zero | tr '\0' 'a' > "$d/www/1k"
  head -c 65536 /dev/zero | tr '\0' 'b' > "$d/www/64k"
  chmod -R a+rX "$d/www"
}

# bench_upstream DIR TLS_PORT PLAIN_PORT -> nginx serving DIR/www over HTTPS and plain HTTP on
# 127.0.0.1, keep-alive, one worker per core (UP_WORKERS if set), pinned to the CPUs in $UP_CPUS
# (taskset -c) when set; pid in DIR/up.pid. Needs bench_certs and bench_content first. Stop it
# with bench_upstream_stop DIR.
bench_upstream() {
  local d=$1 tls=$2 plain=$3
  cat > "$d/up.conf" <<NGX
worker_processes ${UP_WORKERS:-$(nproc)};
pid $d/up.pid;
error_log $d/up-error.log;
events { worker_connections 65536; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$tls ssl;
    listen 127.0.0.1:$plain;
    ssl_certificate $d/srv.pem;
    ssl_certificate_key $d/srv.key;
    root $d/www;
  }
}
NGX
  ${UP_CPUS:+taskset -c "$UP_CPUS"} nginx -p "$d" -c "$d/up.conf"
}
bench_upstream_stop() {
  [ -f "$1/up.pid" ] && nginx -p "$1" -c "$1/up.conf" -s quit 2>/dev/null || true
}
upstream_pids() { echo "$(cat "$W/up.pid") $(pgrep -P "$(cat "$W/up.pid")" | tr '\n' ' ')"; }

# abs_lua FILE URL -> a wrk script sending absolute-form GET URL (wrk's own request line is
# origin-form; the proxy needs the full target)
abs_lua() {
  printf 'wrk.method = "GET"\nwrk.path = "%s"\n' "$2" > "$1"
}

# proxy_start NAME [proxy args...] -> starts target/https-proxy.jar on 127.0.0.1, a free port,
# with no config file, loopback destinations allowed, JVM options from $PROXY_JAVA_OPTS, pinned
# to the CPUs in $PROXY_CPUS (taskset -c) when set; log in $W/NAME.log. Sets PROXY_PID and PROXY_PORT, and appends the pid to PIDS for the cleanup trap.
proxy_start() {
  local name=$1
  shift
  [ -f "$W/empty.json" ] || echo '{}' > "$W/empty.json"
  # shellcheck disable=SC2086 # PROXY_JAVA_OPTS is a list of words
  ${PROXY_CPUS:+taskset -c "$PROXY_CPUS"} java ${PROXY_JAVA_OPTS:-} -jar target/https-proxy.jar --config "$W/empty.json" --host 127.0.0.1 \
    --port 0 --admin-port 0 --allow-destinations 127.0.0.0/8,localhost "$@" > "$W/$name.log" 2>&1 &
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  for _ in $(seq 150); do grep -q "node [^ ]* listening on" "$W/$name.log" 2>/dev/null && break; sleep 0.2; done
  PROXY_PORT=$(grep -o "node [^ ]* listening on 127.0.0.1:[0-9]*" "$W/$name.log" | head -1 | grep -o "[0-9]*$") \
    || { echo "proxy $name did not start:"; cat "$W/$name.log"; return 1; }
  # /stats, /metrics, /health, /ready are on the admin listener (a free port here), not PROXY_PORT
  ADMIN_PORT=$(grep -o "admin listening on 127.0.0.1:[0-9]*" "$W/$name.log" | head -1 | grep -o "[0-9]*$")
}
proxy_stop() { kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; }

# proxy_heap_mib [PID ADMIN_PORT] -> heap in use right after a full GC (jcmd GC.run), from the proxy's
# own /metrics (sum of jvm_memory_used_bytes over the heap pools), in MiB
proxy_heap_mib() {
  local pid=${1:-$PROXY_PID} port=${2:-$ADMIN_PORT}
  jcmd "$pid" GC.run > /dev/null 2>&1 || true
  curl -s "http://127.0.0.1:$port/metrics" \
    | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {s += $NF} END {printf "%.1f", s / 1048576}'
}
# proxy_rss_kib [PID] / proxy_hwm_kib [PID] -> VmRSS / VmHWM (peak RSS) of the process, KiB
proxy_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/${1:-$PROXY_PID}/status"; }
proxy_hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/${1:-$PROXY_PID}/status"; }
# proxy_stat EXPR [ADMIN_PORT] -> one value of /stats, EXPR in Python over s (e.g. 's["queueSize"]')
proxy_stat() {
  curl -s "http://127.0.0.1:${2:-$ADMIN_PORT}/stats" \
    | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}

# alive PID -> true while the process exists and is not a zombie (exited, not yet reaped)
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# stop_pids PID... -> SIGTERM, up to STOP_GRACE seconds (5) for them to exit, then SIGKILL. A proxy
# drains for up to drainTimeout (30 s) on SIGTERM; a scenario that leaves slow clients behind
# should not wait for that.
stop_pids() {
  local p n
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for n in $(seq $(( ${STOP_GRACE:-5} * 10 ))); do
    for p in "$@"; do alive "$p" && { sleep 0.1; continue 2; }; done
    return 0
  done
  for p in "$@"; do kill -9 "$p" 2>/dev/null || true; done
}

# mem_sampler FILE SECONDS NAME=PID... -> every 0.5 s, for at most SECONDS: t_s, the VmRSS of each
# PID in MiB ("-" once it is gone) and the kernel's TCP buffer memory (/proc/net/sockstat, all
# sockets) in MiB. Run it in the background and kill it when done.
mem_sampler() {
  local f=$1 secs=$2 t0 n p line page
  shift 2
  page=$(getconf PAGESIZE)
  { printf "t_s"; for p in "$@"; do printf "\t%s_rss_mib" "${p%%=*}"; done; printf "\ttcp_buffers_mib\n"; } > "$f"
  t0=$(date +%s.%N)
  for n in $(seq $(( secs * 2 ))); do
    line=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {printf "%.1f", a - b}')
    for p in "$@"; do
      if [ -r "/proc/${p#*=}/status" ]; then
        line+=$'\t'$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024; f = 1} END {if (!f) printf "-"}' "/proc/${p#*=}/status")
      else
        line+=$'\t-'
      fi
    done
    line+=$'\t'$(awk -v pg="$page" '/^TCP:/ {for (i = 1; i < NF; i++) if ($i == "mem") printf "%.1f", $(i + 1) * pg / 1048576}' /proc/net/sockstat)
    echo "$line" >> "$f"
    sleep 0.5
  done
}
# sampled_peak FILE COLUMN -> the largest value of COLUMN (e.g. proxy_rss_mib) in a mem_sampler file
sampled_peak() {
  awk -F'\t' -v c="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == c) k = i; next}
    $k != "-" && $k + 0 > m {m = $k + 0} END {printf "%.0f", m}' "$1"
}

# probe_loop FILE PHASE SECONDS URL -> the "normal client": one curl through the proxy (fresh
# connection, absolute-form GET URL) every PROBE_EVERY s (0.1) for SECONDS, each capped at
# PROBE_TIMEOUT s (5); appends "t_s phase status ms" to FILE, t_s from $PROBE_T0 (epoch seconds).
# status 000 = no answer within the cap. Bounded: at most SECONDS / PROBE_EVERY tries.
probe_loop() {
  local f=$1 phase=$2 secs=$3 url=$4 end r n
  end=$(awk -v s="$secs" -v n="$(date +%s.%N)" 'BEGIN {printf "%.2f", n + s}')
  [ -s "$f" ] || printf "t_s\tphase\tstatus\tms\n" > "$f"
  for n in $(seq "$(awk -v s="$secs" -v e="${PROBE_EVERY:-0.1}" 'BEGIN {printf "%d", s / e}')"); do
    awk -v n="$(date +%s.%N)" -v e="$end" 'BEGIN {exit !(n < e)}' || break
    r=$(curl -s -o /dev/null -m "${PROBE_TIMEOUT:-5}" -w '%{http_code} %{time_total}' \
      -x "http://127.0.0.1:$PROXY_PORT" "$url" 2>/dev/null || true)
    awk -v t="$(date +%s.%N)" -v t0="$PROBE_T0" -v p="$phase" -v r="${r:-000 0}" \
      'BEGIN {split(r, a, " "); printf "%.1f\t%s\t%s\t%.1f\n", t - t0, p, a[1], a[2] * 1000}' >> "$f"
    sleep "${PROBE_EVERY:-0.1}"
  done
}
# probe_stats FILE PHASE -> "tries ok failed p50_ms p99_ms max_ms" (tab-separated) for one phase;
# the percentiles are over the 2xx answers, "-" when there are none
probe_stats() {
  python3 - "$1" "$2" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if r["phase"] == sys.argv[2]]
ok = sorted(float(r["ms"]) for r in rows if r["status"].startswith("2"))
q = lambda f: f"{ok[min(len(ok) - 1, int(f * len(ok)))]:.1f}" if ok else "-"
print(len(rows), len(ok), len(rows) - len(ok), q(.5), q(.99), f"{ok[-1]:.1f}" if ok else "-", sep="\t")
PY
}
# first_failure FILE PHASE -> t_s of the first non-2xx probe of PHASE, "-" if none
first_failure() {
  awk -F'\t' -v p="$2" '$2 == p && $3 !~ /^2/ {print $1; f = 1; exit} END {if (!f) print "-"}' "$1"
}

# heap_after_gc PID -> heap in use right after a full GC, in MiB, from the JVM itself (jcmd
# GC.run, then GC.heap_info), or "-" when the JVM does not answer within 30 s (dead, or stuck)
heap_after_gc() {
  alive "$1" || { echo -; return; }
  timeout 30 jcmd "$1" GC.run > /dev/null 2>&1 || { echo -; return; }
  timeout 30 jcmd "$1" GC.heap_info 2>/dev/null \
    | awk '/ heap .*total .*used / {sub(/.*used /, "", $0); sub(/K.*/, "", $0); printf "%.1f", $0 / 1024; f = 1; exit}
      END {if (!f) printf "-"}'
}

# hey_stats LABEL COUNT CONNS URL [CSV] -> hey through the proxy (-x), every answer in CSV (default
# $OUT/LABEL.csv; hey sends COUNT / CONNS per connection, so make COUNT a multiple); prints
# "answered 2xx other none p50_ms p99_ms max_ms statuses" (tab-separated;
# percentiles over all HTTP answers, statuses like 200:1990,503:10). Pinned to $LOAD_CPUS if set.
hey_stats() {
  local label=$1 count=$2 conns=$3 url=$4 csv=${5:-$OUT/$1.csv}
  ${LOAD_CPUS:+taskset -c "$LOAD_CPUS"} timeout 120 hey -n "$count" -c "$conns" -t 10 \
    -x "http://127.0.0.1:$PROXY_PORT" -o csv "$url" > "$csv" 2> /dev/null || true
  python3 - "$csv" $(( count / conns * conns )) <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]  # hey sends count / conns per connection
ms = sorted(float(r[0]) * 1000 for r in rows)
by = {}
for r in rows:
    by[r[6]] = by.get(r[6], 0) + 1
q = lambda f: f"{ms[min(len(ms) - 1, int(f * len(ms)))]:.1f}" if ms else "-"
ok = sum(n for c, n in by.items() if c.startswith("2"))
print(len(rows), ok, len(rows) - ok, int(sys.argv[2]) - len(rows), q(.5), q(.99),
      f"{ms[-1]:.1f}" if ms else "-", ",".join(f"{c}:{n}" for c, n in sorted(by.items())) or "-",
      sep="\t")
PY
}
