"""The seeded users (users.json) and their passwords, hashed with scrypt at start-up.

users.json holds no password: every seeded user's password is the development password
(UNEFOIS_DEV_PASSWORD, default "unefois-dev"). At start-up each user gets its own random
salt and scrypt hash of it; only the hashes are kept, and a login attempt is checked with
`cryptography`'s constant-time Scrypt.verify (an unknown login costs the same work).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

# The subject of a seeded user is stable across runs and machines (derived from its login).
SUBJECT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "dev-issuer.unefois.fr")
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LENGTH = 2**14, 8, 1, 32


@dataclass(frozen=True)
class SeededUser:
    login: str
    name: str
    roles: tuple[str, ...]
    org_siret: str | None
    org_name: str
    org_kind: str  # buyer | supplier | platform

    @property
    def subject(self) -> str:
        return str(uuid.uuid5(SUBJECT_NAMESPACE, self.login))

    @property
    def email(self) -> str:
        return self.login

    def claims(self) -> dict:
        """The profile part of the token claims contract (unefois_kernel.auth.principal)."""
        return {
            "sub": self.subject,
            "name": self.name,
            "email": self.email,
            "roles": list(self.roles),
            "org_siret": self.org_siret,
            "org_name": self.org_name,
            "org_kind": self.org_kind,
        }


class SeededUsers(tuple):
    """All seeded users, in file order, with look-ups by login, role and organisation."""

    def by_login(self, login: str) -> SeededUser:
        wanted = normalise_login(login)
        for user in self:
            if user.login == wanted:
                return user
        raise KeyError(f"no seeded user {login!r}; known: {', '.join(u.login for u in self)}")

    def by_role(self, role: str) -> list[SeededUser]:
        return [user for user in self if role in user.roles]

    def of_organisation(self, siret: str) -> list[SeededUser]:
        return [user for user in self if user.org_siret == siret]

    @property
    def logins(self) -> list[str]:
        return [user.login for user in self]


def normalise_login(login: str) -> str:
    return login.strip().lower()


@cache
def seeded_users() -> SeededUsers:
    document = json.loads(resources.files("unefois_dev_issuer").joinpath("users.json").read_text(encoding="utf-8"))
    users = []
    for organisation in document["organisations"]:
        for user in organisation["users"]:
            users.append(SeededUser(
                login=normalise_login(user["login"]),
                name=user["name"],
                roles=tuple(user["roles"]),
                org_siret=organisation["siret"],
                org_name=organisation["name"],
                org_kind=organisation["kind"],
            ))
    return SeededUsers(users)


def _scrypt(salt: bytes) -> Scrypt:
    return Scrypt(salt=salt, length=SCRYPT_LENGTH, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)


class PasswordBook:
    """login -> (salt, scrypt hash); checks a password without ever storing it."""

    def __init__(self, users: Iterable[SeededUser], password: str) -> None:
        if not password:
            raise ValueError("the development password (UNEFOIS_DEV_PASSWORD) must not be empty")
        secret = password.encode("utf-8")
        self._hashes: dict[str, tuple[bytes, bytes]] = {}
        for user in users:
            salt = os.urandom(16)
            self._hashes[user.login] = (salt, _scrypt(salt).derive(secret))
        # Checked against when the login is unknown, so both cases cost one scrypt.
        salt = os.urandom(16)
        self._decoy = (salt, _scrypt(salt).derive(os.urandom(16)))

    def check(self, login: str, password: str) -> bool:
        known = self._hashes.get(normalise_login(login))
        salt, expected = known or self._decoy
        try:
            _scrypt(salt).verify(password.encode("utf-8"), expected)
        except InvalidKey:
            return False
        return known is not None


@lru_cache(maxsize=2)
def password_book(password: str) -> PasswordBook:
    """The seeded users' hashes, computed once per process (scrypt is slow on purpose)."""
    return PasswordBook(seeded_users(), password)
