"""Editing a need in Chromium (issue 10, item 10): a buyer creates a need through the form and
submits it; the approver returns it with a comment; the buyer edits it on its page (the form
prefilled: the object and the value changed), saves, resubmits, and the need's history shows
each change, before and after. A submitted need offers no edit, and its edit form is refused.
axe-core on every page visited."""

from __future__ import annotations

import uuid

from browser_harness import assert_accessible, visit
from test_sourcing_need_flow import APPROVER_LOGIN, BUYER_LOGIN, fill_need, log_in, submit_form


async def test_a_returned_need_is_edited_resubmitted_and_its_history_shows_the_change(browser, platform, page,
                                                                                     page_errors):
    sourcing = platform.url("sourcing")
    tag = uuid.uuid4().hex[:6]
    object_ = f"Nettoyage des vestiaires {tag}"
    edited_object = f"Nettoyage des vestiaires et des tribunes {tag}"

    await log_in(page, sourcing, BUYER_LOGIN)
    await visit(page, f"{sourcing}/besoins/nouveau")
    # No silent default: nature, procedure and CCAG start on their empty placeholder.
    for field in ("nature", "procedure", "ccag"):
        assert await page.locator(f"#{field}").input_value() == "", field
    await fill_need(page, object_, cpv="90919200-4", place="69123")
    # The CCAGs offered follow the nature (htmx): works offer no CCAG FCS.
    await page.locator("#nature").select_option("works")
    await page.locator("#ccag option[value='Travaux']").wait_for(state="attached")
    assert await page.locator("#ccag option[value='Fournitures courantes et services']").count() == 0
    await page.locator("#nature").select_option("services")
    await page.locator("#ccag option[value='Prestations intellectuelles']").wait_for(state="attached")
    await page.locator("#ccag").select_option("Fournitures courantes et services")
    # The no-competition case and its reason appear with their procedure only (htmx).
    await page.locator("#procedure").select_option("Marché passé sans publicité ni mise en concurrence préalable")
    await page.locator("#exemption_article option[value='R2122-1']").wait_for(state="attached")
    await assert_accessible(page)
    await page.locator("#procedure").select_option("Procédure adaptée")
    await page.locator("#exemption_article").wait_for(state="detached")
    await submit_form(page, "Enregistrer le besoin", status=200)
    need_url = page.url.split("?")[0]
    await submit_form(page, "Soumettre", status=200)
    assert await page.get_by_role("link", name="Modifier le besoin").count() == 0  # submitted: no edit
    await visit(page, f"{need_url}/modifier")  # sent back to the need page, which says why
    assert page.url == f"{need_url}?message=non-modifiable"
    assert "Ce besoin ne se modifie plus" in await page.locator("main").inner_text()

    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    try:
        approver = await context.new_page()
        await log_in(approver, sourcing, APPROVER_LOGIN)
        await visit(approver, need_url)
        await approver.locator("#comment").fill("Ajouter les tribunes et revoir l’estimation.")
        await submit_form(approver, "Renvoyer avec un commentaire", status=200)
    finally:
        await context.close()

    await visit(page, need_url)
    assert "Ajouter les tribunes et revoir l’estimation." in await page.locator("main").inner_text()
    await page.get_by_role("link", name="Modifier le besoin").click()
    await page.wait_for_url(f"{need_url}/modifier")
    await assert_accessible(page)
    assert await page.locator("h1").inner_text() == "Modifier le besoin"
    assert await page.locator("#object").input_value() == object_  # prefilled
    assert await page.locator("#estimated_value").input_value() == "90 000,00"
    assert await page.locator("#nature").input_value() == "services"
    assert await page.locator("#ccag").input_value() == "Fournitures courantes et services"

    # A wrong value first: the message next to its field, the typed values kept.
    await page.locator("#object").fill(edited_object)
    await page.locator("#estimated_value").fill("0")
    await submit_form(page, "Enregistrer les modifications", status=422)
    assert "supérieure à 0" in await page.locator("#estimated_value-messages").inner_text()
    assert await page.locator("#object").input_value() == edited_object
    await page.locator("#estimated_value").fill("95 000")
    await submit_form(page, "Enregistrer les modifications", status=200)
    assert page.url.endswith("?message=modifie")
    assert await page.locator("h1").inner_text() == edited_object
    history = await page.locator("#historique").inner_text()
    assert "Besoin renvoyé à son auteur" in history and "Besoin modifié" in history
    changes = [" ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())
               for text in await page.locator("#historique li li").all_inner_texts()]
    assert any(c.startswith(f"Objet : {object_}") and c.endswith(edited_object) for c in changes), changes
    assert any(c.startswith("Valeur estimée (HT) : 90 000,00 €") and c.endswith("95 000,00 €") for c in changes), changes

    await submit_form(page, "Soumettre", status=200)
    assert "Soumis" in await page.locator("[aria-current=step]").inner_text()
    assert "Besoin soumis" in await page.locator("#historique").inner_text()
    assert page_errors == []
