"""Fixtures of every tendering test, unit and integration alike."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def key_encryption_key_file(tmp_path_factory):
    """The key-encryption key the publication seals consultations' keys with (bids/custody.py): a
    secret file of the test session, as the local runtime gives the running service its own."""
    import base64
    import os

    from unefois_tendering.bids.custody import KEY_FILE_ENVIRONMENT, service_custody

    path = tmp_path_factory.mktemp("custody") / "tendering-key-encryption-key"
    path.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode("ascii"), encoding="ascii")
    path.chmod(0o600)
    previous = os.environ.get(KEY_FILE_ENVIRONMENT)
    os.environ[KEY_FILE_ENVIRONMENT] = str(path)
    service_custody.cache_clear()
    yield path
    service_custody.cache_clear()
    if previous is None:
        os.environ.pop(KEY_FILE_ENVIRONMENT, None)
    else:
        os.environ[KEY_FILE_ENVIRONMENT] = previous
