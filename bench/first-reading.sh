#!/usr/bin/env bash
# A first reading, not the benchmark harness: requests/s through the proxy (absolute-form
# GET https://...) against nginx serving a 1 KiB file over HTTPS on loopback, next to wrk
# straight to nginx, in the same run. Needs: nginx, wrk, openssl, java, a built jar.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=target/https-proxy.jar
[ -f "$JAR" ] || mvn -q -B package -DskipTests
for tool in nginx wrk openssl; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light wrk openssl; break; }
done
DUR=${DUR:-10}
JAVA_OPTS=${JAVA_OPTS:-}
CONNS=${CONNS:-64}
W=$(mktemp -d); chmod 755 $W
trap 'kill $(cat $W/proxy.pid) 2>/dev/null || true; nginx -p $W -c $W/nginx.conf -s stop 2>/dev/null || true; rm -rf $W' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench-ca" -keyout $W/ca.key -out $W/ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout $W/srv.key -out $W/srv.csr 2>/dev/null
printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" > $W/ext
openssl x509 -req -in $W/srv.csr -CA $W/ca.pem -CAkey $W/ca.key -CAcreateserial -days 2 -extfile $W/ext -out $W/srv.pem 2>/dev/null
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > $W/1k; chmod 644 $W/1k
cat > $W/nginx.conf <<NGX
worker_processes 1;
pid $W/nginx.pid;
error_log $W/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:18443 ssl;
    ssl_certificate $W/srv.pem;
    ssl_certificate_key $W/srv.key;
    root $W;
  }
}
NGX
nginx -p $W -c $W/nginx.conf
java $JAVA_OPTS -jar $JAR --host 127.0.0.1 --port 18888 --admin-port 18890 --ca-file $W/ca.pem --workers 256 --allow-destinations 127.0.0.0/8,localhost ${PROXY_ARGS:-} > $W/proxy.log 2>&1 &
echo $! > $W/proxy.pid
for _ in $(seq 50); do grep -q "node [^ ]* listening" $W/proxy.log && break; sleep 0.2; done
cat > $W/abs.lua <<'LUA'
wrk.method = "GET"
wrk.path = "https://localhost:18443/1k"
LUA
# warm-up
wrk -t2 -c$CONNS -d5s -s $W/abs.lua http://127.0.0.1:18888 > /dev/null
echo "== direct: wrk -> nginx https (1 KiB), $CONNS connections, ${DUR}s"
wrk -t2 -c$CONNS -d${DUR}s --latency https://localhost:18443/1k | grep -E "Requests/sec|50%|99%|Non-2xx|rrors"
echo "== proxy: wrk -> https-proxy (absolute-form GET https://...) -> nginx https (1 KiB)"
wrk -t2 -c$CONNS -d${DUR}s --latency -s $W/abs.lua http://127.0.0.1:18888 | grep -E "Requests/sec|50%|99%|Non-2xx|rrors"
echo "== proxy /stats"
curl -s http://127.0.0.1:18890/stats | tr -d ' \n' | head -c 400; echo
