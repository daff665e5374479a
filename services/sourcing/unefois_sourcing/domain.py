"""Sourcing domain rules (pure): the life of a need and what its approval publishes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from unefois_kernel.events.catalogue import NeedApproved, Organisation, PurchaseFacts
from unefois_kernel.problems import DomainError


class NeedStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


def check_lots_add_up(facts: PurchaseFacts) -> None:
    """When a need is split into lots, their estimates add up to the need's estimate."""
    if facts.lots and sum(lot.estimated_value for lot in facts.lots) != facts.estimated_value:
        raise DomainError("la somme des estimations des lots diffère de la valeur estimée du besoin", field="lots")


def approve(
    status: NeedStatus, facts: PurchaseFacts, *, approver: str, at: datetime, invited: list[Organisation]
) -> NeedApproved:
    if status == NeedStatus.APPROVED:
        raise DomainError("ce besoin est déjà approuvé", field="status", status=409)
    return NeedApproved(purchase=facts, approved_by=approver, approved_at=at, invited_suppliers=invited)


def new_need_id() -> uuid.UUID:
    return uuid.uuid4()
