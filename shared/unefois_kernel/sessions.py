"""Operators' command: end every session of a person, on every service.

    python -m unefois_kernel.sessions revoke --subject <sub> [--database-url DSN ...] [--by NAME]

Writes the revocation (unefois_kernel.auth.sessions) straight into each service database:
those given with --database-url, or else every UNEFOIS_<SERVICE>_DATABASE_URL of the
environment. Every replica refuses that person's tokens issued up to now on its next request;
a new login afterwards works. The same exists as an API route for operators:
POST /auth/sessions/revoke {"subject": ...} on any service.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import re
import sys

import asyncpg

from unefois_kernel.auth.sessions import MAX_SUBJECT_LENGTH, revoke_subject_on

_DATABASE_URL = re.compile(r"^UNEFOIS_([A-Z0-9_]+)_DATABASE_URL$")


def databases_from_environment(environ: dict[str, str]) -> dict[str, str]:
    """{service: dsn} from UNEFOIS_<SERVICE>_DATABASE_URL."""
    return {match[1].lower(): value for name, value in sorted(environ.items())
            if (match := _DATABASE_URL.match(name)) and value}


async def revoke(subject: str, databases: dict[str, str], revoked_by: str) -> dict[str, str]:
    results = {}
    for name, dsn in databases.items():
        try:
            conn = await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError) as error:
            results[name] = f"injoignable ({type(error).__name__})"
            continue
        try:
            await revoke_subject_on(conn, subject, revoked_by)
            results[name] = "révoquées"
        except asyncpg.UndefinedTableError:
            results[name] = "base sans registre des sessions (service jamais démarré ?)"
        finally:
            await conn.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unefois_kernel.sessions",
                                     description="Révoquer les sessions d'une personne sur tous les services.")
    commands = parser.add_subparsers(dest="command", required=True)
    revoke_parser = commands.add_parser("revoke", help="mettre fin à toutes les sessions d'une personne")
    revoke_parser.add_argument("--subject", required=True, help="l'identifiant (sub) de la personne")
    revoke_parser.add_argument("--database-url", action="append", default=[],
                               help="base d'un service (répétable ; défaut : UNEFOIS_<SERVICE>_DATABASE_URL)")
    revoke_parser.add_argument("--by", default=None, help="qui révoque (défaut : l'utilisateur du système)")
    args = parser.parse_args(argv)
    subject = args.subject.strip()
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        parser.error(f"--subject : entre 1 et {MAX_SUBJECT_LENGTH} caractères")
    databases = ({f"base {i + 1}": dsn for i, dsn in enumerate(args.database_url)} if args.database_url
                 else databases_from_environment(dict(os.environ)))
    if not databases:
        parser.error("aucune base : donnez --database-url ou définissez UNEFOIS_<SERVICE>_DATABASE_URL")
    revoked_by = args.by or f"cli:{getpass.getuser()}"
    results = asyncio.run(revoke(subject, databases, revoked_by))
    for name, result in results.items():
        print(f"{name} : {result}")
    return 0 if all(result == "révoquées" for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
