"""The project's own PostgreSQL cluster: initdb once, start/stop with pg_ctl, ready on a real login.

PostgreSQL refuses to run as root, so as root every server-side binary runs as the
`postgres` system user (runuser) and the cluster directory is chown'ed to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg

from unefois_deploy.commands import CommandError, run_checked
from unefois_deploy.config import RuntimeProfile
from unefois_deploy.databases import ADMIN_ROLE, Databases
from unefois_deploy.logtail import tail
from unefois_deploy.ports import ensure_port_free

SYSTEM_USER = "postgres"
READY_TIMEOUT_S = 60.0
# sun_path is 108 bytes; PostgreSQL appends "/.s.PGSQL.<port>".
_MAX_SOCKET_DIR_LEN = 90


class PostgresNotFoundError(RuntimeError):
    pass


def find_bindir() -> Path:
    """Server binaries: UNEFOIS_PG_BINDIR, else `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin."""
    override = os.environ.get("UNEFOIS_PG_BINDIR")
    if override:
        return Path(override)
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip())
        # Debian's pg_config may belong to a newer libpq-dev than the installed server.
        if (bindir / "initdb").exists():
            return bindir
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda initdb: [int(part) for part in re.findall(r"\d+", initdb.parent.parent.name)],
    )
    if not installed:
        raise PostgresNotFoundError(
            "PostgreSQL server binaries (initdb, pg_ctl) not found; run deploy/bootstrap.sh "
            "(apt-get install postgresql) or set UNEFOIS_PG_BINDIR"
        )
    return installed[-1].parent


def _running_as_root() -> bool:
    return os.geteuid() == 0


class PostgresCluster:
    def __init__(self, profile: RuntimeProfile, databases: Databases) -> None:
        self._profile = profile
        self._databases = databases
        self._bindir = find_bindir()
        self.home = self._cluster_home()
        self.data_dir = self.home / "data"
        self.socket_dir = self.home / "run"
        self.log_file = self.home / "postgres.log"

    # -- layout -------------------------------------------------------------------------

    def _cluster_home(self) -> Path:
        """<runtime>/pg, or a directory it links to when the postgres user could not reach it."""
        link = self._profile.runtime_dir / "pg"
        if link.is_symlink() or link.is_dir():
            return link.resolve()
        self._profile.runtime_dir.mkdir(parents=True, exist_ok=True)
        if self._reachable_by_server(self._profile.runtime_dir) and len(str(link / "run")) <= _MAX_SOCKET_DIR_LEN:
            link.mkdir()
            self._hand_over(link)
            return link
        # E.g. a checkout under /root (0700): the postgres user cannot traverse it, so the
        # cluster lives outside and <runtime>/pg points at it.
        digest = hashlib.sha256(str(self._profile.runtime_dir).encode()).hexdigest()[:12]
        base = Path("/var/lib/unefois") if _running_as_root() else Path(tempfile.gettempdir()) / f"unefois-{os.getuid()}"
        outside = base / f"{self._profile.name}-{digest}"
        # No link pointed at it, so it is left over from a deleted runtime dir whose
        # secrets.json is gone: its admin password is unknown, start afresh.
        shutil.rmtree(outside, ignore_errors=True)
        outside.mkdir(parents=True)
        self._hand_over(outside)
        link.symlink_to(outside, target_is_directory=True)
        return outside

    def _reachable_by_server(self, directory: Path) -> bool:
        if not _running_as_root():
            return True
        return subprocess.run(["runuser", "-u", SYSTEM_USER, "--", "test", "-x", str(directory)]).returncode == 0

    def _hand_over(self, path: Path) -> None:
        if _running_as_root():
            account = pwd.getpwnam(SYSTEM_USER)
            os.chown(path, account.pw_uid, account.pw_gid)
        path.chmod(0o700)

    # -- commands -----------------------------------------------------------------------

    def _as_server_user(self, binary: str, *args: str) -> list[str]:
        command = [str(self._bindir / binary), *args]
        return ["runuser", "-u", SYSTEM_USER, "--", *command] if _running_as_root() else command

    async def _run(self, binary: str, *args: str) -> str:
        # cwd: the server user may not be allowed into the caller's working directory.
        return await run_checked(self._as_server_user(binary, *args), what=binary, cwd=self.home)

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    async def initialize(self) -> None:
        password_file = self.home / ".initdb-password"
        password_file.write_text(self._databases.admin_password())
        self._hand_over(password_file)
        password_file.chmod(0o600)
        try:
            await self._run(
                "initdb",
                "--pgdata", str(self.data_dir),
                "--username", ADMIN_ROLE,
                "--pwfile", str(password_file),
                "--auth-local", "scram-sha-256",
                "--auth-host", "scram-sha-256",
                "--encoding", "UTF8",
                "--locale", "C.UTF-8",
                "--no-instructions",
            )
        finally:
            password_file.unlink(missing_ok=True)
        self._write_server_file(
            "pg_hba.conf",
            "# unefois: SCRAM passwords only, on the private socket and loopback TCP.\n"
            "local all all scram-sha-256\n"
            "host  all all 127.0.0.1/32 scram-sha-256\n",
        )
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# Settings owned by unefois_deploy (rewritten at every start)\ninclude_if_exists = 'unefois.conf'\n")

    def _write_server_file(self, name: str, text: str) -> None:
        path = self.data_dir / name
        path.write_text(text)
        self._hand_over(path)
        path.chmod(0o600)

    def _write_settings(self) -> None:
        self.socket_dir.mkdir(exist_ok=True)
        self._hand_over(self.socket_dir)
        # Tests commit a lot of small transactions: on the test profile a commit does not
        # wait for the WAL flush (a machine crash may lose the last few hundred ms, never
        # corrupts). Dev keeps durable commits so benchmarks measure the real thing.
        synchronous_commit = "off" if self._profile.name == "test" else "on"
        self._write_server_file(
            "unefois.conf",
            f"listen_addresses = '{self._profile.host}'\n"
            f"port = {self._profile.postgres_port}\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "unix_socket_permissions = 0700\n"
            "max_connections = 200\n"
            "shared_buffers = 128MB\n"
            f"synchronous_commit = {synchronous_commit}\n",
        )

    async def is_running(self) -> bool:
        if not self.initialized:
            return False
        try:
            await self._run("pg_ctl", "status", "--pgdata", str(self.data_dir))
        except CommandError:
            return False
        return True

    async def start(self) -> bool:
        """Start (initializing on first use) and wait until the admin can log in. False if it was already up."""
        if await self.is_running():
            await self.wait_ready()
            return False
        ensure_port_free(self._profile.host, self._profile.postgres_port, "PostgreSQL")
        if not self.initialized:
            await self.initialize()
        self._write_settings()
        try:
            await self._run(
                "pg_ctl", "start", "--pgdata", str(self.data_dir), "--log", str(self.log_file),
                "--wait", "--timeout", str(int(READY_TIMEOUT_S)), "--silent",
            )
            await self.wait_ready()
        except CommandError as error:
            await self.stop()
            raise CommandError(f"{error}\n{tail(self.log_file)}") from error
        except BaseException:
            # Cancelled or timed out: do not leave a half-started server behind.
            await self.stop()
            raise
        return True

    async def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                connection = await asyncpg.connect(self._databases.admin_dsn(), timeout=3)
            except asyncpg.InvalidPasswordError as error:
                raise RuntimeError(
                    f"the cluster in {self.home} does not accept the admin password of {self._profile.secrets_file} "
                    f"(was one of them deleted?); stop it and remove {self._profile.runtime_dir} to start afresh"
                ) from error
            except (OSError, asyncpg.CannotConnectNowError, asyncio.TimeoutError) as error:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"PostgreSQL not ready after {timeout:.0f}s: {error}\n{tail(self.log_file)}") from error
                await asyncio.sleep(0.2)
                continue
            try:
                await connection.fetchval("SELECT 1")
            finally:
                await connection.close()
            return

    async def stop(self) -> bool:
        """Fast shutdown (rolls back open transactions). False if it was not running."""
        if not await self.is_running():
            return False
        await self._run("pg_ctl", "stop", "--pgdata", str(self.data_dir), "--mode", "fast", "--wait", "--silent")
        return True
