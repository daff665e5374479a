"""In-memory stand-ins of the tendering repositories (same methods as the real ones), and the
payloads the unit tests start from. Row-level security is not modelled: the integration tests
check it on a real database."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import unefois_rules
from unefois_events.catalogue import NeedApproved, Organisation, ProcedureDecision
from unefois_events.values import Procedure
from unefois_kernel.clock import PLATFORM_TZ, paris_date
from unefois_kernel.testing import BUYER, purchase
from unefois_tendering.bids.domain import ConsultationKey, PublishedKey
from unefois_tendering.consultations.domain import (
    Consultation,
    ConsultationStatus,
    consultation_reference,
    earliest_deadline,
    minimum_bid_deadline,
    open_consultation,
    prepare,
    publish,
)
from unefois_tendering.documents.domain import Amendment, DceDocument, Download
from unefois_tendering.evaluations.domain import (
    CaseRecord,
    LetterRecord,
    LotRecord,
    Mark,
)
from unefois_tendering.public.domain import (
    PublicConsultation,
    SearchFilters,
    Sort,
    StatusFilter,
    cpv_prefixes,
    normalise,
)
from unefois_tendering.public.domain import search_text as public_search_text
from unefois_tendering.questions.domain import PublishedAnswer, Question
from unefois_tendering.repositories import Repositories


def a_need(buyer: Organisation = BUYER, *, approved_at: datetime, **changes) -> NeedApproved:
    return NeedApproved(purchase=purchase(buyer, **changes), approved_by="Valideur <u-9>", approved_at=approved_at)


def sourcing_decision(facts, *, decided_on: date, buyer_kind: str = "local", public_body: bool | None = True,
                      chosen: Procedure | None = None) -> ProcedureDecision:
    """The decision sourcing takes on the planned launch date, through the shared rules engine (as
    sourcing does): the procedure chosen is the one the rules recommend unless told."""
    decision = unefois_rules.decide(facts.nature, buyer_kind, facts.estimated_value, decided_on,
                                    public_body=public_body, specific_services=facts.specific_services)
    chosen = chosen or decision.recommended_procedure
    assessment = unefois_rules.assess_choice(decision, chosen, exemption=facts.no_competition_exemption,
                                             lots=facts.lots)
    return unefois_rules.procedure_decision(decision, chosen, assessment)


# The done-when case of issue 10: services of a local authority at 218 000 € HT, planned for
# 2025-12-15 (a MAPA then: the formal threshold was 221 000 in 2024-2025) and published on
# 2026-01-10 (the formal threshold is 216 000 since 2026-01-01).
PLANNED_ON = date(2025, 12, 15)
SERVICES_218K = {"nature": "services", "main_cpv": "90910000", "object": "Nettoyage des locaux de la mairie",
                 "estimated_value": Decimal("218000.00"), "ccag": "Fournitures courantes et services",
                 "procedure": Procedure.ADAPTED, "planned_launch_date": PLANNED_ON}


def a_planned_need(buyer: Organisation = BUYER, *, approved_at: datetime, decided_on: date = PLANNED_ON,
                   **changes) -> NeedApproved:
    """An approved need carrying sourcing's decision of `decided_on` (by default: the done-when case)."""
    fields = SERVICES_218K | {"planned_launch_date": decided_on} | changes
    facts = purchase(buyer, **fields)
    facts = facts.model_copy(update={"decision": sourcing_decision(facts, decided_on=decided_on)})
    return NeedApproved(purchase=facts, approved_by="Valideur <u-9>", approved_at=approved_at)


def a_draft(buyer: Organisation = BUYER, *, at: datetime, reference: str = "2026-0001", **changes) -> Consultation:
    """A consultation en préparation, opened from an approved need at `at`."""
    return open_consultation(a_need(buyer, approved_at=at, **changes), consultation_id=uuid.uuid4(),
                             reference=reference, at=at)


