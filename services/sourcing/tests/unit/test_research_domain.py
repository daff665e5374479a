"""Market research rules: a choice is explained, an approved need is frozen."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from unefois_events.catalogue import Organisation
from unefois_kernel.domain_errors import DomainError
from unefois_sourcing.needs.domain import NeedStatus
from unefois_sourcing.research.domain import Quote, Research, check_editable, choose, comparison_note

DEAR = Quote(uuid.uuid4(), Organisation(siret="80000004400019", name="TPR"), Decimal("1200.00"), date(2026, 11, 2))
CHEAP = Quote(uuid.uuid4(), Organisation(siret="81000005900016", name="FDC"), Decimal("990.00"), date(2026, 11, 3))
QUOTES = [CHEAP, DEAR]


def test_a_choice_needs_a_reason():
    assert choose(QUOTES, DEAR.id, "Délai de livraison deux fois plus court") == DEAR
    with pytest.raises(DomainError) as refused:
        choose(QUOTES, DEAR.id, "le moins  ")
    assert refused.value.field == "reason" and refused.value.status == 422


def test_only_a_recorded_quote_can_be_chosen():
    with pytest.raises(DomainError) as refused:
        choose(QUOTES, uuid.uuid4(), "Une raison suffisante")
    assert refused.value.status == 404 and refused.value.field == "quote_id"


def test_the_note_says_when_the_choice_is_not_the_lowest():
    chosen = [CHEAP, Quote(DEAR.id, DEAR.supplier, DEAR.amount, DEAR.received_on, chosen=True, choice_reason="Délai")]
    assert comparison_note(chosen) == (
        "2 devis comparés ; le moins-disant : 990,00\u00a0€ HT. "
        "Le devis retenu n'est pas le moins-disant : le motif du choix est consigné."
    )
    assert comparison_note([CHEAP]) == "1 devis comparé ; le moins-disant : 990,00\u00a0€ HT."
    assert comparison_note([]) == "Aucun devis enregistré."
    assert Research(uuid.uuid4(), quotes=chosen).comparison == comparison_note(chosen)


def test_an_approved_need_is_frozen():
    check_editable(NeedStatus.DRAFT)
    check_editable(NeedStatus.SUBMITTED)
    with pytest.raises(DomainError) as refused:
        check_editable(NeedStatus.APPROVED)
    assert refused.value.status == 409


def test_amounts_are_written_the_french_way():
    from unefois_sourcing.research.domain import euros

    assert euros(Decimal("26500")) == "26\u202f500,00\u00a0€"
    assert euros(Decimal("1234567.5")) == "1\u202f234\u202f567,50\u00a0€"
    assert euros(Decimal("0.99")) == "0,99\u00a0€"
