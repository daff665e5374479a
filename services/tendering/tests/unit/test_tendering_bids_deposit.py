"""Bid deposit use cases (issue 11, item 4) on fake units of work and the settable clock: the
deadline's edges (begun one second before: accepted; at the deadline: refused, naming
bid_deadline), a completion after the deadline recorded « hors délai », the replacement of an
earlier deposit of the same lot, parts that are not sealed refused, the receipt and its hash,
the backup copy apart, the bid form's model."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from unefois_events.catalogue import Lot
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.storage import FakeDocumentStore, chunks_of
from unefois_kernel.testing import BUYER, SUPPLIER
from unefois_tendering.bids import domain as bids
from unefois_tendering.bids import service
from unefois_tendering.bids.custody import service_custody
from unefois_tendering.bids.domain import (
    BackupOpeningCase,
    BidForm,
    Deposit,
    DepositPart,
    DepositStatus,
    PartRole,
    open_sealed_bytes,
    seal_bytes,
)

JEAN = Principal(subject="u-3", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret=SUPPLIER.siret,
                 org_name=SUPPLIER.name, org_kind=OrgKind.SUPPLIER, email="contact@tp-rhodaniens.fr")
OTHER = Principal(subject="u-4", name="Lise Bernard", roles=frozenset({Role.SUPPLIER}), org_siret="81000005900016",
                  org_name="Fournitures Scolaires du Centre SARL", org_kind=OrgKind.SUPPLIER)
AGENT = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                  org_name=BUYER.name, org_kind=OrgKind.BUYER)
LOTS = [Lot(number=1, title="Voirie", estimated_value=Decimal("60000.00")),
        Lot(number=2, title="Éclairage", estimated_value=Decimal("60000.00"))]


class FakeDepositRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Deposit] = {}

    async def add(self, deposit: Deposit) -> None:
        assert deposit.id not in self.rows
        self.rows[deposit.id] = deposit

    async def add_part(self, deposit: Deposit, part: DepositPart) -> None:
        stored = self.rows[deposit.id]
        self.rows[deposit.id] = dataclasses.replace(stored, parts=(*stored.parts, part))

    async def get(self, deposit_id: uuid.UUID, *, for_update: bool = False) -> Deposit | None:
        return self.rows.get(deposit_id)

    async def complete(self, deposit: Deposit) -> None:
        self.rows[deposit.id] = dataclasses.replace(self.rows[deposit.id], completed_at=deposit.completed_at,
                                                    status=deposit.status, receipt_hash=deposit.receipt_hash,
                                                    receipt=deposit.receipt,
                                                    receipt_document_id=deposit.receipt_document_id)

    async def mark_replaced(self, deposit_ids: list[uuid.UUID]) -> None:
        for deposit_id in deposit_ids:
            self.rows[deposit_id] = dataclasses.replace(self.rows[deposit_id], status=DepositStatus.REPLACED)

    async def of_consultation(self, consultation_id, *, lot_number=None, all_lots=True,
                              for_update=False) -> list[Deposit]:
        return sorted((row for row in self.rows.values() if row.consultation_id == consultation_id
                       and (all_lots or row.lot_number == lot_number)), key=lambda row: row.begun_at)

    async def mine(self, *, limit: int = 200) -> list[Deposit]:
        return sorted(self.rows.values(), key=lambda row: row.begun_at, reverse=True)[:limit]


@pytest.fixture
def repos(fakes, clock):
    return dataclasses.replace(fakes.fake_repositories(), documents=FakeDocumentStore(clock),
                               deposits=FakeDepositRepository())


@pytest.fixture
async def published(fakes, repos, clock, uow_for):
    """A published two-lot consultation with its key pair; its deadline."""
    consultation = fakes.a_consultation(at=clock.now(), lots=LOTS)
    repos.consultations.rows[consultation.id] = consultation
    uow = uow_for(tenant=consultation.tenant)
    async with uow:
        await service.create_keys_for(uow, consultation.id, service_custody())
    return consultation


def rendered(deposit: Deposit) -> bytes:
    return b"%PDF-1.7\n" + json.dumps(deposit.receipt, sort_keys=True).encode() + b"\n%%EOF\n"


def bid_form(lot: int = 1, price: str = "98765.43") -> bytes:
    return BidForm(lot_number=lot, price_excl_tax=price, members=[
        {"name": SUPPLIER.name, "identifier_type": "SIRET", "identifier": SUPPLIER.siret, "mandataire": True}],
    ).model_dump_json().encode()


async def deposit(uow_for, repos, consultation, principal=JEAN, *, lot=1, price="98765.43", backup=False,
                  complete=True) -> Deposit:
    public = repos.consultation_keys.rows[consultation.id].published.public_key()
    begun = await service.begin_deposit(uow_for(principal), consultation.id, lot_number=lot, backup=backup)
    await service.add_part(uow_for(principal), begun.id, role=PartRole.BID_FORM, filename="formulaire.json",
                           chunks=chunks_of(seal_bytes(public, bid_form(lot, price))))
    await service.add_part(uow_for(principal), begun.id, role=PartRole.PRICE_SCHEDULE, filename="DQE.xlsx",
                           chunks=chunks_of(seal_bytes(public, b"DQE MARKER-42 " * 1000)))
    if not complete:
        return repos.deposits.rows[begun.id]
    return await service.complete_deposit(uow_for(principal), begun.id, render_receipt=rendered)


async def test_a_deposit_begun_one_second_before_the_deadline_is_accepted(published, repos, clock, uow_for):
    clock.set(published.bid_deadline - timedelta(seconds=1))
    begun = await service.begin_deposit(uow_for(JEAN), published.id, lot_number=1)
    assert begun.begun_at == published.bid_deadline - timedelta(seconds=1)
    assert begun.status is DepositStatus.IN_PROGRESS and begun.tenant == published.tenant
    assert begun.supplier_siret == SUPPLIER.siret and repos.deposits.rows[begun.id] == begun


async def test_a_deposit_begun_at_the_deadline_is_refused_naming_bid_deadline(published, repos, clock, uow_for):
    clock.set(published.bid_deadline)
    with pytest.raises(DomainError) as refused:
        await service.begin_deposit(uow_for(JEAN), published.id, lot_number=1)
    assert refused.value.field == "bid_deadline" and refused.value.status == 409
    assert "date limite de remise des offres (bid_deadline) est passée" in refused.value.detail
    assert repos.deposits.rows == {}


@pytest.mark.parametrize("status", ["closed", "opened"])
async def test_a_deposit_begun_once_the_deadline_closed_it_is_refused_naming_bid_deadline(published, repos, clock,
                                                                                         uow_for, status):
    """The deadline's due transition closed it (then the buyer opened): still the deadline's refusal."""
    from unefois_tendering.consultations.domain import ConsultationStatus

    await repos.consultations.set_status(published.id, ConsultationStatus(status))
    clock.set(published.bid_deadline + timedelta(minutes=5))
    with pytest.raises(DomainError) as refused:
        await service.begin_deposit(uow_for(JEAN), published.id, lot_number=1)
    assert (refused.value.field, refused.value.status) == ("bid_deadline", 409)
    assert repos.deposits.rows == {}


async def test_a_deposit_completed_after_the_deadline_is_late_and_replaces_nothing(published, repos, clock, uow_for):
    first = await deposit(uow_for, repos, published)
    clock.set(published.bid_deadline - timedelta(seconds=1))
    begun = await deposit(uow_for, repos, published, price="1.00", complete=False)
    clock.set(published.bid_deadline + timedelta(minutes=3))
    late = await service.complete_deposit(uow_for(JEAN), begun.id, render_receipt=rendered)
    assert late.status is DepositStatus.LATE and late.completed_at == published.bid_deadline + timedelta(minutes=3)
    assert late.receipt["status"] == "late"
    assert repos.deposits.rows[first.id].status is DepositStatus.RECEIVED  # the on-time one still counts


async def test_a_completion_exactly_at_the_deadline_is_late(published, repos, clock, uow_for):
    begun = await deposit(uow_for, repos, published, complete=False)
    clock.set(published.bid_deadline)
    done = await service.complete_deposit(uow_for(JEAN), begun.id, render_receipt=rendered)
    assert done.status is DepositStatus.LATE


async def test_a_new_deposit_of_the_same_lot_replaces_the_earlier_one(published, repos, clock, uow_for):
    first = await deposit(uow_for, repos, published, lot=1)
    other_lot = await deposit(uow_for, repos, published, lot=2)
    rival = await deposit(uow_for, repos, published, OTHER, lot=1)
    clock.advance(timedelta(hours=1))
    second = await deposit(uow_for, repos, published, lot=1, price="90000.00")
    rows = repos.deposits.rows
    assert rows[first.id].status is DepositStatus.REPLACED
    assert rows[second.id].status is DepositStatus.RECEIVED
    assert rows[other_lot.id].status is DepositStatus.RECEIVED and rows[rival.id].status is DepositStatus.RECEIVED
    # The replaced one is kept, sealed: its parts are still stored.
    assert all(part.document_id in repos.documents.contents for part in rows[first.id].parts)


async def test_replacement_is_audited_and_the_receipt_says_it_replaces(published, repos, uows, clock, uow_for):
    first = await deposit(uow_for, repos, published)
    clock.advance(timedelta(minutes=5))
    second = await deposit(uow_for, repos, published)
    actions = [note.action for uow in uows.handed_out for note in uow.committed.audits]
    assert actions.count(service.DEPOSIT_RECEIVED) == 2 and service.DEPOSIT_REPLACED in actions
    replaced = [note for uow in uows.handed_out for note in uow.committed.audits
                if note.action == service.DEPOSIT_REPLACED]
    assert replaced[0].aggregate_id == str(first.id) and replaced[0].change == {"replaced_by": str(second.id)}
    assert replaced[0].tenant == published.tenant  # the buyer's trail
    notes = [note for uow in uows.handed_out for note in getattr(uow, "notifications", [])]
    assert [note.template for note in notes] == ["deposit_receipt", "deposit_receipt"]
    assert "remplace" in notes[1].text and notes[1].to_email == JEAN.email
    assert notes[1].to_org_siret == SUPPLIER.siret and second.receipt_hash in notes[1].text


async def test_the_receipt_lists_each_part_and_its_hash_covers_them(published, repos, uow_for):
    done = await deposit(uow_for, repos, published)
    receipt = done.receipt
    assert receipt["consultation_reference"] == published.reference and receipt["lot_number"] == 1
    assert receipt["depositor"] == JEAN.actor and receipt["completed_at"] == done.completed_at.isoformat()
    assert [(part["role"], part["filename"]) for part in receipt["parts"]] == [
        ("bid_form", "formulaire.json"), ("price_schedule", "DQE.xlsx")]
    for part, stored in zip(receipt["parts"], done.parts, strict=True):
        assert part["sha256"] == stored.sha256 == repos.documents.documents[stored.document_id].sha256
        assert part["size"] == stored.size
    assert done.receipt_hash == bids.receipt_hash(receipt)
    assert bids.receipt_hash(receipt | {"lot_number": 2}) != done.receipt_hash
    pdf = repos.documents.documents[done.receipt_document_id]
    assert pdf.kind == "receipt" and pdf.media_type == "application/pdf"
    document, content = await service.receipt_of(uow_for(JEAN), done.id)
    assert document.id == done.receipt_document_id and content.startswith(b"%PDF-")


async def test_parts_are_stored_sealed_and_open_only_with_the_consultation_key(published, repos, uow_for):
    done = await deposit(uow_for, repos, published)
    key = repos.consultation_keys.rows[published.id]
    private = service_custody().unwrap_private_key(published.id, key.wrapped_private_key)
    form = repos.documents.contents[done.parts[0].document_id]
    assert b"98765" not in form and repos.documents.documents[done.parts[0].document_id].kind == "sealed_bid_form"
    opened = BidForm.model_validate_json(open_sealed_bytes(private, form))
    assert opened.price() == Decimal("98765.43")


async def test_a_part_not_sealed_is_refused(published, repos, uow_for):
    begun = await service.begin_deposit(uow_for(JEAN), published.id, lot_number=1)
    with pytest.raises(DomainError) as refused:
        await service.add_part(uow_for(JEAN), begun.id, role=PartRole.BID_FORM, filename="offre.json",
                               chunks=chunks_of(bid_form()))
    assert refused.value.field == "fichier" and refused.value.status == 422
    assert repos.documents.documents == {} and repos.deposits.rows[begun.id].parts == ()


async def test_a_part_over_the_limit_is_a_413(published, repos, uow_for):
    public = repos.consultation_keys.rows[published.id].published.public_key()
    begun = await service.begin_deposit(uow_for(JEAN), published.id, lot_number=1)
    with pytest.raises(DomainError) as refused:
        await service.add_part(uow_for(JEAN), begun.id, role=PartRole.BID_FORM, filename="formulaire.json",
                               chunks=chunks_of(seal_bytes(public, b"x" * (300 * 1024))))
    assert refused.value.status == 413


async def test_completing_without_the_bid_form_is_refused(published, repos, uow_for):
    begun = await service.begin_deposit(uow_for(JEAN), published.id, lot_number=1)
    with pytest.raises(DomainError) as refused:
        await service.complete_deposit(uow_for(JEAN), begun.id, render_receipt=rendered)
    assert refused.value.field == "bid_form"


async def test_a_completed_deposit_takes_no_more_parts_and_is_not_completed_twice(published, repos, uow_for):
    done = await deposit(uow_for, repos, published)
    with pytest.raises(DomainError) as refused:
        await service.complete_deposit(uow_for(JEAN), done.id, render_receipt=rendered)
    assert refused.value.field == "status" and refused.value.status == 409
    with pytest.raises(DomainError):
        await service.add_part(uow_for(JEAN), done.id, role=PartRole.BID_DOCUMENT, filename="x.pdf",
                               chunks=chunks_of(b"UFSB\x01\x01" + b"0" * 200))


async def test_another_supplier_cannot_touch_a_deposit(published, repos, uow_for):
    begun = await service.begin_deposit(uow_for(JEAN), published.id, lot_number=1)
    with pytest.raises(NotFound):
        await service.deposit_of(uow_for(OTHER), begun.id)
    with pytest.raises(NotFound):
        await service.complete_deposit(uow_for(OTHER), begun.id, render_receipt=rendered)


async def test_only_suppliers_deposit_and_only_on_published_consultations(fakes, published, repos, clock, uow_for):
    with pytest.raises(DomainError) as refused:
        await service.begin_deposit(uow_for(AGENT), published.id, lot_number=1)
    assert refused.value.status == 403
    with pytest.raises(NotFound):
        await service.begin_deposit(uow_for(JEAN), uuid.uuid4(), lot_number=1)
    with pytest.raises(DomainError) as refused:
        await service.begin_deposit(uow_for(JEAN), published.id, lot_number=3)
    assert refused.value.field == "lot_number"


async def test_the_backup_copy_is_deposited_apart(published, repos, uow_for):
    bid = await deposit(uow_for, repos, published)
    backup = await deposit(uow_for, repos, published, backup=True)
    assert backup.backup and backup.status is DepositStatus.RECEIVED
    assert repos.deposits.rows[bid.id].status is DepositStatus.RECEIVED  # a backup copy replaces no bid
    kinds = {repos.documents.documents[part.document_id].kind for part in backup.parts}
    assert kinds == {"sealed_backup.bid_form", "sealed_backup.price_schedule"}
    assert backup.receipt["backup"] is True


async def test_the_buyer_sees_the_register(published, repos, uow_for):
    await deposit(uow_for, repos, published)
    register = await service.register(uow_for(AGENT), published.id)
    assert [(row.supplier_siret, row.lot_number, row.status) for row in register] == [
        (SUPPLIER.siret, 1, DepositStatus.RECEIVED)]
    with pytest.raises(DomainError):
        await service.register(uow_for(JEAN), published.id)


def test_the_bid_form_model():
    member = {"name": SUPPLIER.name, "identifier_type": "SIRET", "identifier": SUPPLIER.siret}
    form = BidForm(lot_number=1, price_excl_tax="12345.67", members=[member], subcontracting=True,
                   subcontracted_amount="1000.00")
    assert form.price() == Decimal("12345.67") and form.format == "unefois.bid-form.v1"
    for wrong in [{"price_excl_tax": "12 345,67"}, {"grouping": "conjoint"},
                  {"subcontracting": True, "subcontracted_amount": None}, {"subcontracted_amount": "10.00"},
                  {"members": [member | {"identifier": "123"}]}]:
        with pytest.raises(ValidationError):
            BidForm.model_validate({"lot_number": 1, "price_excl_tax": "1.00", "members": [member]} | wrong)
    grouping = BidForm(lot_number=None, price_excl_tax="1.00", grouping="solidaire", members=[
        member | {"mandataire": True}, {"name": "Acme GmbH", "identifier_type": "TVA", "identifier": "DE123456789"}])
    assert len(grouping.members) == 2


@pytest.mark.parametrize(("text", "expected"), [("12 345,67", "12345.67"), ("12\u202f345,6", "12345.60"),
                                                ("98765.43", "98765.43"), ("1.234,50 €", "1234.50"), ("7", "7.00")])
def test_french_amounts(text, expected):
    assert bids.parse_french_amount(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "-3", "1,234"])
def test_not_amounts(text):
    with pytest.raises(ValueError):
        bids.parse_french_amount(text)


def test_the_backup_copy_opening_cases_have_their_articles():
    assert set(bids.BACKUP_OPENING_CASE_LABELS) == set(BackupOpeningCase)
    assert all("arrêté du 22 mars 2019" in label for label in bids.BACKUP_OPENING_CASE_LABELS.values())
    assert "commencé avant la date limite" in bids.BACKUP_OPENING_CASE_LABELS[BackupOpeningCase.RECEIVED_LATE]


# --- The adapters in-process: the API's steps and the pages -------------------------------


@pytest.fixture
def client_as(repos, clock):
    from unefois_kernel.testing import adapter_client
    from unefois_kernel.uow import FakeUnitsOfWork
    from unefois_tendering.bids import api, web

    def make(principal):
        return adapter_client([api.router, api.deposits_router, web.router],
                              FakeUnitsOfWork(repos, clock=clock, service="tendering"), stage="tendering",
                              principal=principal)

    return make


async def test_the_api_deposits_step_by_step(published, repos, client_as, clock):
    client = client_as(JEAN)
    public = repos.consultation_keys.rows[published.id].published.public_key()
    begun = client.post(f"/api/consultations/{published.id}/deposits", json={"lot_number": 2})
    assert begun.status_code == 201, begun.text
    deposit_id = begun.json()["id"]
    assert begun.json()["status"] == "in_progress" and begun.json()["lot_label"] == "Lot 2 — Éclairage"
    part = client.post(f"/api/deposits/{deposit_id}/parts", params={"role": "bid_form"},
                       content=seal_bytes(public, bid_form(2)),
                       headers={"Content-Disposition": "attachment; filename*=UTF-8''formulaire%20d%E2%80%99offre.json"})
    assert part.status_code == 201, part.text
    assert part.json()["filename"] == "formulaire d’offre.json" and len(part.json()["sha256"]) == 64
    clear = client.post(f"/api/deposits/{deposit_id}/parts", params={"role": "bid_document"},
                        content=b"%PDF-1.7 en clair", headers={"X-Filename": "offre.pdf"})
    assert clear.status_code in (415, 422) and clear.headers["content-type"] == "application/problem+json"
    done = client.post(f"/api/deposits/{deposit_id}/complete")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "received" and done.json()["receipt_hash"]
    receipt = client.get(f"/api/deposits/{deposit_id}/receipt").json()
    assert receipt["receipt_hash"] == bids.receipt_hash(receipt["content"]) == done.json()["receipt_hash"]
    pdf = client.get(f"/api/deposits/{deposit_id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and "attachment" in pdf.headers["content-disposition"]
    assert [row["id"] for row in client.get("/api/deposits").json()] == [deposit_id]
    assert client_as(OTHER).get(f"/api/deposits/{deposit_id}").status_code == 404
    assert client_as(AGENT).get("/api/deposits").status_code == 403
    register = client_as(AGENT).get(f"/api/consultations/{published.id}/deposits")
    assert register.status_code == 200 and register.json()[0]["parts"][0]["sha256"] == part.json()["sha256"]
    form = client.get("/api/bid-form").json()
    assert form["format"] == "unefois.bid-form.v1" and BidForm.model_validate(form)

    clock.set(published.bid_deadline)
    late = client.post(f"/api/consultations/{published.id}/deposits", json={"lot_number": 1})
    assert late.status_code == 409 and late.json()["errors"][0]["field"] == "bid_deadline"


async def test_the_pages(published, repos, client_as, clock, uow_for):
    client = client_as(JEAN)
    page = client.get(f"/consultations-publiques/{published.id}/depot")
    assert page.status_code == 200, page.text
    assert "Chiffrer et déposer" in page.text and "Lot 2 — Éclairage" in page.text
    assert "<script>" not in page.text and "style=" not in page.text
    done = await deposit(uow_for, repos, published)
    mine = client.get("/mes-depots")
    assert mine.status_code == 200 and published.reference in mine.text and "Reçu" in mine.text
    receipt = client.get(f"/mes-depots/{done.id}?message=depose")
    assert receipt.status_code == 200 and done.receipt_hash in receipt.text and "Télécharger" in receipt.text
    clock.set(published.bid_deadline)
    closed = client.get(f"/consultations-publiques/{published.id}/depot")
    assert closed.status_code == 409 and "La date limite de remise des offres est passée" in closed.text
    assert "Chiffrer et déposer" not in closed.text


async def test_the_buyers_register_page(published, repos, client_as, uow_for):
    done = await deposit(uow_for, repos, published)
    page = client_as(AGENT).get(f"/consultations/{published.id}/depots")
    assert page.status_code == 200, page.text
    assert SUPPLIER.name in page.text and done.parts[0].sha256 in page.text and "98765" not in page.text
    assert client_as(JEAN).get(f"/consultations/{published.id}/depots").status_code == 403
