"""Evaluation and award use cases of one lot, on an opened consultation (issue 11, items 8 and 9).

grid -> save_marks -> (request_justification -> supplier's answer | due « délai de justification
passé » -> keep / reject) -> propose (buyer) -> decide (approver: letters sent, kept as documents,
standstill scheduled) -> due « fin du délai de suspension » -> AwardDecided.v2 (and v1), exactly
once. A lot without a ranked bid is declared unsuccessful; the whole consultation sans suite.

The opened bids come from the opening (`uow.repos.opened_bids`, opening/*): `for_lot` gives the
evaluation's OpenedBid, `get` the record with the decrypted BidForm the award event is built from.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from unefois_kernel import due
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.notifications import notify
from unefois_kernel.storage import TEXT, chunks_of
from unefois_kernel.uow import UnitOfWork
from unefois_rules import award as rules
from unefois_rules.award import SansSuiteReason

from unefois_tendering.consultations.domain import Consultation, ConsultationStatus
from unefois_tendering.evaluations import domain
from unefois_tendering.evaluations.domain import (
    AbnormalStatus,
    CaseRecord,
    Evaluation,
    LetterKind,
    LetterRecord,
    LotRecord,
    LotStatus,
    Mark,
    OpenedBid,
    PriceFormula,
)
from unefois_tendering.repositories import Repositories

JUSTIFICATION_DEADLINE = "evaluation.justification_deadline"  # « délai de justification passé »
STANDSTILL_END = "evaluation.standstill_end"  # « fin du délai de suspension »

# The statuses of a consultation whose bids are opened (the opening sets 'opened'); an awarded or
# abandoned one is read only.
EVALUABLE = frozenset({"opened"})
READABLE = frozenset({"opened", "awarded", "abandoned"})
LETTER_MAX_BYTES = 256 * 1024
ANSWER_MAX_BYTES = 50 * 1024 * 1024
ANSWER_TYPES = frozenset({"application/pdf", "application/zip", TEXT,
                          "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                          "application/vnd.oasis.opendocument.text"})


@dataclass(frozen=True)
class Grid:
    """Everything the lot's page and the API show."""

    consultation: Consultation
    lot: LotRecord
    evaluation: Evaluation
    criteria: domain.LotCriteria
    bids: tuple[OpenedBid, ...]
    marks: tuple[Mark, ...]
    cases: dict[uuid.UUID, CaseRecord]
    detected: dict[uuid.UUID, str]
    letters: tuple[LetterRecord, ...]
    offers_received: int

    @property
    def lot_number(self) -> int | None:
        return self.lot.lot_number

    @property
    def lot_label(self) -> str:
        return domain.lot_label(self.consultation, self.lot_number)


def _status(consultation: Consultation) -> str:
    return str(getattr(consultation.status, "value", consultation.status))


async def _consultation(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, *, for_update: bool = False,
                        evaluable: bool = True) -> Consultation:
    consultation = await uow.repos.consultations.get(consultation_id, for_update=for_update)
    if consultation is None:
        raise NotFound("consultation introuvable", field="consultation_id")
    status = _status(consultation)
    if status not in (EVALUABLE if evaluable else READABLE):
        if status in ("awarded", "abandoned"):
            raise DomainError("cette consultation est close : son évaluation ne se modifie plus", field="status",
                              status=409)
        raise DomainError("les offres de cette consultation ne sont pas encore ouvertes : l’évaluation commence "
                          "après l’ouverture des plis", field="status", status=409)
    return consultation


async def _lot(uow: UnitOfWork[Repositories], consultation: Consultation, lot_number: int | None, *,
               for_update: bool = False) -> LotRecord:
    domain.require_lots(consultation, lot_number)
    key = domain.lot_key(lot_number)
    found = await uow.repos.evaluations.lot(consultation.id, key, for_update=for_update)
    return found or LotRecord(tenant=consultation.tenant, consultation_id=consultation.id, lot_key=key,
                              updated_at=uow.clock.now())


