#!/usr/bin/env bash
# e2e-compose.sh - end-to-end check of the composed stack (db, migrate, api, nginx).
#
#   scripts/e2e-compose.sh                 # host-network override (compose.host.yaml)
#   E2E_NETWORK=bridge scripts/e2e-compose.sh   # plain compose.yaml, nginx published on 127.0.0.1
#
# 1. builds the images and starts the stack under its own project name, with a throwaway
#    env file made from .env.example plus random SECRET_KEY / POSTGRES_PASSWORD and API_DOCS=true (your .env
#    is neither read nor touched)
# 2. waits (bounded) until migrate exited 0 and db, api and nginx are healthy
# 3. through nginx: GET / renders the page; /static/css/site.css comes from nginx (its
#    header, and no api log line for that request); /api/v1/health and /api/v1/ready are
#    200; /api/docs and Scalar's bundle are served; sign-up (POST /api/v1/users) -> 201, sign-in -> 201, read back with the token, 401
#    without it; a client X-Request-ID and an
#    nginx-generated one both show up in the api's logs
# 4. a real browser (system Chromium + playwright-core, e2e/browser-check.ts) loads /
#    and checks that the stylesheet is applied
# 5. graceful stop (api/nginx/db exit 0 on SIGTERM), then `down -v`, and verifies that no
#    container, volume or network of the project is left - also on failure or Ctrl-C
#
# env:
#   E2E_NETWORK=host|bridge   host (default): compose.yaml + compose.host.yaml
#   E2E_PROJECT               compose project name (default express-starter-e2e)
#   E2E_TIMEOUT               seconds to wait for health (default 240)
#   E2E_BROWSER=auto|1|0      auto (default): run when Chromium and playwright-core exist
#   E2E_SKIP_USERS=1          skip the sign-up / sign-in step (reported as SKIPPED)
#   E2E_NO_BUILD=1            use the images already built
#   E2E_KEEP=1                leave the stack running (you must `down -v` it yourself)
#   HOST_DB_PORT/HOST_API_PORT/HOST_NGINX_PORT (host mode), NGINX_PORT (bridge mode)
#   COMPOSE_BUILD_ARGS        extra `docker compose build` arguments (e.g. --no-cache)
#   E2E_EXTRA_COMPOSE_FILES   more -f files, space-separated, merged last (CI tweaks)
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

E2E_NETWORK=${E2E_NETWORK:-host}
PROJECT=${E2E_PROJECT:-express-starter-e2e}
TIMEOUT=${E2E_TIMEOUT:-240}
E2E_BROWSER=${E2E_BROWSER:-auto}
# images get their own tag: the run never replaces the :local images of a developer stack
export IMAGE_TAG=${IMAGE_TAG:-e2e}

case "$E2E_NETWORK" in
  host)
    FILES=(-f compose.yaml -f compose.host.yaml)
    BASE_URL="http://127.0.0.1:${HOST_NGINX_PORT:-18080}"
    ;;
  bridge)
    FILES=(-f compose.yaml)
    BASE_URL="http://127.0.0.1:${NGINX_PORT:-8080}"
    ;;
  *) echo "E2E_NETWORK must be host or bridge" >&2; exit 2 ;;
esac
for extra in ${E2E_EXTRA_COMPOSE_FILES:-}; do FILES+=(-f "$extra"); done

if [ -t 1 ]; then B=$'\033[1m' R=$'\033[31m' G=$'\033[32m' Y=$'\033[33m' N=$'\033[0m'; else B="" R="" G="" Y="" N=""; fi
T0=$(date +%s)
declare -a TIMES=() RESULTS=()
FAILED=0
phase() { PHASE=$1; PHASE_T=$(date +%s); printf '\n%s== %s%s\n' "$B" "$1" "$N"; }
phase_done() { TIMES+=("$(printf '%-9s %4ss' "$PHASE" $(( $(date +%s) - PHASE_T )))"); }
pass() { RESULTS+=("${G}PASS${N}  $1"); printf '  %sPASS%s %s\n' "$G" "$N" "$1"; }
fail() { RESULTS+=("${R}FAIL${N}  $1"); printf '  %sFAIL%s %s\n' "$R" "$N" "$1"; FAILED=1; }
skip() { RESULTS+=("${Y}SKIP${N}  $1"); printf '  %sSKIP%s %s\n' "$Y" "$N" "$1"; }
need() { command -v "$1" > /dev/null || { echo "missing command: $1" >&2; exit 2; }; }
need docker; need curl; need jq
docker compose version > /dev/null 2>&1 || { echo "docker compose (v2) is required" >&2; exit 2; }

