"""Evaluation and award on the real PostgreSQL (issue 11, items 8 and 9): bids deposited, opened
by the opening's use case, marked, one justified, proposed, decided (formal procedure), the
standstill's due transition run by a DueWorker (the award event in the outbox once, a second run
nothing); row-level security: each supplier reads only its own justification case and letters,
another buyer nothing."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from unefois_kernel import due
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.storage import chunks_of
from unefois_kernel.storage.database import PostgresDocumentStorage
from unefois_kernel.testing import BUYER, OTHER_BUYER
from unefois_kernel.uow import UnitsOfWork
from unefois_tendering.bids import service as bids_service
from unefois_tendering.bids.custody import FileKeyCustody, new_key_file_content
from unefois_tendering.evaluations import service
from unefois_tendering.evaluations.domain import (
    AbnormalStatus,
    LetterKind,
    LotStatus,
    Mark,
)
from unefois_tendering.opening import service as opening_service
from unefois_tendering.repositories import Repositories

pytestmark = pytest.mark.integration


def _beside(name: str, module: str):
    path = Path(__file__).parent / name
    spec = importlib.util.spec_from_file_location(module, path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


deposits = _beside("test_tendering_bids_deposit_database.py", "unefois_tendering_evaluation_deposit_helpers")
JEAN, LISE, LOTS = deposits.JEAN, deposits.LISE, deposits.LOTS
BUYER_P = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                    org_name=BUYER.name, org_kind=OrgKind.BUYER)
APPROVER = Principal(subject="u-9", name="Claire Valideuse", roles=frozenset({Role.BUYER_APPROVER}),
                     org_siret=BUYER.siret, org_name=BUYER.name, org_kind=OrgKind.BUYER)
OTHER = Principal(subject="u-2", name="Léa Durand", roles=frozenset({Role.BUYER}), org_siret=OTHER_BUYER.siret,
                  org_name=OTHER_BUYER.name, org_kind=OrgKind.BUYER)


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
async def opened(uows, custody):
    """A formal procedure (appel d'offres ouvert) with two lots; Jean and Lise bid on lot 1; opened."""
    consultation = deposits.unit_fakes().a_consultation(at=uows.clock.now(), lots=LOTS,
                                                        procedure="Appel d'offres ouvert")
    async with uows.system(consultation.tenant) as uow:
        await uow.repos.consultations.add(consultation)
        await bids_service.create_keys_for(uow, consultation.id, custody)
    jean = await deposits.a_deposit(uows, consultation, JEAN, price="98 765,43")
    lise = await deposits.a_deposit(uows, consultation, LISE, price="87 000,00", marker="MEMOIRE-LISE")
    uows.clock.set(consultation.bid_deadline + timedelta(minutes=2))
    await opening_service.open_bids(uows(BUYER_P), consultation.id, custody=custody)
    return consultation, jean, lise


def _marks(bids, points):
    marks = []
    for bid, (env, method, means) in zip(bids, points, strict=True):
        marks += [Mark(bid, 1, None, Decimal(env), "Plan environnemental"),
                  Mark(bid, 2, 0, Decimal(method), "Méthodologie"), Mark(bid, 2, 1, Decimal(means), "Moyens")]
    return marks


async def test_a_lot_marked_justified_decided_and_its_event_after_the_standstill(uows, opened, admin_dsn):
    consultation, jean, lise = opened
    grid = await service.grid(uows(BUYER_P), consultation.id, 1)
    assert {bid.bid_id for bid in grid.bids} == {jean.id, lise.id} and grid.offers_received == 2
    await service.save_marks(uows(BUYER_P), consultation.id, 1, formula="proportional",
                             marks=_marks([jean.id, lise.id], [(20, 12, 8), (10, 6, 4)]))
    stored = await service.grid(uows(BUYER_P), consultation.id, 1)
    assert len(stored.marks) == 6 and stored.evaluation.complete
    # Lise's price is questioned by the buyer (not by the detection with two bids): she answers.
    deadline = uows.clock.now() + timedelta(days=7)
    await service.request_justification(uows(BUYER_P), consultation.id, 1, lise.id, deadline=deadline,
                                        reason="Prix inférieur de 12 % à l’estimation du lot")
    assert await service.supplier_cases(uows(JEAN)) == []  # row-level security: not Jean's case
    (case,) = await service.supplier_cases(uows(LISE))
    assert case.case.status is AbnormalStatus.REQUESTED
    answered = await service.answer_justification(uows(LISE), lise.id, text="Stock acquis avant la hausse.",
                                                  file=("factures.txt", chunks_of(b"Factures du stock\n")))
    assert answered.answer_document_id is not None
    kept = await service.decide_justification(uows(BUYER_P), consultation.id, 1, lise.id, keep=True,
                                              reason="Justification suffisante")
    assert kept.case.status is AbnormalStatus.JUSTIFIED
    # Jean: 60 x 87 000 / 98 765,43 = 52,85 + 40 = 92,85; Lise: 60 + 20 = 80.
    proposed = await service.propose(uows(BUYER_P), consultation.id, 1)
    assert proposed.lot.proposal_bid_id == jean.id
    decided = await service.decide(uows(APPROVER), consultation.id, 1)
    assert decided.lot.status is LotStatus.DECIDED and decided.lot.standstill_ends_at is not None
    # Each supplier reads its own letter only; another buyer reads nothing of it.
    (jeans,) = await service.supplier_letters(uows(JEAN))
    (lises,) = await service.supplier_letters(uows(LISE))
    assert jeans.kind is LetterKind.AWARD and lises.kind is LetterKind.REJECTION
    assert "Travaux Publics Rhodaniens" in lises.body or JEAN.org_name in lises.body
    async with uows(OTHER) as other:
        assert await other.repos.evaluations.letters(consultation.id) == []
        assert await other.repos.evaluations.lot(consultation.id, 1) is None
        assert await other.repos.evaluations.marks(consultation.id, 1) == []

    worker = due.DueWorker(service="tendering", pool=uows.pool, uows=uows, handlers=service.handlers(),
                           clock=uows.clock)
    assert await worker.run_pending() == 0
    uows.clock.set(decided.lot.standstill_ends_at + timedelta(seconds=1))
    assert await worker.run_pending() >= 1
    conn = await deposits.superuser(uows, admin_dsn)
    try:
        events = await conn.fetch("SELECT event_type, payload FROM outbox WHERE key = $1 OR payload::text LIKE $2",
                                  str(decided.lot.award_id), f"%{decided.lot.award_id}%")
        mails = await conn.fetch("SELECT template, to_email FROM outgoing_mail ORDER BY template")
        messages = await conn.fetch("SELECT template, recipient_siret FROM messages WHERE template LIKE '%letter'")
    finally:
        await conn.close()
    types = sorted(row["event_type"] for row in events)
    assert types == ["fr.unefois.tendering.AwardDecided.v1", "fr.unefois.tendering.AwardDecided.v2"], types
    # Jean deposited with an e-mail: mail and message; Lise without one: her in-app message only.
    assert ("award_letter", JEAN.email) in {(row["template"], row["to_email"]) for row in mails}
    assert {(row["template"], row["recipient_siret"]) for row in messages} == {
        ("award_letter", JEAN.org_siret), ("rejection_letter", LISE.org_siret)}
    # A second run (an operator re-arming the row) emits nothing more.
    async with uows.system(consultation.tenant) as uow:
        await service.standstill_ended(uow, due.Due(kind=service.STANDSTILL_END, aggregate_id=str(consultation.id),
                                                    tenant=consultation.tenant, due_at=uows.clock.now(),
                                                    payload={"lot_key": 1}, key="1"))
    conn = await deposits.superuser(uows, admin_dsn)
    try:
        again = await conn.fetchval("SELECT count(*) FROM outbox WHERE payload::text LIKE $1",
                                    f"%{decided.lot.award_id}%")
    finally:
        await conn.close()
    assert again == 2


async def test_a_supplier_cannot_read_or_answer_another_suppliers_case(uows, opened):
    consultation, _jean, lise = opened
    await service.request_justification(uows(BUYER_P), consultation.id, 1, lise.id,
                                        deadline=uows.clock.now() + timedelta(days=7), reason="Prix bas")
    from unefois_kernel.domain_errors import NotFound

    with pytest.raises(NotFound):
        await service.answer_justification(uows(JEAN), lise.id, text="Je réponds à la place de Lise")
    async with uows(JEAN) as supplier:
        await supplier.act_for_buyer(consultation.tenant)
        assert await supplier.repos.evaluations.case(lise.id) is None
        assert await supplier.repos.evaluations.lot(consultation.id, 1) is None


async def test_sans_suite_abandons_and_leaves_each_bidder_its_letter(uows, opened):
    consultation, _jean, _lise = opened
    decision = await service.declare_sans_suite(uows(APPROVER), consultation.id, reason="need_gone",
                                                detail="Le projet de voirie est abandonné par délibération.")
    assert "R2185-2" in decision.explanation
    async with uows(BUYER_P) as uow:
        assert (await uow.repos.consultations.get(consultation.id)).status.value == "abandoned"
        assert {lot.status for lot in await uow.repos.evaluations.lots(consultation.id)} == {LotStatus.ABANDONED}
    for supplier in (JEAN, LISE):
        (letter,) = await service.supplier_letters(uows(supplier))
        assert letter.kind is LetterKind.SANS_SUITE and "abandonné par délibération" in letter.body