async def _load(uow: UnitOfWork[Repositories], consultation: Consultation, lot: LotRecord, *,
                marks: Sequence[Mark] | None = None, formula: PriceFormula | None = None) -> Grid:
    lot_number = lot.lot_number
    criteria = domain.criteria_of(consultation, lot_number)
    bids = tuple(await uow.repos.opened_bids.for_lot(consultation.id, lot_number))
    stored_marks = tuple(marks if marks is not None else await uow.repos.evaluations.marks(consultation.id,
                                                                                          lot.lot_key))
    cases = {record.bid_id: record for record in await uow.repos.evaluations.cases(consultation.id, lot.lot_key)}
    evaluation = domain.evaluate(criteria, bids, stored_marks, formula=formula or lot.formula,
                                 cases={bid_id: record.case for bid_id, record in cases.items()})
    detected = domain.detect_abnormally_low(bids)
    letters = tuple(await uow.repos.evaluations.letters(consultation.id, lot.lot_key))
    received = await uow.repos.opened_bids.received_count(consultation.id, lot_number)
    return Grid(consultation, lot, evaluation, criteria, bids, stored_marks, cases, detected, letters, received)


async def grid(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, lot_number: int | None) -> Grid:
    """The lot's evaluation grid (buyer roles)."""
    async with uow:
        consultation = await _consultation(uow, consultation_id, evaluable=False)
        lot = await _lot(uow, consultation, lot_number)
        return await _load(uow, consultation, lot)


async def save_marks(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, lot_number: int | None, *,
                     formula: PriceFormula | str, marks: Sequence[Mark]) -> Grid:
    """Replace the lot's marks and price formula (each mark with its comment), checked by `evaluate`."""
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        lot = await _lot(uow, consultation, lot_number, for_update=True)
        lot.require_open()
        try:
            formula = PriceFormula(formula)
        except ValueError:
            raise DomainError("formule de prix inconnue", field="formula") from None
        loaded = await _load(uow, consultation, lot, marks=marks, formula=formula)  # refuses a wrong mark
        now = uow.clock.now()
        lot = replace(lot, formula=formula, updated_at=now)
        await uow.repos.evaluations.save_lot(lot)
        kept = [mark for mark in marks if mark.bid_id in {score.bid.bid_id for score in loaded.evaluation.ranking}]
        kept = [replace(mark, comment=mark.comment.strip()) for mark in kept]
        await uow.repos.evaluations.replace_marks(consultation.tenant, consultation.id, lot.lot_key, kept,
                                                  by=uow.actor, at=now)
        uow.audit("consultation", consultation.id, "evaluation.marks_saved",
                  {"lot": lot.lot_key, "formula": formula.value, "marks": len(kept)}, tenant=consultation.tenant)
        return replace(loaded, lot=lot, marks=tuple(kept))


# ---------------------------------------------------------------- abnormally low


async def _contact(uow: UnitOfWork[Repositories], bid_id: uuid.UUID) -> tuple[str | None, str | None]:
    """The bidder's organisation (SIRET of the deposit) and e-mail, from the opened bid's record."""
    record = await uow.repos.opened_bids.get(bid_id)
    if record is None:
        return None, None
    return record.supplier_siret, await uow.repos.evaluations.contact_email(bid_id)


