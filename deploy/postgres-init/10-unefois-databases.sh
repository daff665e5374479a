#!/usr/bin/env bash
# unefois — local PostgreSQL set-up for docker compose (DEV ONLY).
#
# Run once by the postgres image's entrypoint, on the first start with an empty
# data directory (files in /docker-entrypoint-initdb.d). Creates, per service,
# one login role and one database owned by it:
#
#   role unefois_<stage>  ->  database unefois_<stage>
#
# and revokes CONNECT from PUBLIC so that each role can connect to its own
# database only (pg_hba in the image accepts any user/database pair with a
# password; the privilege is what keeps services apart).
#
# Passwords come from UNEFOIS_<STAGE>_DB_PASSWORD (docker-compose.yml passes
# them, with dev-only defaults). They end up inside postgresql:// URLs, so keep
# them URL-safe (letters, digits, '-', '_', '.', '~').
#
# Changing a password later has no effect here (this script does not run again
# on an initialised volume): `docker compose down -v` resets the database.
#
# The entrypoint executes this file when it is executable and sources it
# otherwise; it is written to work either way (no `set -u`, no global state
# beyond one function).

unefois_create_service_databases() {
  local stage var password name
  for stage in sourcing tendering contracts invoicing opendata; do
    var="UNEFOIS_${stage^^}_DB_PASSWORD"
    password="${!var:-}"
    if [ -z "$password" ]; then
      echo "unefois init: $var is not set" >&2
      return 1
    fi
    name="unefois_${stage}"
    echo "unefois init: role and database $name"
    # psql variables: :"name" quotes an identifier, :'password' a literal.
    psql -v ON_ERROR_STOP=1 --no-password --username "$POSTGRES_USER" --dbname postgres \
         --set=name="$name" --set=password="$password" <<'SQL' || return 1
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE CONNECT, TEMPORARY ON DATABASE :"name" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"name" TO :"name";
SQL
  done

  # The maintenance databases: superuser only (CONNECT is granted to PUBLIC by default).
  psql -v ON_ERROR_STOP=1 --no-password --username "$POSTGRES_USER" --dbname postgres <<'SQL' || return 1
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;
SQL
}

unefois_create_service_databases || exit 1
