"""Notifications: transactional mail (an outbox of rendered mails, sent by a loop) and in-app messages.

    await notify(uow, to_email="marie@fournisseur.fr", to_org_siret="44306184100047",
                 template="deposit_receipt", context={...})

writes, in the use case's transaction (so only if it commits):
- an `outgoing_mail` row: subject, text and HTML rendered now from the French template
  `web/templates/mail/<template>.txt` / `.html` with its documented context (TEMPLATES);
- a `messages` row: the in-app message of the recipient organisation (SIRET) and/or person
  (token subject), with the same subject, the text body and an optional link.

A `MailSender` per service (started by the app factory beside the outbox relay) sends the
pending mails over SMTP (`UNEFOIS_<S>_SMTP_*`: the development catcher under `make up`), one
row per transaction taken with `FOR UPDATE SKIP LOCKED`: two replicas never send the same
mail; a mail sent is marked sent in the transaction that locked it, so it is never sent again
once that commits. A crash between the SMTP server's acceptance and the commit sends that mail
once more on restart (at-least-once, as the event outbox); its Message-ID stays the same, so a
receiving system can drop the copy. A failure is retried with exponential back-off up to
`mail_max_attempts`; logs name the mail's id and template, never its body, recipient or a secret.

In-app messages are read through `router` (`/messages`, `/api/messages`), which every service
may include: row-level security shows a message only to its recipient organisation (as buyer
tenant or supplier) and/or person (`unefois.person`, set from the token subject here).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from unefois_kernel.auth.access import authenticated
from unefois_kernel.auth.principal import Principal
from unefois_kernel.clock import Clock
from unefois_kernel.domain_errors import InvalidFields, NotFound
from unefois_kernel.errors import backoff_delays, sleep_or_stop
from unefois_kernel.tenancy import set_scope

log = logging.getLogger("unefois.notifications")
PARIS = ZoneInfo("Europe/Paris")


# ---------------------------------------------------------------- templates


@dataclass(frozen=True)
class MailTemplate:
    """A French mail: `mail/<name>.txt` (blocks subject, body) and `mail/<name>.html` (block body)."""

    name: str
    label: str
    # Context keys -> what they hold (French, for the README and the callers); all required
    # but those in `optional`.
    fields: Mapping[str, str]
    optional: frozenset[str] = frozenset()

    @property
    def required(self) -> frozenset[str]:
        return frozenset(self.fields) - self.optional


_CONSULTATION = {
    "consultation_reference": "référence de la consultation (str)",
    "consultation_title": "objet de la consultation (str)",
    "buyer_name": "nom de l'acheteur (str)",
}
_LINK = {"link": "lien vers la page concernée (str, URL absolue), facultatif"}

TEMPLATES: dict[str, MailTemplate] = {
    t.name: t
    for t in (
        MailTemplate("deposit_receipt", "Accusé de réception d'un dépôt", {
            **_CONSULTATION,
            "bidder_name": "nom du soumissionnaire (str)",
            "lots": "intitulés des lots concernés (list[str])",
            "deposited_at": "horodatage serveur du dépôt (datetime avec fuseau)",
            "receipt_hash": "empreinte SHA-256 de ce qui a été déposé (str, hexadécimal)",
            "replaces_earlier": "True si ce dépôt remplace un dépôt antérieur (bool), facultatif",
            **_LINK,
        }, frozenset({"replaces_earlier", "link"})),
        MailTemplate("answer_published", "Réponse à une question", {
            **_CONSULTATION,
            "question": "la question posée, sans l'identité de son auteur (str)",
            "answer": "la réponse de l'acheteur (str)",
            "published_at": "date de publication de la réponse (datetime avec fuseau)",
            **_LINK,
        }, frozenset({"link"})),
        MailTemplate("dce_changed", "Modification du dossier de consultation", {
            **_CONSULTATION,
            "changed_at": "date de la modification (datetime avec fuseau)",
            "changes": "ce qui a changé, une phrase par changement (list[str])",
            "bid_deadline": "date limite de remise des offres après modification (datetime avec fuseau), facultatif",
            **_LINK,
        }, frozenset({"bid_deadline", "link"})),
        MailTemplate("rejection_letter", "Lettre de rejet", {
            **_CONSULTATION,
            "bidder_name": "nom du soumissionnaire évincé (str)",
            "lot_label": "intitulé du lot (str)",
            "reasons": "motifs du rejet de l'offre, un par élément (list[str]) — article R2181-3",
            "bidder_score": "note obtenue par l'offre évincée (str, p. ex. « 72,5 / 100 »), facultatif",
            "winner_name": "nom de l'attributaire (str) — article R2181-3, 1°",
            "winner_score": "note obtenue par l'attributaire (str, p. ex. « 86 / 100 »)",
            "winner_reasons": "motifs qui ont conduit au choix de l'offre retenue (list[str]) — article R2181-3, 1°",
            "standstill_end": ("date à compter de laquelle le marché est susceptible d'être signé (datetime avec "
                               "fuseau) — article R2181-3, 2° ; absent lorsque aucun délai ne s'applique"),
            "sent_at": "date d'envoi de la lettre (datetime avec fuseau)",
            **_LINK,
        }, frozenset({"bidder_score", "standstill_end", "link"})),
        MailTemplate("bid_deadline_reached", "Date limite de remise des offres atteinte", {
            **_CONSULTATION,
            "bid_deadline": "la date limite passée (datetime avec fuseau)",
            "received": "plis reçus dans le délai (int)",
            "late": "dépôts terminés hors délai (int), facultatif",
            **_LINK,
        }, frozenset({"late", "link"})),
        MailTemplate("documents_requested", "Compléments de candidature demandés", {
            **_CONSULTATION,
            "bidder_name": "nom du candidat (str)",
            "documents": "les pièces à fournir (list[str]) — article R2144-2",
            "message": "le message de l'acheteur (str), facultatif",
            "deadline": "date limite de dépôt des compléments (datetime avec fuseau)",
            **_LINK,
        }, frozenset({"message", "link"})),
        MailTemplate("justification_request", "Demande de justification d'un prix", {
            **_CONSULTATION,
            "bidder_name": "nom du soumissionnaire dont l'offre semble anormalement basse (str)",
            "lot_label": "intitulé du lot (str)",
            "reason": "pourquoi l'offre est signalée (str) — articles L2152-6 et R2152-3",
            "elements": "ce sur quoi les justifications peuvent porter (list[str]) — article R2152-3, 1° à 5°",
            "requested_at": "date de la demande (datetime avec fuseau)",
            "deadline": "date limite de réponse (datetime avec fuseau)",
            **_LINK,
        }, frozenset({"link"})),
        MailTemplate("sans_suite_notice", "Déclaration sans suite", {
            **_CONSULTATION,
            "bidder_name": "nom de l'opérateur qui a participé (str)",
            "reason": "le motif de la déclaration sans suite (str) — articles R2185-1 et R2185-2",
            "explanation": "ce que la décision permet ensuite, avec ses articles (str), facultatif",
            "decided_at": "date de la décision (datetime avec fuseau)",
            **_LINK,
        }, frozenset({"explanation", "link"})),
        MailTemplate("award_letter", "Notification d'attribution", {
            **_CONSULTATION,
            "winner_name": "nom de l'attributaire (str)",
            "lot_label": "intitulé du lot (str)",
            "amount": "montant de l'offre retenue, hors taxes (Decimal ou nombre)",
            "awarded_at": "date de la décision d'attribution (datetime avec fuseau)",
            "next_steps": "ce qui suit, en une ou deux phrases (str), facultatif",
            **_LINK,
        }, frozenset({"next_steps", "link"})),
    )
}


def paris_datetime(value: Any) -> str:
    """An aware datetime -> '02/12/2026 à 09:30 (heure de Paris)'; a date -> '02/12/2026'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a mail's datetime must carry its offset")
        return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M (heure de Paris)")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _euros(value: Any) -> str:
    from unefois_kernel.web.templating import format_euros

    return format_euros(value)


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("unefois_kernel.web", "templates"),
        autoescape=select_autoescape(default=autoescape, default_for_string=autoescape) if autoescape else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["paris"] = paris_datetime
    env.filters["euros"] = _euros
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


