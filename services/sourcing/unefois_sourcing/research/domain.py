"""Market research of a need (pure): notes, compared quotes, a shortlist of suppliers to invite.

Below the no-competition threshold the buyer still "spends wisely, compares quotes and does
not always pick the same supplier" (R2122-8): the choice of a quote is recorded with its
reason. Quotes have no status of their own: one of them, at most, is the chosen one. The
research follows its need: once the need is approved it is frozen.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from unefois_events.catalogue import Organisation
from unefois_kernel.domain_errors import DomainError
from unefois_sourcing.needs.domain import NeedStatus

MINIMUM_REASON_LENGTH = 10


@dataclass(frozen=True)
class Quote:
    id: uuid.UUID
    supplier: Organisation
    amount: Decimal
    received_on: date
    chosen: bool = False
    choice_reason: str | None = None
    file_name: str | None = None  # the file the quote came in, as the buyer named it (no upload)


@dataclass(frozen=True)
class Research:
    need_id: uuid.UUID
    notes: str = ""
    quotes: Sequence[Quote] = field(default_factory=tuple)  # the cheapest first
    shortlist: Sequence[Organisation] = field(default_factory=tuple)  # by name

    @property
    def comparison(self) -> str:
        return comparison_note(self.quotes)


def check_editable(status: NeedStatus) -> None:
    """The research of an approved need is what the approval saw: it changes no more (409)."""
    if status is NeedStatus.APPROVED:
        raise DomainError("l'étude de marché d'un besoin approuvé ne se modifie plus", field="status", status=409)


def choose(quotes: Sequence[Quote], quote_id: uuid.UUID, reason: str) -> Quote:
    """The quote retained among the need's, with the reason why (404 unknown quote, 422 no reason)."""
    chosen = find_quote(quotes, quote_id)
    if len(reason.strip()) < MINIMUM_REASON_LENGTH:
        raise DomainError("expliquez pourquoi ce devis est retenu (au moins 10 caractères)", field="reason")
    return chosen


def find_quote(quotes: Sequence[Quote], quote_id: uuid.UUID) -> Quote:
    """One of the need's quotes (404 when the need has no such quote)."""
    found = next((quote for quote in quotes if quote.id == quote_id), None)
    if found is None:
        raise DomainError("ce devis n'existe pas pour ce besoin", field="quote_id", status=404)
    return found


def check_shortlisted(shortlist: Sequence[Organisation], siret: str) -> Organisation:
    """A supplier of the need's shortlist (404 when it is not on it)."""
    found = next((supplier for supplier in shortlist if supplier.siret == siret), None)
    if found is None:
        raise DomainError("cette entreprise n'est pas dans la liste des entreprises à consulter", field="siret",
                          status=404)
    return found


def euros(amount: Decimal) -> str:
    """12345.6 -> "12 345,60 €": French grouping (narrow no-break space) and decimal comma."""
    whole, cents = f"{amount:,.2f}".split(".")
    return whole.replace(",", "\u202f") + "," + cents + "\u00a0€"


def comparison_note(quotes: Sequence[Quote]) -> str:
    """What the file says about the quotes compared, in French."""
    if not quotes:
        return "Aucun devis enregistré."
    chosen = [q for q in quotes if q.chosen]
    lowest = min(q.amount for q in quotes)
    text = f"{len(quotes)} devis comparé{'s' if len(quotes) > 1 else ''} ; le moins-disant : {euros(lowest)} HT."
    if chosen and chosen[0].amount != lowest:
        text += " Le devis retenu n'est pas le moins-disant : le motif du choix est consigné."
    return text
