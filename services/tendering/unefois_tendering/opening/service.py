"""Use cases of the opening of the bids (issue 11, items 5, 7, 9).

- `schedule_deadline(uow, consultation)`: a step of the publication (its transaction): the due
  transition « date limite atteinte » at the bid deadline.
- `deadline_reached(uow, due)`: its handler (main.py's due_handlers): published -> closed,
  audited; idempotent (a consultation no longer published is left as it is).
- `opening_page(uow, id)`, `open_bids(uow, id)`, `open_backup(...)`, `decide(...)`: the buyer's.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal

from unefois_kernel import due
from unefois_kernel.auth.principal import BUYER_ROLES
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.notifications import notify
from unefois_kernel.storage import DOCUMENT_TYPES, MiB
from unefois_kernel.uow import UnitOfWork

from unefois_tendering.bids import domain as bids
from unefois_tendering.bids import service as bids_service
from unefois_tendering.bids.custody import KeyCustody, service_custody
from unefois_tendering.bids.domain import Deposit, DepositStatus, PartRole, SealBroken
from unefois_tendering.consultations.domain import CANDIDATE_DOCUMENTS, Consultation, ConsultationStatus
from unefois_tendering.opening import domain
from unefois_tendering.opening.domain import (
    OpenedBidRecord,
    OpenedFile,
    OpenedState,
    OpeningPlan,
)
from unefois_tendering.opening.repository import Opening

DEADLINE_REACHED = "consultation.deadline_reached"
CLOSED = "consultation.closed"
OPENED = "consultation.bids_opened"
BACKUP_OPENED = "consultation.backup_opened"
ADMISSIBILITY_DECIDED = "opened_bid.admissibility_decided"
MAX_OPENED_FILE_BYTES = 200 * MiB
MAX_BID_FORM_BYTES = 256 * 1024


# ---------------------------------------------------------------- the deadline (due transition)

async def schedule_deadline(uow: UnitOfWork, consultation: Consultation) -> None:
    """Schedule « date limite atteinte » at the consultation's bid deadline, in the caller's
    transaction. Keyed by the deadline: a moved deadline schedules a new row (the handler of an
    old one sees the deadline not yet reached and leaves the consultation as it is)."""
    if consultation.status is ConsultationStatus.PUBLISHED and consultation.bid_deadline is not None:
        await due.schedule(uow, DEADLINE_REACHED, consultation.id, consultation.bid_deadline,
                           tenant=consultation.tenant, key=consultation.bid_deadline.isoformat())


async def deadline_reached(uow: UnitOfWork, item: due.Due) -> None:
    """published -> closed once the bid deadline is past by the service clock; audited; the buyer's
    organisation told by an in-app message (« date limite atteinte », with the bids received)."""
    consultation = await uow.repos.consultations.get(uuid.UUID(item.aggregate_id), for_update=True)
    if consultation is None or consultation.status is not ConsultationStatus.PUBLISHED:
        return  # already closed, opened, awarded or abandoned: nothing to do (idempotent)
    now = uow.clock.now()
    if consultation.bid_deadline is None or now < consultation.bid_deadline:
        return  # the deadline was moved later: its own transition will close it
    received = await uow.repos.openings.received_total(consultation.id)
    await uow.repos.consultations.set_status(consultation.id, ConsultationStatus.CLOSED)
    uow.audit("consultation", consultation.id, CLOSED, {
        "bid_deadline": consultation.bid_deadline.isoformat(), "at": now.isoformat(), "received": received,
        "message": f"La date limite est passée : {received} pli{'s' if received != 1 else ''} reçu"
                   f"{'s' if received != 1 else ''} ; vous pouvez les ouvrir."}, tenant=consultation.tenant)
    await notify(uow, to_org_siret=consultation.tenant, template="bid_deadline_reached",
                 context={"consultation_reference": consultation.reference,
                          "consultation_title": consultation.purchase.object,
                          "buyer_name": consultation.purchase.buyer.name,
                          "bid_deadline": consultation.bid_deadline, "received": received},
                 tenant=consultation.tenant)


COMPLEMENT_DEADLINE_PASSED = "bid_documents.deadline_passed"
DOCUMENTS_REQUESTED = "opened_bid.documents_requested"
DOCUMENT_ANSWERED = "opened_bid.document_answered"
REQUEST_UNANSWERED = "opened_bid.documents_unanswered"
MAX_COMPLEMENT_BYTES = 50 * MiB


async def complement_deadline_passed(uow: UnitOfWork, item: due.Due) -> None:
    """« Délai de complément passé »: a request still pending is marked unanswered (idempotent)."""
    request = await uow.repos.document_requests.get(uuid.UUID(item.aggregate_id), for_update=True)
    if request is None or request.status is not domain.RequestStatus.PENDING:
        return
    if uow.clock.now() < request.deadline:
        return
    await uow.repos.document_requests.update(dataclasses.replace(request, status=domain.RequestStatus.UNANSWERED))
    uow.audit("opened_bid", request.bid_id, REQUEST_UNANSWERED, {"request_id": str(request.id),
                                                                 "deadline": request.deadline.isoformat()},
              tenant=request.tenant)


due_handlers = {DEADLINE_REACHED: deadline_reached, COMPLEMENT_DEADLINE_PASSED: complement_deadline_passed}


# ---------------------------------------------------------------- the buyer's side

def _buyer(uow: UnitOfWork) -> None:
    """Only the buyer's agents open and decide (an operator or a supplier is refused here too)."""
    principal = uow.principal
    if principal is None or principal.supplier_siret or not (principal.roles & BUYER_ROLES) or not uow.tenant:
        raise DomainError("L’ouverture des plis et l’examen des offres sont réservés aux agents de l’acheteur.",
                          field="principal", status=403)


