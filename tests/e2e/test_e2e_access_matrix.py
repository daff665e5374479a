"""Every route of every service x every role x a foreign tenant: who gets what.

Expectations come from each operation's declared rule (`x-unefois-access` in OpenAPI),
so a new route is checked the day it is written; it only needs its path parameters and
body known below, or this test fails and says so.

  anonymous on a protected route        -> 401
  a role the route does not allow       -> 403
  an allowed role, someone else's data  -> 404 (existence must not leak) or an empty list
  an allowed role, its own data         -> anything but 401/403/404/5xx
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import pytest
from unefois_deploy.config import TEST_CLOCK_START
from unefois_deploy.demo import REGION, SUPPLIERS, need_facts, run_purchase
from unefois_kernel.clock import paris_date
from unefois_kernel.stages import STAGE_NAMES as STAGES

pytestmark = pytest.mark.integration

OWNER_SUPPLIER = SUPPLIERS[0]

# The day the test profile's services start on (their clocks: unefois_deploy.config).
PLATFORM_TODAY = paris_date(TEST_CLOCK_START)


@dataclass(frozen=True)
class Caller:
    label: str
    login: str | None  # None: anonymous
    roles: frozenset[str]
    relation: str  # "owner": the purchase is its organisation's (or it won it); "stranger": not


CALLERS = [
    Caller("anonymous", None, frozenset(), "stranger"),
    Caller("buyer of the tenant", "acheteur@region-demo.fr", frozenset({"buyer"}), "owner"),
    Caller("approver of the tenant", "valideur@region-demo.fr", frozenset({"buyer-approver"}), "owner"),
    Caller("buyer of another tenant", "acheteur@val-demo.fr", frozenset({"buyer"}), "stranger"),
    Caller("approver of another tenant", "valideur@demoville.fr", frozenset({"buyer-approver"}), "stranger"),
    Caller("supplier holding the contract", "contact@tp-rhodaniens.fr", frozenset({"supplier"}), "owner"),
    Caller("another supplier", "contact@fournitures-centre.fr", frozenset({"supplier"}), "stranger"),
    Caller("operator", "exploitation@unefois.fr", frozenset({"operator"}), "stranger"),
]
SUPPLIER_SIRET = {"contact@tp-rhodaniens.fr": SUPPLIERS[0]["siret"], "contact@fournitures-centre.fr": SUPPLIERS[1]["siret"]}


def _body(method: str, path: str, caller: Caller, ids: dict | None = None) -> dict | None:
    if method == "GET":
        return None
    supplier = {"siret": SUPPLIER_SIRET.get(caller.login, OWNER_SUPPLIER["siret"]), "name": "Entreprise"}
    bodies = {
        "/api/needs": {"facts": need_facts(object_="Matrice d'accès", cpv="45233140", value="1000.00", commune="69123")},
        # PUT: the seeded need is approved, so its owner gets 409 (status), a stranger 404.
        "/api/needs/{need_id}": {"facts": need_facts(object_="Matrice d'accès", cpv="45233140", value="1000.00",
                                                     commune="69123")},
        "/api/needs/{need_id}/approve": {},
        "/api/needs/{need_id}/submit": {},
        "/api/needs/{need_id}/return": {"comment": "Préciser le lieu d'exécution"},
        # The seeded consultation is already awarded: its owner gets 409 (status), a stranger 404.
        "/api/consultations/{consultation_id}/procedure": {"procedure": "Appel d'offres ouvert"},
        # PUT/PATCH (its preparation) and publish: the seeded consultation is awarded, 409 for its owner.
        "/api/consultations/{consultation_id}": {"variants_allowed": True},
        "/api/consultations/{consultation_id}/publish": None,  # no body
        # DCE and questions (tendering documents/, questions/): the seeded consultation is awarded, so its
        # DCE is closed and its questions too (409 for its buyer and for every supplier), a stranger 404.
        "/api/consultations/{consultation_id}/documents": None,  # multipart; refused before the body is read
        "/api/consultations/{consultation_id}/questions/{question_id}/answer": {"answer": "Réponse", "publish": True},
        "/api/public/consultations/{consultation_id}/questions": {"question": "Question de la matrice d'accès ?"},
        "/api/contracts/{contract_id}/notify": {},  # notified on the contracts service's today
        "/api/commitments/{commitment_id}/invoices": {
            "invoice_number": f"M-{secrets.token_hex(4)}", "supplier": supplier, "amount_excl_vat": "1.00",
            "vat_amount": "0.20", "issued_on": PLATFORM_TODAY.isoformat(),
        },
        "/auth/logout": {},
        "/api/needs/{need_id}/research/notes": {"notes": "Sourcing : trois entreprises consultées."},
        "/api/needs/{need_id}/research/quotes": {"supplier": OWNER_SUPPLIER, "amount": "950.00", "received_on": "2026-11-02"},
        "/api/needs/{need_id}/research/quotes/{quote_id}/choose": {"reason": "Le mieux disant sur le délai"},
        "/api/needs/{need_id}/research/shortlist": OWNER_SUPPLIER,
        "/api/needs/{need_id}/research/quotes/{quote_id}": None,  # DELETE: no body
        "/api/needs/{need_id}/research/shortlist/{siret}": None,  # DELETE: no body
        # In-app messages (unefois_kernel.notifications): an id that is not the caller's is ignored (200, []).
        "/api/messages/read": {"ids": [str(uuid.uuid4())]},
        # Bid deposits: lot 99 of a consultation not allotted is a 422 (no deposit made); a part sent
        # as JSON is not sealed (422), a deposit without its bid form is not completed (422).
        "/api/consultations/{consultation_id}/deposits": {"lot_number": 99},
        "/api/deposits/{deposit_id}/parts": {"not": "sealed"},
        "/api/deposits/{deposit_id}/complete": {},
        # Opening (tendering opening/): the seeded consultation is awarded from its opened bids: its buyer
        # gets 409 or 422 (status, already opened), a stranger 404, an operator or a supplier 403.
        "/api/consultations/{consultation_id}/opening": None,  # POST: no body
        # The seeded consultation's bids are opened: a main bid named as a backup copy is refused, never opened.
        "/api/consultations/{consultation_id}/opening/backups": {"backup_id": str((ids or {}).get("bid_id", uuid.uuid4())),
                                                                "case": "could_not_be_opened", "reason": "Illisible"},
        "/api/consultations/{consultation_id}/opening/bids/{bid_id}/admissibility": {"admissibility": "admissible"},
        "/api/consultations/{consultation_id}/opening/bids/{bid_id}/document-requests": {
            "documents": ["dume"], "deadline": "2030-01-01T12:00:00+01:00"},
        # Evaluation and award (tendering evaluations/): the seeded consultation is awarded from its bids, so every
        # change of its lot's evaluation is a 409 for its buyers, a 404 for a stranger.
        "/api/consultations/{consultation_id}/lots/{lot}/evaluation": {"formula": "linear", "marks": []},
        "/api/consultations/{consultation_id}/lots/{lot}/evaluation/justifications": {
            "bid_id": str(uuid.uuid4()), "deadline": "2027-01-15T12:00:00+01:00", "reason": "Prix bas"},
        "/api/consultations/{consultation_id}/lots/{lot}/evaluation/justifications/{bid_id}/decision": {
            "keep": True, "reason": "Justifiée"},
        "/api/consultations/{consultation_id}/lots/{lot}/evaluation/proposal": {},  # DELETE: the same path
        "/api/consultations/{consultation_id}/lots/{lot}/evaluation/decision": None,
        "/api/consultations/{consultation_id}/lots/{lot}/evaluation/unsuccessful": None,
        "/api/consultations/{consultation_id}/sans-suite": {"reason": "budget", "detail": "Crédits supprimés"},
        # A supplier's answer to a justification request: no request exists for the seeded purchase, so
        # the owner's empty answer is refused (422) before any lookup; the other supplier's is a 404.
        "/api/mes-depots/justifications/{bid_id}": {"text": "" if caller.relation == "owner" else "Justification"},
        "/api/clauses": {"kind": "social", "consideration": "Clause sociale", "title": "Clause de la matrice",
                         "body": "Texte de la clause de la matrice d'accès."},
    }
    if path not in bodies:
        raise AssertionError(f"the access matrix needs a request body for {method} {path}")
    return bodies[path]


# Platform-wide data every buyer may read (public company data), not a tenant's.
SHARED_PATHS = {"/api/suppliers", "/api/suppliers/{siret}",
                # A published consultation's questions: any supplier asks and reads its own (none: []).
                "/api/public/consultations/{consultation_id}/questions",
                "/api/public/consultations/{consultation_id}/questions/mine"}
# A published consultation takes every supplier's bid: no supplier is a stranger to its deposit.
OPEN_TO_EVERY_SUPPLIER = {("POST", "/api/consultations/{consultation_id}/deposits")}


def _expected(rule, caller: Caller, method: str, path: str) -> str:
    if rule == "public":
        return "open"
    if caller.login is None:
        return "401"
    if rule != "authenticated" and not caller.roles & set(rule):
        return "403"
    if path in SHARED_PATHS or (method, path) in OPEN_TO_EVERY_SUPPLIER:
        return "open"
    if rule == "authenticated" or "{" not in path and method == "GET":
        return "own-or-empty" if caller.relation == "stranger" else "ok"
    if "{" not in path and method == "POST":
        return "ok"  # creating in a collection: always for the caller's own organisation
    return "404" if caller.relation == "stranger" else "ok"


@pytest.fixture
async def purchase(urls, actors, client, platform_clock):
    facts = need_facts(object_="Réseau de chaleur du lycée", cpv="45232140", value="150000.00", commune="69123")
    who = await actors(REGION["siret"], OWNER_SUPPLIER["siret"])
    ids = await run_purchase(client, urls, facts, OWNER_SUPPLIER, "140000.00", who, advance=platform_clock.advance)
    return ids


async def test_every_route_answers_every_caller_as_declared(urls, client, tokens, purchase):
    ids = {
        "need_id": purchase.need_id,
        "consultation_id": purchase.consultation_id,
        "contract_id": purchase.contract_id,
        "commitment_id": purchase.commitment_id,
        # The need is approved, so its research is frozen (409) before any quote is looked up.
        "quote_id": uuid.uuid4(),
        "siret": OWNER_SUPPLIER["siret"],
        # The winning bid's file, opened (the DCE route: no DCE file has that id, 404 for all, public route).
        "document_id": await _opened_file(client, urls, tokens, purchase.consultation_id, purchase.deposit_ids[0]),
        "question_id": uuid.uuid4(),  # the consultation is awarded: 409 before any question is looked up
        "bid_id": purchase.deposit_ids[0],  # the winning bid, opened (its id is its deposit's)
        "lot": 0,  # the seeded consultation's only lot (not allotted: 0)
        "deposit_id": purchase.deposit_ids[0],  # the owner supplier's bid, completed before the deadline
    }
    filters = {"need_id": purchase.need_id, "award_id": purchase.award_id, "contract_id": purchase.contract_id,
               "nature": "works", "estimated_value": "50000.00", "role": "bid_form"}
    checked, wrong = 0, []
    for stage in STAGES:
        document = (await client.get(f"{urls[stage]}/openapi.json")).json()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                method = method.upper()
                rule = operation.get("x-unefois-access")
                assert rule is not None, f"{stage} {method} {path} declares no access rule"
                params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
                unknown = params - ids.keys()
                assert not unknown, f"the access matrix does not know the path parameter(s) {unknown} of {path}"
                url = urls[stage] + path.format(**ids)
                query = {p["name"]: filters[p["name"]] for p in operation.get("parameters", [])
                         if p["in"] == "query" and p["name"] in filters}
                for caller in CALLERS:
                    headers = await tokens.headers_for(caller.login) if caller.login else {}
                    if path.startswith("/auth/"):
                        continue  # the login flow is tested on its own (redirects, CSRF)
                    response = await client.request(method, url, params=query, json=_body(method, path, caller, ids),
                                                    headers=headers, follow_redirects=False)
                    expectation = _expected(rule, caller, method, path)
                    status = response.status_code
                    ok = {
                        "open": status < 500 and status not in (401, 403),
                        "401": status == 401,
                        "403": status == 403,
                        "404": status == 404,
                        "ok": status < 500 and status not in (401, 403, 404),
                        # Read only when expected: a 200 elsewhere may be a file (the owner's receipt PDF).
                        "own-or-empty": None,
                    }[expectation]
                    if expectation == "own-or-empty":
                        ok = status == 200 and _leaks_nothing(response.json(), secrets_of(ids))
                    checked += 1
                    if not ok:
                        wrong.append(f"{stage} {method} {path} as {caller.label}: expected {expectation}, got {status}")
    assert not wrong, "\n".join(wrong)
    assert checked > 100


async def _opened_file(client, urls, tokens, consultation_id: str, bid_id: str) -> str:
    """The document id of the opened bid's first file (the buyer reads the opening)."""
    response = await client.get(f"{urls['tendering']}/api/consultations/{consultation_id}/opening",
                                headers=await tokens.headers_for("acheteur@region-demo.fr"))
    response.raise_for_status()
    [bid] = [bid for bid in response.json()["bids"] if bid["bid_id"] == bid_id]
    return bid["files"][0]["document_id"]


def secrets_of(ids: dict) -> dict:
    """The identifiers a stranger must not read (a lot's number, 0, is no secret)."""
    return {name: value for name, value in ids.items() if name != "lot"}


def _leaks_nothing(payload, ids: dict) -> bool:
    text = str(payload)
    return not any(str(value) in text for value in ids.values())
