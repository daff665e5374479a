"""Roles and databases of the local cluster: one private database per service, scratch
databases for tests, and the DSNs to reach them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

import asyncpg

from unefois_deploy.config import RuntimeProfile
from unefois_deploy.credentials import CredentialStore

ADMIN_ROLE = "unefois_admin"
SCRATCH_ROLE = "unefois_scratch"


def service_role(stage: str) -> str:
    """Role and database of a service share this name."""
    return f"unefois_{stage}"


def make_dsn(profile: RuntimeProfile, role: str, password: str, database: str) -> str:
    return f"postgresql://{quote(role)}:{quote(password, safe='')}@{profile.host}:{profile.postgres_port}/{quote(database)}"


class Databases:
    def __init__(self, profile: RuntimeProfile, credentials: CredentialStore) -> None:
        self._profile = profile
        self._credentials = credentials

    def admin_password(self) -> str:
        return self._credentials.password(ADMIN_ROLE)

    def admin_dsn(self, database: str = "postgres") -> str:
        return make_dsn(self._profile, ADMIN_ROLE, self.admin_password(), database)

    def service_dsn(self, stage: str) -> str:
        role = service_role(stage)
        return make_dsn(self._profile, role, self._credentials.password(role), role)

    async def provision_services(self, stages: Iterable[str]) -> None:
        """Idempotent: each service gets a login role and a database only it may connect to."""
        connection = await asyncpg.connect(self.admin_dsn())
        try:
            for stage in stages:
                role = service_role(stage)
                await _ensure_login_role(connection, role, self._credentials.password(role))
                await _ensure_database(connection, role, owner=role)
                await _restrict_connect(connection, role, role)
            await _ensure_login_role(connection, SCRATCH_ROLE, self._credentials.password(SCRATCH_ROLE))
        finally:
            await connection.close()

    async def create_scratch_database(self, name: str) -> str:
        """A fresh, empty database owned by the scratch role; returns its DSN (as that role)."""
        database = scratch_database_name(name)
        connection = await asyncpg.connect(self.admin_dsn())
        try:
            await _ensure_login_role(connection, SCRATCH_ROLE, self._credentials.password(SCRATCH_ROLE))
            await _execute_formatted(connection, "DROP DATABASE IF EXISTS %I WITH (FORCE)", database)
            await _execute_formatted(connection, "CREATE DATABASE %I OWNER %I", database, SCRATCH_ROLE)
        finally:
            await connection.close()
        return make_dsn(self._profile, SCRATCH_ROLE, self._credentials.password(SCRATCH_ROLE), database)

    async def drop_scratch_database(self, name: str) -> None:
        connection = await asyncpg.connect(self.admin_dsn())
        try:
            # FORCE: a test that forgot to close a pool must not make the drop fail.
            await _execute_formatted(connection, "DROP DATABASE IF EXISTS %I WITH (FORCE)", scratch_database_name(name))
        finally:
            await connection.close()


def scratch_database_name(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    # 63 bytes is PostgreSQL's identifier limit (NAMEDATALEN - 1).
    return f"scratch_{cleaned}"[:63]


async def _execute_formatted(connection: asyncpg.Connection, template: str, *identifiers_and_literals: str) -> None:
    # Utility statements (CREATE ROLE/DATABASE, GRANT) take no bind parameters, so the
    # server's own format() does the quoting (%I identifiers, %L literals).
    statement = await connection.fetchval(
        "SELECT format($1::text, " + ", ".join(f"${i + 2}::text" for i in range(len(identifiers_and_literals))) + ")",
        template,
        *identifiers_and_literals,
    )
    await connection.execute(statement)


async def _ensure_login_role(connection: asyncpg.Connection, role: str, password: str) -> None:
    exists = await connection.fetchval("SELECT true FROM pg_roles WHERE rolname = $1", role)
    # ALTER on every run keeps the role in step with secrets.json (the file is the source of truth).
    verb = "ALTER" if exists else "CREATE"
    await _execute_formatted(
        connection, verb + " ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L", role, password
    )


async def _ensure_database(connection: asyncpg.Connection, database: str, owner: str) -> None:
    if not await connection.fetchval("SELECT true FROM pg_database WHERE datname = $1", database):
        await _execute_formatted(connection, "CREATE DATABASE %I OWNER %I", database, owner)


async def _restrict_connect(connection: asyncpg.Connection, database: str, role: str) -> None:
    # PUBLIC has CONNECT on every new database by default: without this, any service
    # role could open any other service's database.
    await _execute_formatted(connection, "REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC", database)
    await _execute_formatted(connection, "GRANT CONNECT ON DATABASE %I TO %I", database, role)
