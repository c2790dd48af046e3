"""Answers every service's routes share: canonical JSON with an ETag, and a period read from the query.

How a route declares its answer (one pattern for every service, so OpenAPI describes every 2xx body):

    @router.get("/v1/goals/{goal_id}", response_model=GoalOut)
    async def read_goal(request: Request, ...) -> Response:
        return canonical_response(request, GoalOut.of(goal))

- `response_model=` names the body's pydantic model; `status_code=` the status the route usually answers
  (201 for a create), and `responses={200: {"model": X, "description": ...}}` any other 2xx it may answer
  (a re-delivery). FastAPI documents the model and passes the returned Response through untouched, so the
  model is the schema and `canonical_response` alone writes the bytes: keys sorted, decimals as exact
  strings, never floats, with an ETag.
- A model is written with every field (None as null), under its aliases (`from_ = Field(alias="from")`).
  A key an answer leaves out when it has nothing to say is declared `Field(None, exclude_if=is_none)`.
- Keep the Decimal, date and int values the domain computed; the canonical form writes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from shared.kernel.periods import Period, parse_period
from shared.platform.canonical import canonical_json, sha256_hex
from shared.platform.errors import FieldError, InvalidInput

WHOLE_BYTES = 256 * 1024  # answers larger than this are sent in pieces
PIECE_BYTES = 64 * 1024


def is_none(value: object) -> bool:
    """For `Field(None, exclude_if=is_none)`: a key left out of the answer rather than written null."""
    return value is None


def query_period(text: str) -> Period:
    """A period given as a query parameter, or a 422 naming it."""
    try:
        return parse_period(text)
    except ValueError as error:
        raise InvalidInput(str(error), errors=[FieldError("query:period", str(error))]) from None


def canonical_response(request: Request, body: Any, status_code: int = 200) -> Response:
    """JSON in canonical form (decimals as exact strings, never floats) with an ETag over its bytes; a
    request whose If-None-Match names that ETag gets 304 and no body. `body` is a pydantic model (the
    route's declared response model) or plain data."""
    return Encoded.of(body).response(request, status_code)


@dataclass(frozen=True)
class Encoded:
    """An answer's canonical JSON and its ETag."""

    content: bytes
    etag: str

    @classmethod
    def of(cls, body: Any) -> Encoded:
        if isinstance(body, BaseModel):
            body = body.model_dump(by_alias=True)
        content = canonical_json(body)
        return cls(content, f'"{sha256_hex(content)[:32]}"')

    def response(self, request: Request, status_code: int = 200) -> Response:
        """The answer; 304 and no body to a request whose If-None-Match names its ETag."""
        if status_code == 200 and self.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers={"etag": self.etag})
        headers = {"etag": self.etag}
        if len(self.content) > WHOLE_BYTES:
            # Sent a piece at a time, each once the client has taken the last: written whole, a slow reader's
            # copy waits in the socket's buffer, and fifty readers of a 5 MB answer held 270 MB of them.
            headers["content-length"] = str(len(self.content))
            return StreamingResponse(self._pieces(), status_code, headers, media_type="application/json")
        return Response(self.content, status_code=status_code, media_type="application/json", headers=headers)

    async def _pieces(self) -> AsyncIterator[memoryview]:
        whole = memoryview(self.content)
        for start in range(0, len(whole), PIECE_BYTES):
            yield whole[start : start + PIECE_BYTES]
