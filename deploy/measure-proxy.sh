#!/usr/bin/env bash
# measure-proxy.sh - what re-resolving the api's name costs: throughput through nginx with the
# project's template (proxy_pass via a variable + resolver: a new upstream connection per
# request) against the same template with a static upstream{} and a keep-alive pool (what
# nginx >= 1.27.3 keeps with "server ... resolve"), in front of one bundled API process.
#
#   pnpm build
#   PG_URL=$(PG_LOCAL_PORT=42432 scripts/pg-local.sh start)
#   DATABASE_URL=$PG_URL deploy/measure-proxy.sh
#
# Debian's nginx (NGINX_BIN, default /usr/sbin/nginx) renders nginx/templates/api.conf.template
# as the image's entrypoint would. env: DATABASE_URL (required), PORT (42320; nginx on PORT+2),
# DURATION (10), CONNECTIONS (50), PATHS ("/api/v1/health /api/v1/users"), ROUNDS (2, interleaved)
set -Eeuo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server (scripts/pg-local.sh start)}"
PORT=${PORT:-42320}
NGINX_PORT=$((PORT + 2))
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
PATHS=${PATHS:-/api/v1/health /api/v1/users}
ROUNDS=${ROUNDS:-2}
NGINX=${NGINX_BIN:-/usr/sbin/nginx}
AUTOCANNON=apps/api/node_modules/.bin/autocannon
[ -f apps/api/bundle/server.js ] || { echo "apps/api/bundle/server.js missing: run pnpm build" >&2; exit 2; }

DIR=$(mktemp -d)
chmod 755 "$DIR"
cleanup() {
  [ -f "$DIR/nginx.pid" ] && kill -QUIT "$(cat "$DIR/nginx.pid")" 2>/dev/null || true
  [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

export APP_ENV=production HOST=127.0.0.1 PORT WEB_CONCURRENCY=1 LOG_LEVEL=info RATE_LIMIT_MAX=0 \
  TRUST_PROXY=loopback SECRET_KEY="measure-proxy-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" DATABASE_URL
node apps/api/dist/cli.js db migrate > /dev/null
# GET /api/v1/users is an admin's: the load signs in as one (production refuses `db seed`).
ADMIN_EMAIL=measure-admin@example.com
ADMIN_PASSWORD="measure-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$ADMIN_PASSWORD" | node apps/api/dist/cli.js users create-admin "$ADMIN_EMAIL" --password-stdin > /dev/null
node --import ./apps/api/bundle/instrumentation.js apps/api/bundle/server.js > /dev/null &
API_PID=$!

render() { # render <variant>: dynamic = the template as is; keepalive = a static upstream with a pool
  sed -e "s|\${NGINX_LISTEN}|127.0.0.1:$NGINX_PORT|; s|\${API_UPSTREAM}|127.0.0.1:$PORT|g" \
      -e "s|\${NGINX_RESOLVER}|127.0.0.1|; s|\${NGINX_RESOLVER_VALID}|5s|" \
      -e "s|/dev/stdout|$DIR/access.log|; s|/dev/stderr|$DIR/error.log|" \
      nginx/templates/api.conf.template > "$DIR/api.conf"
  if [ "$1" = keepalive ]; then
    sed -i -e "s|^resolver .*|upstream api_pool { server 127.0.0.1:$PORT; keepalive 32; keepalive_timeout 60s; }|" \
           -e "s|proxy_pass http://\$api_upstream;|proxy_pass http://api_pool;|" "$DIR/api.conf"
  fi
  cat > "$DIR/nginx.conf" <<CONF
daemon on; worker_processes 1; pid $DIR/nginx.pid; error_log $DIR/error.log warn;
events { worker_connections 1024; }
http { client_body_temp_path $DIR/cb; proxy_temp_path $DIR/p; fastcgi_temp_path $DIR/f;
       uwsgi_temp_path $DIR/u; scgi_temp_path $DIR/s; include $DIR/api.conf; }
CONF
}
start_nginx() { "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log"; }
stop_nginx() { kill -QUIT "$(cat "$DIR/nginx.pid")"; while [ -f "$DIR/nginx.pid" ]; do sleep 0.1; done; }

for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/v1/ready" && break; sleep 0.1; done
TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/sessions" -H 'content-type: application/json' \
  -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')
echo "node $(node --version), $("$NGINX" -v 2>&1 | sed 's/.*version: //'), $(nproc) cores; $CONNECTIONS connections x ${DURATION} s, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  for variant in dynamic keepalive; do
    render "$variant"; start_nginx
    for path in $PATHS; do
      out=$("$AUTOCANNON" -j -c "$CONNECTIONS" -d "$DURATION" -H "authorization=Bearer $TOKEN" "http://127.0.0.1:$NGINX_PORT$path" 2>/dev/null)
      node -e '
        const [variant, path, round, json] = process.argv.slice(1); const r = JSON.parse(json);
        console.log(`round ${round} ${variant.padEnd(9)} ${path.padEnd(15)} ${String(Math.round(r.requests.average)).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`);
      ' "$variant" "$path" "$round" "$out"
    done
    stop_nginx
  done
done
