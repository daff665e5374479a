"""Invoicing rules: who may invoice, and never past the commitment's ceiling."""

from datetime import date
from decimal import Decimal

import pytest

from unefois_invoicing.domain import check_invoice
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import SUPPLIER

TODAY = date(2026, 11, 28)


def _check(**changes):
    fields = dict(
        supplier_siret=SUPPLIER.siret,
        holders=[SUPPLIER],
        amount_excl_vat=Decimal("100.00"),
        already_invoiced=Decimal("900.00"),
        ceiling=Decimal("1000.00"),
        issued_on=TODAY,
        today=TODAY,
    )
    fields.update(changes)
    check_invoice(**fields)


def test_an_invoice_up_to_the_ceiling_is_accepted():
    _check()


def test_one_cent_over_the_ceiling_is_refused_naming_the_amount():
    with pytest.raises(DomainError) as refused:
        _check(amount_excl_vat=Decimal("100.01"))
    assert refused.value.field == "amount_excl_vat"
    assert "100.00" in refused.value.detail


def test_only_a_holder_may_invoice():
    with pytest.raises(DomainError) as refused:
        _check(supplier_siret="81000005900016")
    assert refused.value.status == 403


def test_an_invoice_dated_tomorrow_is_refused():
    with pytest.raises(DomainError) as refused:
        _check(issued_on=date(2026, 11, 29))
    assert refused.value.field == "issued_on"


def test_a_zero_invoice_is_refused():
    with pytest.raises(DomainError):
        _check(amount_excl_vat=Decimal("0"))
