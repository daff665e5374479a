"""DCE and questions through the running services' HTTP API, with the development mail catcher:
the buyer uploads a file to the draft (multipart), publishes; anyone downloads it (hash in
Repr-Digest), a signed-in supplier's download is in the buyer's registry; the supplier asks, the
buyer answers and publishes, the supplier's mail « Réponse à une question » arrives; an amendment
after publication sends « Modification du dossier de consultation »; the published answer names
nobody."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
from unefois_deploy.demo import (
    REGION,
    SUPPLIERS,
    need_facts,
    prepare_and_publish,
    wait_for,
)
from unefois_deploy.testing import caught_mail

pytestmark = pytest.mark.integration

SUPPLIER = SUPPLIERS[0]
SUPPLIER_LOGIN = "contact@tp-rhodaniens.fr"
PDF = b"%PDF-1.7\n" + b"plan " * 30_000 + b"\n%%EOF\n"


async def test_dce_download_question_answer_and_amendment_mails(urls, client, actors, mailcatcher) -> None:
    who = await actors(REGION["siret"], SUPPLIER["siret"])
    await client.delete(f"{mailcatcher}/api/mails")  # this runtime's catcher: earlier runs' mails out of the way
    tendering = urls["tendering"]
    marker = uuid.uuid4().hex[:8]
    facts = need_facts(object_=f"Rénovation de la médiathèque {marker}", cpv="45262700", value="180000.00",
                       commune="69123")
    need = (await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts}, headers=who.buyer)).json()
    await client.post(f"{urls['sourcing']}/api/needs/{need['id']}/submit", headers=who.buyer)
    await client.post(f"{urls['sourcing']}/api/needs/{need['id']}/approve", json={}, headers=who.approver)

    async def consultation():
        found = (await client.get(f"{tendering}/api/consultations", params={"need_id": need["id"]},
                                  headers=who.buyer)).json()
        return found[0] if found else None
    cid = (await wait_for(consultation))["id"]

    response = await client.post(f"{tendering}/api/consultations/{cid}/documents", headers=who.buyer,
                                 data={"titre": "Règlement de la consultation"},
                                 files={"fichier": ("RC.pdf", PDF, "application/pdf")})
    assert response.status_code == 201, response.text
    document = response.json()
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest() and document["amendment_id"] is None
    refused = await client.post(f"{tendering}/api/consultations/{cid}/documents", headers=who.buyer,
                                data={"titre": "Programme"}, files={"fichier": ("prog.pdf", b"MZ\x90\x00", "x/y")})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "fichier"
    reference = (await prepare_and_publish(client, urls, cid, who))["reference"]

    # Anonymous download: the file, its hash in Repr-Digest; nothing recorded.
    content_url = f"{tendering}/api/public/consultations/{cid}/documents/{document['id']}/content"
    anonymous = await client.get(content_url)
    assert anonymous.status_code == 200 and anonymous.content == PDF
    assert anonymous.headers["repr-digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(PDF).digest()).decode()}:"
    registry = (await client.get(f"{tendering}/api/consultations/{cid}/documents", headers=who.buyer)).json()
    assert registry["downloads"] == []
    signed_in = await client.get(content_url, headers=who.supplier)
    assert signed_in.status_code == 200
    registry = (await client.get(f"{tendering}/api/consultations/{cid}/documents", headers=who.buyer)).json()
    assert [d["supplier_siret"] for d in registry["downloads"]] == [SUPPLIER["siret"]]
    public = (await client.get(f"{tendering}/api/public/consultations/{cid}/documents")).json()
    assert public["downloads"] is None and [d["id"] for d in public["documents"]] == [document["id"]]

    # The supplier asks; the buyer answers and publishes; the mail arrives; the answer names nobody.
    asked = await client.post(f"{tendering}/api/public/consultations/{cid}/questions", headers=who.supplier,
                              json={"question": f"Visite de site obligatoire ? ({marker})"})
    assert asked.status_code == 201, asked.text
    assert (await client.post(f"{tendering}/api/public/consultations/{cid}/questions", headers=who.buyer,
                              json={"question": "?"})).status_code == 403
    answered = await client.post(f"{tendering}/api/consultations/{cid}/questions/{asked.json()['id']}/answer",
                                 headers=who.buyer, json={"answer": f"Non, elle est facultative ({marker}).",
                                                          "published_question": "La visite de site est-elle obligatoire ?"})
    assert answered.status_code == 200, answered.text
    answers = (await client.get(f"{tendering}/api/public/consultations/{cid}/questions")).json()
    assert [a["question"] for a in answers] == ["La visite de site est-elle obligatoire ?"]
    assert SUPPLIER["siret"] not in str(answers) and "Rhodaniens" not in str(answers)
    mail = await caught_mail(client, mailcatcher, SUPPLIER_LOGIN, f"Réponse à une question — {reference}")
    body = (await client.get(f"{mailcatcher}/api/mails/{mail['id']}")).json()
    assert f"Non, elle est facultative ({marker})." in body["text"]

    # An amendment: its description required, then the downloader's mail.
    amend = {"titre": "Règlement de la consultation", "remplace": document["id"]}
    missing = await client.post(f"{tendering}/api/consultations/{cid}/documents", headers=who.buyer, data=amend,
                                files={"fichier": ("RC-v2.pdf", PDF + b"v2", "application/pdf")})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "description"
    amended = await client.post(f"{tendering}/api/consultations/{cid}/documents", headers=who.buyer,
                                data=amend | {"description": f"Article 4 précisé ({marker})."},
                                files={"fichier": ("RC-v2.pdf", PDF + b"v2", "application/pdf")})
    assert amended.status_code == 201 and amended.json()["version"] == 2
    mail = await caught_mail(client, mailcatcher, SUPPLIER_LOGIN,
                             f"Modification du dossier de consultation — {reference}")
    body = (await client.get(f"{mailcatcher}/api/mails/{mail['id']}")).json()
    assert f"Article 4 précisé ({marker})." in body["text"]
    archive = await client.get(f"{tendering}/api/public/consultations/{cid}/documents.zip")
    assert archive.status_code == 200 and archive.content[:4] == b"PK\x03\x04"
