"""Contracts stage UI (read-only for now): the home page lists the buyer's latest contracts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import Principal
from unefois_kernel.web import format_date, format_euros, render
from unefois_contracts.contracts import service
from unefois_contracts.contracts.domain import Contract, ContractStatus

router = APIRouter(tags=["interface"], include_in_schema=False)

STATUS_LABELS = {ContractStatus.TO_NOTIFY: "À notifier", ContractStatus.NOTIFIED: "Notifié"}
COLUMNS = ["Numéro", "Objet", "Consultation et lot", "Titulaire", "Montant (HT)", "Statut", "Notifié le"]


def lot_label(award) -> str:
    """The consultation's reference and the lot awarded (« Lot 2 — Voirie sud »), or « lot unique »."""
    if award.lot_number is None:
        return f"{award.consultation_reference} — lot unique"
    return f"{award.consultation_reference} — Lot {award.lot_number} — {award.lot_title}"


def home_row(contract: Contract) -> list[str]:
    """One row of the home table, in COLUMNS' order."""
    award = contract.terms
    return [
        contract.contract_number or "—",
        award.purchase.object,
        lot_label(award),
        ", ".join(holder.name for holder in award.holders),
        format_euros(award.amount),
        STATUS_LABELS[contract.status],
        format_date(contract.notified_on),
    ]


@router.get("/", response_class=HTMLResponse, summary="Accueil des marchés")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    contracts = await service.latest_of_buyer(runtime_of(request).uow(principal))
    rows = None if contracts is None else [home_row(contract) for contract in contracts]  # None: not a buyer
    return render(request, "home.html", {"title": "Accueil", "columns": COLUMNS, "rows": rows})
