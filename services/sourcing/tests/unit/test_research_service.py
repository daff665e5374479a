"""Market research use cases on a FakeUnitOfWork: they follow the need (404 without it, frozen
once approved), upsert quotes per supplier, record a choice with its reason in the audit trail."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from unefois_events.catalogue import Organisation
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_sourcing.research import service

TPR = Organisation(siret="80000004400019", name="Travaux Publics Rhodaniens SAS")
FDC = Organisation(siret="81000005900016", name="Fournitures du Centre")


async def test_research_needs_its_need(buyer):
    for take in (lambda: service.read(buyer, uuid.uuid4()), lambda: service.write_notes(buyer, uuid.uuid4(), "x"),
                 lambda: service.shortlist_supplier(buyer, uuid.uuid4(), TPR)):
        with pytest.raises(NotFound) as missing:
            await take()
        assert missing.value.field == "need_id"


async def test_notes_are_stamped_by_the_clock_and_the_need_locked(buyer, repos, add_need, clock):
    need = add_need()
    research = await service.write_notes(buyer, need.id, "Trois entreprises consultées.")
    assert research.notes == "Trois entreprises consultées."
    assert repos.research.notes[need.id] == ("Trois entreprises consultées.", clock.now())
    assert repos.needs.locked == [need.id]
    assert (await service.read(buyer, need.id)).notes == "Trois entreprises consultées."


async def test_a_suppliers_new_quote_replaces_its_figures(buyer, add_need):
    need = add_need()
    await service.record_quote(buyer, need.id, supplier=TPR, amount=Decimal("1200.00"), received_on=date(2026, 10, 20))
    await service.record_quote(buyer, need.id, supplier=FDC, amount=Decimal("990.00"), received_on=date(2026, 10, 21))
    research = await service.record_quote(buyer, need.id, supplier=TPR, amount=Decimal("980.00"),
                                          received_on=date(2026, 10, 25))
    assert [(q.supplier.siret, q.amount) for q in research.quotes] == [(TPR.siret, Decimal("980.00")),
                                                                       (FDC.siret, Decimal("990.00"))]
    assert research.comparison == "2 devis comparés ; le moins-disant : 980,00\u00a0€ HT."
    assert buyer.committed.audits == []


async def test_choosing_a_quote_is_explained_and_audited(buyer, add_need):
    need = add_need()
    await service.record_quote(buyer, need.id, supplier=TPR, amount=Decimal("1200.00"), received_on=date(2026, 10, 20))
    research = await service.record_quote(buyer, need.id, supplier=FDC, amount=Decimal("990.00"),
                                          received_on=date(2026, 10, 21))
    cheap, dear = research.quotes
    with pytest.raises(DomainError) as vague:
        await service.choose_quote(buyer, need.id, dear.id, "mieux")
    assert vague.value.field == "reason"
    with pytest.raises(DomainError) as unknown:
        await service.choose_quote(buyer, need.id, uuid.uuid4(), "Une raison suffisante")
    assert unknown.value.status == 404
    assert buyer.committed.audits == []
    await service.choose_quote(buyer, need.id, cheap.id, "Le moins-disant, délai correct")
    research = await service.choose_quote(buyer, need.id, dear.id, "Seule entreprise équipée pour les terrains")
    assert [(q.supplier.siret, q.chosen) for q in research.quotes] == [(FDC.siret, False), (TPR.siret, True)]
    assert "n'est pas le moins-disant" in research.comparison
    assert buyer.committed.actions() == ["quote.chosen", "quote.chosen"]
    note = buyer.committed.audits[-1]
    assert (note.aggregate_type, note.aggregate_id, note.change) == (
        "need", str(need.id), {"quote_id": str(dear.id), "reason": "Seule entreprise équipée pour les terrains"})


async def test_the_shortlist_is_kept_once_per_supplier(buyer, add_need):
    need = add_need()
    await service.shortlist_supplier(buyer, need.id, TPR)
    research = await service.shortlist_supplier(buyer, need.id, Organisation(siret=TPR.siret, name="TPR"))
    assert list(research.shortlist) == [Organisation(siret=TPR.siret, name="TPR")]


async def test_the_research_of_an_approved_need_is_frozen(buyer, repos, add_need):
    need = add_need("approved")
    for take in (lambda: service.write_notes(buyer, need.id, "trop tard"),
                 lambda: service.record_quote(buyer, need.id, supplier=TPR, amount=Decimal("1.00"),
                                              received_on=date(2026, 10, 20)),
                 lambda: service.choose_quote(buyer, need.id, uuid.uuid4(), "Une raison suffisante"),
                 lambda: service.shortlist_supplier(buyer, need.id, TPR)):
        with pytest.raises(DomainError) as frozen:
            await take()
        assert frozen.value.status == 409
    assert repos.research.notes == {} and repos.research.received == {} and repos.research.shortlists == {}
    assert (await service.read(buyer, need.id)).notes == ""  # still readable


async def test_a_quote_received_after_today_is_refused_naming_the_field(buyer, add_need, clock):
    # Issue 9: a fact of the past is not in the future by the kernel clock.
    need = add_need()
    with pytest.raises(DomainError) as refused:
        await service.record_quote(buyer, need.id, supplier=TPR, amount=Decimal("10.00"),
                                   received_on=date.fromordinal(clock.today().toordinal() + 1))
    assert refused.value.field == "received_on"
    research = await service.record_quote(buyer, need.id, supplier=TPR, amount=Decimal("10.00"), received_on=clock.today())
    assert len(research.quotes) == 1


# ---------------------------------------------------------------- edited on its page (issue 10, item 14)


async def test_a_quote_keeps_the_name_of_its_file(buyer, add_need):
    need = add_need()
    research = await service.record_quote(buyer, need.id, supplier=TPR, amount=Decimal("1200.00"),
                                          received_on=date(2026, 10, 20), file_name="  devis-114.pdf ")
    assert research.quotes[0].file_name == "devis-114.pdf"
    research = await service.record_quote(buyer, need.id, supplier=TPR, amount=Decimal("1100.00"),
                                          received_on=date(2026, 10, 22))
    assert research.quotes[0].file_name is None  # the new quote replaces the figures, its file too


async def test_a_quote_is_removed_and_audited(buyer, add_need):
    need = add_need()
    research = await service.record_quote(buyer, need.id, supplier=TPR, amount=Decimal("1200.00"),
                                          received_on=date(2026, 10, 20))
    quote = research.quotes[0]
    with pytest.raises(DomainError) as unknown:
        await service.remove_quote(buyer, need.id, uuid.uuid4())
    assert (unknown.value.status, unknown.value.field) == (404, "quote_id")
    research = await service.remove_quote(buyer, need.id, quote.id)
    assert research.quotes == ()
    assert buyer.committed.actions()[-1] == "quote.removed"
    assert buyer.committed.audits[-1].change["supplier_siret"] == TPR.siret


async def test_a_supplier_is_taken_off_the_shortlist(buyer, add_need):
    need = add_need()
    await service.shortlist_supplier(buyer, need.id, TPR)
    await service.shortlist_supplier(buyer, need.id, FDC)
    research = await service.remove_from_shortlist(buyer, need.id, TPR.siret)
    assert list(research.shortlist) == [FDC]
    with pytest.raises(DomainError) as absent:
        await service.remove_from_shortlist(buyer, need.id, TPR.siret)
    assert (absent.value.status, absent.value.field) == (404, "siret")


async def test_removals_follow_the_need(buyer, add_need):
    for take in (lambda: service.remove_quote(buyer, uuid.uuid4(), uuid.uuid4()),
                 lambda: service.remove_from_shortlist(buyer, uuid.uuid4(), TPR.siret),
                 lambda: service.research_page(buyer, uuid.uuid4())):
        with pytest.raises(NotFound):
            await take()
    need = add_need("approved")
    for take in (lambda: service.remove_quote(buyer, need.id, uuid.uuid4()),
                 lambda: service.remove_from_shortlist(buyer, need.id, TPR.siret)):
        with pytest.raises(DomainError) as frozen:
            await take()
        assert frozen.value.status == 409
    found, research = await service.research_page(buyer, need.id)
    assert found.id == need.id and research.notes == ""


def test_amounts_typed_the_french_way():
    from unefois_sourcing.research.web import amount_text

    assert amount_text("1 200,50 €") == "1200.50"
    assert amount_text("12\u202f500") == "12500"
    assert amount_text("abc") == "abc" and amount_text("") == ""
