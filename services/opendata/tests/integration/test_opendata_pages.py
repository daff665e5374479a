"""Opendata's public pages on the running service: a notified contract carries its buyer's name
to the DECP record (migration 0002), the home links the buyer to its page /acheteurs/{siret},
which shows the buyer's name and logo and its contracts; a bad SIRET is a themed 404."""

from __future__ import annotations

import asyncio
import secrets
import time

import asyncpg
import httpx
import pytest
from stdnum import luhn

from unefois_kernel import db
from unefois_events.catalogue import Organisation
from unefois_kernel.outbox import publish
from unefois_kernel.testing import contract_notified, purchase

pytestmark = pytest.mark.integration

REGION = "20000001600010"  # the demo région: the kernel ships its logo
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def a_buyer_siret() -> str:
    """A Luhn-valid SIRET of a public body (SIREN starting with 2) nobody else uses."""
    siren8 = f"2{secrets.randbelow(10**7):07d}"
    siren = siren8 + luhn.calc_check_digit(siren8)
    establishment = siren + "0001"
    return establishment + luhn.calc_check_digit(establishment)


@pytest.fixture
async def published(platform, service_dsn):
    """One contract of a buyer of its own, notified through the contracts outbox (as the contracts
    service writes it) and waited for in opendata: (buyer, contract number, contract id)."""
    run = secrets.token_hex(3).upper()
    # "Zone…" sorts after every demo buyer: first when the home is sorted by buyer, descending.
    buyer = Organisation(siret=a_buyer_siret(), name=f"Zone d’essai {time.strftime('%Y%m%d%H%M%S')} <{run}>")
    event = contract_notified(buyer, number=f"P{run}", purchase=purchase(buyer, object=f"Pages publiques {run}"))
    contracts_db = await db.connect(service_dsn("contracts"))
    try:
        async with contracts_db.transaction():
            await publish(contracts_db, "contracts", event)
    finally:
        await contracts_db.close()
    opendata = await asyncpg.connect(service_dsn("opendata"))
    try:
        async with asyncio.timeout(60):
            while (stored := await opendata.fetchrow(
                    "SELECT buyer_siret, buyer_name FROM decp_records WHERE contract_id = $1", event.contract_id)) is None:
                await asyncio.sleep(0.1)
    finally:
        await opendata.close()
    assert dict(stored) == {"buyer_siret": buyer.siret, "buyer_name": buyer.name}, "the handler keeps the buyer's name"
    return buyer, event.contract_number, event.contract_id


async def _get(url: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(url, **kwargs)


async def test_the_buyer_page_lists_its_contracts_under_its_own_name(platform, published):
    buyer, number, _ = published
    base = platform.url("opendata")
    page = await _get(f"{base}/acheteurs/{buyer.siret}", headers=BROWSER)
    assert page.status_code == 200
    html = page.text
    escaped = buyer.name.replace("<", "&lt;").replace(">", "&gt;")
    assert f'<strong class="unefois-buyer__name">{escaped}</strong>' in html  # the layout's buyer band
    assert f"<h1>Marchés publiés par {escaped}</h1>" in html
    assert f"<title>{escaped} — Données ouvertes — " in html
    assert f"<td>{number}</td>" in html and "Pages publiques" in html
    assert "/static/acheteurs/" not in html, "no logo file for this buyer: none is shown"
    assert f'href="/api/decp?acheteur={buyer.siret}"' in html
    records = (await _get(f"{base}/api/decp", params={"acheteur": buyer.siret})).json()["marches"]["marche"]
    assert [record["id"] for record in records] == [number]


async def test_the_home_links_each_buyer_to_its_page(platform, published):
    buyer, number, _ = published
    home = await _get(f"{platform.url('opendata')}/", params={"tri": "-acheteur"}, headers=BROWSER)
    assert home.status_code == 200
    escaped = buyer.name.replace("<", "&lt;").replace(">", "&gt;")
    assert f'<a href="/acheteurs/{buyer.siret}">{escaped}</a>' in home.text
    assert 'aria-sort="descending"' in home.text


async def test_the_demo_region_page_shows_its_logo(platform):
    base = platform.url("opendata")
    page = await _get(f"{base}/acheteurs/{REGION}", headers=BROWSER)
    assert page.status_code == 200
    assert f'<img class="unefois-buyer__logo" src="/static/acheteurs/{REGION}.svg"' in page.text
    logo = await _get(f"{base}/static/acheteurs/{REGION}.svg")
    assert logo.status_code == 200 and logo.headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize("siret", ["123", "2000000160001A", "200000016000100", "%20"])
async def test_a_bad_siret_is_a_themed_404(platform, siret):
    url = f"{platform.url('opendata')}/acheteurs/{siret}"
    page = await _get(url, headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Page introuvable</h1>" in page.text and "n’est pas un numéro SIRET" in page.text
    api = await _get(url)
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")
