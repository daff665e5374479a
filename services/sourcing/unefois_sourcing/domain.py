"""Sourcing domain rules (pure): the life of a need and what its approval publishes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from unefois_events.catalogue import NeedApproved, Organisation, PurchaseFacts
from unefois_kernel.domain_errors import DomainError


class NeedStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


def check_lots_add_up(facts: PurchaseFacts) -> None:
    """When a need is split into lots, their estimates add up to the need's estimate."""
    if facts.lots and sum(lot.estimated_value for lot in facts.lots) != facts.estimated_value:
        raise DomainError("la somme des estimations des lots diffère de la valeur estimée du besoin", field="lots")


def submit(status: NeedStatus) -> NeedStatus:
    """The buyer sends the draft for approval."""
    if status != NeedStatus.DRAFT:
        raise DomainError(f"seul un brouillon peut être soumis (statut actuel : {status.value})", field="status", status=409)
    return NeedStatus.SUBMITTED


def return_for_changes(status: NeedStatus, comment: str) -> NeedStatus:
    """The approver sends a submitted need back to its author, saying why."""
    if status != NeedStatus.SUBMITTED:
        raise DomainError("seul un besoin soumis peut être renvoyé", field="status", status=409)
    if not comment.strip():
        raise DomainError("indiquez pourquoi le besoin est renvoyé", field="comment")
    return NeedStatus.DRAFT


def approve(
    status: NeedStatus, facts: PurchaseFacts, *, approver: str, at: datetime, invited: list[Organisation]
) -> NeedApproved:
    if status == NeedStatus.APPROVED:
        raise DomainError("ce besoin est déjà approuvé", field="status", status=409)
    if status != NeedStatus.SUBMITTED:
        raise DomainError("un besoin doit être soumis avant d'être approuvé", field="status", status=409)
    return NeedApproved(purchase=facts, approved_by=approver, approved_at=at, invited_suppliers=invited)


def new_need_id() -> uuid.UUID:
    return uuid.uuid4()