async def _consultation(uow: UnitOfWork, consultation_id: uuid.UUID, *, for_update: bool = False) -> Consultation:
    consultation = await uow.repos.consultations.get(consultation_id, for_update=for_update)
    if consultation is None:
        raise NotFound("Cette consultation n’existe pas.", field="consultation_id")
    return consultation


async def _opened(uow: UnitOfWork, consultation_id: uuid.UUID) -> Opening:
    """The consultation's opening (404 for another buyer's consultation; 409 before the opening)."""
    await _consultation(uow, consultation_id)
    opening = await uow.repos.openings.get(consultation_id)
    if opening is None:
        raise DomainError("Les plis de cette consultation ne sont pas encore ouverts.", field="status", status=409)
    return opening


@dataclasses.dataclass(frozen=True)
class OpeningView:
    consultation: Consultation
    deposits: list[Deposit]
    plan: OpeningPlan
    opening: Opening | None
    bids: list[OpenedBidRecord]
    now: datetime

    @property
    def can_open(self) -> bool:
        deadline = self.consultation.bid_deadline
        return (self.opening is None and deadline is not None and self.now >= deadline
                and self.consultation.status in (ConsultationStatus.PUBLISHED, ConsultationStatus.CLOSED))


async def opening_page(uow: UnitOfWork, consultation_id: uuid.UUID) -> OpeningView:
    _buyer(uow)
    async with uow:
        consultation = await _consultation(uow, consultation_id)
        deposits = await uow.repos.deposits.of_consultation(consultation_id)
        opening = await uow.repos.openings.get(consultation_id)
        opened = await uow.repos.opened_bids.of_consultation(consultation_id)
    return OpeningView(consultation=consultation, deposits=deposits, plan=domain.plan_opening(deposits),
                       opening=opening, bids=opened, now=uow.clock.now())


async def _plaintext(uow: UnitOfWork, private_key, part, tenant: str) -> AsyncIterator[bytes]:
    async for piece in bids.open_sealed_async(private_key, uow.repos.documents.open(part.document_id, tenant=tenant)):
        yield piece


