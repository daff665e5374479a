"""/api/suppliers on the running sourcing service: search, read one, access, 422 naming the field."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from unefois_sourcing.suppliers import synthetic

BUYER = "acheteur@region-demo.fr"
APPROVER = "valideur@region-demo.fr"
SUPPLIER = "contact@tp-rhodaniens.fr"
OPERATOR = "exploitation@unefois.fr"


@pytest.fixture
async def directory(platform, service_dsn):
    """Three establishments written straight into the sourcing database, removed afterwards.
    Their names share a word no other row has, so searches see only them."""
    word = "Zéphyrin" + uuid.uuid4().hex[:8]
    serial = 40_000_000 + uuid.uuid4().int % 10_000_000
    rows = [
        (synthetic.make_siret(serial, 1), f"Menuiserie {word} SARL", "69123", ["45421000"], True),
        (synthetic.make_siret(serial, 2), f"Atelier {word}", "69381", [], True),
        (synthetic.make_siret(serial, 3), f"Ancienne {word}", "69123", [], False),
    ]
    conn = await asyncpg.connect(service_dsn("sourcing"))
    try:
        await conn.executemany(
            "INSERT INTO suppliers (siret, siren, name, search_name, commune_code, cpv_interests, active, size_category,"
            " size_basis) VALUES ($1, left($1, 9), $2, lower($2), $3, $4, $5, 'PME', 'trancheEffectifsEtablissement')",
            [(siret, name.replace("é", "e"), commune, cpv, active) for siret, name, commune, cpv, active in rows],
        )
        yield {"word": word, "sirets": [r[0] for r in rows], "url": platform.url("sourcing")}
    finally:
        await conn.execute("DELETE FROM suppliers WHERE siret = ANY($1)", [r[0] for r in rows])
        await conn.close()


async def _get(tokens, login: str | None, url: str, **params) -> httpx.Response:
    headers = await tokens.headers_for(login) if login else {}
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(url, params=params, headers=headers)


async def test_buyers_search_by_name_siret_cpv_and_commune(directory, tokens):
    url = directory["url"] + "/api/suppliers"
    menuiserie, atelier, closed = directory["sirets"]
    found = await _get(tokens, BUYER, url, q=directory["word"].lower())
    assert found.status_code == 200
    assert sorted(s["siret"] for s in found.json()) == sorted([menuiserie, atelier])  # closed ones left out
    assert {s["siret"] for s in (await _get(tokens, BUYER, url, q=directory["word"], include_closed="true")).json()} \
        == {menuiserie, atelier, closed}
    by_siret = (await _get(tokens, APPROVER, url, siret=atelier)).json()
    assert [s["name"] for s in by_siret] == [f"Atelier {directory['word']}".replace("é", "e")]
    by_cpv = (await _get(tokens, BUYER, url, q=directory["word"], cpv="45420000-7")).json()  # parent of 45421000
    assert [s["siret"] for s in by_cpv] == [menuiserie]
    by_commune = (await _get(tokens, BUYER, url, q=directory["word"], commune="69381")).json()
    assert [s["siret"] for s in by_commune] == [atelier]
    one = await _get(tokens, BUYER, f"{url}/{menuiserie}")
    assert one.status_code == 200
    assert one.json()["cpv_interests"] == ["45421000"] and one.json()["size_category"] == "PME"


@pytest.mark.parametrize(("params", "field"), [
    ({"siret": "73282932000075"}, "siret"),  # wrong Luhn key
    ({"siret": "1234"}, "siret"),
    ({"cpv": "45000000-3"}, "cpv"),  # wrong check digit
    ({"cpv": "99999999"}, "cpv"),  # not in CPV 2008
    ({"commune": "69001x"}, "commune"),
    ({"commune": "75001"}, "commune"),  # a postal code, not an INSEE code
    ({"limit": "0"}, "limit"),
])
async def test_bad_criteria_get_422_naming_the_field(directory, tokens, params, field):
    response = await _get(tokens, BUYER, directory["url"] + "/api/suppliers", **params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_read_one_422_on_a_bad_siret_and_404_when_unknown(directory, tokens):
    url = directory["url"] + "/api/suppliers/"
    bad = await _get(tokens, BUYER, url + "73282932000075")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "siret"
    unknown = await _get(tokens, BUYER, url + synthetic.make_siret(1, 99))
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "siret"


@pytest.mark.parametrize(("login", "status"), [(None, 401), (SUPPLIER, 403), (OPERATOR, 403), (BUYER, 200),
                                               (APPROVER, 200)])
async def test_only_buyers_read_the_directory(directory, tokens, login, status):
    url = directory["url"] + "/api/suppliers"
    assert (await _get(tokens, login, url, q=directory["word"])).status_code == status
    assert (await _get(tokens, login, f"{url}/{directory['sirets'][0]}")).status_code == status


async def test_openapi_declares_the_search_and_its_access(directory):
    async with httpx.AsyncClient(timeout=10) as client:
        document = (await client.get(directory["url"] + "/openapi.json")).json()
    operation = document["paths"]["/api/suppliers"]["get"]
    assert operation["x-unefois-access"] == ["buyer", "buyer-approver"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "siret", "cpv", "commune", "limit", "offset"}


# ---------------------------------------------------------------- issue 10, item 13


async def test_a_siret_typed_with_spaces_is_normalised(directory, tokens):
    url = directory["url"] + "/api/suppliers"
    atelier = directory["sirets"][1]
    spaced = f"{atelier[:3]} {atelier[3:6]} {atelier[6:9]} {atelier[9:]}"
    assert [s["siret"] for s in (await _get(tokens, BUYER, url, siret=spaced)).json()] == [atelier]
    one = await _get(tokens, BUYER, f"{url}/{spaced}")
    assert one.status_code == 200 and one.json()["siret"] == atelier


async def test_no_criterion_or_a_name_too_long_is_a_problem_naming_q(directory, tokens):
    url = directory["url"] + "/api/suppliers"
    for params in ({}, {"include_closed": "true"}, {"q": "   "}, {"q": "x" * 201}):
        response = await _get(tokens, BUYER, url, **params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == ["q"], params
    assert "au moins un critère" in (await _get(tokens, BUYER, url)).json()["errors"][0]["message"]


async def test_the_page_names_a_name_too_long_and_asks_for_a_criterion(directory, tokens):
    url = directory["url"] + "/fournisseurs"
    headers = {**await tokens.headers_for(BUYER), "Accept": "text/html"}
    async with httpx.AsyncClient(timeout=10) as client:
        long = await client.get(url, params={"q": "menuiserie " * 40}, headers=headers)
        empty = await client.get(url, params={"q": "", "siret": "", "cpv": "", "commune": ""}, headers=headers)
        first = await client.get(url, headers=headers)
        spaced = await client.get(url, params={"siret": " ".join(directory["sirets"][1][i:i + 3] for i in range(0, 14, 3))},
                                  headers=headers)
    assert long.status_code == 422 and long.headers["content-type"].startswith("text/html")
    assert "dépasse 200 caractères" in long.text and 'aria-invalid="true"' in long.text
    assert empty.status_code == 422 and "Indiquez au moins un critère de recherche" in empty.text
    assert "aucun critère renseigné" in empty.text and "<table" not in empty.text
    assert first.status_code == 200 and "Renseignez au moins un critère" in first.text and "<table" not in first.text
    assert spaced.status_code == 200 and directory["sirets"][1] in spaced.text


async def test_the_demo_suppliers_are_in_the_directory(platform, tokens, service_dsn):
    from unefois_deploy import demo

    message = await demo.seed_supplier_directory(service_dsn("sourcing"))
    assert message.startswith("supplier directory: 4 demo suppliers"), message
    again = await demo.seed_supplier_directory(service_dsn("sourcing"))  # every `up`: an upsert
    assert again == "supplier directory: 4 demo suppliers (0 new)"
    url = platform.url("sourcing") + "/api/suppliers"
    for supplier in demo.SUPPLIERS:
        found = (await _get(tokens, BUYER, url, siret=supplier["siret"])).json()
        assert [s["name"] for s in found] == [supplier["name"]]
        assert found[0]["size_basis"] == "categorieEntreprise" and found[0]["cpv_interests"]
    by_cpv = (await _get(tokens, BUYER, url, cpv="77310000")).json()
    assert "83000007100019" in [s["siret"] for s in by_cpv]
    by_name = (await _get(tokens, BUYER, url, q="rhodaniens")).json()
    assert by_name[0]["siret"] == "80000004400019"
