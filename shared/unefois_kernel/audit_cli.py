"""Operator command for the audit trail of one service database.

    python -m unefois_kernel.audit_cli verify [--dsn postgresql://...]
    python -m unefois_kernel.audit_cli show --aggregate-type need --aggregate-id 42 [--dsn ...]

The DSN comes from --dsn or, better (it stays out of the shell history and the process
list), from the UNEFOIS_AUDIT_DSN environment variable. It is never printed. A read-only
role is enough: the command only reads.

verify checks every chain, streamed through a server-side cursor (memory does not grow with
the table), in one snapshot, and prints the first broken link of each broken chain.
Exit codes: 0 every chain intact (show: the chain exists and is intact), 1 a chain is broken
(show: or there is no such chain), 2 usage error or database unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from urllib.parse import unquote, urlsplit

import asyncpg

from unefois_kernel import audit

DSN_ENVIRONMENT_VARIABLE = "UNEFOIS_AUDIT_DSN"

EXIT_INTACT = 0
EXIT_BROKEN = 1
EXIT_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m unefois_kernel.audit_cli", description="Verify or show the hash-chained audit trail."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("verify", "verify every chain of the database"), ("show", "print one aggregate's chain")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--dsn", help=f"PostgreSQL DSN (default: ${DSN_ENVIRONMENT_VARIABLE})")
        if name == "show":
            command.add_argument("--aggregate-type", required=True)
            command.add_argument("--aggregate-id", required=True)
    return parser


def _redact(text: str, dsn: str) -> str:
    """`text` without the DSN or its password, should a driver message quote them."""
    password = urlsplit(dsn).password
    text = text.replace(dsn, "<dsn>")
    for secret in {password, unquote(password)} if password else ():
        text = text.replace(secret, "***")
    return text


def _print_summary(summary: audit.VerificationSummary, seconds: float) -> None:
    verdict = "all intact" if summary.intact else f"{len(summary.broken)} broken"
    print(f"audit trail: {summary.chains} chains, {summary.entries} entries verified in {seconds:.2f} s: {verdict}")


async def _verify(conn: asyncpg.Connection) -> int:
    began = time.monotonic()
    summary = await audit.verify_database(conn, on_broken=lambda link: print(f"BROKEN {link}", flush=True))
    _print_summary(summary, time.monotonic() - began)
    return EXIT_INTACT if summary.intact else EXIT_BROKEN


def _entry_line(entry: audit.AuditEntry) -> str:
    change = json.dumps(entry.change, ensure_ascii=False, sort_keys=True)
    return (
        f"{entry.sequence:>6}  {audit.format_instant(entry.occurred_at)}  {entry.action}  by {entry.actor}"
        f"  tenant {entry.tenant}  hash {entry.entry_hash[:16]}  {change}"
    )


async def _show(conn: asyncpg.Connection, aggregate_type: str, aggregate_id: str) -> int:
    verifier = audit.ChainVerifier()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for entry in audit.stream_entries(conn, aggregate_type=aggregate_type, aggregate_id=aggregate_id):
            if verifier.entries == 0:
                print(f"{aggregate_type}/{aggregate_id}")
            print(_entry_line(entry))
            verifier.feed(entry)
    if verifier.entries == 0:
        print(f"no audit entries for {aggregate_type}/{aggregate_id}")
        return EXIT_BROKEN
    if verifier.broken is not None:
        print(f"BROKEN {verifier.broken}")
        return EXIT_BROKEN
    print(f"chain intact: {verifier.entries} entries")
    return EXIT_INTACT


async def _run(arguments: argparse.Namespace, dsn: str) -> int:
    try:
        conn = await asyncpg.connect(dsn)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        print(f"cannot connect to the database: {_redact(f'{type(exc).__name__}: {exc}', dsn)}", file=sys.stderr)
        return EXIT_ERROR
    try:
        if arguments.command == "verify":
            return await _verify(conn)
        return await _show(conn, arguments.aggregate_type, arguments.aggregate_id)
    except asyncpg.PostgresError as exc:
        print(f"database error: {_redact(f'{type(exc).__name__}: {exc}', dsn)}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    dsn = arguments.dsn or os.environ.get(DSN_ENVIRONMENT_VARIABLE)
    if not dsn:
        print(f"no database: give --dsn or set {DSN_ENVIRONMENT_VARIABLE}", file=sys.stderr)
        return EXIT_ERROR
    return asyncio.run(_run(arguments, dsn))


if __name__ == "__main__":
    sys.exit(main())