@dataclass(frozen=True)
class RenderedMail:
    template: str
    subject: str
    text: str  # the mail's text part: `message` then the footer (link, "do not reply")
    html: str
    message: str  # the in-app message's body: the text without the mail's footer


def render(template: str, context: Mapping[str, Any]) -> RenderedMail:
    """Render a template of TEMPLATES; a missing or unknown context key is a programming error."""
    spec = TEMPLATES.get(template)
    if spec is None:
        raise ValueError(f"unknown mail template {template!r}; expected one of {', '.join(sorted(TEMPLATES))}")
    missing = spec.required - set(context)
    unknown = set(context) - set(spec.fields)
    if missing or unknown:
        raise ValueError(f"mail template {template!r}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    values = {name: context.get(name) for name in spec.fields}
    text_template = _TEXT.get_template(f"mail/{template}.txt")
    text_context = text_template.new_context(values)
    subject = " ".join("".join(text_template.blocks["subject"](text_context)).split())
    message = "".join(text_template.blocks["body"](text_template.new_context(values))).strip()
    base = _TEXT.get_template("mail/base.txt")  # the footer is the base's block (children keep it)
    footer = "".join(base.blocks["footer"](base.new_context(values))).strip()
    html = _HTML.get_template(f"mail/{template}.html").render({**values, "subject": subject})
    return RenderedMail(template, subject, f"{message}\n\n{footer}\n", html, message)


# ---------------------------------------------------------------- the outbox side: notify()


@dataclass(frozen=True)
class Notification:
    """What notify() writes: one mail (when to_email) and one in-app message (when an organisation
    or a person is named)."""

    id: uuid.UUID
    tenant: str
    template: str
    subject: str
    text: str
    html: str
    message: str
    link: str | None
    created_at: datetime
    to_email: str | None
    to_org_siret: str | None
    to_person: str | None


_INSERT_MAIL = """INSERT INTO outgoing_mail (mail_id, tenant, to_email, template, subject, body_text, body_html,
                                            created_at, next_attempt_at)
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"""
_INSERT_MESSAGE = """INSERT INTO messages (id, tenant, recipient_siret, recipient_person, template, subject, body,
                                           link, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"""


def _valid_email(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain and len(value) <= 320 and not any(c in value for c in " \r\n<>,;"))


async def notify(uow, *, to_email: str | None = None, to_org_siret: str | None = None, to_person: str | None = None,
                 template: str, context: Mapping[str, Any], tenant: str | None = None) -> Notification:
    """Write the mail and the in-app message in the unit of work's transaction.

    `tenant`: whose procedure this is (default: the unit of work's). A PostgreSQL unit of work
    inserts the rows on its connection now (rolled back with it); a FakeUnitOfWork keeps them in
    `uow.notifications`, for unit tests."""
    if not (to_email or to_org_siret or to_person):
        raise ValueError("notify() needs a recipient: to_email, to_org_siret and/or to_person")
    if to_email is not None and not _valid_email(to_email):
        raise InvalidFields([{"field": "to_email", "reason": "adresse électronique invalide"}])
    owner = tenant or uow.tenant
    if not owner:
        raise ValueError("a notification belongs to a tenant (the buyer whose procedure sends it): name it")
    rendered = render(template, context)
    note = Notification(id=uuid.uuid4(), tenant=owner, template=template, subject=rendered.subject,
                        text=rendered.text, html=rendered.html, message=rendered.message, link=context.get("link"),
                        created_at=uow.clock.now(), to_email=to_email.strip() if to_email else None,
                        to_org_siret=to_org_siret, to_person=to_person)
    conn = _connection_of(uow)
    if conn is None:
        if not hasattr(uow, "notifications"):
            uow.notifications = []
        uow.notifications.append(note)
        return note
    if note.to_email:
        await conn.execute(_INSERT_MAIL, note.id, note.tenant, note.to_email, note.template, note.subject,
                           note.text, note.html, note.created_at)
    if note.to_org_siret or note.to_person:
        await conn.execute(_INSERT_MESSAGE, note.id, note.tenant, note.to_org_siret, note.to_person, note.template,
                           note.subject, note.message, note.link, note.created_at)
    return note


def _connection_of(uow) -> asyncpg.Connection | None:
    from unefois_kernel.uow import PostgresUnitOfWork

    return uow.connection if isinstance(uow, PostgresUnitOfWork) else None


# ---------------------------------------------------------------- the sending side


class MailSettings(BaseSettings):
    """`UNEFOIS_<SERVICE>_SMTP_*` and `UNEFOIS_<SERVICE>_MAIL_*` (the service's settings prefix)."""

    model_config = SettingsConfigDict(extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    # none: plain SMTP (the development catcher); starttls: upgrade after connecting; tls: TLS from the start.
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(default=15.0, gt=0)
    mail_from: str = "Plateforme unefois <ne-pas-repondre@unefois.invalid>"
    mail_enabled: bool = True
    mail_poll_interval_s: float = Field(default=0.5, gt=0)
    mail_max_attempts: int = Field(default=10, ge=1)
    mail_initial_backoff_s: float = Field(default=5.0, gt=0)
    mail_max_backoff_s: float = Field(default=900.0, gt=0)


def load_mail_settings(service: str) -> MailSettings:
    return MailSettings(_env_prefix=f"UNEFOIS_{service.upper()}_")


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    """aiosmtplib, one connection per mail (a handful of transactional mails, not a mailing)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        import aiosmtplib

        s = self.settings
        await aiosmtplib.send(
            message, hostname=s.smtp_host, port=s.smtp_port, use_tls=s.smtp_tls == "tls",
            start_tls=s.smtp_tls == "starttls", username=s.smtp_user or None,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None, timeout=s.smtp_timeout_s)


@dataclass
class FakeMailer:
    """Keeps what it is given; `fail_next` makes the next sends raise (a server that is down)."""

    sent: list[EmailMessage] = field(default_factory=list)
    fail_next: int = 0

    async def send(self, message: EmailMessage) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionRefusedError("fake SMTP server down")
        self.sent.append(message)


def mail_message(row: Mapping[str, Any], mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row["to_email"]
    message["Subject"] = row["subject"]
    message["Date"] = format_datetime(row["created_at"])
    # The same id at every attempt: a copy sent again after a crash can be recognised.
    message["Message-ID"] = f"<{row['mail_id']}@unefois>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row["body_text"])
    message.add_alternative(row["body_html"], subtype="html")
    return message


_TAKE_ONE = """SELECT id, mail_id, to_email, template, subject, body_text, body_html, created_at, attempts
               FROM outgoing_mail
               WHERE sent_at IS NULL AND attempts < $2 AND next_attempt_at <= $1
               ORDER BY next_attempt_at, id LIMIT 1
               FOR UPDATE SKIP LOCKED"""


class MailSender:
    """Sends pending outgoing_mail rows; several replicas may run it at once (SKIP LOCKED)."""

    def __init__(self, *, pool: asyncpg.Pool, mailer: Mailer, clock: Clock, settings: MailSettings) -> None:
        self.pool = pool
        self.mailer = mailer
        self.clock = clock
        self.settings = settings

    def _delay(self, attempts: int) -> timedelta:
        delays = backoff_delays(self.settings.mail_initial_backoff_s, self.settings.mail_max_backoff_s)
        delay = next(delays)
        for _ in range(max(attempts - 1, 0)):
            delay = next(delays)
        return timedelta(seconds=delay)

    async def send_one(self) -> bool:
        """Take one due mail, send it, mark it; False when none is due."""
        async with self.pool.acquire() as conn, conn.transaction():
            now = self.clock.now()
            row = await conn.fetchrow(_TAKE_ONE, now, self.settings.mail_max_attempts)
            if row is None:
                return False
            try:
                await self.mailer.send(mail_message(row, self.settings.mail_from))
            except Exception as exc:  # noqa: BLE001 - any failure is retried later, the row kept
                attempts = row["attempts"] + 1
                # The error's class and message only: an SMTP reply never holds the body.
                error = f"{type(exc).__name__}: {exc}"[:500]
                await conn.execute(
                    "UPDATE outgoing_mail SET attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1",
                    row["id"], attempts, error, now + self._delay(attempts))
                level = logging.ERROR if attempts >= self.settings.mail_max_attempts else logging.WARNING
                log.log(level, "mail %s (%s) not sent, attempt %d of %d: %s", row["mail_id"], row["template"],
                        attempts, self.settings.mail_max_attempts, type(exc).__name__)
                return True
            await conn.execute("UPDATE outgoing_mail SET sent_at = $2, attempts = attempts + 1, last_error = NULL "
                               "WHERE id = $1", row["id"], now)
            log.info("mail %s (%s) sent", row["mail_id"], row["template"])
            return True

    async def send_pending(self, limit: int = 100) -> int:
        """Send what is due now (tests, and each loop turn); returns how many rows were taken."""
        taken = 0
        while taken < limit and await self.send_one():
            taken += 1
        return taken

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.send_pending()
            except Exception as exc:  # noqa: BLE001 - the loop outlives a database outage
                log.warning("mail sender paused: %s", type(exc).__name__)
            await sleep_or_stop(stop, self.settings.mail_poll_interval_s)


def start_mail_sender(runtime, stop: asyncio.Event) -> asyncio.Task | None:
    """The sender loop of a service runtime (unefois_kernel.app), or None when mail is disabled."""
    settings = load_mail_settings(runtime.definition.name)
    if not settings.mail_enabled:
        log.info("mail sending disabled (UNEFOIS_%s_MAIL_ENABLED=false)", runtime.definition.name.upper())
        return None
    sender = MailSender(pool=runtime.pool, mailer=SmtpMailer(settings), clock=runtime.clock, settings=settings)
    runtime.mail_sender = sender
    return asyncio.create_task(sender.run(stop), name="mail-sender")


# ---------------------------------------------------------------- in-app messages


class MessageView(BaseModel):
    """An in-app message, as its recipient reads it."""

    id: uuid.UUID
    template: str = Field(description="le modèle qui l'a produit (accusé de réception, lettre de rejet, ...)")
    subject: str
    body: str
    link: str | None = None
    created_at: datetime
    read_at: datetime | None = None


class MessagesPage(BaseModel):
    items: list[MessageView]
    unread: int = Field(description="messages non lus du destinataire")


_COLUMNS = "id, template, subject, body, link, created_at, read_at"


async def _scoped(conn: asyncpg.Connection, principal: Principal) -> None:
    await set_scope(conn, tenant=principal.tenant, supplier=principal.supplier_siret)
    await conn.execute("SELECT set_config('unefois.person', $1, true)", principal.subject)


async def list_messages(pool: asyncpg.Pool, principal: Principal, *, unread_only: bool = False,
                        limit: int = 50) -> MessagesPage:
    """The principal's messages (its organisation's and its own), newest first."""
    async with pool.acquire() as conn, conn.transaction():
        await _scoped(conn, principal)
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM messages WHERE ($1::boolean IS FALSE OR read_at IS NULL) "
            "ORDER BY created_at DESC, id LIMIT $2", unread_only, limit)
        unread = await conn.fetchval("SELECT count(*) FROM messages WHERE read_at IS NULL")
    return MessagesPage(items=[MessageView(**dict(row)) for row in rows], unread=unread)


async def mark_read(pool: asyncpg.Pool, principal: Principal, message_ids: Sequence[uuid.UUID],
                    at: datetime) -> list[MessageView]:
    """Mark these of the principal's messages read (the first reading's time is kept); the ids
    that are not the principal's are left alone, as if they did not exist."""
    async with pool.acquire() as conn, conn.transaction():
        await _scoped(conn, principal)
        rows = await conn.fetch(
            f"UPDATE messages SET read_at = coalesce(read_at, $2) WHERE id = ANY($1::uuid[]) RETURNING {_COLUMNS}",
            list(message_ids), at)
    return sorted((MessageView(**dict(row)) for row in rows), key=lambda m: m.created_at, reverse=True)


