"""Market research rules: a choice is explained, an approved need is frozen."""

from decimal import Decimal

import pytest

from unefois_kernel.domain_errors import DomainError
from unefois_sourcing.research.domain import Quote, check_choice, check_editable, comparison_note

QUOTES = [Quote("80000004400019", Decimal("1200.00"), False), Quote("81000005900016", Decimal("990.00"), False)]


def test_a_choice_needs_a_reason():
    check_choice(QUOTES, "80000004400019", "Délai de livraison deux fois plus court")
    with pytest.raises(DomainError) as refused:
        check_choice(QUOTES, "80000004400019", "le moins")
    assert refused.value.field == "reason"


def test_only_a_recorded_quote_can_be_chosen():
    with pytest.raises(DomainError) as refused:
        check_choice(QUOTES, "82000006500012", "Une raison suffisante")
    assert refused.value.status == 404


def test_the_note_says_when_the_choice_is_not_the_lowest():
    chosen = [QUOTES[0].__class__(QUOTES[0].supplier_siret, QUOTES[0].amount, True), QUOTES[1]]
    assert comparison_note(chosen) == (
        "2 devis comparés ; le moins-disant : 990.00 € HT. "
        "Le devis retenu n'est pas le moins-disant : le motif du choix est consigné."
    )
    assert comparison_note([]) == "Aucun devis enregistré."


def test_an_approved_need_is_frozen():
    check_editable("draft")
    with pytest.raises(DomainError) as refused:
        check_editable("approved")
    assert refused.value.status == 409
