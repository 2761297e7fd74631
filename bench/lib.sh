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
# 127.0.0.1, keep-alive, one worker per core; pid in DIR/up.pid. Needs bench_certs and
# bench_content first. Stop it with bench_upstream_stop DIR.
bench_upstream() {
  local d=$1 tls=$2 plain=$3
  cat > "$d/up.conf" <<NGX
worker_processes $(nproc);
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
  nginx -p "$d" -c "$d/up.conf"
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
# with no config file, loopback destinations allowed, JVM options from $PROXY_JAVA_OPTS; log in
# $W/NAME.log. Sets PROXY_PID and PROXY_PORT, and appends the pid to PIDS for the cleanup trap.
proxy_start() {
  local name=$1
  shift
  [ -f "$W/empty.json" ] || echo '{}' > "$W/empty.json"
  # shellcheck disable=SC2086 # PROXY_JAVA_OPTS is a list of words
  java ${PROXY_JAVA_OPTS:-} -jar target/https-proxy.jar --config "$W/empty.json" --host 127.0.0.1 \
    --port 0 --allow-destinations 127.0.0.0/8,localhost "$@" > "$W/$name.log" 2>&1 &
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  for _ in $(seq 150); do grep -q "listening on" "$W/$name.log" 2>/dev/null && break; sleep 0.2; done
  PROXY_PORT=$(grep -o "listening on 127.0.0.1:[0-9]*" "$W/$name.log" | head -1 | grep -o "[0-9]*$") \
    || { echo "proxy $name did not start:"; cat "$W/$name.log"; return 1; }
}
proxy_stop() { kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; }

# proxy_heap_mib [PID PORT] -> heap in use right after a full GC (jcmd GC.run), from the proxy's
# own /metrics (sum of jvm_memory_used_bytes over the heap pools), in MiB
proxy_heap_mib() {
  local pid=${1:-$PROXY_PID} port=${2:-$PROXY_PORT}
  jcmd "$pid" GC.run > /dev/null 2>&1 || true
  curl -s "http://127.0.0.1:$port/metrics" \
    | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {s += $NF} END {printf "%.1f", s / 1048576}'
}
# proxy_rss_kib [PID] / proxy_hwm_kib [PID] -> VmRSS / VmHWM (peak RSS) of the process, KiB
proxy_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/${1:-$PROXY_PID}/status"; }
proxy_hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/${1:-$PROXY_PID}/status"; }
# proxy_stat EXPR [PORT] -> one value of /stats, EXPR in Python over s (e.g. 's["queueSize"]')
proxy_stat() {
  curl -s "http://127.0.0.1:${2:-$PROXY_PORT}/stats" \
    | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