async def _open_deposit(uow: UnitOfWork, private_key, deposit: Deposit, now: datetime, *,
                        backup_case=None, backup_reason=None, replaces: uuid.UUID | None = None) -> OpenedBidRecord:
    form, problem = None, None
    form_part = next((p for p in deposit.parts if p.role is PartRole.BID_FORM), None)
    if form_part is None:
        problem = "Le dépôt n’a pas de formulaire d’offre (prix)."
    else:
        try:
            plain = b"".join([piece async for piece in _plaintext(uow, private_key, form_part, deposit.tenant)])
        except SealBroken as error:
            problem = f"Le formulaire d’offre n’a pas pu être déchiffré : {error.detail}"
        else:
            if len(plain) > MAX_BID_FORM_BYTES:
                problem = "Le formulaire d’offre déchiffré dépasse 256 Kio."
            else:
                form, problem = domain.parse_bid_form(plain)
                if form is not None:
                    problem = domain.lot_mismatch(form, deposit)
                    form = None if problem else form
    files: list[OpenedFile] = []
    for part in deposit.parts:
        if part.role is PartRole.BID_FORM:
            continue
        try:
            stored = await uow.repos.documents.put(
                _plaintext(uow, private_key, part, deposit.tenant), tenant=deposit.tenant,
                kind=domain.OPENED_FILE_KIND, filename=part.filename, max_bytes=MAX_OPENED_FILE_BYTES,
                allowed_types=DOCUMENT_TYPES, field="fichier")
        except DomainError as error:  # SealBroken, a type refused after decryption, too large
            files.append(OpenedFile(role=part.role, filename=part.filename, document_id=None, sha256=None,
                                    size=part.size, refused=error.detail))
        else:
            files.append(OpenedFile(role=part.role, filename=stored.filename, document_id=stored.id,
                                    sha256=stored.sha256, size=stored.size))
    return OpenedBidRecord(
        bid_id=deposit.id, tenant=deposit.tenant, consultation_id=deposit.consultation_id,
        lot_number=deposit.lot_number, supplier_siret=deposit.supplier_siret, supplier_name=deposit.supplier_name,
        state=OpenedState.OPENED if form is not None else OpenedState.UNREADABLE, bid_form=form,
        price=form.price() if form is not None else None, files=tuple(files), receipt_hash=deposit.receipt_hash,
        opened_at=now, problem=problem, backup=deposit.backup, backup_case=backup_case,
        backup_reason=backup_reason, replaces_bid_id=replaces)


def _deposit_line(deposit: Deposit, note: str) -> dict:
    return {"deposit_id": str(deposit.id), "lot_number": deposit.lot_number, "supplier_siret": deposit.supplier_siret,
            "supplier_name": deposit.supplier_name, "begun_at": deposit.begun_at.isoformat(),
            "completed_at": deposit.completed_at.isoformat() if deposit.completed_at else None,
            "receipt_hash": deposit.receipt_hash, "note": note,
            "parts": [{"role": p.role.value, "filename": p.filename, "size": p.size, "sha256": p.sha256}
                      for p in deposit.parts]}


def _bid_line(record: OpenedBidRecord, deposit: Deposit) -> dict:
    line = _deposit_line(deposit, "ouverte" if record.state is OpenedState.OPENED else "illisible")
    line |= {"state": record.state.value, "problem": record.problem,
             "price_excl_tax": None if record.price is None else f"{record.price:.2f}",
             "files": [{"role": f.role.value, "filename": f.filename, "size": f.size, "sha256": f.sha256,
                        "refused": f.refused} for f in record.files]}
    if record.backup:
        line |= {"backup_case": record.backup_case.value if record.backup_case else None,
                 "backup_reason": record.backup_reason,
                 "replaces_bid_id": str(record.replaces_bid_id) if record.replaces_bid_id else None}
    return line


