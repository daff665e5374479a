"""The issuer's RS256 signing key: generated once into the state directory (file mode 0600),
rotated on demand; the previous key stays published in the JWKS so the tokens it signed stay
valid until they expire."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from joserfc.jwk import KeySet, RSAKey

KEY_FILE = "signing-keys.json"
KEY_SIZE = 2048
ALGORITHM = "RS256"


def _generate() -> RSAKey:
    return RSAKey.generate_key(KEY_SIZE, parameters={"use": "sig", "alg": ALGORITHM}, private=True, auto_kid=True)


class SigningKeys:
    """{"current": <private JWK>, "previous": [<private JWK>]} in <state_dir>/signing-keys.json.

    Re-read when the file changes, so `python -m unefois_dev_issuer rotate-key` takes effect
    in a running issuer without a restart.
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / KEY_FILE
        self._loaded_mtime: int | None = None
        self._current: RSAKey | None = None
        self._previous: list[RSAKey] = []
        with self._locked():
            if not self.path.exists():
                self._write(_generate(), [])
        self._reload_if_changed()

    @contextmanager
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.path.parent / ".signing-keys.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, current: RSAKey, previous: list[RSAKey]) -> None:
        document = {"current": current.as_dict(private=True), "previous": [k.as_dict(private=True) for k in previous]}
        # mkstemp creates the file 0600: the private keys are never readable by others, even briefly.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".signing-keys-")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(document, handle)
            os.replace(tmp, self.path)
        except BaseException:
            os.unlink(tmp)
            raise
        os.chmod(self.path, 0o600)

    def _reload_if_changed(self) -> None:
        mtime = self.path.stat().st_mtime_ns
        if mtime == self._loaded_mtime:
            return
        document = json.loads(self.path.read_text())
        self._current = RSAKey.import_key(document["current"])
        self._previous = [RSAKey.import_key(key) for key in document.get("previous", [])]
        self._loaded_mtime = mtime

    def rotate(self) -> str:
        """A new current key; the old one becomes the (only) previous one. Returns the new kid."""
        with self._locked():
            self._reload_if_changed()
            new = _generate()
            self._write(new, [self._current])
        self._reload_if_changed()
        return new.kid

    @property
    def current(self) -> RSAKey:
        self._reload_if_changed()
        return self._current

    def all(self) -> list[RSAKey]:
        self._reload_if_changed()
        return [self._current, *self._previous]

    def key_set(self) -> KeySet:
        return KeySet(self.all())

    def jwks(self) -> dict:
        """The public halves only."""
        return {"keys": [key.as_dict(private=False) for key in self.all()]}
