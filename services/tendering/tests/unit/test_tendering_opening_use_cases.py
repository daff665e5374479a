"""Opening of the bids (issue 11, items 5, 7, 9) on fake units of work and the settable clock:
refused before the deadline whoever asks, an operator refused by the service, the received
bids opened (price, files in plaintext with their SHA-256), late / replaced / backup copies
listed and not opened, an unreadable bid form recorded « illisible », the backup copy only in a
listed case, the admissibility decision with its reason, the due transition idempotent."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from unefois_kernel import due
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_kernel.storage import FakeDocumentStore, chunks_of
from unefois_kernel.testing import BUYER, load_beside
from unefois_tendering.bids import service as bids_service
from unefois_tendering.bids.custody import service_custody
from unefois_tendering.bids.domain import DepositStatus, PartRole, seal_bytes
from unefois_tendering.consultations.domain import ConsultationStatus
from unefois_tendering.opening import service
from unefois_tendering.opening.domain import Admissibility, OpenedState

deposit_tests = load_beside(__file__, "test_tendering_bids_deposit.py", name="unefois_tendering_unit_deposit_tests")
JEAN, OTHER, AGENT, LOTS = deposit_tests.JEAN, deposit_tests.OTHER, deposit_tests.AGENT, deposit_tests.LOTS
OPERATOR = Principal(subject="u-0", name="Exploitation", roles=frozenset({Role.OPERATOR}), org_siret=BUYER.siret,
                     org_name=BUYER.name, org_kind=OrgKind.BUYER)
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def repos(fakes, clock):
    repos = dataclasses.replace(fakes.fake_repositories(), documents=FakeDocumentStore(clock),
                                deposits=deposit_tests.FakeDepositRepository())
    repos.openings.deposits = repos.deposits
    return repos


@pytest.fixture
async def published(fakes, repos, clock, uow_for):
    consultation = fakes.a_consultation(at=clock.now(), lots=LOTS)
    repos.consultations.rows[consultation.id] = consultation
    uow = uow_for(tenant=consultation.tenant)
    async with uow:
        await bids_service.create_keys_for(uow, consultation.id, service_custody())
    return consultation


async def deposit(uow_for, repos, consultation, principal=JEAN, *, lot=1, price="98765.43", backup=False,
                  form: bytes | None = None, complete=True):
    public = repos.consultation_keys.rows[consultation.id].published.public_key()
    begun = await bids_service.begin_deposit(uow_for(principal), consultation.id, lot_number=lot, backup=backup)
    await bids_service.add_part(uow_for(principal), begun.id, role=PartRole.BID_FORM, filename="formulaire.json",
                                chunks=chunks_of(seal_bytes(public, form or deposit_tests.bid_form(lot, price))))
    await bids_service.add_part(uow_for(principal), begun.id, role=PartRole.BID_DOCUMENT, filename="memoire.pdf",
                                chunks=chunks_of(seal_bytes(public, PDF)))
    if not complete:
        return repos.deposits.rows[begun.id]
    return await bids_service.complete_deposit(uow_for(principal), begun.id, render_receipt=deposit_tests.rendered)


async def test_opening_before_the_deadline_is_refused_for_the_buyer_naming_bid_deadline(published, repos, clock,
                                                                                       uow_for):
    await deposit(uow_for, repos, published)
    clock.set(published.bid_deadline - timedelta(seconds=1))
    with pytest.raises(DomainError) as refused:
        await service.open_bids(uow_for(AGENT), published.id)
    assert (refused.value.status, refused.value.field) == (409, "bid_deadline")
    assert repos.opened_bids.rows == {} and repos.openings.rows == {}


async def test_an_operator_is_refused_by_the_service_before_and_after_the_deadline(published, repos, clock, uow_for):
    for at in (published.bid_deadline - timedelta(hours=1), published.bid_deadline + timedelta(hours=1)):
        clock.set(at)
        with pytest.raises(DomainError) as refused:
            await service.open_bids(uow_for(OPERATOR), published.id)
        assert refused.value.status == 403
    with pytest.raises(DomainError) as supplier:
        await service.open_bids(uow_for(JEAN), published.id)
    assert supplier.value.status == 403


async def test_after_the_deadline_received_bids_are_opened_and_late_replaced_backups_listed(
        published, repos, clock, uows, uow_for):
    replaced = await deposit(uow_for, repos, published, price="120000.00")
    clock.advance(timedelta(minutes=5))
    kept = await deposit(uow_for, repos, published, price="98765.43")
    rival = await deposit(uow_for, repos, published, OTHER, lot=1, price="87000.00")
    backup = await deposit(uow_for, repos, published, OTHER, lot=1, price="87000.00", backup=True)
    clock.set(published.bid_deadline - timedelta(seconds=2))
    late_begun = await deposit(uow_for, repos, published, lot=2, complete=False)
    clock.set(published.bid_deadline + timedelta(minutes=1))
    late = await bids_service.complete_deposit(uow_for(JEAN), late_begun.id, render_receipt=deposit_tests.rendered)
    assert late.status is DepositStatus.LATE and repos.deposits.rows[replaced.id].status is DepositStatus.REPLACED

    opening = await service.open_bids(uow_for(AGENT), published.id)

    assert set(repos.opened_bids.rows) == {kept.id, rival.id}  # neither the late, the replaced nor the backup
    record = repos.opened_bids.rows[kept.id]
    assert record.state is OpenedState.OPENED and record.price == Decimal("98765.43")
    assert record.receipt_hash == kept.receipt_hash and record.bid_form.members[0].identifier_type == "SIRET"
    (file,) = record.files
    assert file.sha256 == hashlib.sha256(PDF).hexdigest() and file.size == len(PDF)
    stored = repos.documents.documents[file.document_id] if hasattr(repos.documents, "documents") else None
    assert stored is None or stored.kind == "opened_bid_file"
    assert repos.consultations.rows[published.id].status is ConsultationStatus.OPENED
    notes = {line["deposit_id"]: line["note"] for key in ("late", "replaced", "backups")
             for line in opening.record[key]}
    assert notes == {str(late.id): "hors délai, non ouvert", str(replaced.id): "remplacé, non ouvert",
                     str(backup.id): "copie de sauvegarde non ouverte"}
    actions = [note.action for uow in uows.handed_out for note in uow.committed.audits]
    assert bids_service.PRIVATE_KEY_UNWRAPPED in actions and service.OPENED in actions
    bids = await repos.opened_bids.for_lot(published.id, 1)
    assert sorted(bid.price for bid in bids) == [Decimal("87000.00"), Decimal("98765.43")]
    assert await repos.opened_bids.received_count(published.id, 1) == 2
    with pytest.raises(DomainError) as again:
        await service.open_bids(uow_for(AGENT), published.id)
    assert again.value.status == 409


async def test_an_invalid_bid_form_is_recorded_unreadable_and_its_backup_copy_opens_in_that_case(
        published, repos, clock, uow_for):
    broken = await deposit(uow_for, repos, published, form=b'{"format": "unefois.bid-form.v1", "price": 1}')
    backup = await deposit(uow_for, repos, published, backup=True, price="91000.00")
    clock.set(published.bid_deadline)
    await service.open_bids(uow_for(AGENT), published.id)
    record = repos.opened_bids.rows[broken.id]
    assert record.state is OpenedState.UNREADABLE and "Formulaire d’offre invalide" in record.problem
    assert await repos.opened_bids.for_lot(published.id, 1) == []

    with pytest.raises(InvalidFields) as no_reason:
        await service.open_backup(uow_for(AGENT), published.id, backup.id, case="could_not_be_opened", reason=" ")
    assert no_reason.value.errors[0]["field"] == "reason"
    with pytest.raises(DomainError) as wrong_case:
        await service.open_backup(uow_for(AGENT), published.id, backup.id, case="received_late", reason="retard")
    assert wrong_case.value.field == "case"
    with pytest.raises(InvalidFields) as unknown:
        await service.open_backup(uow_for(AGENT), published.id, backup.id, case="whim", reason="envie")
    assert unknown.value.errors[0]["field"] == "case"

    opened = await service.open_backup(uow_for(AGENT), published.id, backup.id, case="could_not_be_opened",
                                       reason="Formulaire principal illisible")
    assert opened.backup and opened.replaces_bid_id == broken.id and opened.price == Decimal("91000.00")
    (bid,) = await repos.opened_bids.for_lot(published.id, 1)
    assert bid.bid_id == backup.id
    line = repos.openings.rows[published.id].record["backups_opened"][0]
    assert line["backup_case"] == "could_not_be_opened" and line["backup_reason"] == "Formulaire principal illisible"


async def test_admissibility_needs_a_reason_to_set_a_bid_aside(published, repos, clock, uow_for):
    bid = await deposit(uow_for, repos, published)
    clock.set(published.bid_deadline)
    await service.open_bids(uow_for(AGENT), published.id)
    with pytest.raises(InvalidFields) as refused:
        await service.decide(uow_for(AGENT), published.id, bid.id, admissibility="irregular", reason="")
    assert refused.value.errors[0]["field"] == "reason"
    decided = await service.decide(uow_for(AGENT), published.id, bid.id, admissibility="irregular",
                                   reason="Le DQE n’est pas renseigné.")
    assert decided.admissibility is Admissibility.IRREGULAR
    (opened,) = await repos.opened_bids.for_lot(published.id, 1)
    assert not opened.admissible and opened.inadmissible_ground == "irregular"
    assert opened.inadmissible_reason == "Le DQE n’est pas renseigné."
    again = await service.decide(uow_for(AGENT), published.id, bid.id, admissibility="admissible", reason=None)
    assert again.admissibility is Admissibility.ADMISSIBLE


async def test_publication_schedules_the_deadline_and_the_handler_closes_once(published, repos, clock, uows, uow_for):
    await deposit(uow_for, repos, published)
    uow = uow_for(tenant=published.tenant)
    async with uow:
        await service.schedule_deadline(uow, published)
    (scheduled,) = uow.due_scheduled
    assert scheduled.kind == service.DEADLINE_REACHED and scheduled.due_at == published.bid_deadline
    item = due.Due(kind=scheduled.kind, aggregate_id=scheduled.aggregate_id, tenant=published.tenant,
                   due_at=scheduled.due_at)
    clock.set(published.bid_deadline - timedelta(seconds=1))
    early = uow_for(tenant=published.tenant)
    async with early:
        await service.deadline_reached(early, item)
    assert repos.consultations.rows[published.id].status is ConsultationStatus.PUBLISHED
    clock.set(published.bid_deadline)
    for _ in range(2):
        handler_uow = uow_for(tenant=published.tenant)
        async with handler_uow:
            await service.deadline_reached(handler_uow, item)
    assert repos.consultations.rows[published.id].status is ConsultationStatus.CLOSED
    closes = [note for u in uows.handed_out for note in u.committed.audits if note.action == service.CLOSED]
    assert len(closes) == 1 and closes[0].change["received"] == 1
    assert "1 pli reçu" in closes[0].change["message"]
    told = [note for u in uows.handed_out for note in getattr(u, "notifications", [])
            if note.template == "bid_deadline_reached"]
    assert len(told) == 1 and told[0].to_org_siret == published.tenant, "the buyer's organisation, once"
    assert "1 pli reçu" in told[0].subject


async def test_unknown_consultation_and_unopened_bid(published, clock, uow_for):
    clock.set(published.bid_deadline)
    with pytest.raises(DomainError) as missing:
        await service.open_bids(uow_for(AGENT), uuid.uuid4())
    assert missing.value.status == 404
    with pytest.raises(DomainError) as no_bid:
        await service.decide(uow_for(AGENT), published.id, uuid.uuid4(), admissibility="admissible", reason=None)
    assert (no_bid.value.status, no_bid.value.field) == (409, "status")  # not opened yet
    await service.open_bids(uow_for(AGENT), published.id)
    with pytest.raises(DomainError) as unknown:
        await service.decide(uow_for(AGENT), published.id, uuid.uuid4(), admissibility="admissible", reason=None)
    assert unknown.value.status == 404


async def test_missing_candidate_documents_requested_answered_or_unanswered(published, repos, clock, uows, uow_for):
    bid = await deposit(uow_for, repos, published)
    rival = await deposit(uow_for, repos, published, OTHER)
    clock.set(published.bid_deadline)
    await service.open_bids(uow_for(AGENT), published.id)
    deadline = clock.now() + timedelta(days=5)
    with pytest.raises(InvalidFields) as unknown:
        await service.request_documents(uow_for(AGENT), published.id, bid.id, documents=["kbis"], message=None,
                                        deadline=deadline)
    assert unknown.value.errors[0]["field"] == "documents"  # only what the consultation required ("dume")
    request_uow = uow_for(AGENT)
    request = await service.request_documents(request_uow, published.id, bid.id, documents=["dume"],
                                              message="Le DUME manque.", deadline=deadline)
    [told] = request_uow.notifications
    assert (told.template, told.to_org_siret) == ("documents_requested", bid.supplier_siret)
    assert "R2144-2" in told.message and "Le DUME manque." in told.message
    (scheduled,) = [d for u in uows.handed_out for d in getattr(u, "due_scheduled", [])
                    if d.kind == service.COMPLEMENT_DEADLINE_PASSED]
    assert scheduled.due_at == deadline
    with pytest.raises(InvalidFields) as other_deadline:  # R2144-2: the same deadline for all
        await service.request_documents(uow_for(AGENT), published.id, rival.id, documents=["dume"], message=None,
                                        deadline=deadline + timedelta(days=1))
    assert other_deadline.value.errors[0]["field"] == "deadline"
    second = await service.request_documents(uow_for(AGENT), published.id, rival.id, documents=["dume"],
                                             message=None, deadline=deadline)

    answered = await service.answer_request(uow_for(JEAN), request.id, code="dume", filename="dume.pdf",
                                            chunks=chunks_of(PDF))
    assert answered.status.value == "answered" and answered.answers[0].sha256 == hashlib.sha256(PDF).hexdigest()
    with pytest.raises(DomainError) as not_his:
        await service.answer_request(uow_for(JEAN), second.id, code="dume", filename="dume.pdf", chunks=chunks_of(PDF))
    assert not_his.value.status == 404

    clock.set(deadline)
    item = due.Due(kind=service.COMPLEMENT_DEADLINE_PASSED, aggregate_id=str(second.id), tenant=published.tenant,
                   due_at=deadline)
    for _ in range(2):
        handler = uow_for(tenant=published.tenant)
        async with handler:
            await service.complement_deadline_passed(handler, item)
    assert repos.document_requests.rows[second.id].status.value == "unanswered"
    with pytest.raises(DomainError) as late:
        await service.answer_request(uow_for(OTHER), second.id, code="dume", filename="dume.pdf",
                                     chunks=chunks_of(PDF))
    assert late.value.field == "deadline"
