"""Answers every service's routes share: canonical JSON with an ETag, and a period read from the query."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from shared.kernel.periods import Period, parse_period
from shared.platform.canonical import canonical_json, sha256_hex
from shared.platform.errors import FieldError, InvalidInput


def query_period(text: str) -> Period:
    """A period given as a query parameter, or a 422 naming it."""
    try:
        return parse_period(text)
    except ValueError as error:
        raise InvalidInput(str(error), errors=[FieldError("query:period", str(error))]) from None


def canonical_response(request: Request, body: Any, status_code: int = 200) -> Response:
    """JSON in canonical form (decimals as exact strings, never floats) with an ETag over its bytes; a
    request whose If-None-Match names that ETag gets 304 and no body."""
    content = canonical_json(body)
    etag = f'"{sha256_hex(content)[:32]}"'
    if status_code == 200 and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"etag": etag})
    return Response(content, status_code=status_code, media_type="application/json", headers={"etag": etag})
