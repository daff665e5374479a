"""Passwords of the local database roles: generated once, kept in <runtime>/secrets.json (0600).

The file is the only place they exist in clear; nothing here prints them.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path


class CredentialStore:
    def __init__(self, path: Path) -> None:
        self._path = path

    def password(self, role: str) -> str:
        """The role's password, generated and saved on first request."""
        passwords = self._read()
        if role not in passwords:
            passwords[role] = secrets.token_urlsafe(24)
            self._write(passwords)
        return passwords[role]

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}

    def _write(self, passwords: dict[str, str]) -> None:
        # Write-then-rename so a crash never leaves a half-written file, and the
        # temporary file is created 0600 (mkstemp) so the secrets are never world-readable.
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".secrets-")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(passwords, handle, indent=2, sort_keys=True)
            os.replace(tmp, self._path)
        except BaseException:
            os.unlink(tmp)
            raise
        os.chmod(self._path, 0o600)
