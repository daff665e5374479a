"""Commitment use cases on a fake unit of work: opening one from a notified contract (once), reading ledgers."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from unefois_invoicing.commitments import service
from unefois_invoicing.invoices.domain import Invoice
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.testing import BUYER, OTHER_BUYER, SUPPLIER, contract_notified


def _invoice(commitment, amount: str, number: str) -> Invoice:
    return Invoice(id=uuid.uuid4(), tenant=commitment.tenant, commitment_id=commitment.id, supplier_siret=SUPPLIER.siret,
                   invoice_number=number, amount_excl_vat=Decimal(amount), vat_amount=Decimal(0),
                   issued_on=commitment.opened_at.date(), received_at=commitment.opened_at)


async def test_a_notified_contract_opens_its_commitment_at_the_clocks_time(repos, uow_of, clock):
    contract = contract_notified(amount=Decimal("79990.00"))
    uow = uow_of()
    commitment = await service.open_from_contract(uow, contract)
    assert repos.commitments.rows == {commitment.id: commitment}
    assert (commitment.contract_id, commitment.ceiling, commitment.opened_at) == (contract.contract_id, Decimal("79990.00"), clock.now())
    assert uow.committed.events == []
    (note,) = uow.committed.audits
    assert (note.tenant, note.aggregate_type, note.aggregate_id, note.action, note.actor) == (
        BUYER.siret, "commitment", str(commitment.id), "commitment.opened", "system:invoicing")
    assert note.change == {"contract_id": str(contract.contract_id), "ceiling": "79990.00"}


async def test_a_redelivered_contract_opens_nothing_more(repos, uow_of):
    contract = contract_notified()
    first = await service.open_from_contract(uow_of(), contract)
    again = uow_of()
    assert await service.open_from_contract(again, contract) is None
    assert list(repos.commitments.rows) == [first.id]
    assert again.committed.audits == [] and again.committed.events == []


async def test_ledgers_add_up_their_invoices_latest_commitment_first(repos, uow_of, buyer_user, make_commitment, clock):
    older = make_commitment(number="2026000001", opened_at=clock.now() - timedelta(days=2))
    newer = make_commitment(number="2026000002")
    for commitment in (older, newer):
        await repos.commitments.add(commitment)
    repos.invoices.rows += [_invoice(older, "100.00", "F-1"), _invoice(older, "250.50", "F-2")]
    ledgers = await service.list_ledgers(uow_of(buyer_user))
    assert [ledger.commitment for ledger in ledgers] == [newer, older]
    assert [(ledger.invoiced_excl_vat, ledger.invoice_count) for ledger in ledgers] == [(0, 0), (Decimal("350.50"), 2)]
    (only,) = await service.list_ledgers(uow_of(buyer_user), contract_id=older.contract_id)
    assert only.commitment == older


async def test_one_ledger_is_read_or_is_not_found(repos, uow_of, buyer_user, make_commitment):
    commitment = make_commitment()
    await repos.commitments.add(commitment)
    repos.invoices.rows.append(_invoice(commitment, "12000.00", "F-1"))
    ledger = await service.get_ledger(uow_of(buyer_user), commitment.id)
    assert (ledger.commitment, ledger.invoiced_excl_vat, ledger.invoice_count) == (commitment, Decimal("12000.00"), 1)
    with pytest.raises(NotFound) as missing:
        await service.get_ledger(uow_of(buyer_user), uuid.uuid4())
    assert missing.value.field == "commitment_id"


async def test_the_home_page_lists_the_callers_organisation_only(repos, uow_of, buyer_user, holder_user, make_commitment):
    mine, theirs = make_commitment(), make_commitment(buyer=OTHER_BUYER, number="2026000009")
    for commitment in (mine, theirs):
        await repos.commitments.add(commitment)
    assert [ledger.commitment for ledger in await service.latest_of_tenant(uow_of(buyer_user))] == [mine]
    supplier = uow_of(holder_user)
    assert await service.latest_of_tenant(supplier) == []  # a supplier has no tenant: nothing is read
    assert supplier.commits == 0