async def request_justification(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, lot_number: int | None,
                                bid_id: uuid.UUID, *, deadline: datetime, reason: str | None = None) -> CaseRecord:
    """« Demande de justification » (L2152-6, R2152-3) to the bidder of a flagged bid, with a deadline;
    the due transition « délai de justification passé » is scheduled at it."""
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        lot = await _lot(uow, consultation, lot_number, for_update=True)
        lot.require_open()
        loaded = await _load(uow, consultation, lot)
        bid = next((bid for bid in loaded.bids if bid.bid_id == bid_id), None)
        if bid is None:
            raise NotFound("offre introuvable dans ce lot", field="bid_id")
        if not bid.admissible:
            raise DomainError("cette offre est écartée : aucune justification n’est à demander", field="bid_id",
                              status=409)
        if bid_id in loaded.cases:
            raise DomainError("une justification est déjà demandée pour cette offre", field="bid_id", status=409)
        why = (reason or "").strip() or loaded.detected.get(bid_id)
        if not why:
            raise DomainError("cette offre n’est pas signalée par la détection : indiquez pourquoi son prix paraît "
                              "anormalement bas", field="reason")
        now = uow.clock.now()
        if deadline.tzinfo is None:
            raise DomainError("date et heure avec fuseau horaire attendues", field="deadline")
        case = domain.flag(bid_id, why).request(at=now, deadline=deadline)
        siret, email = await _contact(uow, bid_id)
        if lot.updated_at is None or await uow.repos.evaluations.lot(consultation.id, lot.lot_key) is None:
            await uow.repos.evaluations.save_lot(replace(lot, updated_at=now))
        record = CaseRecord(case=case, tenant=consultation.tenant, consultation_id=consultation.id,
                            lot_key=lot.lot_key, supplier_siret=siret or bid.bidder_identifier,
                            bidder_name=bid.bidder_name, consultation_reference=consultation.reference,
                            consultation_title=consultation.purchase.object,
                            lot_title=domain.lot_title(consultation, lot.lot_number))
        await uow.repos.evaluations.save_case(record)
        await due.schedule(uow, JUSTIFICATION_DEADLINE, consultation.id, deadline, key=str(bid_id),
                           tenant=consultation.tenant, payload={"bid_id": str(bid_id)})
        # The request by mail and in-app message (L2152-6, R2152-3), and on the supplier's page.
        await notify(uow, to_email=email, to_org_siret=record.supplier_siret, template="justification_request",
                     context={"consultation_reference": consultation.reference,
                              "consultation_title": consultation.purchase.object,
                              "buyer_name": consultation.purchase.buyer.name, "bidder_name": bid.bidder_name,
                              "lot_label": record.lot_title, "reason": why,
                              "elements": [text for _, text in rules.JUSTIFICATION_ELEMENTS],
                              "requested_at": now, "deadline": deadline},
                     tenant=consultation.tenant)
        uow.audit("consultation", consultation.id, "evaluation.justification_requested",
                  {"lot": lot.lot_key, "bid_id": str(bid_id), "deadline": deadline.isoformat(), "reason": why,
                   "supplier": siret, "email": bool(email)}, tenant=consultation.tenant)
        return record


async def supplier_cases(uow: UnitOfWork[Repositories]) -> list[CaseRecord]:
    """The signed-in supplier's justification requests (row-level security: its own)."""
    async with uow:
        return await uow.repos.evaluations.supplier_cases()


async def answer_justification(uow: UnitOfWork[Repositories], bid_id: uuid.UUID, *, text: str,
                               file: tuple[str, object] | None = None) -> CaseRecord:
    """The supplier's justification (text, and optionally a file through the storage port), before the deadline."""
    body = domain.answer_text(text)  # refused before any lookup: nothing said of another's request
    async with uow:
        record = await uow.repos.evaluations.case(bid_id)
        if record is None or record.supplier_siret != (uow.principal.supplier_siret if uow.principal else None):
            raise NotFound("demande de justification introuvable", field="bid_id")
        await uow.act_for_buyer(record.tenant)
        now = uow.clock.now()
        case = record.case.answer(at=now)
        document_id = filename = None
        if file is not None:
            filename, chunks = file
            stored = await uow.repos.documents.put(chunks, tenant=record.tenant, kind="justification",
                                                   filename=filename, max_bytes=ANSWER_MAX_BYTES,
                                                   allowed_types=ANSWER_TYPES, field="fichier")
            document_id, filename = stored.id, stored.filename
        answered = replace(record, case=case, answer_text=body, answer_document_id=document_id,
                           answer_filename=filename)
        await uow.repos.evaluations.save_answer(answered)
        uow.audit("consultation", record.consultation_id, "evaluation.justification_answered",
                  {"bid_id": str(bid_id), "document_id": str(document_id) if document_id else None},
                  tenant=record.tenant)
        return answered