# ------------------------------------------------------------------ env file --
ENV_TMP=$(mktemp "${TMPDIR:-/tmp}/e2e-env.XXXXXX")
rand() { head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c "$1"; }
{
  grep -vE '^(SECRET_KEY|POSTGRES_PASSWORD)=' .env.example || true
  echo "SECRET_KEY=e2e-$(rand 48)"
  echo "POSTGRES_PASSWORD=e2e$(rand 24)"
  # Off by default in production; on here so the image's copy of Scalar is checked.
  echo "API_DOCS=true"
} > "$ENV_TMP"
export ENV_FILE=$ENV_TMP
DC=(docker compose --ansi never -p "$PROJECT" --env-file "$ENV_TMP" "${FILES[@]}")
echo "project $PROJECT ($E2E_NETWORK network: ${FILES[*]}), nginx at $BASE_URL"

# ------------------------------------------------------------------ teardown --
NETS_BEFORE=$(docker network ls -q | sort)
TEARDOWN_DONE=0
leftovers() {
  local kind
  for kind in "ps -a" "volume ls" "network ls"; do
    # shellcheck disable=SC2086
    docker $kind -q --filter "label=com.docker.compose.project=$PROJECT"
  done
}
teardown() {
  local rc=$?
  trap - EXIT INT TERM
  [ "$TEARDOWN_DONE" = 1 ] && exit "$rc"
  if [ "$FAILED" != 0 ] || [ "$rc" != 0 ]; then
    printf '\n%s== logs (last 30 lines per service)%s\n' "$B" "$N"
    "${DC[@]}" logs --no-color --tail 30 2>&1 | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | cut -c1-400 | sed 's/^/  /' || true
  fi
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    echo "E2E_KEEP=1: stack left running; stop it with: ENV_FILE=$ENV_TMP ${DC[*]} down -v"
  else
    phase down
    "${DC[@]}" down -v --remove-orphans --timeout 20 2>&1 | sed 's/^/  /' || true
    local left; left=$(leftovers)
    if [ -z "$left" ]; then pass "nothing left: no container, volume or network labelled $PROJECT"
    else fail "left behind: $(echo $left)"; fi
    if [ "$(docker network ls -q | sort)" != "$NETS_BEFORE" ]; then fail "the set of docker networks changed"; docker network ls; fi
    rm -f "$ENV_TMP"
    phase_done
  fi
  printf '\n%s== summary%s\n' "$B" "$N"
  printf '  %s\n' "${RESULTS[@]}"
  echo
  printf '  %s\n' "${TIMES[@]}"
  printf '  %-9s %4ss\n' total $(( $(date +%s) - T0 ))
  if [ "$FAILED" = 0 ] && [ "$rc" = 0 ]; then echo "  result: ${G}PASS${N}"; exit 0; fi
  echo "  result: ${R}FAIL${N}"
  exit $(( rc == 0 ? 1 : rc ))
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ----------------------------------------------------------------- preflight --
phase preflight
"${DC[@]}" config --quiet
if [ "$E2E_NETWORK" = host ]; then
  bad=$("${DC[@]}" config --format json | jq -r '.services | to_entries[] | select(.value.network_mode != "host") | .key')
  [ -z "$bad" ] || { echo "  services without network_mode: host: $bad" >&2; exit 1; }
fi
"${DC[@]}" down -v --remove-orphans --timeout 5 > /dev/null 2>&1 || true   # an interrupted earlier run
if curl -s -o /dev/null --max-time 2 "$BASE_URL/"; then
  echo "  something already answers on $BASE_URL (port clash); choose other ports" >&2; exit 1
fi
phase_done

# --------------------------------------------------------------------- build --
phase build
if [ "${E2E_NO_BUILD:-0}" = 1 ]; then
  echo "  E2E_NO_BUILD=1: using existing images"
else
  # shellcheck disable=SC2086
  "${DC[@]}" build ${COMPOSE_BUILD_ARGS:-} 2>&1 | grep -vE '^\s*$' | tail -n 25 | sed 's/^/  /'
  [ "${PIPESTATUS[0]}" = 0 ] || { fail "docker compose build"; exit 1; }
fi
docker images --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E "express-starter-(api|nginx):$IMAGE_TAG" || true
phase_done

# ---------------------------------------------------------------------- up ---
phase up
"${DC[@]}" up -d --no-build --pull never 2>&1 | sed 's/^/  /' || true
deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  ids=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
  states=$( [ -z "$ids" ] || docker inspect -f '{{ index .Config.Labels "com.docker.compose.service" }} {{ .State.Status }}/{{ .State.ExitCode }} {{ if .State.Health }}{{ .State.Health.Status }}{{ else }}-{{ end }}' $ids | sort)
  ok=1
  for svc in db migrate api nginx; do
    line=$(grep "^$svc " <<<"$states" || true)
    case "$svc:$line" in
      migrate:*" exited/0 "*) ;;
      migrate:*" exited/"*) fail "migrate exited non-zero"; exit 1 ;;
      *:*" healthy") ;;
      *:*" exited/"*|*:*" dead/"*) fail "$svc stopped: $line"; exit 1 ;;
      *) ok=0 ;;
    esac
  done
  [ "$ok" = 1 ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then echo "$states" | sed 's/^/  /'; fail "not healthy within ${TIMEOUT}s"; exit 1; fi
  sleep 1
done
echo "$states" | sed 's/^/  /'
pass "migrate exited 0; db, api and nginx healthy in $(( $(date +%s) - PHASE_T ))s"
phase_done

# -------------------------------------------------------------------- checks --
phase checks
TMPD=$(mktemp -d)
# req <name> <curl args...>: response body in $TMPD/<name>.body, headers in .head, status echoed
req() {
  local name=$1; shift
  curl -sS --max-time 10 -o "$TMPD/$name.body" -D "$TMPD/$name.head" -w '%{http_code}' "$@" 2>/dev/null || true
}
header() { grep -i "^$2:" "$TMPD/$1.head" | tail -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
api_logs() { "${DC[@]}" logs --no-color --no-log-prefix api 2>/dev/null; }
nginx_logs() { "${DC[@]}" logs --no-color --no-log-prefix nginx 2>/dev/null; }
RUN_ID=$(rand 8)

code=$(req home "$BASE_URL/")
if [ "$code" = 200 ] && grep -q '<h1>' "$TMPD/home.body" && grep -q '/static/css/site.css' "$TMPD/home.body"; then
  pass "GET / -> 200, page rendered ($(grep -o '<h1>[^<]*</h1>' "$TMPD/home.body"))"
else fail "GET / -> $code"; fi

static_id="e2e-static-$RUN_ID"
code=$(req css -H "X-Request-ID: $static_id" "$BASE_URL/static/css/site.css")
served_by=$(header css X-Served-By); cache=$(header css Cache-Control); ctype=$(header css Content-Type)
if [ "$code" = 200 ] && [ "$served_by" = nginx-static ] && grep -q -- '--accent' "$TMPD/css.body"; then
  pass "GET /static/css/site.css -> 200 from nginx ($ctype; Cache-Control: $cache)"
else fail "GET /static/css/site.css -> $code, X-Served-By: '$served_by'"; fi
code=$(req dotfile "$BASE_URL/static/.env")
[ "$code" = 404 ] && pass "GET /static/.env -> 404 (no dotfiles)" || fail "GET /static/.env -> $code"
code=$(req listing "$BASE_URL/static/css/")
[ "$code" = 403 ] || [ "$code" = 404 ] && pass "GET /static/css/ -> $code (no directory listing)" || fail "GET /static/css/ -> $code"
code=$(req gz -H 'Accept-Encoding: gzip' "$BASE_URL/")
[ "$(header gz Content-Encoding)" = gzip ] && pass "gzip on proxied HTML" || skip "gzip: response not compressed (code $code, body below gzip_min_length?)"
[ -z "$(header home Server | grep -E '[0-9]')" ] && pass "server_tokens off (Server: $(header home Server))" || fail "nginx version exposed: $(header home Server)"

for path in /api/v1/health /api/v1/ready; do
  code=$(req probe "$BASE_URL$path")
  [ "$code" = 200 ] && pass "GET $path -> 200 $(tr -d '\n' < "$TMPD/probe.body" | cut -c1-120)" || fail "GET $path -> $code $(head -c 300 "$TMPD/probe.body")"
done

# The API reference: its page, and Scalar's browser bundle from the image itself (no CDN;
# the image keeps one file of @scalar/api-reference, docker/api.Dockerfile).
code=$(req docs "$BASE_URL/api/docs")
[ "$code" = 200 ] && grep -q '/api/docs/scalar.js' "$TMPD/docs.body" && pass "GET /api/docs -> 200, loads /api/docs/scalar.js" || fail "GET /api/docs -> $code"
code=$(req scalar "$BASE_URL/api/docs/scalar.js")
size=$(wc -c < "$TMPD/scalar.body" 2>/dev/null || echo 0)
[ "$code" = 200 ] && [ "$size" -gt 1000000 ] && pass "GET /api/docs/scalar.js -> 200, $size bytes ($(header scalar Content-Type))" || fail "GET /api/docs/scalar.js -> $code, $size bytes"

if [ "${E2E_SKIP_USERS:-0}" = 1 ]; then
  skip "POST/GET /api/v1/users (E2E_SKIP_USERS=1)"
else
  email="e2e-$RUN_ID@example.com"
  password="e2e password $RUN_ID"
  code=$(req create -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"$email\",\"name\":\"E2E $RUN_ID\",\"password\":\"$password\"}" "$BASE_URL/api/v1/users")
  if [ "$code" != 201 ]; then
    fail "POST /api/v1/users (sign-up) -> $code $(head -c 300 "$TMPD/create.body")"
  else
    id=$(jq -r '.id | tostring' "$TMPD/create.body")
    pass "POST /api/v1/users (sign-up) -> 201 (id $id)"
    code=$(req signin -X POST -H 'Content-Type: application/json' \
      --data "{\"email\":\"$email\",\"password\":\"$password\"}" "$BASE_URL/api/v1/sessions")
    token=$(jq -r '.token // empty' "$TMPD/signin.body")
    if [ "$code" = 201 ] && [ -n "$token" ]; then
      pass "POST /api/v1/sessions (sign-in) -> 201; cookie: $(header signin Set-Cookie | cut -d';' -f1 | cut -d= -f1)"
      code=$(req read -H "Authorization: Bearer $token" "$BASE_URL/api/v1/users/$id")
      [ "$code" = 200 ] && jq -e --arg e "$email" '.email == $e' "$TMPD/read.body" > /dev/null \
        && pass "GET /api/v1/users/$id as that user -> 200, read back" \
        || fail "GET /api/v1/users/$id as that user -> $code $(head -c 300 "$TMPD/read.body")"
      code=$(req anonymous "$BASE_URL/api/v1/users/$id")
      [ "$code" = 401 ] && pass "GET /api/v1/users/$id signed out -> 401" || fail "GET /api/v1/users/$id signed out -> $code"
    else
      fail "POST /api/v1/sessions (sign-in) -> $code $(head -c 300 "$TMPD/signin.body")"
    fi
  fi
fi

# request ids: one chosen by the client, one generated by nginx; both must reach the api
client_id="e2e-client-$RUN_ID"
req rid -H "X-Request-ID: $client_id" "$BASE_URL/api/v1/health" > /dev/null
echoed=$(header rid X-Request-ID)
req rid2 "$BASE_URL/api/v1/health" > /dev/null
generated=$(header rid2 X-Request-ID)
sleep 1   # pino writes asynchronously
API_LOG=$(api_logs); NGINX_LOG=$(nginx_logs)
if [ "$echoed" = "$client_id" ] && grep -q "\"$client_id\"" <<<"$API_LOG" && grep -q "\"request_id\":\"$client_id\"" <<<"$NGINX_LOG"; then
  pass "client X-Request-ID $client_id echoed and logged by nginx and api"
else fail "client X-Request-ID: echoed '$echoed'; in api log: $(grep -c "$client_id" <<<"$API_LOG"); in nginx log: $(grep -c "$client_id" <<<"$NGINX_LOG")"; fi
if [ -n "$generated" ] && grep -q "\"$generated\"" <<<"$API_LOG" && grep -q "\"request_id\":\"$generated\"" <<<"$NGINX_LOG"; then
  pass "nginx-generated X-Request-ID $generated in the api and nginx logs"
else fail "generated X-Request-ID '$generated' not found in both logs"; fi
if grep -q "$static_id" <<<"$API_LOG"; then fail "the api logged the static request ($static_id): nginx did not serve it"
elif grep -q "\"request_id\":\"$static_id\"" <<<"$NGINX_LOG"; then pass "static request $static_id logged by nginx only, never reached the api"
else fail "static request $static_id not found in the nginx log"; fi
rm -rf "$TMPD"
phase_done

# ------------------------------------------------------------------- browser --
phase browser
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ "$E2E_BROWSER" = 0 ]; then
  skip "browser check (E2E_BROWSER=0)"
elif [ ! -x "$CHROMIUM" ] || [ ! -d e2e/node_modules/playwright-core ]; then
  msg="browser check: needs $CHROMIUM (apt-get install -y chromium) and playwright-core (pnpm install)"
  if [ "$E2E_BROWSER" = 1 ]; then fail "$msg"; else skip "$msg"; fi
else
  if out=$(CHROMIUM_PATH=$CHROMIUM node e2e/browser-check.ts "$BASE_URL" 2>&1); then pass "$out"
  else fail "browser check: $(echo "$out" | tail -5)"; fi
fi
phase_done

# ---------------------------------------------------------------- stop -------
if [ "${E2E_KEEP:-0}" != 1 ]; then
  phase stop
  "${DC[@]}" stop --timeout 20 2>&1 | sed 's/^/  /'
  for svc in nginx api db; do
    cid=$("${DC[@]}" ps -aq "$svc" 2>/dev/null | head -1)
    st=$(docker inspect -f '{{.State.ExitCode}}' "$cid" 2>/dev/null || echo '?')
    [ "$st" = 0 ] && pass "$svc stopped gracefully on SIGTERM (exit 0)" || fail "$svc exit code after stop: $st"
  done
  grep -q '"msg":"stopped"' <<<"$(api_logs)" && pass "api log: drained and \"stopped\"" || fail "api log has no \"stopped\" line"
  phase_done
fi
