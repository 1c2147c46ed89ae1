#!/usr/bin/env bash
# nginx-test.sh - `nginx -t` on the real nginx image (for CI and before a deploy).
#
# Builds docker/nginx.Dockerfile (unless NGINX_TEST_IMAGE names an existing image), then
# runs the image's own entrypoint - which renders templates/*.template with envsubst - and
# `nginx -t`, once with the image defaults (bridge network: listen 80, api:3000) and once
# with compose.host.yaml-style values (listen 127.0.0.1:<port>, upstream 127.0.0.1:<port>).
# No network: the container runs with --network none; "api" resolves through --add-host.
#
# env: NGINX_TEST_IMAGE   test this image instead of building one
#      DOCKER_BUILD_CMD   build command (default: "docker build"; on engines whose client
#                         lacks buildx, e.g. "env DOCKER_BUILDKIT=1 /usr/bin/docker build")
set -Eeuo pipefail
cd "$(dirname "$0")/.."

image=${NGINX_TEST_IMAGE:-}
if [ -z "$image" ]; then
  image=express-starter-nginx:nginx-test
  read -r -a build <<<"${DOCKER_BUILD_CMD:-docker build}"
  "${build[@]}" --network host -q -f docker/nginx.Dockerfile -t "$image" . > /dev/null
fi

run_t() { # run_t <label> [docker run args...]
  local label=$1; shift
  printf '%-28s ' "$label:"
  if out=$(docker run --rm --network none --add-host api:127.0.0.1 -e NGINX_ENTRYPOINT_QUIET_LOGS=1 \
      "$@" "$image" nginx -t 2>&1); then
    echo "ok"
  else
    echo "FAILED"; echo "$out" | sed 's/^/    /'; return 1
  fi
}

run_t "defaults (listen 80)"
run_t "host network (127.0.0.1)" -e NGINX_LISTEN=127.0.0.1:18080 -e API_UPSTREAM=127.0.0.1:13000
# the rendered file, for the record
docker run --rm --network none --add-host api:127.0.0.1 -e NGINX_ENTRYPOINT_QUIET_LOGS=1 \
  --entrypoint sh "$image" -c '/docker-entrypoint.sh nginx -t >/dev/null 2>&1 && grep -nE "^ *(listen|resolver|set|proxy_pass) " /etc/nginx/conf.d/api.conf' \
  | sed 's/^/    /'
[ -n "${NGINX_TEST_IMAGE:-}" ] || docker rmi "$image" > /dev/null
echo "nginx -t passed"
