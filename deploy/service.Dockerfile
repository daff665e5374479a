# syntax=docker/dockerfile:1
# unefois service image: one file for the five services. SERVICE is the stage (sourcing,
# tendering, contracts, invoicing, opendata: the folder services/<SERVICE>/ and the package
# unefois_<SERVICE>), PORT its HTTP port (unefois_kernel.stages; docker-compose.yml passes
# both).
#
# The build context is the repository root (the image needs constraints.txt, the npm
# manifest and lock, and the shared kernel as well as the service):
#   docker build -f deploy/service.Dockerfile --build-arg SERVICE=contracts --build-arg PORT=8003 \
#     -t unefois-contracts .
#
# Three stages: the front-end assets from npm (node), the Python virtualenv (build), and
# the runtime image, which has neither Node.js nor a compiler.

# Required, no default: an image built without them fails at the check in `build`.
ARG SERVICE
ARG PORT

# ---------------------------------------------------------------- front-end assets

FROM node:20-slim AS assets

WORKDIR /assets
COPY package.json package-lock.json ./
# `npm ci` from the lock; --omit=dev leaves out axe-core (browser tests only); no install
# script is needed (and swagger-ui-dist's analytics one is not wanted). The kernel serves
# <node_modules>/bootstrap/dist, htmx.org/dist and swagger-ui-dist
# (shared/unefois_kernel/web/assets.py): /out is that layout with nothing else (plus licences).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && mkdir -p /out/htmx.org /out/bootstrap /out/swagger-ui-dist \
 && cp -R node_modules/htmx.org/dist node_modules/htmx.org/LICENSE /out/htmx.org/ \
 && cp -R node_modules/bootstrap/dist node_modules/bootstrap/LICENSE /out/bootstrap/ \
 && cp -R node_modules/swagger-ui-dist/. /out/swagger-ui-dist/

# ---------------------------------------------------------------- Python packages

FROM python:3.11-slim AS build
ARG SERVICE
ARG PORT

# Before anything is copied: an empty SERVICE would make the COPY below take all of
# services/, an empty PORT an image without a default port.
RUN case "$SERVICE" in ''|*[!a-z]*) echo "SERVICE='$SERVICE': pass --build-arg SERVICE=<stage> (lower-case letters)" >&2; exit 1 ;; esac \
 && case "$PORT" in ''|*[!0-9]*) echo "PORT='$PORT': pass --build-arg PORT=<the stage's HTTP port>" >&2; exit 1 ;; esac

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# A virtualenv at the same path in both stages, so the runtime stage can take it as is.
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY constraints.txt ./
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/
# Every dependency version comes from constraints.txt; nothing floats.
RUN pip install --no-cache-dir -c constraints.txt ./shared/events ./shared ./shared/rules "./services/${SERVICE}"

# ---------------------------------------------------------------- runtime

FROM python:3.11-slim
ARG SERVICE
ARG PORT

LABEL org.opencontainers.image.title="unefois-${SERVICE}" \
      org.opencontainers.image.description="unefois ${SERVICE} service"

# Tendering renders its deposit receipts as PDF with weasyprint, which needs Pango and a
# font (the other services do not load it): the libraries only, no build tools.
RUN if [ "$SERVICE" = "tendering" ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
      && rm -rf /var/lib/apt/lists/*; \
    fi

# Fixed numeric uid/gid so Kubernetes runAsNonRoot can verify it without runAsUser.
RUN groupadd --system --gid 10001 unefois \
 && useradd --system --uid 10001 --gid unefois --no-create-home \
            --home-dir /nonexistent --shell /usr/sbin/nologin unefois

# The service's variables are UNEFOIS_<STAGE>_*, upper case, which a Dockerfile cannot
# derive from SERVICE (ENV has no case conversion). So the two commands that read the port
# are written here, with the variable's name and the default port (PORT) in them (owned by
# root, 0755):
#   unefois-serve        the CMD: uvicorn on UNEFOIS_<STAGE>_HTTP_PORT, PORT when unset.
#                        One uvicorn process per container (scale with replicas); `exec`
#                        makes uvicorn PID 1 so it receives SIGTERM directly and shuts down
#                        gracefully. --no-proxy-headers (as under `make up`): whether
#                        X-Forwarded-* is believed is the app's decision alone
#                        (UNEFOIS_<STAGE>_TRUSTED_PROXY), never uvicorn's.
#   unefois-healthcheck  the HEALTHCHECK: /healthz (liveness) on the same port, with the
#                        standard library (no curl in -slim).
RUN set -eu; \
    var="UNEFOIS_$(printf '%s' "$SERVICE" | tr '[:lower:]' '[:upper:]')_HTTP_PORT"; \
    printf '%s\n' \
      '#!/bin/sh' \
      "# unefois ${SERVICE} service; written by deploy/service.Dockerfile." \
      ": \"\${${var}:=${PORT}}\"" \
      "export ${var}" \
      "exec uvicorn unefois_${SERVICE}.main:app --host 0.0.0.0 --port \"\${${var}}\" --no-proxy-headers" \
      > /usr/local/bin/unefois-serve; \
    printf '%s\n' \
      '#!/bin/sh' \
      "# unefois ${SERVICE} service liveness probe; written by deploy/service.Dockerfile." \
      "exec python -c \"import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('${var}', '${PORT}'), timeout=4)\"" \
      > /usr/local/bin/unefois-healthcheck; \
    chmod 0755 /usr/local/bin/unefois-serve /usr/local/bin/unefois-healthcheck

COPY --from=build /opt/venv /opt/venv
# Read-only for the service (owned by root): served at /static/bootstrap, /static/htmx, /static/swagger-ui.
COPY --from=assets /out/ /opt/unefois/node_modules/

# Bytecode was compiled at install time; the root filesystem may be read-only at run time.
# UNEFOIS_<STAGE>_HTTP_PORT is not set here (see unefois-serve): unset, it is PORT.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UNEFOIS_ASSETS_DIR=/opt/unefois/node_modules

USER 10001:10001
WORKDIR /app
EXPOSE ${PORT}

HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["unefois-healthcheck"]

CMD ["unefois-serve"]