async def justification_deadline_passed(uow: UnitOfWork[Repositories], item: due.Due) -> None:
    """Due handler « délai de justification passé »: without an answer the case moves to
    « délai expiré sans réponse » (the buyer may then reject, R2152-3); idempotent."""
    record = await uow.repos.evaluations.case(uuid.UUID(item.payload["bid_id"]), for_update=True)
    if record is None or record.case.status is not AbnormalStatus.REQUESTED:
        return
    now = uow.clock.now()
    if now < record.case.deadline:
        return  # moved later: its new schedule will run
    moved = record.case.deadline_passed(at=now)
    if moved is record.case:
        return
    await uow.repos.evaluations.save_case(replace(record, case=moved))
    uow.audit("consultation", record.consultation_id, "evaluation.justification_deadline_passed",
              {"bid_id": str(record.bid_id)}, tenant=record.tenant)


async def decide_justification(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, lot_number: int | None,
                               bid_id: uuid.UUID, *, keep: bool, reason: str, breaches_law: bool = False) -> CaseRecord:
    """The buyer keeps the bid (justified) or rejects it as abnormally low (R2152-3; R2152-4 when the
    bid breaches environmental, social or labour law), with a reason; never before the request."""
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        lot = await _lot(uow, consultation, lot_number, for_update=True)
        lot.require_open()
        record = await uow.repos.evaluations.case(bid_id, for_update=True)
        if record is None or record.consultation_id != consultation.id or record.lot_key != lot.lot_key:
            raise DomainError("aucune justification n’a été demandée pour cette offre : le rejet pour prix "
                              "anormalement bas suppose la demande préalable (art. R2152-3)", field="bid_id",
                              status=409)
        now = uow.clock.now()
        case = (record.case.keep(at=now, reason=reason) if keep
                else record.case.reject(at=now, reason=reason, breaches_law=breaches_law))
        decided = replace(record, case=case)
        await uow.repos.evaluations.save_case(decided)
        if case.status is not AbnormalStatus.REQUESTED:
            await due.cancel(uow, JUSTIFICATION_DEADLINE, consultation.id, key=str(bid_id))
        uow.audit("consultation", consultation.id, "evaluation.justification_decided",
                  {"lot": lot.lot_key, "bid_id": str(bid_id), "kept": keep, "reason": case.decision_reason,
                   "breaches_law": breaches_law}, tenant=consultation.tenant)
        return decided


# ---------------------------------------------------------------- proposal, decision, letters


def _tie_break(bid_id: uuid.UUID | None, reason: str | None) -> tuple[uuid.UUID, str] | None:
    if bid_id is None:
        return None
    return bid_id, reason or ""


async def propose(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, lot_number: int | None, *,
                  tie_break_bid_id: uuid.UUID | None = None, tie_break_reason: str | None = None) -> Grid:
    """The buyer's award proposal: the best-ranked bid (`domain.propose`); its amount is that bid's price."""
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        lot = await _lot(uow, consultation, lot_number, for_update=True)
        lot.require_open()
        loaded = await _load(uow, consultation, lot)
        if not loaded.evaluation.ranking:
            raise DomainError("aucune offre classée dans ce lot : déclarez-le infructueux", field="bid_id",
                              status=409)
        proposal = domain.propose(loaded.evaluation, tie_break=_tie_break(tie_break_bid_id, tie_break_reason))
        now = uow.clock.now()
        lot = replace(lot, status=LotStatus.PROPOSED, proposal_bid_id=proposal.bid_id,
                      tie_break_reason=proposal.tie_break_reason, proposed_at=now, proposed_by=uow.actor,
                      updated_at=now)
        await uow.repos.evaluations.save_lot(lot)
        uow.audit("consultation", consultation.id, "evaluation.award_proposed",
                  {"lot": lot.lot_key, "bid_id": str(proposal.bid_id), "amount": str(proposal.amount),
                   "tie_break_reason": proposal.tie_break_reason}, tenant=consultation.tenant)
        return replace(loaded, lot=lot)


async def withdraw_proposal(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, lot_number: int | None) -> Grid:
    """The approver sends the proposal back to the buyer (the grid opens again)."""
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        lot = await _lot(uow, consultation, lot_number, for_update=True)
        if lot.status is not LotStatus.PROPOSED:
            raise DomainError("aucune proposition en attente pour ce lot", field="status", status=409)
        lot = replace(lot, status=LotStatus.EVALUATING, proposal_bid_id=None, tie_break_reason=None,
                      proposed_at=None, proposed_by=None, updated_at=uow.clock.now())
        await uow.repos.evaluations.save_lot(lot)
        uow.audit("consultation", consultation.id, "evaluation.proposal_withdrawn", {"lot": lot.lot_key},
                  tenant=consultation.tenant)
        return await _load(uow, consultation, lot)


