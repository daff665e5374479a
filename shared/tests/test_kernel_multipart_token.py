"""The CSRF token of a multipart form, found at the start of the body while the rest streams on
(unefois_kernel.web.multipart_token), and the middleware's use of it."""

from __future__ import annotations

import hashlib

from fastapi import FastAPI, Request
from unefois_kernel.web.multipart_token import TOKEN_SEARCH_BYTES, read_token, replaying
from unefois_kernel.web.security import MAX_FORM_BYTES, body_limit

from test_kernel_web_security import client, make_app, session, token_for

BOUNDARY = "unefoisBoundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
CHUNK = 64 * 1024


def field(name: str, value: str) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


def file_head(name: str, filename: str) -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode()


END = f"--{BOUNDARY}--\r\n".encode()
CRLF = b"\r\n"  # after a file's content, before the next boundary


def messages_of(body: bytes, size: int = CHUNK) -> list[dict]:
    pieces = [body[start:start + size] for start in range(0, len(body), size)] or [b""]
    return [{"type": "http.request", "body": piece, "more_body": index < len(pieces) - 1}
            for index, piece in enumerate(pieces)]


def receiver(messages: list[dict]):
    queue = list(messages)

    async def receive() -> dict:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    receive.left = queue  # what the reader did not take
    return receive


async def test_the_token_first_is_read_from_the_first_chunk_and_the_body_is_replayed_whole():
    body = field("csrf_token", "jeton-43") + file_head("fichier", "plan.pdf") + b"%PDF" + b"x" * (5 * 1024 * 1024) + CRLF + END
    receive = receiver(messages_of(body))
    token, read = await read_token(CONTENT_TYPE, receive, "csrf_token", MAX_FORM_BYTES)
    assert token == "jeton-43"
    assert len(read) == 1 and len(receive.left) == len(messages_of(body)) - 1  # the file was not read
    again = replaying(read, receive)
    replayed = b""
    while True:
        message = await again()
        replayed += message.get("body", b"")
        if not message.get("more_body"):
            break
    assert replayed == body


async def test_a_token_split_across_chunks_and_after_small_fields_is_found():
    body = field("titre", "Règlement") + field("csrf_token", "abcdefghij" * 4) + END
    token, read = await read_token(CONTENT_TYPE, receiver(messages_of(body, size=7)), "csrf_token", MAX_FORM_BYTES)
    assert token == "abcdefghij" * 4 and b"".join(m["body"] for m in read) == body[:len(b"".join(m["body"] for m in read))]


async def test_no_token_part_gives_none_and_a_token_beyond_the_limit_gives_a_refusal():
    body = field("titre", "Règlement") + END
    assert (await read_token(CONTENT_TYPE, receiver(messages_of(body)), "csrf_token", MAX_FORM_BYTES))[0] is None
    late = file_head("fichier", "plan.pdf") + b"y" * (3 * CHUNK) + CRLF + field("csrf_token", "t") + END
    assert await read_token(CONTENT_TYPE, receiver(messages_of(late)), "csrf_token", 2 * CHUNK) is None
    assert (await read_token("multipart/form-data", receiver(messages_of(body)), "csrf_token", 10))[0] is None


async def streamed(body: bytes):
    """The body in 64 KiB pieces, as a server hands a large upload to the application."""
    for start in range(0, len(body), CHUNK):
        yield body[start:start + CHUNK]


def upload_app() -> FastAPI:
    app = make_app()

    @app.post("/upload", dependencies=[body_limit(MAX_FORM_BYTES + 8 * 1024 * 1024)])
    async def upload(request: Request) -> dict:
        form = await request.form()
        document = form["fichier"]
        return {"size": document.size, "sha256": hashlib.sha256(await document.read()).hexdigest()}

    return app


async def test_a_no_js_upload_larger_than_the_form_limit_passes_with_its_token_first():
    content = b"%PDF-1.7\n" + bytes(range(256)) * ((MAX_FORM_BYTES + 2 * 1024 * 1024) // 256)
    body = field("csrf_token", token_for("session-value")) + file_head("fichier", "plan.pdf") + content + CRLF + END
    async with client(upload_app()) as http:
        answer = await http.post("/upload", content=streamed(body),
                                 headers={**session("session-value"), "Content-Type": CONTENT_TYPE})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json() == {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}


async def test_a_wrong_token_first_is_refused_and_a_token_after_a_large_file_is_refused_with_the_remedy():
    async with client(upload_app()) as http:
        wrong = await http.post("/upload", content=field("csrf_token", token_for("other")) + END,
                                headers={**session("session-value"), "Content-Type": CONTENT_TYPE})
        late = await http.post("/upload", headers={**session("session-value"), "Content-Type": CONTENT_TYPE},
                               content=streamed(file_head("fichier", "plan.pdf") + b"z" * (TOKEN_SEARCH_BYTES + CHUNK)
                                                + CRLF + field("csrf_token", token_for("session-value")) + END))
    assert wrong.status_code == 403 and wrong.json()["errors"][0]["field"] == "csrf_token"
    assert late.status_code == 413 and "csrf_token" in late.json()["detail"]
