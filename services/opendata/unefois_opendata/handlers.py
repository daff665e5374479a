"""Opendata's event handlers: every notified contract becomes one DECP record."""

from __future__ import annotations

from functools import partial

import asyncpg

from unefois_kernel import audit
from unefois_kernel.clock import Clock
from unefois_kernel.uow import UnitsOfWork
from unefois_kernel.consumer import EventHandler, HandlerRejected
from unefois_events.catalogue import ContractNotified, InvoiceReceived
from unefois_kernel.envelope import IncomingEvent
from unefois_opendata import decp


async def on_contract_notified(conn: asyncpg.Connection, incoming: IncomingEvent, *, clock: Clock) -> None:
    contract: ContractNotified = incoming.payload
    published_on = clock.today()  # the Paris calendar date
    try:
        record = decp.decp_marche(contract, published_on=published_on)
    except decp.DecpRecordError as exc:
        raise HandlerRejected(f"enregistrement DECP impossible : {exc}") from exc
    errors = decp.validate_decp_document(decp.decp_document([record]))
    if errors:
        raise HandlerRejected("enregistrement DECP non conforme au schéma 2.0.3 : " + "; ".join(errors[:5]))
    # The primary key makes a second delivery of the same contract a no-op even without the inbox.
    inserted = await conn.fetchval(
        """INSERT INTO decp_records (contract_id, buyer_siret, buyer_name, contract_number, publication_duty, record,
                                     notified_on, published_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (contract_id) DO NOTHING RETURNING contract_id""",
        contract.contract_id,
        contract.tenant,
        contract.purchase.buyer.name,  # the DECP record names the buyer by SIRET only; the pages show the name
        contract.contract_number,
        decp.publication_duty(contract).value,
        record,
        contract.notified_on,
        published_on,
    )
    if inserted is not None:
        await audit.record(conn, tenant=contract.tenant, aggregate_type="decp_record", aggregate_id=str(contract.contract_id),
                           actor="system:opendata", action="decp.published",
                           change={"id": contract.contract_number, "published_on": published_on.isoformat()})


async def on_invoice_received(conn: asyncpg.Connection, incoming: IncomingEvent) -> None:
    invoice: InvoiceReceived = incoming.payload
    await conn.execute(
        """INSERT INTO contract_invoices (invoice_id, contract_id, buyer_siret, amount_excl_vat, issued_on)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (invoice_id) DO NOTHING""",
        invoice.invoice_id,
        invoice.contract_id,
        invoice.tenant,
        invoice.amount_excl_vat,
        invoice.issued_on,
    )


def contract_handlers(uows: UnitsOfWork) -> dict[str, EventHandler]:
    return {ContractNotified.ce_type: partial(on_contract_notified, clock=uows.clock)}


INVOICE_HANDLERS = {InvoiceReceived.ce_type: on_invoice_received}
