#!/usr/bin/env bash
# Make this machine able to run the platform and its tests: Java 17 + Maven + PostgreSQL
# server binaries (Debian packages), the .venv with every project package, the Kafka jars.
# Idempotent and quiet when everything is already there (a few seconds). Works unattended
# (CI=true, no stdin) on a fresh Debian 12 machine as root.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

VENV=$REPO/.venv
PYTHON=${PYTHON:-python3}
KAFKA_LIBS=${UNEFOIS_KAFKA_LIBS:-$HOME/.cache/unefois/kafka/libs}
KAFKA_POM=$REPO/deploy/kafka/pom.xml

say() { printf 'bootstrap: %s\n' "$*"; }

# ---------------------------------------------------------------- system packages

java_major() {
  # `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15 (on stderr)
  java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n1
}

pg_server_present() {
  # Same search as unefois_deploy.postgres.find_bindir
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then return 0; fi
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

missing=()
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then missing+=(openjdk-17-jre-headless); fi
command -v mvn >/dev/null || missing+=(maven)
pg_server_present || missing+=(postgresql)
# Web UI: npm installs the front-end assets; the browser tests drive Debian's Chromium
# (never a browser downloaded by `playwright install`).
command -v npm >/dev/null || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing system packages: ${missing[*]}; install them (as root: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------- Python packages

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
fi

# Every editable package: shared kernel, the development identity provider, deploy, and each
# service that has been written.
packages=(shared/events shared shared/rules deploy/dev_issuer deploy)
for pyproject in services/*/pyproject.toml; do
  [ -e "$pyproject" ] && packages+=("$(dirname "$pyproject")")
done

# The stamp holds a digest of everything that decides what pip installs; same digest, no pip.
stamp=$VENV/.unefois-bootstrap-stamp
digest=$(
  {
    "$VENV/bin/python" --version
    printf '%s\n' "${packages[@]}"
    sha256sum "${BASH_SOURCE[0]}" constraints.txt "${packages[@]/%//pyproject.toml}"
  } | sha256sum | cut -d' ' -f1
)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  say "installing Python packages: ${packages[*]}"
  editable=()
  for package in "${packages[@]}"; do editable+=(-e "$package"); done
  # PYTHONWARNINGS: setuptools warns about editable installs at every build (a generic
  # notice, not about this project); pip and the real errors still print.
  # setuptools: the venv's own (Python's bundled 65.x) is older than the packages' build
  # requirement (>=68) and has no bdist_wheel; tests/packaging builds their wheels offline
  # with it (pip wheel --no-build-isolation), so a pinned one with bdist_wheel built in.
  PYTHONWARNINGS=ignore::UserWarning "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c constraints.txt "${editable[@]}" pytest pytest-asyncio playwright setuptools import-linter schemathesis
  echo "$digest" >"$stamp"
fi

# ---------------------------------------------------------------- front-end assets (npm)

# package-lock.json pins what the services serve from their own origin (/static/bootstrap,
# /static/htmx, /static/swagger-ui) and axe-core for the browser tests. --ignore-scripts:
# none of them needs an install script, and swagger-ui-dist's analytics dependency would
# otherwise try to reach the network (it is also disabled by scarfSettings in package.json).
npm_stamp=$REPO/node_modules/.unefois-npm-stamp
npm_digest=$( { node --version; sha256sum package-lock.json; } | sha256sum | cut -d' ' -f1 )
if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_digest" ]; then
  say "installing front-end assets (npm ci)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$npm_digest" >"$npm_stamp"
fi

# ---------------------------------------------------------------- Kafka jars

# The marker names the pom it was resolved from: a changed pom (new Kafka version)
# resolves again into a clean directory, so two versions never share the class path.
marker=$KAFKA_LIBS/.resolved-from-pom
pom_digest=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)
if [ "$(cat "$marker" 2>/dev/null)" != "$pom_digest" ]; then
  say "resolving Kafka jars into $KAFKA_LIBS (Maven)"
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  staging=$(mktemp -d "$(dirname "$KAFKA_LIBS")/libs.XXXXXX")
  trap 'rm -rf "$staging" "$staging.log"' EXIT
  # Fully qualified goal: Maven 3.8's default dependency plugin (2.8) is too old.
  # Its output (even -q leaves terminal escapes) is shown only when it fails.
  if ! mvn -B -q -f "$KAFKA_POM" \
      org.apache.maven.plugins:maven-dependency-plugin:3.11.0:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$staging" >"$staging.log" 2>&1; then
    cat "$staging.log" >&2
    exit 1
  fi
  rm -f "$staging.log"
  echo "$pom_digest" >"$staging/.resolved-from-pom"
  rm -rf "$KAFKA_LIBS"
  mv "$staging" "$KAFKA_LIBS"
  trap - EXIT
fi

say "ready"
