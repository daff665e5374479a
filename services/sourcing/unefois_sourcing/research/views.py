"""Request and response models of the market research API."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from unefois_events.catalogue import Organisation
from unefois_events.values import Line, Money, PlausibleDate, Text
from unefois_sourcing.research.domain import Quote, Research


class Notes(BaseModel):
    notes: Text(20000)


class QuoteInput(BaseModel):
    supplier: Organisation
    amount: Money = Field(gt=0, description="Montant hors taxes, en euros")
    received_on: PlausibleDate
    file_name: Line(255) | None = Field(None, description="Nom du fichier du devis, tel que l'acheteur le range "
                                                          "(la plateforme ne garde que le nom)")


class Choice(BaseModel):
    reason: Text(2000, min_length=1)


class QuoteView(BaseModel):
    id: uuid.UUID
    supplier: Organisation
    amount: Decimal
    received_on: date
    chosen: bool
    choice_reason: str | None
    file_name: str | None = None

    @classmethod
    def of(cls, quote: Quote) -> QuoteView:
        return cls(id=quote.id, supplier=quote.supplier, amount=quote.amount, received_on=quote.received_on,
                   chosen=quote.chosen, choice_reason=quote.choice_reason, file_name=quote.file_name)


class ResearchView(BaseModel):
    notes: str
    quotes: list[QuoteView]
    shortlist: list[Organisation]
    comparison: str

    @classmethod
    def of(cls, research: Research) -> ResearchView:
        return cls(notes=research.notes, quotes=[QuoteView.of(quote) for quote in research.quotes],
                   shortlist=list(research.shortlist), comparison=research.comparison)
