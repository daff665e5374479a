"""Evaluation and award API, per lot (`{lot}`: the lot's number, 0 for a consultation without lots).

Buyer (Role.BUYER): the grid (GET/PUT), justification requests and decisions, the proposal.
Approver (Role.BUYER_APPROVER): the decision (letters, standstill, award event), the unsuccessful
lot, the consultation sans suite. Supplier: its justification requests and answers, its letters."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role

from unefois_tendering.evaluations import service
from unefois_tendering.evaluations.domain import lot_number_of
from unefois_tendering.evaluations.views import (
    CaseView,
    EvaluationView,
    JustificationAnswered,
    JustificationAsked,
    JustificationDecided,
    LetterView,
    MarksUpdate,
    ProposalAsked,
    SansSuiteAsked,
    SansSuiteView,
)

router = APIRouter(prefix="/api/consultations", tags=["évaluation et attribution"])
supplier_router = APIRouter(prefix="/api/mes-depots", tags=["évaluation et attribution"])

LOT = "/{consultation_id}/lots/{lot}/evaluation"


def _uow(request: Request, principal: Principal):
    return runtime_of(request).uow(principal)


@router.get(LOT, response_model=EvaluationView, summary="La grille d’évaluation du lot (acheteur)",
            description="Critères publiés, formule de prix (expliquée), notes et commentaires, classement avec ex "
                        "aequo, offres écartées et leur motif, offres signalées anormalement basses, proposition, "
                        "décision, lettres. `lot` : le numéro du lot, 0 pour une consultation non allotie.")
async def get_evaluation(consultation_id: uuid.UUID, lot: int, request: Request,
                         principal: Principal = allow(*BUYER_ROLES)) -> EvaluationView:
    return EvaluationView.of(await service.grid(_uow(request, principal), consultation_id, lot_number_of(lot)))


@router.put(LOT, response_model=EvaluationView, summary="Enregistrer les notes du lot et la formule de prix",
            description="Remplace toutes les notes du lot. Chaque note porte un commentaire obligatoire ; le critère "
                        "prix n’est jamais noté (il est calculé par la formule).")
async def put_evaluation(consultation_id: uuid.UUID, lot: int, body: MarksUpdate, request: Request,
                         principal: Principal = allow(Role.BUYER)) -> EvaluationView:
    grid = await service.save_marks(_uow(request, principal), consultation_id, lot_number_of(lot),
                                    formula=body.formula, marks=[mark.mark() for mark in body.marks])
    return EvaluationView.of(grid)


@router.post(LOT + "/justifications", response_model=CaseView, status_code=201,
             summary="Demander au soumissionnaire de justifier un prix anormalement bas (art. R2152-3)")
async def ask_justification(consultation_id: uuid.UUID, lot: int, body: JustificationAsked, request: Request,
                            principal: Principal = allow(Role.BUYER)) -> CaseView:
    record = await service.request_justification(_uow(request, principal), consultation_id, lot_number_of(lot),
                                                 body.bid_id, deadline=body.deadline, reason=body.reason)
    return CaseView.of(record)


@router.post(LOT + "/justifications/{bid_id}/decision", response_model=CaseView,
             summary="Maintenir l’offre justifiée ou la rejeter comme anormalement basse (art. R2152-3, R2152-4)",
             description="Refusé (409) tant qu’aucune justification n’a été demandée.")
async def decide_justification(consultation_id: uuid.UUID, lot: int, bid_id: uuid.UUID, body: JustificationDecided,
                               request: Request, principal: Principal = allow(Role.BUYER)) -> CaseView:
    record = await service.decide_justification(_uow(request, principal), consultation_id, lot_number_of(lot), bid_id,
                                                keep=body.keep, reason=body.reason, breaches_law=body.breaches_law)
    return CaseView.of(record)


@router.post(LOT + "/proposal", response_model=EvaluationView, status_code=201,
             summary="Proposer l’attribution du lot à l’offre la mieux classée",
             description="Sans montant : le montant est le prix de l’offre proposée (un champ `amount` est refusé, "
                         "422). Entre offres ex aequo, `tie_break_bid_id` et son motif.")
async def propose(consultation_id: uuid.UUID, lot: int, body: ProposalAsked, request: Request,
                  principal: Principal = allow(Role.BUYER)) -> EvaluationView:
    grid = await service.propose(_uow(request, principal), consultation_id, lot_number_of(lot),
                                 tie_break_bid_id=body.tie_break_bid_id, tie_break_reason=body.tie_break_reason)
    return EvaluationView.of(grid)


@router.delete(LOT + "/proposal", response_model=EvaluationView,
               summary="Renvoyer la proposition à l’acheteur (valideur)")
async def withdraw(consultation_id: uuid.UUID, lot: int, request: Request,
                   principal: Principal = allow(Role.BUYER_APPROVER)) -> EvaluationView:
    return EvaluationView.of(await service.withdraw_proposal(_uow(request, principal), consultation_id,
                                                             lot_number_of(lot)))


@router.post(LOT + "/decision", response_model=EvaluationView, status_code=201,
             summary="Décider l’attribution proposée (valideur) : lettres, délai de suspension, événement",
             description="Envoie une lettre de rejet à chaque autre soumissionnaire (art. R2181-1, R2181-3) et la "
                         "lettre d’attribution à l’attributaire, conservées comme documents ; procédure formalisée : "
                         "l’attribution (AwardDecided.v2) part à la fin du délai de suspension (art. R2182-1) ; "
                         "procédure adaptée : à la décision.")
async def decide(consultation_id: uuid.UUID, lot: int, request: Request,
                 principal: Principal = allow(Role.BUYER_APPROVER)) -> EvaluationView:
    return EvaluationView.of(await service.decide(_uow(request, principal), consultation_id, lot_number_of(lot)))


@router.post(LOT + "/unsuccessful", response_model=EvaluationView, status_code=201,
             summary="Déclarer le lot infructueux (aucune offre classée)")
async def unsuccessful(consultation_id: uuid.UUID, lot: int, request: Request,
                       principal: Principal = allow(Role.BUYER_APPROVER)) -> EvaluationView:
    return EvaluationView.of(await service.declare_unsuccessful(_uow(request, principal), consultation_id,
                                                                lot_number_of(lot)))


@router.post("/{consultation_id}/sans-suite", response_model=SansSuiteView, status_code=201,
             summary="Déclarer la consultation sans suite (art. R2185-1), motifs communiqués (art. R2185-2)")
async def sans_suite(consultation_id: uuid.UUID, body: SansSuiteAsked, request: Request,
                     principal: Principal = allow(Role.BUYER_APPROVER)) -> SansSuiteView:
    decision = await service.declare_sans_suite(_uow(request, principal), consultation_id, reason=body.reason,
                                                detail=body.detail)
    return SansSuiteView(consultation_id=consultation_id, reason=decision.reason.value,
                         reason_label=SansSuiteView.label(decision.reason), detail=decision.detail,
                         explanation=decision.explanation, decided_at=decision.decided_at)


@supplier_router.get("/justifications", response_model=list[CaseView],
                     summary="Mes demandes de justification (entreprise connectée)")
async def my_justifications(request: Request, principal: Principal = allow(Role.SUPPLIER)) -> list[CaseView]:
    return [CaseView.of(record) for record in await service.supplier_cases(_uow(request, principal))]


@supplier_router.post("/justifications/{bid_id}", response_model=CaseView,
                      summary="Répondre à une demande de justification, avant son délai")
async def answer(bid_id: uuid.UUID, body: JustificationAnswered, request: Request,
                 principal: Principal = allow(Role.SUPPLIER)) -> CaseView:
    return CaseView.of(await service.answer_justification(_uow(request, principal), bid_id, text=body.text))


@supplier_router.get("/resultats", response_model=list[LetterView],
                     summary="Mes résultats : les lettres reçues (attribution, rejet, sans suite)")
async def my_letters(request: Request, principal: Principal = allow(Role.SUPPLIER)) -> list[LetterView]:
    return [LetterView.of(letter) for letter in await service.supplier_letters(_uow(request, principal))]
