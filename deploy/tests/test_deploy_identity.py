"""The local runtime's identity wiring: the development issuer's port, its clients, the
services' issuer and session secret."""

import dataclasses
import json
import stat
import sys

from unefois_deploy.config import STAGES, load_profile
from unefois_deploy.environment import ensure_session_secret, issuer_environment, service_environment
from unefois_deploy.services import ISSUER, uvicorn_command


def test_issuer_ports_and_urls():
    dev, test = load_profile("dev"), load_profile("test")
    assert (dev.issuer_port, test.issuer_port) == (8000, 18000)
    assert dev.issuer_url == "http://127.0.0.1:8000"
    assert test.issuer_url == "http://127.0.0.1:18000"
    assert dev.issuer_port not in {*dev.http_ports.values(), *test.http_ports.values(), test.issuer_port}


def test_issuer_port_override_is_per_profile(monkeypatch):
    monkeypatch.setenv("UNEFOIS_TEST_ISSUER_HTTP_PORT", "28000")
    assert (load_profile("dev").issuer_port, load_profile("test").issuer_port) == (8000, 28000)


def test_every_service_is_a_client_of_the_issuer_with_its_callback(tmp_path):
    profile = dataclasses.replace(load_profile("test"), runtime_dir=tmp_path)
    env = issuer_environment(profile)
    assert env["UNEFOIS_DEV_ISSUER_URL"] == "http://127.0.0.1:18000"
    assert env["UNEFOIS_DEV_ISSUER_STATE_DIR"] == str(tmp_path / "dev-issuer")
    clients = json.loads(env["UNEFOIS_DEV_ISSUER_CLIENTS"])
    assert set(clients) == {f"unefois-{stage}" for stage in STAGES}
    assert clients["unefois-tendering"] == {
        "redirect_uris": ["http://127.0.0.1:18002/auth/callback"],
        "post_logout_redirect_uris": ["http://127.0.0.1:18002/"],
    }


def test_services_trust_the_profile_issuer_and_share_one_secret_file(tmp_path):
    profile = dataclasses.replace(load_profile("test"), runtime_dir=tmp_path)
    sourcing, opendata = service_environment(profile, "sourcing"), service_environment(profile, "opendata")
    assert sourcing["UNEFOIS_SOURCING_OIDC_ISSUER"] == opendata["UNEFOIS_OPENDATA_OIDC_ISSUER"] == profile.issuer_url
    assert sourcing["UNEFOIS_SOURCING_OIDC_AUDIENCE"] == "unefois"
    secret_file = tmp_path / "session-secret"
    assert sourcing["UNEFOIS_SOURCING_SESSION_SECRET_FILE"] == str(secret_file)
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(secret_file.read_text()) >= 32
    # The secret never travels in the environment itself.
    assert secret_file.read_text() not in json.dumps(sourcing)


def test_session_secret_is_generated_once(tmp_path):
    path = tmp_path / "session-secret"
    ensure_session_secret(path)
    first = path.read_text()
    ensure_session_secret(path)
    assert path.read_text() == first
    assert [p.name for p in tmp_path.iterdir()] == ["session-secret"]  # no temporary left behind


def test_issuer_command_and_no_proxy_headers():
    command = uvicorn_command(ISSUER, 18000)
    assert command[:4] == [sys.executable, "-m", "uvicorn", "unefois_dev_issuer.main:app"]
    assert "--no-proxy-headers" in uvicorn_command("sourcing", 18001)
