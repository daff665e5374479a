"""The CSRF token of a multipart form, read from the start of the body as it streams in.

A form with a file (a DCE document, a justification) sent without JavaScript carries its token
in the `csrf_token` field, not in a header. Reading the whole body to find it would hold the
file in memory and cap every no-JS upload at the form limit; the layout's forms put the token
first, so only the parts before it are read (python-multipart's streaming parser, the one
Starlette uses), and the messages read are replayed to the application, which still streams
the file from its first byte.
"""

from __future__ import annotations

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import Message, Receive

MAX_TOKEN_BYTES = 512  # an HMAC in base64 is 43 characters; anything longer is not a token
# How far into the body the token is looked for: the forms put it first, and this stays under the
# smallest multipart limit a route may have before routing (BodyLimitMiddleware's class default).
TOKEN_SEARCH_BYTES = 256 * 1024


class _TokenFinder:
    """Callbacks of the streaming parser: the value of the part named `name`, once complete."""

    def __init__(self, boundary: bytes, name: str) -> None:
        self.name = name.encode()
        self.token: str | None = None
        self.done = False
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._part_name: bytes | None = None
        self._value = bytearray()
        self.parser = MultipartParser(boundary, callbacks={
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._header_field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        })

    def _part_begin(self) -> None:
        self._part_name = None
        self._value.clear()

    def _header_end(self) -> None:
        if bytes(self._header_field).lower() == b"content-disposition":
            _, options = parse_options_header(bytes(self._header_value))
            self._part_name = options.get(b"name")
        self._header_field.clear()
        self._header_value.clear()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_name == self.name and len(self._value) <= MAX_TOKEN_BYTES:
            self._value.extend(data[start:end])

    def _part_end(self) -> None:
        if self._part_name == self.name and self.token is None:
            self.token = bytes(self._value).decode("utf-8", "replace") if len(self._value) <= MAX_TOKEN_BYTES else ""
            self.done = True

    def _end(self) -> None:
        self.done = True


def boundary_of(content_type: str) -> bytes | None:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        return None
    return options.get(b"boundary") or None


async def read_token(content_type: str, receive: Receive, field: str, limit: int) -> tuple[str | None, list[Message]] | None:
    """Read messages until the part named `field` is complete (or the body ends): its value
    (None if the form has no such part, or is not a multipart form) and the messages read, to
    be replayed. None when `limit` bytes were read without reaching the token."""
    boundary = boundary_of(content_type)
    read: list[Message] = []
    if boundary is None:
        return None, read
    finder = _TokenFinder(boundary, field)
    size = 0
    while not finder.done:
        message = await receive()
        read.append(message)
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        try:
            finder.parser.write(chunk)
        except Exception:  # noqa: BLE001 - a malformed body has no usable token; the app refuses it too
            return None, read
        if finder.done:
            break
        if size > limit:
            return None
        if not message.get("more_body", False):
            break
    return finder.token, read


def replaying(read: list[Message], receive: Receive) -> Receive:
    """A receive that gives back the messages already read, then the rest of the body."""
    pending = list(read)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