async def open_bids(uow: UnitOfWork, consultation_id: uuid.UUID, *, custody: KeyCustody | None = None) -> Opening:
    """Open every received deposit (not the backup copies) after the bid deadline by the service
    clock; the late and replaced deposits and the backup copies are listed, never opened."""
    _buyer(uow)
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        now = uow.clock.now()
        domain.check_can_open(status=consultation.status.value, bid_deadline=consultation.bid_deadline, now=now)
        if await uow.repos.openings.get(consultation_id) is not None:
            raise DomainError("Les plis de cette consultation sont déjà ouverts.", field="status", status=409)
        private_key = await bids_service.unwrap_for_opening(uow, consultation_id, custody or service_custody(),
                                                            consultation.bid_deadline, now)
        deposits = await uow.repos.deposits.of_consultation(consultation_id)
        plan = domain.plan_opening(deposits)
        lines = []
        for deposit in plan.to_open:
            record = await _open_deposit(uow, private_key, deposit, now)
            await uow.repos.opened_bids.add(record)
            lines.append(_bid_line(record, deposit))
        record = {
            "format": "unefois.bid-opening-record.v1", "consultation_id": str(consultation.id),
            "consultation_reference": consultation.reference, "consultation_title": consultation.purchase.object,
            "buyer_name": consultation.purchase.buyer.name, "bid_deadline": consultation.bid_deadline.isoformat(),
            "opened_by": uow.actor, "opened_at": now.isoformat(), "bids": lines,
            "late": [_deposit_line(d, "hors délai, non ouvert") for d in plan.late],
            "replaced": [_deposit_line(d, "remplacé, non ouvert") for d in plan.replaced],
            "backups": [_deposit_line(d, "copie de sauvegarde non ouverte") for d in plan.backups],
            "in_progress": [_deposit_line(d, "dépôt non terminé, rien de reçu") for d in plan.in_progress],
            "backups_opened": [],
        }
        opening = Opening(consultation_id=consultation.id, tenant=consultation.tenant, opened_by=uow.actor,
                          opened_at=now, record=record)
        await uow.repos.openings.add(opening)
        await uow.repos.consultations.set_status(consultation.id, ConsultationStatus.OPENED)
        uow.audit("consultation", consultation.id, OPENED, {
            "opened_at": now.isoformat(), "bids": len(lines), "late": len(plan.late),
            "replaced": len(plan.replaced), "backups": len(plan.backups),
            "unreadable": sum(1 for line in lines if line["state"] == "unreadable")})
    return opening


async def open_backup(uow: UnitOfWork, consultation_id: uuid.UUID, backup_id: uuid.UUID, *, case: str | None,
                      reason: str | None, custody: KeyCustody | None = None) -> OpenedBidRecord:
    """Open one backup copy in a case the arrêté du 22 mars 2019 (art. 2) lists, in place of the
    main bid (R2132-11); the record says which and why."""
    _buyer(uow)
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        opening = await uow.repos.openings.get(consultation_id)
        if opening is None:
            raise DomainError("Ouvrez d’abord les plis : une copie de sauvegarde s’ouvre après eux.",
                              field="status", status=409)
        backup = await uow.repos.deposits.get(backup_id)
        if backup is None or backup.consultation_id != consultation_id:
            raise NotFound("Cette copie de sauvegarde n’existe pas dans cette consultation.", field="backup_id")
        if await uow.repos.opened_bids.get(backup_id) is not None:
            raise DomainError("Cette copie de sauvegarde est déjà ouverte.", field="backup_id", status=409)
        deposits = await uow.repos.deposits.of_consultation(consultation_id)
        same = [d for d in deposits if not d.backup and d.supplier_siret == backup.supplier_siret
                and d.lot_number == backup.lot_number and d.status in (DepositStatus.RECEIVED, DepositStatus.LATE)]
        main_deposit = max(same, key=lambda d: d.begun_at, default=None)
        main = None
        for d in same:
            main = main or await uow.repos.opened_bids.get(d.id)
        assert consultation.bid_deadline is not None
        chosen = domain.check_backup_request(case=case, reason=reason, main=main, main_deposit=main_deposit,
                                             backup=backup, deadline=consultation.bid_deadline)
        now = uow.clock.now()
        private_key = await bids_service.unwrap_for_opening(uow, consultation_id, custody or service_custody(),
                                                            consultation.bid_deadline, now)
        # In place of the main bid: `for_lot` leaves out a bid a backup copy replaces.
        record = await _open_deposit(uow, private_key, backup, now, backup_case=chosen, backup_reason=reason.strip(),
                                     replaces=main.bid_id if main else (main_deposit.id if main_deposit else None))
        await uow.repos.opened_bids.add(record)
        line = _bid_line(record, backup) | {"case_label": domain.BACKUP_CASES[chosen]}
        updated = dict(opening.record)
        updated["backups_opened"] = [*updated.get("backups_opened", []), line]
        await uow.repos.openings.update_record(consultation_id, updated)
        uow.audit("consultation", consultation_id, BACKUP_OPENED, {
            "backup_id": str(backup_id), "case": chosen.value, "reason": reason.strip(),
            "replaces_bid_id": str(record.replaces_bid_id) if record.replaces_bid_id else None})
    return record