def a_preparation(consultation: Consultation, *, at: datetime, **changes) -> dict:
    """A complete preparation publishable at `at`: the bid deadline at 12:00 (Paris) the day after
    the minimum's last day, questions a week before, price 60 / environment 20 / quality 20 per
    lot, no variants, the DUME."""
    minimum = minimum_bid_deadline(consultation, paris_date(at))
    earliest = minimum.deadline if minimum else earliest_deadline(paris_date(at), 35)
    bid = (earliest + timedelta(hours=12)).astimezone(PLATFORM_TZ)
    lots = [lot.number for lot in consultation.purchase.lots] or [None]
    criteria = [{"lot_number": number, "criteria": [
        {"kind": "price", "name": "Prix", "weight": 60},
        {"kind": "environmental", "name": "Performance environnementale", "weight": 20},
        {"kind": "quality", "name": "Valeur technique", "weight": 20,
         "sub_criteria": [{"name": "Méthodologie", "weight": 12}, {"name": "Moyens", "weight": 8}]},
    ]} for number in lots]
    return {"bid_deadline": bid, "questions_deadline": bid - timedelta(days=7), "criteria": criteria,
            "variants_allowed": False, "required_documents": ["dume"], "price_form": "Forfaitaire",
            "price_types": ["Définitif ferme"]} | changes


def a_consultation(buyer: Organisation = BUYER, *, at: datetime, reference: str = "2026-0001", **changes) -> Consultation:
    """A published consultation: opened, prepared and published at `at`."""
    draft = a_draft(buyer, at=at, reference=reference, **changes)
    prepared = prepare(draft, a_preparation(draft, at=at), now=at)
    return publish(prepared, at=at).consultation


class FakeConsultationRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Consultation] = {}
        self.sequences: dict[tuple[str, int], int] = {}
        self.locked: list[uuid.UUID] = []  # what get(..., for_update=True) locked, in order

    async def next_reference(self, *, tenant: str, year: int) -> str:
        self.sequences[tenant, year] = self.sequences.get((tenant, year), 0) + 1
        return consultation_reference(year, self.sequences[tenant, year])

    async def add(self, consultation: Consultation) -> None:
        # The table's keys: the id, and one consultation per approved need.
        assert consultation.id not in self.rows
        assert all(row.need_id != consultation.need_id for row in self.rows.values())
        self.rows[consultation.id] = consultation

    async def get(self, consultation_id: uuid.UUID, *, for_update: bool = False) -> Consultation | None:
        if for_update:
            self.locked.append(consultation_id)
        return self.rows.get(consultation_id)

    async def latest(self, *, need_id: uuid.UUID | None = None, limit: int = 100) -> list[Consultation]:
        rows = [row for row in self.rows.values() if need_id is None or row.need_id == need_id]
        return sorted(rows, key=lambda row: row.received_at, reverse=True)[:limit]

    async def set_status(self, consultation_id: uuid.UUID, status: ConsultationStatus) -> None:
        self.rows[consultation_id] = dataclasses.replace(self.rows[consultation_id], status=status)

    async def update(self, consultation: Consultation) -> None:
        stored = self.rows[consultation.id]
        self.rows[consultation.id] = dataclasses.replace(
            stored, status=consultation.status, purchase=consultation.purchase, published_at=consultation.published_at,
            bid_deadline=consultation.bid_deadline, decision=consultation.decision, hold=consultation.hold,
            preparation=consultation.preparation)

    publish = update


class FakeConsultationKeyRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, ConsultationKey] = {}

    async def add(self, key: ConsultationKey) -> None:
        assert key.consultation_id not in self.rows  # the primary key
        self.rows[key.consultation_id] = key

    async def get(self, consultation_id: uuid.UUID) -> ConsultationKey | None:
        return self.rows.get(consultation_id)

    async def public_key_of(self, consultation_id: uuid.UUID) -> PublishedKey | None:
        key = self.rows.get(consultation_id)
        return None if key is None else key.published


