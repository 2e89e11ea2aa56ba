#!/usr/bin/env bash
# Benchmark, not a test: Dropday's fan page and click-out redirect against nginx on the same machine, in one run.
#   - fan page: Dropday (release build, SQLite, demo data) vs nginx serving the very same HTML as a static file
#   - click-out: Dropday's /go/{release}/{service} (recorded) vs nginx `return 302`
# Load: wrk, ${THREADS:-2} threads, ${CONNECTIONS:-64} connections, ${DURATION:-10s} per run, loopback only.
# Prints requests/s, latency percentiles, the ratios, and clicks recorded vs redirects served.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/install-tools.sh test >/dev/null
export PATH="$ROOT/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-64} DURATION=${DURATION:-10s}

RUN=$(mktemp -d /tmp/dropday-bench.XXXXXX)
chmod 755 "$RUN"
SERVER_PID="" NGINX_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "building the release server (cargo leptos build --release --split)..." >&2
cargo leptos build --release --split >/dev/null 2>&1

DD_PORT=$(free_port) NGX_PORT=$(free_port)
DROPDAY_LISTEN_ADDR="127.0.0.1:$DD_PORT" DROPDAY_PUBLIC_URL="http://127.0.0.1:$DD_PORT" DROPDAY_DATA_DIR="$RUN/data" \
  DROPDAY_SITE_ROOT="$ROOT/target/site" DROPDAY_LOG=warn DROPDAY_EVENT_BUFFER=2000000 \
  target/release/server >"$RUN/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$DD_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

PAGE=/nova-lights/midnight-signal
mkdir -p "$RUN/www" "$RUN/nginx"
curl -fsS "http://127.0.0.1:$DD_PORT$PAGE" >"$RUN/www/page.html"
CLICK=$(grep -o 'href="/go/[0-9]*/spotify"' "$RUN/www/page.html" | head -1 | sed 's/href="//; s/"$//')
TARGET=$(curl -fsS -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$DD_PORT$CLICK")

cat >"$RUN/nginx/nginx.conf" <<NGINX
worker_processes auto;
error_log $RUN/nginx/error.log warn;
pid $RUN/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $RUN/nginx/body;
  proxy_temp_path $RUN/nginx/proxy;
  fastcgi_temp_path $RUN/nginx/fastcgi;
  uwsgi_temp_path $RUN/nginx/uwsgi;
  scgi_temp_path $RUN/nginx/scgi;
  server {
    listen 127.0.0.1:$NGX_PORT;
    location = /page { default_type "text/html; charset=utf-8"; alias $RUN/www/page.html; }
    location = /go { return 302 $TARGET; }
  }
}
NGINX
/usr/sbin/nginx -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" -g 'daemon off;' &
NGINX_PID=$!
sleep 0.5

clicks_recorded() {
  python3 - "$RUN/data/dropday.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from events where kind = 'click_out'").fetchone()[0])
PY
}

# wrk prints "Requests/sec:", "N requests in", and with --latency the 50/75/90/99% lines.
run() {
  local name=$1 url=$2 out="$RUN/$1.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out"
  local rps total p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$out")
  total=$(awk '/requests in/ {print $1}' "$out")
  p50=$(awk '$1=="50%" {print $2}' "$out")
  p99=$(awk '$1=="99%" {print $2}' "$out")
  printf '%-28s %12s req/s   p50 %8s   p99 %8s   (%s requests)\n' "$name" "$rps" "$p50" "$p99" "$total"
  eval "${name//[^a-z0-9_]/_}_rps=$rps; ${name//[^a-z0-9_]/_}_total=$total"
}

echo "fan page $(wc -c <"$RUN/www/page.html") bytes; wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores"
run nginx_page "http://127.0.0.1:$NGX_PORT/page"
run dropday_page "http://127.0.0.1:$DD_PORT$PAGE"
run nginx_302 "http://127.0.0.1:$NGX_PORT/go"
before=$(clicks_recorded)
run dropday_click "http://127.0.0.1:$DD_PORT$CLICK"
sleep 2 # the event writer flushes every 200 ms
after=$(clicks_recorded)

python3 - "$nginx_page_rps" "$dropday_page_rps" "$nginx_302_rps" "$dropday_click_rps" "$dropday_click_total" "$((after - before))" <<'PY'
import sys
ngx_page, dd_page, ngx_302, dd_click, served, recorded = map(float, sys.argv[1:])
print(f"fan page:  Dropday = {dd_page / ngx_page:.0%} of nginx static (budget >= 70%)")
print(f"click-out: Dropday = {dd_click / ngx_302:.0%} of nginx return 302 (budget >= 60%)")
print(f"clicks recorded: {int(recorded)} of {int(served)} redirects served by wrk's count")
PY
grep -i "dropped\|error" "$RUN/server.log" | head -5 || true
