# Nginx in front of the API: serves apps/api/public under /static/ from the image and
# proxies everything else to the api (nginx/templates/api.conf.template).
#
#   docker build -f docker/nginx.Dockerfile -t express-starter-nginx .
#   scripts/nginx-test.sh            # nginx -t inside this image
#
# Build context: the repository root (.dockerignore applies). Configuration through the
# environment at start (the official image renders /etc/nginx/templates/*.template):
#   NGINX_LISTEN  (default 80)         API_UPSTREAM  (default api:3000)
#   NGINX_RESOLVER (default 127.0.0.11, Docker's embedded DNS)   NGINX_RESOLVER_VALID (default 5s)

ARG NGINX_IMAGE=nginx:1.27-bookworm
FROM ${NGINX_IMAGE}

ENV NGINX_LISTEN=80 \
    API_UPSTREAM=api:3000 \
    NGINX_RESOLVER=127.0.0.11 \
    NGINX_RESOLVER_VALID=5s

# The packaged default server would compete for the same port.
RUN rm -f /etc/nginx/conf.d/default.conf
COPY nginx/templates/ /etc/nginx/templates/
COPY apps/api/public/ /usr/share/nginx/static/
RUN find /usr/share/nginx/static -name '.*' -prune -exec rm -rf {} + \
 && chmod -R a+rX,go-w /usr/share/nginx/static

EXPOSE 80
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD l="$NGINX_LISTEN"; case "$l" in *:*) ;; *) l="127.0.0.1:$l" ;; esac; \
        curl -fsS -o /dev/null --max-time 2 "http://$l/nginx-health" || exit 1
