"""Sealed bids in Chromium (issue 11, item 5): the tendering service's WebCrypto module, loaded
same-origin under the pages' Content Security Policy, seals files of every boundary size (and
5 MiB) chunk by chunk with progress; Python opens them with the consultation's private key. With
its random values fixed, the module produces the exact bytes of the Python test vector."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import uuid
from pathlib import Path

import pytest
from browser_harness import visit
from cryptography.hazmat.primitives.asymmetric import ec
from unefois_tendering.bids.domain import (
    CHUNK_SIZE,
    generate_consultation_keypair,
    open_sealed_bytes,
    public_key_jwk,
)

MODULE = "/static/tendering/js/sealed-bid.js"
SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 5 * 1024 * 1024]

SEAL_IN_BROWSER = """async ({module, jwk, size, fixed}) => {
  const { sealFile, sealedSize } = await import(module);
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) data[i] = i % 251;
  const file = new File([data], "offre.pdf", { type: "application/pdf" });
  const progress = [];
  const options = fixed ? { fixed: { ephemeral: fixed.ephemeral, contentKey: new Uint8Array(fixed.contentKey),
                                     prefix: new Uint8Array(fixed.prefix) } } : {};
  const blob = await sealFile(jwk, file, (done, total) => progress.push([done, total]), options);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return { sealed: btoa(text), progress, expected: sealedSize(size) };
}"""


def pattern(size: int) -> bytes:
    return bytes(index % 251 for index in range(size))


def vector_module():
    path = Path(__file__).parents[2] / "services/tendering/tests/unit/test_tendering_bids_sealing.py"
    spec = importlib.util.spec_from_file_location("unefois_tendering_sealing_vector", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def private_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    d = base64.urlsafe_b64encode(key.private_numbers().private_value.to_bytes(32, "big")).rstrip(b"=").decode()
    return public_key_jwk(key.public_key()) | {"d": d}


@pytest.fixture
async def tendering_page(platform, page):
    await visit(page, f"{platform.url('tendering')}/")
    return page


@pytest.mark.parametrize("size", SIZES)
async def test_a_file_sealed_in_the_browser_opens_in_python(tendering_page, page_errors, size):
    pair = generate_consultation_keypair()
    result = await tendering_page.evaluate(SEAL_IN_BROWSER, {"module": MODULE, "jwk": public_key_jwk(pair.public_key),
                                                             "size": size, "fixed": None})
    sealed = base64.b64decode(result["sealed"])
    assert len(sealed) == result["expected"]
    assert open_sealed_bytes(pair.private_key, sealed) == pattern(size)
    chunks = max(1, -(-size // CHUNK_SIZE))
    assert len(result["progress"]) == chunks and result["progress"][-1] == [size, size]
    if size >= 64:
        assert pattern(size)[:64] not in sealed
    assert page_errors == []


async def test_the_browser_module_reproduces_the_python_test_vector(tendering_page, page_errors):
    vector = vector_module()
    fixed = {"ephemeral": private_jwk(vector.VECTOR_EPHEMERAL), "contentKey": list(vector.VECTOR_CONTENT_KEY),
             "prefix": list(vector.VECTOR_PREFIX)}
    result = await tendering_page.evaluate(SEAL_IN_BROWSER, {
        "module": MODULE, "jwk": public_key_jwk(vector.VECTOR_RECIPIENT.public_key()),
        "size": len(vector.VECTOR_PLAINTEXT), "fixed": fixed})
    sealed = base64.b64decode(result["sealed"])
    assert vector.VECTOR_PLAINTEXT == pattern(len(vector.VECTOR_PLAINTEXT))
    assert sealed == vector.vector_sealed()
    assert hashlib.sha256(sealed).hexdigest() == vector.VECTOR_SHA256
    assert page_errors == []


async def test_the_module_is_served_same_origin_and_an_unpublished_key_is_a_404(platform, page):
    tendering = platform.url("tendering")
    module = await page.request.get(f"{tendering}{MODULE}")
    assert module.status == 200 and "javascript" in module.headers["content-type"]
    missing = await page.request.get(f"{tendering}/api/consultations/{uuid.uuid4()}/public-key")
    assert missing.status == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert "pas publiée" in (await missing.json())["detail"]