def _participants(records: list) -> list:
    """The lot's opened deposits but a main bid a backup copy was opened in place of (its supplier
    is told once, through the backup's record)."""
    replaced = {record.replaces_bid_id for record in records if record.replaces_bid_id is not None}
    return [record for record in records if record.bid_id not in replaced]


@dataclass(frozen=True)
class _Participant:
    """Who a letter goes to: an opened bid (readable or not)."""

    bid_id: uuid.UUID
    bidder_name: str


async def _store_letter(uow: UnitOfWork[Repositories], consultation: Consultation, lot: LotRecord,
                        bid: OpenedBid | _Participant,
                        siret: str, kind: LetterKind, subject: str, lines: Iterable[str], at: datetime) -> LetterRecord:
    body = domain.letter_text(subject, lines)
    document_id = None
    if uow.repos.documents is not None:
        stored = await uow.repos.documents.put(chunks_of(body.encode()), tenant=consultation.tenant, kind="letter",
                                               filename=f"{kind.value}-{bid.bid_id}.txt", max_bytes=LETTER_MAX_BYTES,
                                               allowed_types=frozenset({TEXT}), field="letters")
        document_id = stored.id
    letter = LetterRecord(id=uuid.uuid4(), tenant=consultation.tenant, consultation_id=consultation.id,
                          lot_key=lot.lot_key, bid_id=bid.bid_id, supplier_siret=siret, bidder_name=bid.bidder_name,
                          kind=kind, subject=subject, body=body, document_id=document_id,
                          consultation_reference=consultation.reference,
                          consultation_title=consultation.purchase.object,
                          lot_title=domain.lot_label(consultation, lot.lot_number), sent_at=at)
    await uow.repos.evaluations.add_letter(letter)
    return letter


