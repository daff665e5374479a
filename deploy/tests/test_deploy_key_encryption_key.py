"""Tendering's key-encryption key (sealed bids): a service secret file the local runtime creates
once in its runtime directory (0600), handed to tendering only, never to the database."""

import base64
import dataclasses
import stat

from unefois_deploy.config import load_profile
from unefois_deploy.environment import service_environment


def test_tendering_gets_a_key_encryption_key_file_created_once_0600(tmp_path):
    profile = dataclasses.replace(load_profile("dev"), runtime_dir=tmp_path)
    env = service_environment(profile, "tendering")
    path = tmp_path / "tendering-key-encryption-key"
    assert env["UNEFOIS_TENDERING_KEY_ENCRYPTION_KEY_FILE"] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text(encoding="ascii")
    assert len(base64.urlsafe_b64decode(key.strip())) == 32
    service_environment(profile, "tendering")
    assert path.read_text(encoding="ascii") == key  # kept: losing it would lose the sealed bids
    # The other services are not given it.
    assert not any("KEY_ENCRYPTION" in name for name in service_environment(profile, "contracts"))
