#!/usr/bin/env bash
# measure-rss.sh - memory (RSS) and throughput of one bundled API process, the unit a Kubernetes
# pod runs (WEB_CONCURRENCY=1), at idle and under load. The figures size the Deployment's
# requests/limits (deploy/kubernetes/base/deployment.yaml) and docs/scaling.md.
#
#   pnpm build
#   PG_URL=$(PG_LOCAL_PORT=42432 scripts/pg-local.sh start)
#   DATABASE_URL=$PG_URL deploy/measure-rss.sh
#
# Runs `db migrate` and `users create-admin`, starts the server as the image does (production profile,
# metrics listener on, access log at info to /dev/null), then autocannon for DURATION seconds
# with CONNECTIONS connections per path, signed in as that admin. RSS from /proc/<pid>/status: VmRSS now, VmHWM = peak.
# env: DATABASE_URL (required), PORT (42300; metrics on PORT+1), DURATION (20), CONNECTIONS (50),
#      PATHS ("/api/v1/users /api/v1/health"), NODE_FLAGS (e.g. --max-old-space-size=128)
set -Eeuo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server (scripts/pg-local.sh start)}"
PORT=${PORT:-42300}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-50}
PATHS=${PATHS:-/api/v1/users /api/v1/health}
[ -f apps/api/bundle/server.js ] || { echo "apps/api/bundle/server.js missing: run pnpm build" >&2; exit 2; }
AUTOCANNON=apps/api/node_modules/.bin/autocannon

export APP_ENV=production HOST=127.0.0.1 PORT WEB_CONCURRENCY=1 LOG_LEVEL=info \
  SECRET_KEY="measure-rss-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  METRICS_ENABLED=true METRICS_HOST=127.0.0.1 METRICS_PORT=$((PORT + 1)) RATE_LIMIT_MAX=0 DATABASE_URL
node apps/api/dist/cli.js db migrate > /dev/null
# GET /api/v1/users is an admin's: the load signs in as one (production refuses `db seed`).
ADMIN_EMAIL=measure-admin@example.com
ADMIN_PASSWORD="measure-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$ADMIN_PASSWORD" | node apps/api/dist/cli.js users create-admin "$ADMIN_EMAIL" --password-stdin > /dev/null

# shellcheck disable=SC2086
node ${NODE_FLAGS:-} --import ./apps/api/bundle/instrumentation.js apps/api/bundle/server.js > /dev/null &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/v1/ready" && break; sleep 0.1; done
curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/v1/ready" || { echo "server not ready" >&2; exit 1; }
TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/sessions" -H 'content-type: application/json' \
  -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')

rss() { awk -v k="$1:" '$1 == k { printf "%.1f MiB", $2 / 1024 }' "/proc/$PID/status"; }
sleep 2
echo "node $(node --version) ${NODE_FLAGS:-}, $(nproc) cores; pid $PID; $CONNECTIONS connections x ${DURATION} s per path"
echo "idle after start:         RSS $(rss VmRSS)"
for path in $PATHS; do
  out=$("$AUTOCANNON" -j -c "$CONNECTIONS" -d "$DURATION" -H "authorization=Bearer $TOKEN" "http://127.0.0.1:$PORT$path" 2>/dev/null)
  echo "$path: $(node -e '
    const r = JSON.parse(process.argv[1]);
    console.log(`${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ` +
      `${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);' "$out")"
  echo "  after load:             RSS $(rss VmRSS), peak so far (VmHWM) $(rss VmHWM)"
done
sleep 5
echo "idle 5 s after the load:  RSS $(rss VmRSS); peak $(rss VmHWM)"
curl -fs "http://127.0.0.1:$((PORT + 1))/metrics" | awk '/^nodejs_heap_size_(used|total)_bytes / { printf "  %s %.1f MiB\n", $1, $2 / 1048576 }' || true