async def decide(uow: UnitOfWork, consultation_id: uuid.UUID, bid_id: uuid.UUID, *, admissibility: str | None,
                 reason: str | None) -> OpenedBidRecord:
    """The buyer's admissibility decision on one opened bid (L2152-1 to L2152-4), with its reason."""
    _buyer(uow)
    async with uow:
        await _opened(uow, consultation_id)
        record = await uow.repos.opened_bids.get(bid_id, for_update=True)
        if record is None or record.consultation_id != consultation_id:
            raise NotFound("Cette offre n’a pas été ouverte dans cette consultation.", field="bid_id")
        decided = domain.decide_admissibility(record, decision=admissibility, reason=reason, by=uow.actor,
                                              at=uow.clock.now())
        await uow.repos.opened_bids.decide(decided)
        uow.audit("opened_bid", bid_id, ADMISSIBILITY_DECIDED, {
            "consultation_id": str(consultation_id), "admissibility": decided.admissibility.value,
            "reason": decided.admissibility_reason})
    return decided


async def opened_file(uow: UnitOfWork, consultation_id: uuid.UUID, bid_id: uuid.UUID, document_id: uuid.UUID):
    """An opened file's stored document and its plaintext stream (the buyer's, after the opening)."""
    _buyer(uow)
    async with uow:
        await _opened(uow, consultation_id)
        record = await uow.repos.opened_bids.get(bid_id)
        if record is None or record.consultation_id != consultation_id or not any(
                f.document_id == document_id for f in record.files):
            raise NotFound("Ce fichier n’existe pas dans les offres ouvertes.", field="document_id")
        document = await uow.repos.documents.stat(document_id, tenant=record.tenant)
        content = b"".join([chunk async for chunk in uow.repos.documents.open(document_id, tenant=record.tenant)])
    return document, content


def price_text(price: Decimal | None) -> str:
    return "—" if price is None else f"{price:,.2f} €".replace(",", "\u202f").replace(".", ",")


# ---------------------------------------------------------------- missing candidate documents (R2144-2)