class FakePublicConsultationRepository:
    """The public projection in memory: the search's filters applied in Python (the SQL's
    semantics, the text match excepted: every word a prefix of a document word, no stemming)."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, PublicConsultation] = {}
        self.keys: dict[uuid.UUID, str] = {}  # fingerprints, as the join with the public keys gives them

    async def add(self, consultation: PublicConsultation) -> None:
        self.rows[consultation.id] = consultation

    async def get(self, consultation_id: uuid.UUID) -> PublicConsultation | None:
        found = self.rows.get(consultation_id)
        fingerprint = self.keys.get(consultation_id)
        return found if found is None or fingerprint is None else dataclasses.replace(found, fingerprint=fingerprint)

    async def search(self, filters: SearchFilters, now: datetime) -> tuple[list[PublicConsultation], bool]:
        after, before = filters.closing_bounds()

        def keep(row: PublicConsultation) -> bool:
            words = public_search_text(row).split()
            return all((
                all(any(word.startswith(term) for word in words) for term in filters.words),
                not filters.cpv_prefix or filters.cpv_prefix in cpv_prefixes([row.main_cpv, *row.additional_cpvs]),
                not filters.department or row.department == filters.department,
                not filters.commune or row.commune == filters.commune,
                after is None or row.bid_deadline >= after, before is None or row.bid_deadline <= before,
                not filters.buyer_siret or row.buyer_siret == filters.buyer_siret,
                not filters.buyer_name or filters.buyer_name in normalise(row.buyer_name),
                not filters.procedure or row.procedure == filters.procedure,
                not filters.nature or row.nature == filters.nature,
                filters.status is StatusFilter.ALL or (row.bid_deadline > now) == (filters.status is StatusFilter.OPEN),
            ))

        rows = [row for row in self.rows.values() if keep(row)]
        if filters.sort is Sort.DEADLINE:
            rows.sort(key=lambda row: (row.bid_deadline, str(row.id)))
        else:
            rows.sort(key=lambda row: (-row.published_at.timestamp(), str(row.id)))
        page = rows[filters.offset: filters.offset + filters.page_size + 1]
        return page[: filters.page_size], len(page) > filters.page_size


def fake_repositories() -> Repositories:
    return Repositories(consultations=FakeConsultationRepository(),
                        consultation_keys=FakeConsultationKeyRepository(),
                        public_consultations=FakePublicConsultationRepository(),
                        dce=FakeDceRepository(), questions=FakeQuestionRepository(),
                        opened_bids=FakeOpenedBidRepository(), openings=FakeOpeningRepository(),
                        document_requests=FakeDocumentRequestRepository())


async def open_and_publish(uow_for, need: NeedApproved, **preparation):
    """The flow up to publication on fake units of work: the draft opened from `need`, prepared
    (a_preparation, with `preparation` over it), published; the consultation and the publishing
    unit of work (its events and audits)."""
    from unefois_tendering.consultations import service

    draft = await service.open_from_need(uow_for(tenant=need.tenant), need)
    prep_uow = uow_for(tenant=need.tenant)
    await service.prepare(prep_uow, draft.id, a_preparation(draft, at=prep_uow.clock.now(), **preparation))
    uow = uow_for(tenant=need.tenant)
    return await service.publish(uow, draft.id), uow


# ---------------------------------------------------------------- DCE and questions (documents/, questions/)


class FakeDceRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, DceDocument] = {}
        self.amendment_rows: list[Amendment] = []
        self.download_rows: list[Download] = []

    async def add_document(self, document: DceDocument) -> None:
        self.rows[document.id] = document

    async def mark_replaced(self, document_id: uuid.UUID, *, by: uuid.UUID, at) -> None:
        self.rows[document_id] = dataclasses.replace(self.rows[document_id], replaced_by=by, replaced_at=at)

    async def documents(self, consultation_id: uuid.UUID) -> list[DceDocument]:
        return sorted((d for d in self.rows.values() if d.consultation_id == consultation_id),
                      key=lambda d: (d.added_at, d.version))

    async def lock(self, consultation_id: uuid.UUID) -> None:
        return None

    async def add_amendment(self, amendment: Amendment) -> None:
        self.amendment_rows.append(amendment)

    async def amendments(self, consultation_id: uuid.UUID) -> list[Amendment]:
        return [a for a in self.amendment_rows if a.consultation_id == consultation_id]

    async def add_download(self, download: Download) -> None:
        self.download_rows.append(download)

    async def downloads(self, consultation_id: uuid.UUID, *, supplier_siret: str | None = None) -> list[Download]:
        found = [d for d in self.download_rows if d.consultation_id == consultation_id
                 and (supplier_siret is None or d.supplier_siret == supplier_siret)]
        return sorted(found, key=lambda d: d.downloaded_at, reverse=True)


class FakeQuestionRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Question] = {}
        self.published_rows: list[PublishedAnswer] = []

    async def add(self, question: Question) -> None:
        self.rows[question.id] = question

    async def get(self, question_id: uuid.UUID, *, for_update: bool = False) -> Question | None:
        return self.rows.get(question_id)

    async def of_consultation(self, consultation_id: uuid.UUID, *, supplier_siret: str | None = None) -> list[Question]:
        return sorted((q for q in self.rows.values() if q.consultation_id == consultation_id
                       and (supplier_siret is None or q.supplier_siret == supplier_siret)), key=lambda q: q.asked_at)

    async def answer(self, question_id: uuid.UUID, *, answer: str, at, published_answer_id: uuid.UUID | None) -> None:
        current = self.rows[question_id]
        self.rows[question_id] = dataclasses.replace(
            current, answer=answer, answered_at=at, published_answer_id=published_answer_id or current.published_answer_id)

    async def publish(self, published: PublishedAnswer) -> None:
        self.published_rows.append(published)

    async def published(self, consultation_id: uuid.UUID) -> list[PublishedAnswer]:
        return [a for a in self.published_rows if a.consultation_id == consultation_id]


# ---------------------------------------------------------------- opening (opening/)


class FakeOpenedBidRepository:
    """`add(record)` for tests; `received[(consultation_id, lot_number)]` sets received_count
    (else the count of the lot's stored records)."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, object] = {}
        self.received: dict[tuple[uuid.UUID, int | None], int] = {}

    async def add(self, record) -> None:
        assert record.bid_id not in self.rows
        self.rows[record.bid_id] = record

    async def get(self, bid_id: uuid.UUID, *, for_update: bool = False):
        return self.rows.get(bid_id)

    async def of_consultation(self, consultation_id: uuid.UUID) -> list:
        return sorted((r for r in self.rows.values() if r.consultation_id == consultation_id),
                      key=lambda r: (r.lot_number or 0, r.opened_at, r.supplier_name, str(r.bid_id)))

    async def records_for_lot(self, consultation_id: uuid.UUID, lot_number: int | None) -> list:
        return sorted((r for r in self.rows.values() if r.consultation_id == consultation_id
                       and r.lot_number == lot_number), key=lambda r: (r.supplier_name, str(r.bid_id)))

    async def for_lot(self, consultation_id: uuid.UUID, lot_number: int | None) -> list:
        from unefois_tendering.opening.domain import opened_bids_of

        return opened_bids_of(await self.records_for_lot(consultation_id, lot_number))

    async def received_count(self, consultation_id: uuid.UUID, lot_number: int | None) -> int:
        if (consultation_id, lot_number) in self.received:
            return self.received[(consultation_id, lot_number)]
        return len(await self.records_for_lot(consultation_id, lot_number))

    async def decide(self, record) -> None:
        self.rows[record.bid_id] = record


class FakeOpeningRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, object] = {}
        self.deposits = None  # a FakeDepositRepository, for received_total

    async def add(self, opening) -> None:
        assert opening.consultation_id not in self.rows
        self.rows[opening.consultation_id] = opening

    async def update_record(self, consultation_id: uuid.UUID, record: dict) -> None:
        self.rows[consultation_id] = dataclasses.replace(self.rows[consultation_id], record=record)

    async def get(self, consultation_id: uuid.UUID):
        return self.rows.get(consultation_id)

    async def received_total(self, consultation_id: uuid.UUID) -> int:
        if self.deposits is None:
            return 0
        return sum(1 for d in self.deposits.rows.values() if d.consultation_id == consultation_id
                   and d.status.value == "received" and not d.backup)


