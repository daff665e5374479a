"""Notifications in a running service (tendering): its own sender loop sends a committed mail to
the runtime's catcher (UNEFOIS_TENDERING_SMTP_* from the local runtime); its /api/messages and
/messages show the message to the recipient organisation's people only; mark-as-read."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from unefois_deploy.config import TEST_CLOCK_START
from unefois_kernel import db
from unefois_kernel.clock import SettableClock
from unefois_kernel.notifications import notify
from unefois_kernel.uow import UnitsOfWork

pytestmark = pytest.mark.integration

SUPPLIER_LOGIN = "contact@tp-rhodaniens.fr"
OTHER_SUPPLIER_LOGIN = "contact@fournitures-centre.fr"
BUYER_LOGIN = "acheteur@region-demo.fr"


async def test_the_service_sends_the_mail_and_shows_the_message_to_its_recipient_only(
        platform, runtime, mailcatcher, tokens, seeded_users):
    supplier = seeded_users.by_login(SUPPLIER_LOGIN)
    buyer = seeded_users.by_login(BUYER_LOGIN)
    reference = f"2026-N-{uuid.uuid4().hex[:6]}"
    to = f"depots+{uuid.uuid4().hex[:8]}@tp-rhodaniens.test"
    pool = await db.create_pool(runtime.service_dsn("tendering"), min_size=1, max_size=2)
    try:
        # The service's clock started at TEST_CLOCK_START and runs on: a mail written then is due.
        uows = UnitsOfWork(service="tendering", clock=SettableClock(TEST_CLOCK_START),
                           repositories=lambda _conn: None, pool=pool)
        async with uows.system(buyer.org_siret) as uow:
            await notify(uow, to_email=to, to_org_siret=supplier.org_siret, template="dce_changed", context={
                "consultation_reference": reference, "consultation_title": "Réfection de la toiture",
                "buyer_name": buyer.org_name, "changed_at": TEST_CLOCK_START,
                "changes": ["CCTP : version 2"], "link": f"{platform.url('tendering')}/consultations-publiques"})
    finally:
        await pool.close()

    async with httpx.AsyncClient(base_url=mailcatcher, timeout=5) as catcher:
        deadline = time.monotonic() + 20
        while not (mails := (await catcher.get("/api/mails", params={"to": to})).json()):
            assert time.monotonic() < deadline, "the tendering service's sender loop sent nothing"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # the loop polls every 0.5 s: a second copy would be there by now
        assert len((await catcher.get("/api/mails", params={"to": to})).json()) == 1
    assert mails[0]["subject"] == f"Modification du dossier de consultation — {reference}"

    base = platform.url("tendering")
    async with await tokens.client_for(SUPPLIER_LOGIN, base_url=base) as client:
        page = (await client.get("/api/messages")).json()
        mine = [m for m in page["items"] if reference in m["subject"]]
        assert len(mine) == 1 and mine[0]["read_at"] is None and page["unread"] >= 1
        html = await client.get("/messages", headers={"Accept": "text/html"})
        assert html.status_code == 200 and reference in html.text and "Marquer comme lu" in html.text
        marked = await client.post("/api/messages/read", json={"ids": [mine[0]["id"]]})
        assert marked.status_code == 200 and marked.json()[0]["read_at"] is not None
        assert (await client.post("/api/messages/read", json={"ids": []})).status_code == 422
    for stranger in (OTHER_SUPPLIER_LOGIN, BUYER_LOGIN):
        async with await tokens.client_for(stranger, base_url=base) as client:
            assert all(reference not in m["subject"] for m in (await client.get("/api/messages")).json()["items"])
            assert (await client.post("/api/messages/read", json={"ids": [mine[0]["id"]]})).json() == []
    async with httpx.AsyncClient(base_url=base) as anonymous:
        assert (await anonymous.get("/api/messages")).status_code == 401
