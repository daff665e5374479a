"""Evaluation and award pages.

Buyer: /consultations/{id}/lots/{lot}/evaluation (`lot`: the lot's number, 0 without lots): the
grid (price formula with its French explanation, marks with their comments), the ranking with ex
aequo, the excluded bids, the abnormally-low bids and their justification, the proposal, the
approver's decision, the letters, the standstill's countdown, the unsuccessful lot and the
consultation sans suite.
Supplier: /mes-depots/justifications (its requests, the answer with an optional file) and
/mes-depots/resultats (« Résultat »: its letters)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_kernel.web import render
from unefois_rules.award import SANS_SUITE_LABELS

from unefois_tendering.documents.web import moment
from unefois_tendering.evaluations import service
from unefois_tendering.evaluations.domain import (
    LOT_STATUS_LABELS,
    PRICE_FORMULA_TEXT,
    STATUS_LABELS,
    TIE_BREAK_TEXT,
    AbnormalStatus,
    CriterionKind,
    LotStatus,
    Mark,
    PriceFormula,
    detection_text,
    lot_key,
    lot_number_of,
)

router = APIRouter(tags=["interface"], include_in_schema=False)

MESSAGES = {
    "notes": "Notes enregistrées.",
    "demande": "Demande de justification enregistrée : elle apparaît sur la page « Mes dépôts » du soumissionnaire.",
    "justification": "Décision sur l’offre enregistrée.",
    "proposition": "Proposition d’attribution enregistrée : le valideur peut la décider.",
    "renvoi": "Proposition renvoyée à l’acheteur.",
    "decision": "Attribution décidée : les lettres sont envoyées aux soumissionnaires.",
    "infructueux": "Lot déclaré infructueux.",
    "sans-suite": "Consultation déclarée sans suite : chaque soumissionnaire en est informé.",
    "reponse": "Votre justification est transmise à l’acheteur.",
}
LABELS = {"formula": "Formule de prix", "marks": "Notes", "deadline": "Délai de réponse", "reason": "Motif",
          "bid_id": "Offre", "status": "Statut", "tie_break_reason": "Motif du départage", "detail": "Motifs",
          "answer": "Votre justification", "fichier": "Fichier joint", "abnormally_low": "Offres anormalement basses",
          "lot_number": "Lot", "price_form": "Forme du prix", "letters": "Lettres"}


def _page_url(consultation_id: uuid.UUID, lot: int) -> str:
    return f"/consultations/{consultation_id}/lots/{lot}/evaluation"


def _points(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}".replace(".", ",")


def _euros(value: Decimal) -> str:
    whole, _, cents = f"{value:.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", "\u202f")
    return f"{groups},{cents} €"


def _remaining(ends_at: datetime, now: datetime) -> str:
    left = ends_at - now
    if left.total_seconds() <= 0:
        return "délai écoulé"
    days, rest = divmod(int(left.total_seconds()), 86400)
    hours = rest // 3600
    return f"{days} jour{'s' if days > 1 else ''} et {hours} heure{'s' if hours > 1 else ''}"


def _grid_context(grid: service.Grid, principal: Principal, now: datetime) -> dict:
    evaluation, lot = grid.evaluation, grid.lot
    criteria = grid.criteria.criteria
    entered = {(m.bid_id, m.criterion, m.sub_criterion): m for m in grid.marks}
    rows = []
    for score in evaluation.ranking:
        fields = []
        for index, criterion in enumerate(criteria):
            if criterion.kind is CriterionKind.PRICE:
                continue
            parts = ([(i, sub.name, sub.weight) for i, sub in enumerate(criterion.sub_criteria)]
                     or [(None, criterion.name, criterion.weight)])
            for sub_index, name, weight in parts:
                mark = entered.get((score.bid.bid_id, index, sub_index))
                key = f"m-{score.bid.bid_id}-{index}-{'x' if sub_index is None else sub_index}"
                fields.append({"key": key, "label": name if sub_index is None else f"{criterion.name} — {name}",
                               "weight": weight, "points": _points(mark.points) if mark else "",
                               "comment": mark.comment if mark else ""})
        rows.append({"bid": score.bid, "price": _euros(score.bid.price), "rank": score.rank, "ex_aequo": score.ex_aequo,
                     "total": _points(score.total), "fields": fields,
                     "criteria": [{"name": c.name, "points": _points(c.points), "weight": c.weight} for c in score.criteria]})
    cases = []
    flagged_ids = set(grid.detected) | set(grid.cases)
    names = {bid.bid_id: bid for bid in grid.bids}
    for bid_id in sorted(flagged_ids, key=lambda i: names[i].bidder_name if i in names else str(i)):
        record = grid.cases.get(bid_id)
        bid = names.get(bid_id)
        cases.append({"bid_id": bid_id, "name": bid.bidder_name if bid else "", "price": _euros(bid.price) if bid else "",
                      "detected": grid.detected.get(bid_id), "record": record,
                      "label": STATUS_LABELS[record.case.status] if record else "signalée, demande à faire",
                      "deadline": moment(record.case.deadline) if record else None,
                      "answered": moment(record.case.answered_at) if record and record.case.answered_at else None,
                      "can_decide": record is not None and record.case.status in (AbnormalStatus.REQUESTED,
                                                                                  AbnormalStatus.DEADLINE_PASSED)})
    proposal = None
    if lot.proposal_bid_id is not None:
        bid = names[lot.proposal_bid_id]
        proposal = {"name": bid.bidder_name, "amount": _euros(bid.price), "reason": lot.tie_break_reason,
                    "at": moment(lot.proposed_at), "by": lot.proposed_by}
    ties = evaluation.ties[0] if evaluation.ties and evaluation.ranking and \
        evaluation.ranking[0].bid.bid_id in evaluation.ties[0] else ()
    is_buyer = Role.BUYER in principal.roles
    is_approver = Role.BUYER_APPROVER in principal.roles
    return {
        "grid": grid, "consultation": grid.consultation, "lot": lot, "lot_label": grid.lot_label,
        "lot_path": lot.lot_key, "status_label": LOT_STATUS_LABELS[lot.status], "statuses": LotStatus,
        "formula_options": [(f.value, PRICE_FORMULA_TEXT[f]) for f in PriceFormula],
        "formula_text": PRICE_FORMULA_TEXT[lot.formula], "detection_text": detection_text(),
        "tie_break_text": TIE_BREAK_TEXT, "rows": rows,
        "criteria": [{"name": c.name, "weight": c.weight, "price": c.kind is CriterionKind.PRICE} for c in criteria],
        "excluded": [{"name": b.bidder_name, "price": _euros(b.price), "reason": r} for b, r in evaluation.excluded],
        "missing": evaluation.missing, "cases": cases, "proposal": proposal,
        "ties": [(bid_id, names[bid_id].bidder_name) for bid_id in ties],
        "standstill": ({"ends": moment(lot.standstill_ends_at), "left": _remaining(lot.standstill_ends_at, now),
                        "reason": lot.standstill_reason, "sent": lot.event_emitted_at is not None}
                       if lot.standstill_ends_at else None),
        "event_sent": moment(lot.event_emitted_at) if lot.event_emitted_at else None,
        "letters": [{"kind": x.kind_label, "name": x.bidder_name, "subject": x.subject, "at": moment(x.sent_at),
                     "body": x.body} for x in grid.letters],
        "offers_received": grid.offers_received, "editable": lot.status is LotStatus.EVALUATING,
        "is_buyer": is_buyer, "is_approver": is_approver,
        "sans_suite_options": [(r.value, label) for r, label in SANS_SUITE_LABELS.items()],
        # A suggestion only (no text sets the justification's delay): ten days, at noon (Paris).
        "default_deadline": ((now + timedelta(days=10)).astimezone(PLATFORM_TZ)
                             .replace(hour=12, minute=0, second=0, microsecond=0)).strftime("%Y-%m-%dT%H:%M"),
        "consultation_open": service._status(grid.consultation) in service.EVALUABLE,
    }


async def _page(request: Request, principal: Principal, consultation_id: uuid.UUID, lot: int, *,
                errors: dict[str, str] | None = None, message: str | None = None, values: dict | None = None,
                status_code: int = 200) -> HTMLResponse:
    runtime = runtime_of(request)
    grid = await service.grid(runtime.uow(principal), consultation_id, lot_number_of(lot))
    context = _grid_context(grid, principal, runtime.clock.now())
    labels = dict(LABELS)
    for row in context["rows"]:  # the error summary names a mark by its bidder and (sub-)criterion
        for f in row["fields"]:
            labels[f"{f['key']}-points"] = f"{row['bid'].bidder_name} — {f['label']} : note"
            labels[f"{f['key']}-comment"] = f"{row['bid'].bidder_name} — {f['label']} : commentaire"
    context |= {"title": f"Évaluation — {grid.lot_label}", "errors": errors or {}, "labels": labels,
                "message": message, "values": values or {}}
    return render(request, "evaluations/lot.html", context, status_code=status_code)


def _refused(refusal: DomainError) -> tuple[dict[str, str], int]:
    if isinstance(refusal, InvalidFields):
        return {e["field"]: e["reason"] for e in refusal.errors}, 422
    return {refusal.field if refusal.field in LABELS else "_form": refusal.detail}, refusal.status


@router.get("/consultations/{consultation_id}/lots/{lot}/evaluation", response_class=HTMLResponse,
            summary="Évaluation et attribution d’un lot")
async def lot_page(consultation_id: uuid.UUID, lot: int, request: Request, message: str | None = Query(default=None),
                   principal: Principal = allow(*BUYER_ROLES)):
    return await _page(request, principal, consultation_id, lot, message=MESSAGES.get(message or ""))


def _marks_of(form, grid: service.Grid) -> tuple[list[Mark], list[str], dict[str, str]]:
    """The marks typed in the grid's form, the input key of each (for the refusals) and the
    fields refused before the domain (a note that is not a number)."""
    marks, keys, errors = [], [], {}
    for score in grid.evaluation.ranking:
        for index, criterion in enumerate(grid.criteria.criteria):
            if criterion.kind is CriterionKind.PRICE:
                continue
            subs = list(range(len(criterion.sub_criteria))) or [None]
            for sub in subs:
                key = f"m-{score.bid.bid_id}-{index}-{'x' if sub is None else sub}"
                points = str(form.get(f"{key}-points", "")).strip().replace(",", ".").replace("\u202f", "")
                comment = str(form.get(f"{key}-comment", ""))
                if not points and not comment.strip():
                    continue
                try:
                    value = Decimal(points)
                except InvalidOperation:
                    errors[f"{key}-points"] = "note attendue (un nombre, virgule décimale)"
                    continue
                marks.append(Mark(score.bid.bid_id, index, sub, value, comment))
                keys.append(key)
    return marks, keys, errors


@router.post("/consultations/{consultation_id}/lots/{lot}/evaluation", response_class=HTMLResponse,
             summary="Enregistrer les notes")
async def save_marks(consultation_id: uuid.UUID, lot: int, request: Request, principal: Principal = allow(Role.BUYER)):
    runtime = runtime_of(request)
    form = await request.form()
    grid = await service.grid(runtime.uow(principal), consultation_id, lot_number_of(lot))
    marks, keys, errors = _marks_of(form, grid)
    values = {key: str(value) for key, value in form.items() if key.startswith("m-")}
    if errors:
        return await _page(request, principal, consultation_id, lot, errors=errors, values=values, status_code=422)
    try:
        await service.save_marks(runtime.uow(principal), consultation_id, lot_number_of(lot),
                                 formula=str(form.get("formula", "")), marks=marks)
    except InvalidFields as refusal:
        mapped = {}
        for error in refusal.errors:
            parts = error["field"].split(".")
            if len(parts) >= 2 and parts[0] == "marks" and parts[1].isdigit() and int(parts[1]) < len(keys):
                mapped[f"{keys[int(parts[1])]}-{parts[2] if len(parts) > 2 and parts[2] == 'comment' else 'points'}"] \
                    = error["reason"]
            else:
                mapped[error["field"]] = error["reason"]
        return await _page(request, principal, consultation_id, lot, errors=mapped, values=values, status_code=422)
    except DomainError as refusal:
        errors, status = _refused(refusal)
        return await _page(request, principal, consultation_id, lot, errors=errors, values=values, status_code=status)
    return RedirectResponse(_page_url(consultation_id, lot) + "?message=notes", status_code=303)


def _local(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=PLATFORM_TZ)
    except ValueError:
        return None


async def _act(request: Request, principal: Principal, consultation_id: uuid.UUID, lot: int, message: str, action,
               values: dict | None = None) -> Response:
    try:
        await action()
    except DomainError as refusal:
        errors, status = _refused(refusal)
        return await _page(request, principal, consultation_id, lot, errors=errors, values=values, status_code=status)
    return RedirectResponse(_page_url(consultation_id, lot) + f"?message={message}", status_code=303)


@router.post("/consultations/{consultation_id}/lots/{lot}/evaluation/justifications", response_class=HTMLResponse,
             summary="Demander une justification")
async def ask_justification(consultation_id: uuid.UUID, lot: int, request: Request,
                            principal: Principal = allow(Role.BUYER)):
    form = await request.form()
    deadline = _local(str(form.get("deadline", "")))
    if deadline is None:
        return await _page(request, principal, consultation_id, lot,
                           errors={"deadline": "date et heure de fin du délai attendues"}, status_code=422)

    async def action():
        await service.request_justification(runtime_of(request).uow(principal), consultation_id, lot_number_of(lot),
                                            uuid.UUID(str(form.get("bid_id"))), deadline=deadline,
                                            reason=str(form.get("reason", "")) or None)
    return await _act(request, principal, consultation_id, lot, "demande", action)


@router.post("/consultations/{consultation_id}/lots/{lot}/evaluation/justifications/{bid_id}",
             response_class=HTMLResponse, summary="Décider sur une offre anormalement basse")
async def decide_justification(consultation_id: uuid.UUID, lot: int, bid_id: uuid.UUID, request: Request,
                               principal: Principal = allow(Role.BUYER)):
    form = await request.form()

    async def action():
        await service.decide_justification(runtime_of(request).uow(principal), consultation_id, lot_number_of(lot),
                                           bid_id, keep=form.get("decision") == "maintenir",
                                           reason=str(form.get("reason", "")),
                                           breaches_law=form.get("breaches_law") == "on")
    return await _act(request, principal, consultation_id, lot, "justification", action)


@router.post("/consultations/{consultation_id}/lots/{lot}/evaluation/proposition", response_class=HTMLResponse,
             summary="Proposer l’attribution")
async def propose(consultation_id: uuid.UUID, lot: int, request: Request, principal: Principal = allow(Role.BUYER)):
    form = await request.form()
    chosen = str(form.get("tie_break_bid_id", "") or "")

    async def action():
        await service.propose(runtime_of(request).uow(principal), consultation_id, lot_number_of(lot),
                              tie_break_bid_id=uuid.UUID(chosen) if chosen else None,
                              tie_break_reason=str(form.get("tie_break_reason", "")) or None)
    return await _act(request, principal, consultation_id, lot, "proposition", action)


@router.post("/consultations/{consultation_id}/lots/{lot}/evaluation/decision", response_class=HTMLResponse,
             summary="Décider l’attribution")
async def decide(consultation_id: uuid.UUID, lot: int, request: Request,
                 principal: Principal = allow(Role.BUYER_APPROVER)):
    form = await request.form()
    uow = runtime_of(request).uow(principal)
    if form.get("action") == "renvoyer":
        return await _act(request, principal, consultation_id, lot, "renvoi",
                          lambda: service.withdraw_proposal(uow, consultation_id, lot_number_of(lot)))
    return await _act(request, principal, consultation_id, lot, "decision",
                      lambda: service.decide(uow, consultation_id, lot_number_of(lot)))


@router.post("/consultations/{consultation_id}/lots/{lot}/evaluation/infructueux", response_class=HTMLResponse,
             summary="Déclarer le lot infructueux")
async def unsuccessful(consultation_id: uuid.UUID, lot: int, request: Request,
                       principal: Principal = allow(Role.BUYER_APPROVER)):
    uow = runtime_of(request).uow(principal)
    return await _act(request, principal, consultation_id, lot, "infructueux",
                      lambda: service.declare_unsuccessful(uow, consultation_id, lot_number_of(lot)))


@router.post("/consultations/{consultation_id}/lots/{lot}/evaluation/sans-suite", response_class=HTMLResponse,
             summary="Déclarer la consultation sans suite")
async def sans_suite(consultation_id: uuid.UUID, lot: int, request: Request,
                     principal: Principal = allow(Role.BUYER_APPROVER)):
    form = await request.form()
    uow = runtime_of(request).uow(principal)
    values = {"sans_suite_reason": str(form.get("reason", "")), "detail": str(form.get("detail", ""))}
    return await _act(request, principal, consultation_id, lot, "sans-suite",
                      lambda: service.declare_sans_suite(uow, consultation_id, reason=str(form.get("reason", "")),
                                                         detail=str(form.get("detail", ""))), values=values)


# ---------------------------------------------------------------- the supplier's pages


async def _supplier_page(request: Request, principal: Principal, *, errors: dict | None = None,
                         message: str | None = None, status_code: int = 200) -> HTMLResponse:
    runtime = runtime_of(request)
    cases = await service.supplier_cases(runtime.uow(principal))
    now = runtime.clock.now()
    items = [{"record": r, "label": STATUS_LABELS[r.case.status], "deadline": moment(r.case.deadline),
              "answered": moment(r.case.answered_at) if r.case.answered_at else None,
              "open": r.case.status is AbnormalStatus.REQUESTED and r.case.answered_at is None
              and now < r.case.deadline} for r in cases]
    return render(request, "evaluations/justifications.html",
                  {"title": "Mes demandes de justification", "items": items, "errors": errors or {},
                   "labels": LABELS, "message": message}, status_code=status_code)


@router.get("/mes-depots/justifications", response_class=HTMLResponse, summary="Mes demandes de justification")
async def my_justifications(request: Request, message: str | None = Query(default=None),
                            principal: Principal = allow(Role.SUPPLIER)):
    return await _supplier_page(request, principal, message=MESSAGES.get(message or ""))


async def _upload_chunks(upload):
    while chunk := await upload.read(64 * 1024):
        yield chunk


@router.post("/mes-depots/justifications/{bid_id}", response_class=HTMLResponse, summary="Répondre")
async def answer(bid_id: uuid.UUID, request: Request, principal: Principal = allow(Role.SUPPLIER)):
    form = await request.form()
    upload = form.get("fichier")
    file = None
    if upload is not None and not isinstance(upload, str) and upload.filename:
        file = (upload.filename, _upload_chunks(upload))
    try:
        await service.answer_justification(runtime_of(request).uow(principal), bid_id, text=str(form.get("answer", "")),
                                           file=file)
    except DomainError as refusal:
        errors, status = _refused(refusal)
        return await _supplier_page(request, principal, errors={str(bid_id): errors}, status_code=status)
    return RedirectResponse("/mes-depots/justifications?message=reponse", status_code=303)


@router.get("/mes-depots/resultats", response_class=HTMLResponse, summary="Résultat de mes offres")
async def my_results(request: Request, principal: Principal = allow(Role.SUPPLIER)):
    letters = await service.supplier_letters(runtime_of(request).uow(principal))
    return render(request, "evaluations/results.html",
                  {"title": "Résultat de mes offres",
                   "letters": [{"kind": x.kind_label, "reference": x.consultation_reference,
                                "consultation": x.consultation_title, "lot": x.lot_title, "at": moment(x.sent_at),
                                "subject": x.subject, "body": x.body, "winner": x.kind.value == "award"}
                               for x in letters]})


def lot_path(lot_number: int | None) -> int:
    """The `{lot}` of the pages' paths."""
    return lot_key(lot_number)
