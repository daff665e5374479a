"""Notifications on the real PostgreSQL and the runtime's mail catcher: a use case that rolls back
sends nothing; one that commits sends exactly one mail (caught, read back from the catcher's
JSON API), its in-app message read by its recipient only (row-level security); two senders
never send one mail twice; a failed send is retried after its back-off."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from unefois_kernel import db, migrations
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.notifications import (
    FakeMailer,
    MailSender,
    MailSettings,
    SmtpMailer,
    list_messages,
    mark_read,
    notify,
)
from unefois_kernel.testing import BUYER
from unefois_kernel.uow import UnitsOfWork

pytestmark = pytest.mark.integration

START = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SUPPLIER_SIRET = "44306184100047"
OTHER_SUPPLIER_SIRET = "73282932000074"


def person(subject: str, siret: str, kind: OrgKind, role: Role) -> Principal:
    return Principal(subject=subject, name=subject, roles=frozenset({role}), org_siret=siret, org_name=siret,
                     org_kind=kind)


CAMILLE = person("u-buyer", BUYER.siret, OrgKind.BUYER, Role.BUYER)
MARIE = person("u-marie", SUPPLIER_SIRET, OrgKind.SUPPLIER, Role.SUPPLIER)
PAUL = person("u-paul", SUPPLIER_SIRET, OrgKind.SUPPLIER, Role.SUPPLIER)  # Marie's colleague
OTHER = person("u-other", OTHER_SUPPLIER_SIRET, OrgKind.SUPPLIER, Role.SUPPLIER)

ANSWER = {"consultation_reference": "2026-C-0042", "consultation_title": "Entretien des espaces verts",
          "buyer_name": BUYER.name, "question": "Le lot 2 comprend-il l'évacuation ?", "answer": "Oui.",
          "published_at": START, "link": "https://tendering.example/consultations/42"}


@pytest.fixture
async def kernel(scratch_database):
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    await migrations.apply(conn, migrations.kernel_migrations())
    await conn.close()
    pool = await db.create_pool(dsn)
    clock = SettableClock(START)
    try:
        yield UnitsOfWork(service="tendering", clock=clock, repositories=lambda _conn: None, pool=pool), clock
    finally:
        await pool.close()


@pytest.fixture
def smtp(runtime, mailcatcher) -> MailSettings:
    return MailSettings(smtp_host=runtime.profile.host, smtp_port=runtime.profile.mail_smtp_port, smtp_tls="none",
                        mail_initial_backoff_s=60, mail_max_backoff_s=600)


async def caught(mailcatcher: str, to: str, *, expect: int, timeout_s: float = 10.0) -> list[dict]:
    """Poll the catcher's JSON API until `expect` mails to `to` arrived (then a little longer,
    to see a duplicate if there were one)."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=mailcatcher, timeout=5) as client:
        while True:
            mails = (await client.get("/api/mails", params={"to": to})).json()
            if len(mails) >= expect or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        return (await client.get("/api/mails", params={"to": to})).json()


def unique_address() -> str:
    return f"marie+{uuid.uuid4().hex[:10]}@fournisseur.test"


async def test_a_use_case_that_rolls_back_sends_nothing(kernel, smtp, mailcatcher):
    uows, clock = kernel
    to = unique_address()
    with pytest.raises(RuntimeError):
        async with uows(CAMILLE) as uow:
            await notify(uow, to_email=to, to_org_siret=SUPPLIER_SIRET, template="answer_published", context=ANSWER)
            raise RuntimeError("the use case fails after notifying")
    sender = MailSender(pool=uows.pool, mailer=SmtpMailer(smtp), clock=clock, settings=smtp)
    assert await sender.send_pending() == 0
    assert await caught(mailcatcher, to, expect=1, timeout_s=0.5) == []
    assert (await list_messages(uows.pool, MARIE)).items == []


