"""The harness itself: axe-core and the page checks bite, and name what they found."""

from __future__ import annotations

import pytest
from browser_harness import (
    Recorder,
    assert_accessible,
    blank_look,
    check_design,
    check_focus,
    check_traffic,
    check_widths,
    goto,
    match_route,
    page_path,
    stage_routes,
)


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


# ---------------------------------------------------------------- the page checks bite too

STYLED = """<style>
  body { font-family: system-ui, sans-serif; }
  .btn { padding: 8px 16px; background: #123c69; color: #fff; border: 0; border-radius: 6px; }
  .form-control { border-radius: 6px; border: 1px solid #555; }
  a:focus-visible, .btn:focus-visible, .form-control:focus { outline: 3px solid #123c69; outline-offset: 2px; }
</style>"""


def probe(body: str, head: str = "") -> str:
    return f'<!doctype html><html lang="fr"><head><title>Sonde</title>{head}</head><body><main><h1>Sonde</h1>{body}</main></body></html>'


async def test_check_design_names_what_keeps_the_browsers_look(browser, page):
    blank = await blank_look(browser)
    await page.set_content(probe('<button type="button" id="brut">Brut</button><input id="champ" aria-label="Champ">'))
    findings = await check_design(page, blank)
    assert any("default font" in finding for finding in findings)
    assert any('button#brut "Brut"' in finding for finding in findings)
    assert any("text input#champ" in finding and "border radius" in finding for finding in findings)
    await page.set_content(probe('<button type="button" class="btn">Bouton</button><input class="form-control" aria-label="Champ">', STYLED))
    assert await check_design(page, blank) == []


async def test_check_focus_names_an_element_with_no_visible_focus(page):
    await page.set_content(probe('<a href="#un">Un</a><button type="button" class="btn" id="sans-anneau">Deux</button>'
                                 '<a href="#trois">Trois</a>',
                                 STYLED + "<style>#sans-anneau:focus-visible { outline: none; }</style>"))
    findings = await check_focus(page)
    assert len(findings) == 1 and 'button#sans-anneau.btn "Deux"' in findings[0], findings


async def test_check_widths_names_what_sticks_out_on_a_phone(page):
    await page.set_content(probe('<div id="large" style="width: 500px">Trop large</div>'))
    findings = await check_widths(page)
    assert findings and "375 px wide" in findings[0] and "div#large" in findings[0], findings
    assert page.viewport_size == {"width": 1280, "height": 900}, "the viewport is put back"
    await page.set_content(probe("<p>Étroit</p>"))
    assert await check_widths(page) == []


async def test_recorder_and_check_traffic_name_a_missing_asset_and_another_origin(browser):
    # Two made-up origins served by the test itself (page.route): nothing leaves the machine.
    context = await browser.new_context()
    try:
        page = await context.new_page()

        async def serve(route):
            url = route.request.url
            if url == "http://unefois.test/":
                await route.fulfill(content_type="text/html", body=probe(
                    '<img src="http://ailleurs.test/logo.svg" alt="">', '<link rel="stylesheet" href="/absent.css">'))
            elif url.endswith("/logo.svg"):
                await route.fulfill(content_type="image/svg+xml", body='<svg xmlns="http://www.w3.org/2000/svg"/>')
            else:
                await route.fulfill(status=404, body="")

        await page.route("http://*.test/**", serve)
        recorder = Recorder(page)
        status, traffic = await goto(page, recorder, "http://unefois.test/")
        recorder.stop()
        findings = check_traffic(traffic, page.url)
        assert status == 200
        assert "request failed: 404 stylesheet http://unefois.test/absent.css" in findings, findings
        assert "other origin: image http://ailleurs.test/logo.svg" in findings, findings
    finally:
        await context.close()


def test_routes_name_the_pages_and_leave_out_fragments_and_foreign_links():
    routes = stage_routes("sourcing")
    paths = [route.path for route in routes]
    assert {"/", "/besoins", "/besoins/nouveau", "/besoins/{need_id}", "/accessibilite", "/docs"} <= set(paths)
    assert "/besoins/cpv" not in paths, "an htmx fragment is not a page"
    assert match_route(routes, "/besoins/nouveau").name == "besoins-nouveau"
    assert match_route(routes, "/besoins/4db0c04c").name == "besoins-need_id"
    base = "http://127.0.0.1:8001"
    assert page_path("/besoins?tri=-date#liste", base) == "/besoins"
    assert page_path(f"{base}/fournisseurs", base) == "/fournisseurs"
    for elsewhere in ("http://127.0.0.1:8002/", "https://www.legifrance.gouv.fr/", "mailto:a@b.fr", "/auth/login?next=/",
                      "/api/needs", "/static/bootstrap/css/bootstrap.min.css", "#contenu"):
        assert page_path(elsewhere, base) in (None, "/"), elsewhere