# ---------------------------------------------------------------- evaluation and award (evaluations/)


class FakeEvaluationRepository:
    """In-memory evaluations/repository.py (row-level security: only the supplier's own cases and
    letters are returned to a supplier; the integration test checks the real policies)."""

    def __init__(self) -> None:
        self.lot_rows: dict[tuple[uuid.UUID, int], LotRecord] = {}
        self.mark_rows: dict[tuple[uuid.UUID, int], list[Mark]] = {}
        self.case_rows: dict[uuid.UUID, CaseRecord] = {}
        self.letter_rows: list[LetterRecord] = []
        self.sans_suite_rows: dict[uuid.UUID, dict] = {}
        self.emails: dict[uuid.UUID, str] = {}
        self.supplier: str | None = None  # set by the test acting as a supplier

    async def contact_email(self, bid_id):
        return self.emails.get(bid_id)

    async def lot(self, consultation_id, key, *, for_update=False):
        return self.lot_rows.get((consultation_id, key))

    async def lots(self, consultation_id):
        return [lot for (cid, _), lot in sorted(self.lot_rows.items(), key=lambda i: i[0][1])
                if cid == consultation_id]

    async def save_lot(self, lot):
        self.lot_rows[(lot.consultation_id, lot.lot_key)] = lot

    async def marks(self, consultation_id, key):
        return list(self.mark_rows.get((consultation_id, key), []))

    async def replace_marks(self, tenant, consultation_id, key, marks, *, by, at):
        assert (consultation_id, key) in self.lot_rows  # the foreign key
        self.mark_rows[(consultation_id, key)] = list(marks)

    async def cases(self, consultation_id, key):
        return [r for r in self.case_rows.values() if r.consultation_id == consultation_id and r.lot_key == key]

    async def case(self, bid_id, *, for_update=False):
        record = self.case_rows.get(bid_id)
        if record is not None and self.supplier is not None and record.supplier_siret != self.supplier:
            return None
        return record

    async def supplier_cases(self):
        return [r for r in self.case_rows.values() if r.supplier_siret == self.supplier]

    async def save_case(self, record):
        self.case_rows[record.bid_id] = record

    async def save_answer(self, record):
        self.case_rows[record.bid_id] = record

    async def add_letter(self, letter):
        assert not any((x.consultation_id, x.lot_key, x.bid_id, x.kind) ==
                       (letter.consultation_id, letter.lot_key, letter.bid_id, letter.kind) for x in self.letter_rows)
        self.letter_rows.append(letter)

    async def letters(self, consultation_id, key=None):
        return [x for x in self.letter_rows if x.consultation_id == consultation_id and (key is None or x.lot_key == key)]

    async def letter(self, letter_id):
        return next((x for x in self.letter_rows if x.id == letter_id
                     and (self.supplier is None or x.supplier_siret == self.supplier)), None)

    async def supplier_letters(self):
        return [x for x in self.letter_rows if x.supplier_siret == self.supplier]

    async def add_sans_suite(self, *, consultation_id, **fields):
        self.sans_suite_rows[consultation_id] = fields

    async def sans_suite(self, consultation_id):
        return self.sans_suite_rows.get(consultation_id)


class FakeDocumentRequestRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, object] = {}

    async def add(self, request) -> None:
        self.rows[request.id] = request

    async def get(self, request_id: uuid.UUID, *, for_update: bool = False):
        return self.rows.get(request_id)

    async def of_consultation(self, consultation_id: uuid.UUID) -> list:
        return sorted((r for r in self.rows.values() if r.consultation_id == consultation_id),
                      key=lambda r: (r.requested_at, str(r.id)))

    async def mine(self) -> list:
        return sorted(self.rows.values(), key=lambda r: r.requested_at, reverse=True)

    async def update(self, request) -> None:
        self.rows[request.id] = request