async def test_a_committed_notification_sends_one_mail_and_one_message_for_its_recipient_only(kernel, smtp, mailcatcher):
    uows, clock = kernel
    to = unique_address()
    async with uows(CAMILLE) as uow:
        await notify(uow, to_email=to, to_org_siret=SUPPLIER_SIRET, template="answer_published", context=ANSWER)
    sender = MailSender(pool=uows.pool, mailer=SmtpMailer(smtp), clock=clock, settings=smtp)
    assert await sender.send_pending() == 1
    assert await sender.send_pending() == 0  # sent once, never again

    mails = await caught(mailcatcher, to, expect=1)
    assert len(mails) == 1 and mails[0]["subject"] == "Réponse à une question — 2026-C-0042"
    async with httpx.AsyncClient(base_url=mailcatcher) as client:
        detail = (await client.get(f"/api/mails/{mails[0]['id']}")).json()
    assert "Le lot 2 comprend-il l'évacuation ?" in detail["text"] and "<h1>Réponse à une question</h1>" in detail["html"]
    assert detail["message_id"].endswith("@unefois>")

    # The in-app message: Marie's organisation reads it (her colleague too), nobody else does.
    for reader in (MARIE, PAUL):
        page = await list_messages(uows.pool, reader)
        assert [m.subject for m in page.items] == ["Réponse à une question — 2026-C-0042"] and page.unread == 1
        assert page.items[0].link == ANSWER["link"] and page.items[0].created_at == START
    assert (await list_messages(uows.pool, OTHER)).items == []
    assert (await list_messages(uows.pool, CAMILLE)).items == []
    message_id = (await list_messages(uows.pool, MARIE)).items[0].id
    assert await mark_read(uows.pool, OTHER, [message_id], START) == []
    clock.advance(timedelta(minutes=5))
    [read] = await mark_read(uows.pool, MARIE, [message_id], clock.now())
    assert read.read_at == START + timedelta(minutes=5)
    [again] = await mark_read(uows.pool, PAUL, [message_id], clock.now() + timedelta(hours=1))
    assert again.read_at == read.read_at  # the first reading is kept
    assert (await list_messages(uows.pool, PAUL)).unread == 0
    assert (await list_messages(uows.pool, PAUL, unread_only=True)).items == []


async def test_a_message_to_a_person_is_hers_alone(kernel):
    uows, _clock = kernel
    async with uows(CAMILLE) as uow:
        await notify(uow, to_org_siret=SUPPLIER_SIRET, to_person=MARIE.subject, template="answer_published",
                     context=ANSWER)
    assert len((await list_messages(uows.pool, MARIE)).items) == 1
    assert (await list_messages(uows.pool, PAUL)).items == []  # same organisation, another person
    async with uows.pool.acquire() as conn:  # outside any scope, row-level security shows nothing
        assert await conn.fetchval("SELECT count(*) FROM messages") == 0
        # and no mail was queued: none was asked for
        assert await conn.fetchval("SELECT count(*) FROM outgoing_mail") == 0


async def test_two_senders_never_send_a_mail_twice(kernel, smtp, mailcatcher):
    uows, clock = kernel
    to = unique_address()
    async with uows(CAMILLE) as uow:
        for _ in range(6):
            await notify(uow, to_email=to, template="answer_published", context=ANSWER)
    senders = [MailSender(pool=uows.pool, mailer=SmtpMailer(smtp), clock=clock, settings=smtp) for _ in range(2)]
    taken = await asyncio.gather(*(sender.send_pending() for sender in senders))
    assert sum(taken) == 6
    mails = await caught(mailcatcher, to, expect=6)
    assert len(mails) == 6
    async with httpx.AsyncClient(base_url=mailcatcher) as client:
        ids = {(await client.get(f"/api/mails/{m['id']}")).json()["message_id"] for m in mails}
    assert len(ids) == 6


async def test_a_failed_send_is_retried_after_its_back_off(kernel, smtp):
    uows, clock = kernel
    async with uows(CAMILLE) as uow:
        await notify(uow, to_email=unique_address(), template="answer_published", context=ANSWER)
    mailer = FakeMailer(fail_next=1)
    sender = MailSender(pool=uows.pool, mailer=mailer, clock=clock, settings=smtp)
    assert await sender.send_pending() == 1 and mailer.sent == []
    async with uows.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT attempts, last_error, next_attempt_at, sent_at FROM outgoing_mail")
    assert row["attempts"] == 1 and row["sent_at"] is None and row["last_error"].startswith("ConnectionRefusedError")
    assert row["next_attempt_at"] == START + timedelta(seconds=60)
    assert await sender.send_pending() == 0  # not due yet
    clock.advance(timedelta(seconds=61))
    assert await sender.send_pending() == 1 and len(mailer.sent) == 1
    assert await sender.send_pending() == 0