async def decide(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, lot_number: int | None) -> Grid:
    """The approver decides the proposed award: the proposal re-checked on the current grid, a
    rejection letter to every other bidder (R2181-1, R2181-3) and an award letter to the winner,
    each sent by notify() and kept as a document; the standstill (R2182-1) scheduled, or the award
    event emitted now when there is none (MAPA, the only operator: R2182-2)."""
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        lot = await _lot(uow, consultation, lot_number, for_update=True)
        if lot.status is not LotStatus.PROPOSED:
            raise DomainError("aucune proposition d’attribution à décider pour ce lot", field="status", status=409)
        loaded = await _load(uow, consultation, lot)
        tie = (lot.proposal_bid_id, lot.tie_break_reason) if lot.tie_break_reason else None
        proposal = domain.propose(loaded.evaluation, tie_break=tie)
        if proposal.bid_id != lot.proposal_bid_id:
            raise DomainError("le classement a changé depuis la proposition : elle doit être refaite",
                              field="status", status=409)
        facts = domain.procedure_facts(consultation)
        now = uow.clock.now()
        operators = loaded.offers_received
        standstill = domain.standstill_of(facts, now, operators=operators)
        drafts = domain.rejection_letters(proposal, procedure=facts.procedure, buyer_kind=facts.buyer_kind,
                                          standstill=standstill)
        common = {"consultation_reference": consultation.reference,
                  "consultation_title": consultation.purchase.object,
                  "buyer_name": consultation.purchase.buyer.name, "lot_label": loaded.lot_label}
        winner = proposal.score
        for draft in drafts:
            siret, email = await _contact(uow, draft.bid.bid_id)
            siret = siret or draft.bid.bidder_identifier
            context = common | domain.letter_context(draft, winner, standstill=standstill) | {"sent_at": now}
            if proposal.tie_break_reason and not any("ex aequo" in r for r in context["winner_reasons"]):
                context["winner_reasons"] = [*context["winner_reasons"],
                                             f"Départage des ex aequo : {proposal.tie_break_reason}."]
            scored = next((s for s in loaded.evaluation.ranking if s.bid.bid_id == draft.bid.bid_id), None)
            if scored is not None:
                context["bidder_score"] = domain.score_text(scored)
            note = await notify(uow, to_email=email, to_org_siret=siret, template="rejection_letter",
                                context=context, tenant=consultation.tenant)
            await _store_letter(uow, consultation, lot, draft.bid, siret, LetterKind.REJECTION, note.subject,
                                [note.message], now)
        # The deposits opened but unreadable (no price, not ranked) are rejected bids too: each is told
        # (R2181-1, R2181-3) with the reason the opening recorded.
        ranked = {bid.bid_id for bid in loaded.bids}
        for record in _participants(await uow.repos.opened_bids.records_for_lot(consultation.id, lot.lot_number)):
            if record.bid_id in ranked:
                continue
            email = await uow.repos.evaluations.contact_email(record.bid_id)
            reason = (f"Votre offre n’a pu être lue à l’ouverture des plis : {record.problem or 'offre illisible'}"
                      " ; elle ne peut être évaluée.")
            context = common | {"bidder_name": record.bidder_name, "reasons": [reason],
                                "winner_name": winner.bid.bidder_name, "winner_score": domain.score_text(winner),
                                "winner_reasons": [f"Offre classée première avec {domain.scores_line(winner)}."],
                                "sent_at": now} | ({"standstill_end": standstill.ends_at}
                                                   if standstill.ends_at is not None else {})
            note = await notify(uow, to_email=email, to_org_siret=record.supplier_siret, template="rejection_letter",
                                context=context, tenant=consultation.tenant)
            await _store_letter(uow, consultation, lot, _Participant(record.bid_id, record.bidder_name),
                                record.supplier_siret, LetterKind.REJECTION, note.subject, [note.message], now)
        siret, email = await _contact(uow, proposal.bid_id)
        siret = siret or proposal.bid.bidder_identifier
        next_steps = (f"Le marché pourra être signé à compter de la fin du délai de suspension. {standstill.reason}"
                      if standstill.ends_at is not None else standstill.reason)
        note = await notify(uow, to_email=email, to_org_siret=siret, template="award_letter",
                            context=common | {"winner_name": proposal.bid.bidder_name, "amount": proposal.amount,
                                              "awarded_at": now, "next_steps": next_steps},
                            tenant=consultation.tenant)
        await _store_letter(uow, consultation, lot, proposal.bid, siret, LetterKind.AWARD, note.subject,
                            [note.message], now)
        award_id = uuid.uuid4()
        lot = replace(lot, status=LotStatus.DECIDED, decided_at=now, decided_by=uow.actor, award_id=award_id,
                      letters_sent_at=now, standstill_ends_at=standstill.ends_at, standstill_reason=standstill.reason,
                      updated_at=now)
        uow.audit("consultation", consultation.id, "evaluation.award_decided",
                  {"lot": lot.lot_key, "award_id": str(award_id), "bid_id": str(proposal.bid_id),
                   "amount": str(proposal.amount), "letters": len(drafts) + 1,
                   "standstill_ends_at": standstill.ends_at.isoformat() if standstill.ends_at else None},
                  tenant=consultation.tenant)
        if standstill.ends_at is not None:
            await uow.repos.evaluations.save_lot(lot)
            await due.schedule(uow, STANDSTILL_END, consultation.id, standstill.ends_at, key=str(lot.lot_key),
                               tenant=consultation.tenant, payload={"lot_key": lot.lot_key})
        else:
            lot = await _emit_award(uow, consultation, lot)
        await _close_if_done(uow, consultation, lot)
        return replace(loaded, lot=lot, letters=tuple(await uow.repos.evaluations.letters(consultation.id,
                                                                                          lot.lot_key)))


