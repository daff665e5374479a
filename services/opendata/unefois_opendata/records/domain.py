"""DECP records: what open data keeps of a notified contract, and what it publishes (pure).

A record has no status and no life cycle: it is written once, when the contract is notified,
and never changed afterwards (a later modification of the contract would be published as a
`modification` entry, which the platform does not produce yet). What decides its fate is its
publication duty (`decp.PublicationDuty`, CCP R.2196-1): contracts of 25 000 € HT of
estimated need or more are published (API and pages); below that, they are kept only.

The DECP format itself (the `marche` record, the document, the official schema) is `decp.py`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from unefois_events.catalogue import ContractNotified
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_opendata.records import decp
from unefois_opendata.records.decp import PublicationDuty

# Contracts under 25 000 € HT have no publication duty (R.2196-1): they are kept, not published.
PUBLISHED_DUTIES = (PublicationDuty.MANDATORY, PublicationDuty.DECP_OR_ANNUAL_LIST)
SIRET = re.compile(r"^[0-9]{14}$")
# The audit trail of a record: one entry, when it is first published.
AGGREGATE_TYPE = "decp_record"
PUBLISHED_ACTION = "decp.published"
# How many schema errors a refusal quotes.
QUOTED_SCHEMA_ERRORS = 5


class RecordRefused(DomainError):
    """A notified contract that cannot become a DECP record the official schema accepts."""


@dataclass(frozen=True)
class DecpRecord:
    """One notified contract in open data: its DECP `marche` and what the pages need beside it."""

    contract_id: uuid.UUID
    buyer_siret: str
    # The DECP record names the buyer by SIRET only; the pages show the name the notified
    # contract carried (None for records kept before migration 0002).
    buyer_name: str | None
    contract_number: str
    publication_duty: PublicationDuty
    record: dict[str, Any]  # the DECP `marche` object, valid against schema v2.0.3
    notified_on: date
    published_on: date

    @property
    def is_published(self) -> bool:
        return self.publication_duty in PUBLISHED_DUTIES

    def audit_change(self) -> dict[str, str]:
        return {"id": self.contract_number, "published_on": self.published_on.isoformat()}


@dataclass(frozen=True)
class BuyerSummary:
    """What a buyer's public page states about it: its published contracts, counted and summed."""

    siret: str
    name: str | None  # the latest name a notified contract of its carried
    contracts: int
    amount: Decimal

    @property
    def label(self) -> str:
        return buyer_label(self.siret, self.name)


class RecordOrder(StrEnum):
    """The orders a list of published records can be sorted by (the pages' columns)."""

    NUMBER = "number"
    OBJECT = "object"
    BUYER = "buyer"
    AMOUNT = "amount"
    NOTIFIED = "notified"


def record_of(contract: ContractNotified, *, published_on: date) -> DecpRecord:
    """The record of a notified contract first published on `published_on` (the Paris date),
    or RecordRefused when the DECP format cannot hold it or the schema refuses it."""
    try:
        marche = decp.decp_marche(contract, published_on=published_on)
    except decp.DecpRecordError as exc:
        raise RecordRefused(f"enregistrement DECP impossible : {exc}") from exc
    errors = decp.validate_decp_document(decp.decp_document([marche]))
    if errors:
        raise RecordRefused("enregistrement DECP non conforme au schéma 2.0.3 : "
                            + "; ".join(errors[:QUOTED_SCHEMA_ERRORS]))
    return DecpRecord(
        contract_id=contract.contract_id,
        buyer_siret=contract.tenant,
        buyer_name=contract.purchase.buyer.name,
        contract_number=contract.contract_number,
        publication_duty=decp.publication_duty(contract),
        record=marche,
        notified_on=contract.notified_on,
        published_on=published_on,
    )


def document_of(records: list[DecpRecord]) -> dict[str, Any]:
    """The official DECP document of these records (`{"marches": {"marche": [...]}}`)."""
    return decp.decp_document([record.record for record in records]) if records else {"marches": {"marche": []}}


def buyer_label(siret: str, name: str | None) -> str:
    """The buyer as the pages name it: its name when a notified contract carried it, else its SIRET."""
    return name or f"SIRET {siret}"


def check_siret(siret: str) -> str:
    """A buyer's page exists for a 14-digit SIRET only: anything else is not found."""
    if not SIRET.match(siret):
        raise NotFound(f"« {siret[:40]} » n’est pas un numéro SIRET : il compte 14 chiffres.")
    return siret