async def request_documents(uow: UnitOfWork, consultation_id: uuid.UUID, bid_id: uuid.UUID, *,
                            documents: list[str], message: str | None,
                            deadline: datetime | None) -> domain.DocumentRequest:
    """The buyer asks a bidder to complete its candidature (R2144-2), the same deadline for all;
    the due transition « délai de complément passé » is scheduled with it."""
    _buyer(uow)
    async with uow:
        await _opened(uow, consultation_id)
        consultation = await _consultation(uow, consultation_id)
        record = await uow.repos.opened_bids.get(bid_id)
        if record is None or record.consultation_id != consultation_id:
            raise NotFound("Cette offre n’a pas été ouverte dans cette consultation.", field="bid_id")
        earlier = await uow.repos.document_requests.of_consultation(consultation_id)
        request = domain.new_document_request(
            record, required=tuple(consultation.preparation.required_documents), documents=documents,
            message=message, deadline=deadline, by=uow.actor, now=uow.clock.now(),
            same_deadline=earlier[0].deadline if earlier else None)
        await uow.repos.document_requests.add(request)
        await due.schedule(uow, COMPLEMENT_DEADLINE_PASSED, request.id, request.deadline, tenant=request.tenant)
        deposit = await uow.repos.deposits.get(bid_id)
        await notify(uow, to_email=deposit.depositor_email if deposit else None,
                     to_org_siret=record.supplier_siret, template="documents_requested",
                     context={"consultation_reference": consultation.reference,
                              "consultation_title": consultation.purchase.object,
                              "buyer_name": consultation.purchase.buyer.name, "bidder_name": record.supplier_name,
                              "documents": [CANDIDATE_DOCUMENTS.get(code, code) for code in request.documents],
                              "message": request.message or None, "deadline": request.deadline},
                     tenant=request.tenant)
        uow.audit("opened_bid", bid_id, DOCUMENTS_REQUESTED, {
            "request_id": str(request.id), "documents": list(request.documents),
            "deadline": request.deadline.isoformat()})
    return request


def _supplier(uow: UnitOfWork) -> str:
    principal = uow.principal
    if principal is None or not principal.supplier_siret:
        raise DomainError("Seul le candidat concerné complète son dossier.", field="principal", status=403)
    return principal.supplier_siret


async def my_requests(uow: UnitOfWork) -> list[domain.DocumentRequest]:
    _supplier(uow)
    async with uow:
        return await uow.repos.document_requests.mine()


async def answer_request(uow: UnitOfWork, request_id: uuid.UUID, *, code: str, filename: str | None,
                         chunks) -> domain.DocumentRequest:
    """The supplier uploads one requested document (plaintext: the bids are open), size- and
    type-checked by the storage port, before the complement deadline by the service clock."""
    siret = _supplier(uow)
    async with uow:
        request = await uow.repos.document_requests.get(request_id, for_update=True)
        if request is None or request.supplier_siret != siret:
            raise NotFound("Cette demande n’existe pas ou ne vous est pas adressée.", field="request_id")
        await uow.act_for_buyer(request.tenant)
        now = uow.clock.now()
        domain.check_answer(request, code, now)
        if not filename:
            raise DomainError("Nommez le fichier (en-tête X-Filename ou Content-Disposition).", field="fichier",
                              status=422)
        stored = await uow.repos.documents.put(chunks, tenant=request.tenant, kind="candidate_complement",
                                               filename=filename, max_bytes=MAX_COMPLEMENT_BYTES,
                                               allowed_types=DOCUMENT_TYPES, field="fichier")
        answers = (*request.answers, domain.AnsweredDocument(code=code, filename=stored.filename,
                                                             document_id=stored.id, sha256=stored.sha256,
                                                             size=stored.size, at=now))
        complete = {a.code for a in answers} >= set(request.documents)
        updated = dataclasses.replace(request, answers=answers,
                                      status=domain.RequestStatus.ANSWERED if complete else request.status,
                                      answered_at=now if complete else None)
        await uow.repos.document_requests.update(updated)
        uow.audit("opened_bid", request.bid_id, DOCUMENT_ANSWERED, {
            "request_id": str(request.id), "code": code, "sha256": stored.sha256, "size": stored.size},
            tenant=request.tenant)
    return updated


async def requests_of(uow: UnitOfWork, consultation_id: uuid.UUID) -> list[domain.DocumentRequest]:
    _buyer(uow)
    async with uow:
        await _consultation(uow, consultation_id)
        return await uow.repos.document_requests.of_consultation(consultation_id)
