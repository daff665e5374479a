"""Market research rules (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from unefois_kernel.domain_errors import DomainError

# Below the no-competition threshold the buyer still "spends wisely, compares quotes and
# does not always pick the same supplier" (R2122-8): the choice is recorded with its reason.
MINIMUM_REASON_LENGTH = 10


@dataclass(frozen=True)
class Quote:
    supplier_siret: str
    amount: Decimal
    chosen: bool


def check_editable(status: str) -> None:
    if status == "approved":
        raise DomainError("l'étude de marché d'un besoin approuvé ne se modifie plus", field="status", status=409)


def check_choice(quotes: list[Quote], supplier_siret: str, reason: str) -> None:
    if supplier_siret not in {q.supplier_siret for q in quotes}:
        raise DomainError("ce devis n'existe pas pour ce besoin", field="quote_id", status=404)
    if len(reason.strip()) < MINIMUM_REASON_LENGTH:
        raise DomainError("expliquez pourquoi ce devis est retenu (au moins 10 caractères)", field="reason")


def comparison_note(quotes: list[Quote]) -> str:
    """What the file says about the quotes compared, in French."""
    if not quotes:
        return "Aucun devis enregistré."
    chosen = [q for q in quotes if q.chosen]
    lowest = min(q.amount for q in quotes)
    text = f"{len(quotes)} devis comparé{'s' if len(quotes) > 1 else ''} ; le moins-disant : {lowest} € HT."
    if chosen and chosen[0].amount != lowest:
        text += " Le devis retenu n'est pas le moins-disant : le motif du choix est consigné."
    return text
