"""The harness itself: axe-core bites, and names what it found."""

from __future__ import annotations

import pytest
from browser_harness import assert_accessible


async def test_assert_accessible_fails_on_an_unlabelled_field(page):
    await page.set_content('<!doctype html><html lang="fr"><head><title>Sonde</title></head>'
                           '<body><main><h1>Sonde</h1><input id="sans-libelle" type="text"></main></body></html>')
    with pytest.raises(AssertionError) as failure:
        await assert_accessible(page)
    message = str(failure.value)
    assert "label (critical)" in message and "#sans-libelle" in message and "dequeuniversity.com" in message


async def test_assert_accessible_passes_a_labelled_field(page):
    await page.set_content('<!doctype html><html lang="fr"><head><title>Sonde</title></head>'
                           '<body><main><h1>Sonde</h1><label for="nom">Nom</label><input id="nom" type="text"></main></body></html>')
    lesser = await assert_accessible(page)  # findings of lesser impact are returned, not raised
    assert all(violation["impact"] not in ("serious", "critical") for violation in lesser)
