"""PUT /api/needs/{id} on the running sourcing service (issue 10, item 10): the same body as the
creation edits a draft or a returned need; a submitted one is a problem+json 409 naming
`status`; each refused value is a 422 naming its field (errors[]), a wrong CPV check digit said
as such; the approval's NeedApproved decision is read back on the need."""

from __future__ import annotations

import uuid

import httpx

from unefois_deploy.demo import need_facts

BUYER = "acheteur@demoville.fr"
APPROVER = "valideur@demoville.fr"


async def _client(tokens, login: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=10, headers=await tokens.headers_for(login))


async def test_a_draft_is_edited_a_submitted_need_is_a_409_naming_status(platform, tokens):
    url = platform.url("sourcing") + "/api/needs"
    facts = need_facts(object_=f"Tonte des stades {uuid.uuid4().hex[:6]}", cpv="77310000", value="30000.00",
                       commune="01004", nature="services")
    async with await _client(tokens, BUYER) as buyer:
        created = await buyer.post(url, json={"facts": facts})
        assert created.status_code == 201, created.text
        need_id = created.json()["id"]

        edited = await buyer.put(f"{url}/{need_id}", json={"facts": {**facts, "estimated_value": "31000.00"}})
        assert edited.status_code == 200, edited.text
        assert edited.json()["facts"]["estimated_value"] == "31000.00" and edited.json()["status"] == "draft"

        refused = await buyer.put(f"{url}/{need_id}", json={"facts": {
            **facts, "estimated_value": "0", "additional_cpvs": ["77310000-6", "77310000-1"]}})
        assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
        reasons = {error["field"]: error["message"] for error in refused.json()["errors"]}
        assert set(reasons) == {"facts.estimated_value", "facts.additional_cpvs.1"}
        assert "clé de contrôle incorrecte (attendue : 6)" in reasons["facts.additional_cpvs.1"]

        assert (await buyer.post(f"{url}/{need_id}/submit")).status_code == 200
        late = await buyer.put(f"{url}/{need_id}", json={"facts": facts})
        assert late.status_code == 409 and late.headers["content-type"].startswith("application/problem+json")
        assert [error["field"] for error in late.json()["errors"]] == ["status"]
        assert "ne se modifie plus" in late.json()["detail"]
        assert (await buyer.get(f"{url}/{need_id}")).json()["facts"]["estimated_value"] == "31000.00"

    async with await _client(tokens, APPROVER) as approver:
        approved = await approver.post(f"{url}/{need_id}/approve", json={})
        assert approved.status_code == 200, approved.text
        decision = approved.json()["facts"]["decision"]
        assert (decision["chosen_procedure"], decision["band"]) == ("Procédure adaptée", "no_competition")  # 31 000 € < 40 000 € (R2122-8)
        again = await approver.put(f"{url}/{need_id}", json={"facts": facts})
        assert again.status_code == 409 and "approuvé" in again.json()["detail"]
