"""Opening of the bids on the real PostgreSQL (issue 11, items 5, 7, 9).

- Before the deadline the opening is refused whoever calls the service (the buyer: 409 naming
  bid_deadline; an operator: 403), nothing is decrypted; after it, the prices and the files are
  readable (plaintext documents with their SHA-256), the late and the replaced deposits listed,
  never opened; a supplier sees no opened bid (row-level security).
- « Date limite atteinte » with two replicas: 30 consultations past their deadline, two
  DueWorkers over tendering's due handlers, one cancelled mid-batch and started again: each
  consultation closed once, one audit entry each.
(A dump plus the code without the key-encryption key cannot open a bid: the deposit's test,
test_tendering_bids_deposit_database.py, checks it.)"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from unefois_kernel import due
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.storage import chunks_of
from unefois_kernel.storage.database import PostgresDocumentStorage
from unefois_kernel.testing import BUYER
from unefois_kernel.uow import UnitsOfWork
from unefois_tendering.bids import service as bids_service
from unefois_tendering.bids.custody import FileKeyCustody, new_key_file_content
from unefois_tendering.bids.domain import (
    BidForm,
    DepositStatus,
    PartRole,
    parse_french_amount,
    seal_bytes,
)
from unefois_tendering.bids.views import receipt_pdf
from unefois_tendering.consultations.domain import ConsultationStatus
from unefois_tendering.opening import service
from unefois_tendering.opening.domain import OpenedState
from unefois_tendering.repositories import Repositories

pytestmark = pytest.mark.integration


def _beside(name: str, module: str):
    path = Path(__file__).parent / name
    spec = importlib.util.spec_from_file_location(module, path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


deposits = _beside("test_tendering_bids_deposit_database.py", "unefois_tendering_opening_deposit_helpers")
JEAN, LISE, CAMILLE, LOTS = deposits.JEAN, deposits.LISE, deposits.CAMILLE, deposits.LOTS
OPERATOR = Principal(subject="u-0", name="Exploitation", roles=frozenset({Role.OPERATOR}), org_siret=BUYER.siret,
                     org_name=BUYER.name, org_kind=OrgKind.BUYER)


async def a_pdf_deposit(uows, consultation, principal, *, price: str, marker: str):
    """A deposit whose document is a PDF holding `marker` (the deposit test's is text named .pdf)."""
    async with uows(None) as anonymous:
        public_key = (await anonymous.repos.consultation_keys.public_key_of(consultation.id)).public_key()
    form = BidForm(lot_number=1, price_excl_tax=parse_french_amount(price), members=[
        {"name": principal.org_name, "identifier_type": "SIRET", "identifier": principal.org_siret,
         "mandataire": True}])
    begun = await bids_service.begin_deposit(uows(principal), consultation.id, lot_number=1)
    await bids_service.add_part(uows(principal), begun.id, role=PartRole.BID_FORM, filename="formulaire-offre.json",
                                chunks=chunks_of(seal_bytes(public_key, form.model_dump_json().encode())))
    pdf = b"%PDF-1.7\n% " + marker.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    await bids_service.add_part(uows(principal), begun.id, role=PartRole.BID_DOCUMENT, filename="memoire.pdf",
                                chunks=chunks_of(seal_bytes(public_key, pdf)))
    return await bids_service.complete_deposit(uows(principal), begun.id, render_receipt=receipt_pdf)


@pytest.fixture
def custody(tmp_path) -> FileKeyCustody:
    path = tmp_path / "tendering-key-encryption-key"
    path.write_text(new_key_file_content(), encoding="ascii")
    path.chmod(0o600)
    return FileKeyCustody.from_file(path)


@pytest.fixture
async def uows(service_database) -> UnitsOfWork[Repositories]:
    pool = await service_database("tendering")
    clock = SettableClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    return UnitsOfWork(service="tendering", clock=clock, pool=pool,
                       repositories=partial(Repositories.on, storage=PostgresDocumentStorage(clock)))


@pytest.fixture
async def published(uows, custody):
    consultation = deposits.unit_fakes().a_consultation(at=uows.clock.now(), lots=LOTS)
    async with uows.system(consultation.tenant) as uow:
        await uow.repos.consultations.add(consultation)
        await bids_service.create_keys_for(uow, consultation.id, custody)
    return consultation


async def test_opening_refused_before_the_deadline_then_prices_and_files_readable(uows, published, custody):
    replaced = await deposits.a_deposit(uows, published, price="120 000,00")
    uows.clock.advance(timedelta(minutes=5))
    kept = await a_pdf_deposit(uows, published, JEAN, price="98 765,43", marker="MEMOIRE-JEAN")
    rival = await deposits.a_deposit(uows, published, LISE, price="87 000,00", marker="MEMOIRE-LISE")
    uows.clock.set(published.bid_deadline - timedelta(seconds=1))
    late = await bids_service.begin_deposit(uows(JEAN), published.id, lot_number=2)

    for principal, status in ((CAMILLE, 409), (OPERATOR, 403)):
        with pytest.raises(DomainError) as refused:
            await service.open_bids(uows(principal), published.id, custody=custody)
        assert refused.value.status == status
        if status == 409:
            assert refused.value.field == "bid_deadline"
    async with uows.system(published.tenant) as uow:
        assert await uow.repos.opened_bids.of_consultation(published.id) == []

    uows.clock.set(published.bid_deadline + timedelta(minutes=2))
    opening = await service.open_bids(uows(CAMILLE), published.id, custody=custody)

    page = await service.opening_page(uows(CAMILLE), published.id)
    by_id = {record.bid_id: record for record in page.bids}
    assert set(by_id) == {kept.id, rival.id}
    assert by_id[kept.id].state is OpenedState.OPENED and str(by_id[kept.id].price) == "98765.43"
    (file,) = by_id[kept.id].files
    document, content = await service.opened_file(uows(CAMILLE), published.id, kept.id, file.document_id)
    assert b"MEMOIRE-JEAN" in content and hashlib.sha256(content).hexdigest() == file.sha256 == document.sha256
    assert document.kind == "opened_bid_file"
    assert page.consultation.status is ConsultationStatus.OPENED
    (text_file,) = by_id[rival.id].files  # a text file named .pdf: refused after decryption, recorded
    assert text_file.document_id is None and text_file.refused
    assert [line["deposit_id"] for line in opening.record["replaced"]] == [str(replaced.id)]
    assert [line["deposit_id"] for line in opening.record["in_progress"]] == [str(late.id)]
    async with uows.system(published.tenant) as uow:
        bids = await uow.repos.opened_bids.for_lot(published.id, 1)
        assert sorted(str(bid.price) for bid in bids) == ["87000.00", "98765.43"]
        assert await uow.repos.opened_bids.received_count(published.id, 1) == 2
        assert (await uow.repos.deposits.get(replaced.id)).status is DepositStatus.REPLACED
    async with uows(JEAN) as supplier:  # row-level security: a supplier reads no opened bid
        await supplier.act_for_buyer(published.tenant)
        assert await supplier.repos.opened_bids.of_consultation(published.id) == []
        assert await supplier.repos.openings.get(published.id) is None


async def test_two_replicas_close_30_consultations_once_one_cancelled_mid_batch(uows, custody, admin_dsn):
    fakes = deposits.unit_fakes()
    ids = []
    for index in range(30):
        consultation = fakes.a_consultation(at=uows.clock.now(), reference=f"2026-{index + 100:04d}")
        async with uows.system(consultation.tenant) as uow:
            await uow.repos.consultations.add(consultation)
            await service.schedule_deadline(uow, consultation)
        ids.append(consultation.id)
        deadline = consultation.bid_deadline
    uows.clock.set(deadline + timedelta(hours=1))
    reached = asyncio.Event()
    release = asyncio.Event()
    calls = 0

    async def slow(uow, item):
        nonlocal calls
        calls += 1
        await service.deadline_reached(uow, item)
        if calls == 8:  # its transition written, not committed: the replica dies here
            reached.set()
            await release.wait()

    def worker(handlers):
        return due.DueWorker(service="tendering", pool=uows.pool, uows=uows, handlers=handlers, clock=uows.clock)

    doomed = asyncio.create_task(worker({service.DEADLINE_REACHED: slow}).run_pending())
    await asyncio.wait_for(reached.wait(), 20)
    other = worker(service.due_handlers)
    doomed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await doomed
    restarted = worker(service.due_handlers)
    taken = await asyncio.gather(other.run_pending(), restarted.run_pending())
    assert sum(taken) == 30 - 7
    assert await worker(service.due_handlers).run_pending() == 0
    conn = await deposits.superuser(uows, admin_dsn)
    try:
        statuses = await conn.fetch("SELECT id, status FROM consultations WHERE id = ANY($1::uuid[])", ids)
        closes = await conn.fetch("SELECT aggregate_id, count(*) AS n FROM audit_trail WHERE action = $1 "
                                  "GROUP BY aggregate_id", service.CLOSED)
        done = await conn.fetchval("SELECT count(*) FROM due_transitions WHERE kind = $1 AND status = 'done'",
                                   service.DEADLINE_REACHED)
        told = await conn.fetchrow("SELECT count(*) AS n, count(DISTINCT subject) AS subjects FROM messages "
                                   "WHERE template = 'bid_deadline_reached'")
    finally:
        await conn.close()
    assert (told["n"], told["subjects"]) == (30, 30), "one message to the buyer per consultation, none twice"
    assert {row["status"] for row in statuses} == {"closed"} and len(statuses) == 30
    assert sorted(row["aggregate_id"] for row in closes) == sorted(str(i) for i in ids)
    assert all(row["n"] == 1 for row in closes)
    assert done == 30
    # Idempotent: run again by hand (an operator re-arming a row), nothing changes.
    async with uows.system(BUYER.siret) as uow:
        await service.deadline_reached(uow, due.Due(kind=service.DEADLINE_REACHED, aggregate_id=str(ids[0]),
                                                    tenant=BUYER.siret, due_at=deadline))
