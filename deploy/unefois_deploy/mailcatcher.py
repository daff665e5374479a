"""The development mail catcher: an SMTP server that keeps every mail it is sent, and a page
that shows them. Started by the local runtime (dev and test profiles) beside the issuer, as
`uvicorn unefois_deploy.mailcatcher:app` (the supervisor's MAILCATCHER); nothing is relayed.

- SMTP (aiosmtpd) on UNEFOIS_MAILCATCHER_SMTP_PORT, loopback only: each mail accepted is
  stored as <dir>/mails/<id>.eml (the raw bytes) plus one line of <dir>/mails/index.jsonl
  (id, envelope sender and recipients, subject, time received).
- HTTP on the uvicorn port: `/` lists the caught mails (French page: recipient, subject,
  time), `/mails/{id}` shows one (headers, text part, HTML part as escaped source: a caught
  mail's HTML is never rendered, so it runs nothing), `/api/mails?to=...` is the JSON tests
  poll, `/api/mails/{id}` one mail's parts, `DELETE /api/mails` empties the box,
  `/readyz` answers 200 once the SMTP server listens.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import html
import json
import os
import uuid
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

PARIS = ZoneInfo("Europe/Paris")
# Readable at 375 px and at 200 % zoom: long lines of a mail wrap, a wide table scrolls.
_STYLE = """body{font-family:system-ui,sans-serif;line-height:1.5;max-width:64rem;margin:0 auto;padding:1rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:.75rem;border:1px solid #ccc}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:bold}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ccc;vertical-align:top}
dt{font-weight:bold}dd{margin:0 0 .5rem 0;overflow-wrap:anywhere}a{color:#0645ad}a:focus{outline:3px solid #000}
"""
_ID_CHARS = frozenset("0123456789abcdef")
# The page loads nothing but its own style sheet and runs nothing: no script, frame or form target.
_SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class CaughtMail:
    id: str
    mail_from: str
    to: list[str]
    subject: str
    received_at: str  # ISO 8601, UTC

    @property
    def received_label(self) -> str:
        at = datetime.fromisoformat(self.received_at).astimezone(PARIS)
        return at.strftime("%d/%m/%Y %H:%M:%S")


class MailStore:
    """Raw .eml files and an append-only index, under one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index = folder / "index.jsonl"

    def save(self, raw: bytes, mail_from: str, recipients: list[str]) -> CaughtMail:
        self.folder.mkdir(parents=True, exist_ok=True)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        caught = CaughtMail(id=uuid.uuid4().hex, mail_from=mail_from, to=[r.lower() for r in recipients],
                            subject=str(message.get("Subject", "")), received_at=datetime.now(UTC).isoformat())
        (self.folder / f"{caught.id}.eml").write_bytes(raw)
        with self.index.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(caught), ensure_ascii=False) + "\n")
        return caught

    def all(self) -> list[CaughtMail]:
        """Newest first."""
        if not self.index.exists():
            return []
        mails = [CaughtMail(**json.loads(line)) for line in self.index.read_text(encoding="utf-8").splitlines() if line]
        return [m for m in reversed(mails) if (self.folder / f"{m.id}.eml").exists()]

    def get(self, mail_id: str) -> tuple[CaughtMail, email.message.EmailMessage] | None:
        if len(mail_id) != 32 or not set(mail_id) <= _ID_CHARS:
            return None
        for caught in self.all():
            if caught.id == mail_id:
                raw = (self.folder / f"{mail_id}.eml").read_bytes()
                return caught, email.message_from_bytes(raw, policy=email.policy.default)
        return None

    def clear(self) -> int:
        mails = self.all()
        for caught in mails:
            (self.folder / f"{caught.id}.eml").unlink(missing_ok=True)
        self.index.unlink(missing_ok=True)
        return len(mails)


def parts_of(message: email.message.EmailMessage) -> dict[str, str | None]:
    text = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    return {"text": text.get_content() if text is not None else None,
            "html": rich.get_content() if rich is not None else None}