async def _emit_award(uow: UnitOfWork[Repositories], consultation: Consultation, lot: LotRecord) -> LotRecord:
    """AwardDecided.v2 (and v1) of the lot from the opened bid only; once (event_emitted_at)."""
    record = await uow.repos.opened_bids.get(lot.proposal_bid_id)
    if record is None or record.bid_form is None:
        raise DomainError("l’offre retenue est introuvable", field="bid_id", status=409)
    received = await uow.repos.opened_bids.received_count(consultation.id, lot.lot_number)
    standstill = (rules.Standstill(None, None, lot.standstill_ends_at, lot.standstill_reason or "", "art. R2182-1")
                  if lot.standstill_ends_at else None)
    events = domain.award_events(consultation, lot_number=lot.lot_number, bid_id=lot.proposal_bid_id,
                                 form=record.bid_form, award_id=lot.award_id, offers_received=received,
                                 awarded_at=lot.decided_at, letters_sent_at=lot.letters_sent_at,
                                 standstill=standstill)
    uow.emit(*events)
    now = uow.clock.now()
    lot = replace(lot, event_emitted_at=now, updated_at=now)
    await uow.repos.evaluations.save_lot(lot)
    uow.audit("consultation", consultation.id, "award.decided",
              {"lot": lot.lot_key, "award_id": str(lot.award_id), "bid_id": str(lot.proposal_bid_id),
               "amount": str(record.bid_form.price()), "events": [type(event).__name__ for event in events]},
              tenant=consultation.tenant)
    return lot


async def standstill_ended(uow: UnitOfWork[Repositories], item: due.Due) -> None:
    """Due handler « fin du délai de suspension »: emits the lot's award event, exactly once."""
    consultation = await uow.repos.consultations.get(uuid.UUID(item.aggregate_id), for_update=True)
    if consultation is None:
        return
    lot = await uow.repos.evaluations.lot(consultation.id, int(item.payload["lot_key"]), for_update=True)
    if lot is None or lot.status is not LotStatus.DECIDED or lot.event_emitted_at is not None:
        return  # already emitted, or the consultation was declared sans suite meanwhile
    await _emit_award(uow, consultation, lot)


async def _close_if_done(uow: UnitOfWork[Repositories], consultation: Consultation, lot: LotRecord) -> None:
    """When every lot is decided (or unsuccessful), the consultation is awarded."""
    keys = [lot_.number for lot_ in consultation.purchase.lots] or [domain.NO_LOT_KEY]
    stored = {record.lot_key: record for record in await uow.repos.evaluations.lots(consultation.id)}
    stored[lot.lot_key] = lot
    if all(key in stored and stored[key].status in (LotStatus.DECIDED, LotStatus.UNSUCCESSFUL) for key in keys) \
            and any(stored[key].status is LotStatus.DECIDED for key in keys):
        await uow.repos.consultations.set_status(consultation.id, ConsultationStatus("awarded"))
        uow.audit("consultation", consultation.id, "consultation.awarded", {}, tenant=consultation.tenant)


async def declare_unsuccessful(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID,
                               lot_number: int | None) -> Grid:
    """A lot without a ranked bid is declared unsuccessful (infructueux), with the articles (`lot_outcome`)."""
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        lot = await _lot(uow, consultation, lot_number, for_update=True)
        lot.require_open()
        loaded = await _load(uow, consultation, lot)
        facts = domain.procedure_facts(consultation)
        outcome = domain.lot_outcome(loaded.evaluation, procedure=facts.procedure, buyer_kind=facts.buyer_kind,
                                     below_formal_threshold=facts.below_formal_threshold) \
            if not loaded.evaluation.ranking else None
        if outcome is None:
            raise DomainError("ce lot a des offres classées : il ne peut être déclaré infructueux", field="status",
                              status=409)
        now = uow.clock.now()
        lot = replace(lot, status=LotStatus.UNSUCCESSFUL, decided_at=now, decided_by=uow.actor,
                      outcome_explanation=tuple(outcome.explanation), updated_at=now)
        await uow.repos.evaluations.save_lot(lot)
        uow.audit("consultation", consultation.id, "evaluation.lot_unsuccessful",
                  {"lot": lot.lot_key, "explanation": list(outcome.explanation),
                   "direct_award_possible": outcome.direct_award_possible}, tenant=consultation.tenant)
        await _close_if_done(uow, consultation, lot)
        return replace(loaded, lot=lot)


