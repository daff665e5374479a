"""`python -m unefois_dev_issuer users | token LOGIN | rotate-key --state-dir DIR`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from unefois_dev_issuer.client import access_token
from unefois_dev_issuer.keys import SigningKeys
from unefois_dev_issuer.users import seeded_users


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unefois_dev_issuer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("users", help="list the seeded users")
    token = commands.add_parser("token", help="print an access token for a seeded user (password grant)")
    token.add_argument("login")
    token.add_argument("--issuer", default="http://127.0.0.1:8000", help="issuer URL (dev profile: %(default)s)")
    rotate = commands.add_parser("rotate-key", help="new signing key; the previous one stays in the JWKS")
    rotate.add_argument("--state-dir", type=Path, default=Path(".runtime/dev/dev-issuer"))
    args = parser.parse_args(argv)

    if args.command == "users":
        for user in seeded_users():
            print(f"{user.login:36} {', '.join(user.roles):16} {user.org_siret or '-':15} {user.org_name}")
    elif args.command == "token":
        try:
            print(asyncio.run(access_token(args.issuer, args.login)))
        except (PermissionError, OSError) as error:
            print(error, file=sys.stderr)
            return 1
    elif args.command == "rotate-key":
        print(f"new signing key {SigningKeys(args.state_dir).rotate()} in {args.state_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
