"""The project's PostgreSQL cluster: one private database per service, SCRAM logins, scratch databases."""

import stat

import asyncpg
import pytest

from unefois_deploy.config import STAGES


async def test_service_role_connects_to_its_own_database(service_dsn):
    connection = await asyncpg.connect(service_dsn("sourcing"))
    try:
        assert await connection.fetchval("SELECT current_user || '@' || current_database()") == (
            "unefois_sourcing@unefois_sourcing"
        )
        # It owns its database, so it can create its schema there.
        await connection.execute("CREATE TEMPORARY TABLE probe (id int)")
    finally:
        await connection.close()


async def test_service_role_cannot_connect_to_another_services_database(service_dsn):
    sourcing_credentials_on_tendering_db = service_dsn("sourcing").rsplit("/", 1)[0] + "/unefois_tendering"
    with pytest.raises(asyncpg.InsufficientPrivilegeError) as refused:
        await asyncpg.connect(sourcing_credentials_on_tendering_db)
    assert 'permission denied for database "unefois_tendering"' in str(refused.value)


async def test_every_service_database_is_closed_to_public(admin_dsn):
    connection = await asyncpg.connect(admin_dsn)
    try:
        rows = await connection.fetch(
            "SELECT datname, has_database_privilege('public', datname, 'CONNECT') AS public_can_connect,"
            " pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = ANY($1::text[])",
            [f"unefois_{stage}" for stage in STAGES],
        )
    finally:
        await connection.close()
    assert {row["datname"]: (row["owner"], row["public_can_connect"]) for row in rows} == {
        f"unefois_{stage}": (f"unefois_{stage}", False) for stage in STAGES
    }


async def test_wrong_password_is_rejected(service_dsn):
    dsn = service_dsn("sourcing")
    user_and_password, rest = dsn.removeprefix("postgresql://").split("@", 1)
    user = user_and_password.split(":", 1)[0]
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(f"postgresql://{user}:not-the-password@{rest}")


def test_passwords_file_is_private_to_its_owner(runtime):
    mode = stat.S_IMODE(runtime.profile.secrets_file.stat().st_mode)
    assert mode == 0o600


async def test_scratch_database_is_fresh_and_dropped_afterwards(runtime, scratch_database):
    dsn = await scratch_database()
    database = dsn.rsplit("/", 1)[1]
    connection = await asyncpg.connect(dsn)
    try:
        assert await connection.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
        await connection.execute("CREATE TABLE outbox (id bigint PRIMARY KEY)")
    finally:
        await connection.close()

    await runtime.databases.drop_scratch_database(database.removeprefix("scratch_"))
    admin = await asyncpg.connect(runtime.admin_dsn)
    try:
        assert await admin.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", database) == 0
    finally:
        await admin.close()
