"""The development mail catcher, in-process: SMTP in, page and JSON out, nothing rendered."""

import smtplib
import socket
from email.message import EmailMessage

from starlette.testclient import TestClient
from unefois_deploy.config import load_profile
from unefois_deploy.environment import mailcatcher_environment
from unefois_deploy.mailcatcher import create_app
from unefois_deploy.services import MAILCATCHER, ServiceSupervisor, uvicorn_command
from unefois_deploy.summary import service_lines


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _mail(to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Plateforme <ne-pas-repondre@unefois.test>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Bonjour,\nVotre dépôt est reçu.\n")
    message.add_alternative("<p>Bonjour, <script>alert(1)</script>votre dépôt est reçu.</p>", subtype="html")
    return message


def test_caught_mails_listed_polled_and_shown_escaped(tmp_path):
    port = _free_port()
    with TestClient(create_app(tmp_path / "mails", "127.0.0.1", port)) as client:
        assert client.get("/readyz").status_code == 200
        assert client.get("/").text.count("Aucun courriel capté") == 1
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(_mail("Marie@Fournisseur.test", "Accusé de réception <n°1>"))
            smtp.send_message(_mail("autre@fournisseur.test", "Autre"))

        mine = client.get("/api/mails", params={"to": "marie@fournisseur.test"}).json()
        assert [m["subject"] for m in mine] == ["Accusé de réception <n°1>"]
        assert mine[0]["to"] == ["marie@fournisseur.test"]
        assert len(client.get("/api/mails").json()) == 2

        one = client.get(f"/api/mails/{mine[0]['id']}").json()
        assert "Votre dépôt est reçu." in one["text"] and "<script>" in one["html"]

        listing = client.get("/")
        assert 'lang="fr"' in listing.text and "Accusé de réception &lt;n°1&gt;" in listing.text
        assert "default-src 'none'; style-src 'self'" in listing.headers["content-security-policy"]
        assert "pre-wrap" in client.get("/style.css").text
        page = client.get(f"/mails/{mine[0]['id']}").text
        assert "<script>" not in page and "&lt;script&gt;" in page

        assert client.get("/mails/../../etc/passwd").status_code == 404
        assert client.get("/mails/" + "0" * 32).status_code == 404
        assert client.delete("/api/mails").json() == {"deleted": 2}
        assert client.get("/api/mails").json() == []
    assert len(list((tmp_path / "mails").glob("*.eml"))) == 0


def test_the_runtime_supervises_the_catcher_and_prints_its_url(monkeypatch):
    monkeypatch.setenv("UNEFOIS_TEST_MAIL_SMTP_PORT", "23025")
    monkeypatch.setenv("UNEFOIS_TEST_MAIL_HTTP_PORT", "23080")
    profile = load_profile("test")
    assert profile.mailcatcher_url == "http://127.0.0.1:23080"
    assert ServiceSupervisor(profile).url(MAILCATCHER) == profile.mailcatcher_url
    assert "unefois_deploy.mailcatcher:app" in uvicorn_command(MAILCATCHER, 23080)
    environment = mailcatcher_environment(profile)
    assert environment["UNEFOIS_MAILCATCHER_SMTP_PORT"] == "23025"
    assert environment["UNEFOIS_MAILCATCHER_DIR"] == str(profile.runtime_dir / "mails")
    dev = load_profile("dev")
    lines = service_lines(dev.service_urls(), dev.issuer_url, dev.mailcatcher_url)
    assert "  mail       http://127.0.0.1:8025/  (caught mails, none sent)" in lines
    assert all(len(line) < 80 for line in lines)