class CatchingHandler:
    """aiosmtpd's handler: every mail accepted is stored; nothing is relayed."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        await asyncio.to_thread(self.store.save, raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


# ---------------------------------------------------------------- pages


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        '<!doctype html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)} — courriels de développement</title>\n"
        '<link rel="stylesheet" href="/style.css">\n</head>\n<body>\n'
        f"<header><p>unefois — courriels captés en développement (aucun n'est envoyé)</p></header>\n"
        f"<main>\n<h1>{html.escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )
    return HTMLResponse(document, status_code=status, headers=_SECURITY_HEADERS)


def _list_page(store: MailStore) -> HTMLResponse:
    mails = store.all()
    if not mails:
        return _page("Courriels captés", "<p>Aucun courriel capté pour l'instant.</p>")
    rows = "\n".join(
        f'<tr><td>{html.escape(", ".join(m.to))}</td>'
        f'<td><a href="/mails/{m.id}">{html.escape(m.subject or "(sans objet)")}</a></td>'
        f"<td><time datetime=\"{html.escape(m.received_at)}\">{m.received_label}</time></td></tr>"
        for m in mails
    )
    table = (f"<p>{len(mails)} courriel(s), le plus récent en premier.</p>\n"
             '<div class="scroll" tabindex="0" role="region" aria-label="Courriels captés">\n'
             "<table>\n<caption>Courriels captés</caption>\n"
             '<thead><tr><th scope="col">Destinataire</th><th scope="col">Objet</th>'
             '<th scope="col">Reçu le (heure de Paris)</th></tr></thead>\n'
             f"<tbody>\n{rows}\n</tbody>\n</table>\n</div>")
    return _page("Courriels captés", table)


def _mail_page(caught: CaughtMail, message: email.message.EmailMessage) -> HTMLResponse:
    parts = parts_of(message)
    facts = "\n".join(
        f"<dt>{label}</dt><dd>{html.escape(value)}</dd>"
        for label, value in (("De", str(message.get("From", caught.mail_from))), ("À", ", ".join(caught.to)),
                             ("Objet", caught.subject or "(sans objet)"), ("Reçu le", caught.received_label))
    )
    sections = [f"<dl>\n{facts}\n</dl>"]
    sections.append("<h2>Texte</h2>\n" + (f"<pre>{html.escape(parts['text'])}</pre>" if parts["text"] is not None
                                        else "<p>Pas de partie texte.</p>"))
    sections.append("<h2>HTML (source, non interprété)</h2>\n"
                    + (f"<pre>{html.escape(parts['html'])}</pre>" if parts["html"] is not None
                       else "<p>Pas de partie HTML.</p>"))
    sections.append('<p><a href="/">Retour à la liste des courriels</a></p>')
    return _page(caught.subject or "(sans objet)", "\n".join(sections))


def create_app(folder: Path, smtp_host: str, smtp_port: int) -> Starlette:
    store = MailStore(folder)
    state: dict[str, asyncio.AbstractServer | None] = {"server": None}

    @asynccontextmanager
    async def lifespan(_app: Starlette):
        loop = asyncio.get_running_loop()
        handler = CatchingHandler(store)
        state["server"] = await loop.create_server(lambda: SMTP(handler, hostname="unefois-mailcatcher"),
                                                   host=smtp_host, port=smtp_port)
        try:
            yield
        finally:
            server = state["server"]
            server.close()
            await server.wait_closed()

    async def list_page(_request: Request) -> Response:
        return _list_page(store)

    async def mail_page(request: Request) -> Response:
        found = store.get(request.path_params["mail_id"])
        if found is None:
            return _page("Courriel introuvable", '<p>Ce courriel n\'existe pas ou a été effacé.</p>'
                         '<p><a href="/">Retour à la liste des courriels</a></p>', status=404)
        return _mail_page(*found)

    async def api_mails(request: Request) -> Response:
        if request.method == "DELETE":
            return JSONResponse({"deleted": store.clear()})
        to = request.query_params.get("to", "").strip().lower()
        mails = [m for m in store.all() if not to or to in m.to]
        return JSONResponse([{**asdict(m)} for m in mails])

    async def api_mail(request: Request) -> Response:
        found = store.get(request.path_params["mail_id"])
        if found is None:
            return JSONResponse({"detail": "courriel introuvable"}, status_code=404)
        caught, message = found
        headers = {"from": str(message.get("From", "")), "message_id": str(message.get("Message-ID", ""))}
        return JSONResponse({**asdict(caught), **headers, **parts_of(message)})

    async def style(_request: Request) -> Response:
        return Response(_STYLE, media_type="text/css", headers={"X-Content-Type-Options": "nosniff"})

    async def readyz(_request: Request) -> Response:
        server = state["server"]
        ready = server is not None and server.is_serving()
        return JSONResponse({"status": "ready" if ready else "not ready"}, status_code=200 if ready else 503)

    routes = [
        Route("/", list_page),
        Route("/mails/{mail_id}", mail_page),
        Route("/api/mails", api_mails, methods=["GET", "DELETE"]),
        Route("/api/mails/{mail_id}", api_mail),
        Route("/style.css", style),
        Route("/readyz", readyz),
        Route("/healthz", readyz),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def app_from_environment() -> Starlette:
    folder = Path(os.environ.get("UNEFOIS_MAILCATCHER_DIR", ".runtime/dev/mails"))
    host = os.environ.get("UNEFOIS_MAILCATCHER_SMTP_HOST", "127.0.0.1")
    port = int(os.environ.get("UNEFOIS_MAILCATCHER_SMTP_PORT", "1025"))
    return create_app(folder, host, port)


def __getattr__(name: str):
    # `uvicorn unefois_deploy.mailcatcher:app`: built on first access, from the environment the
    # supervisor gives (importing the module for its classes builds nothing).
    if name == "app":
        return app_from_environment()
    raise AttributeError(name)
