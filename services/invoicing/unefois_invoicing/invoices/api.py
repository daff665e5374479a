"""Invoices API: a holder deposits an invoice against a commitment."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import Principal, Role

from unefois_invoicing.invoices import service
from unefois_invoicing.invoices.views import InvoiceDeposit, InvoiceView

router = APIRouter(prefix="/api/commitments", tags=["engagements"])


@router.post("/{commitment_id}/invoices", status_code=201, response_model=InvoiceView, summary="Déposer une facture")
async def deposit_invoice(
    commitment_id: uuid.UUID, body: InvoiceDeposit, request: Request, principal: Principal = allow(Role.SUPPLIER)
) -> InvoiceView:
    invoice = await service.deposit_invoice(runtime_of(request).uow(principal), commitment_id, body.deposit())
    return InvoiceView.of(invoice)