class MarkRead(BaseModel):
    """The messages to mark read (ids that are not yours are ignored)."""

    ids: list[uuid.UUID] = Field(min_length=1, max_length=200)


router = APIRouter()


def _register_page_helpers() -> None:
    from unefois_kernel.web.templating import add_global

    add_global("paris_datetime", paris_datetime)


_register_page_helpers()


def _runtime(request: Request):
    return request.app.state.runtime


@router.get("/api/messages", tags=["messages"], summary="Mes messages (les plus récents d'abord)",
            response_model=MessagesPage)
async def api_messages(request: Request, principal: Principal = authenticated(),
                       unread: bool = Query(False, description="seulement les messages non lus"),
                       limit: int = Query(50, ge=1, le=200)) -> MessagesPage:
    return await list_messages(_runtime(request).pool, principal, unread_only=unread, limit=limit)


@router.post("/api/messages/read", tags=["messages"], summary="Marquer des messages comme lus",
             response_model=list[MessageView],
             description="Renvoie les messages marqués ; un identifiant qui n'est pas le vôtre est ignoré.")
async def api_mark_read(request: Request, body: MarkRead, principal: Principal = authenticated()) -> list[MessageView]:
    runtime = _runtime(request)
    return await mark_read(runtime.pool, principal, body.ids, runtime.clock.now())


@router.get("/messages", response_class=HTMLResponse, include_in_schema=False)
async def messages_page(request: Request, principal: Principal = authenticated()) -> HTMLResponse:
    from unefois_kernel.web.templating import render as render_page

    page = await list_messages(_runtime(request).pool, principal)
    return render_page(request, "mail/messages.html", {"title": "Mes messages", "page": page})


@router.post("/messages/{message_id}/lu", include_in_schema=False)
async def messages_mark_read(request: Request, message_id: uuid.UUID,
                             principal: Principal = authenticated()) -> RedirectResponse:
    runtime = _runtime(request)
    if not await mark_read(runtime.pool, principal, [message_id], runtime.clock.now()):
        raise NotFound("message introuvable", field="message_id")
    return RedirectResponse(f"/messages#message-{message_id}", status_code=303)


__all__: Sequence[str] = (
    "TEMPLATES", "FakeMailer", "MailSender", "MailSettings", "Notification", "RenderedMail", "SmtpMailer",
    "list_messages", "mark_read", "notify", "render", "router", "start_mail_sender",
)