async def declare_sans_suite(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, *,
                             reason: SansSuiteReason | str, detail: str) -> domain.SansSuite:
    """The whole consultation sans suite (R2185-1), status 'abandoned', every bidder told of the
    reasons (R2185-2) in its messages and by a letter kept as a document. Refused once a lot's
    award event was sent (the contract side has it)."""
    async with uow:
        consultation = await _consultation(uow, consultation_id, for_update=True)
        try:
            decision = domain.declare_sans_suite(reason, detail, at=uow.clock.now())
        except ValueError:
            raise DomainError("motif de déclaration sans suite inconnu", field="reason") from None
        lots = await uow.repos.evaluations.lots(consultation.id)
        if any(lot.event_emitted_at is not None for lot in lots):
            raise DomainError("un lot est déjà attribué et transmis : la consultation ne peut plus être déclarée "
                              "sans suite sur la plateforme", field="status", status=409)
        now = decision.decided_at
        numbers = [lot.number for lot in consultation.purchase.lots] or [None]
        stored = {lot.lot_key: lot for lot in lots}
        for number in numbers:
            key = domain.lot_key(number)
            lot = stored.get(key) or LotRecord(tenant=consultation.tenant, consultation_id=consultation.id,
                                               lot_key=key, updated_at=now)
            if lot.status is LotStatus.DECIDED:
                await due.cancel(uow, STANDSTILL_END, consultation.id, key=str(key))
            await uow.repos.evaluations.save_lot(replace(lot, status=LotStatus.ABANDONED, updated_at=now))
            # Every opened deposit of the lot, the unreadable ones too: they took part (R2185-2).
            for record in _participants(await uow.repos.opened_bids.records_for_lot(consultation.id, number)):
                bid = _Participant(record.bid_id, record.bidder_name)
                siret = record.supplier_siret
                # Every participant told of the reasons (R2185-2): mail, in-app message, and the
                # letter kept and listed on its « Résultat » page.
                email = await uow.repos.evaluations.contact_email(record.bid_id)
                note = await notify(uow, to_email=email, to_org_siret=siret, template="sans_suite_notice",
                                    context={"consultation_reference": consultation.reference,
                                             "consultation_title": consultation.purchase.object,
                                             "buyer_name": consultation.purchase.buyer.name,
                                             "bidder_name": record.bidder_name,
                                             "reason": f"{rules.SANS_SUITE_LABELS[decision.reason]} — {decision.detail}",
                                             "explanation": decision.explanation, "decided_at": now},
                                    tenant=consultation.tenant)
                await _store_letter(uow, consultation, replace(lot, lot_key=key), bid, siret,
                                    LetterKind.SANS_SUITE, note.subject, [note.message], now)
        await uow.repos.evaluations.add_sans_suite(consultation_id=consultation.id, tenant=consultation.tenant,
                                                   reason=decision.reason.value, detail=decision.detail,
                                                   explanation=decision.explanation, by=uow.actor, at=now)
        await uow.repos.consultations.set_status(consultation.id, ConsultationStatus("abandoned"))
        uow.audit("consultation", consultation.id, "consultation.sans_suite",
                  {"reason": decision.reason.value, "detail": decision.detail}, tenant=consultation.tenant)
        return decision


# ---------------------------------------------------------------- the supplier's results


async def supplier_letters(uow: UnitOfWork[Repositories]) -> list[LetterRecord]:
    async with uow:
        return await uow.repos.evaluations.supplier_letters()


async def letter(uow: UnitOfWork[Repositories], letter_id: uuid.UUID) -> LetterRecord:
    async with uow:
        found = await uow.repos.evaluations.letter(letter_id)
        if found is None:
            raise NotFound("lettre introuvable", field="letter_id")
        return found


def handlers(_uows=None) -> dict:
    """The due handlers of this area (ServiceDefinition.due_handlers)."""
    return {JUSTIFICATION_DEADLINE: justification_deadline_passed, STANDSTILL_END: standstill_ended}


def amount_of(grid_: Grid) -> Decimal | None:
    """The proposal's amount: the proposed bid's price (never typed)."""
    if grid_.lot.proposal_bid_id is None:
        return None
    return next(bid.price for bid in grid_.bids if bid.bid_id == grid_.lot.proposal_bid_id)
