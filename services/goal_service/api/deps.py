"""Dependencies shared by goal_service's routes."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from services.goal_service.application import LedgerApplication
from services.goal_service.domain.goals import Goals
from services.goal_service.domain.organisation import Organisation
from services.goal_service.ingest import GroupCommitWriter
from shared.auth import Principal, Role, allow
from shared.canonical import canonical_json, sha256_hex
from shared.errors import FieldError, InvalidInput, PayloadTooLarge
from shared.periods import Period, parse_period
from shared.workdays import WorkingCalendar


async def get_ledger(request: Request) -> LedgerApplication:
    return request.app.state.ledger


async def get_writer(request: Request) -> GroupCommitWriter:
    return request.app.state.writer


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it outgrows the configured limit."""
    limit = request.app.state.settings.max_body_bytes
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def rules_known_at(request: Request, known_at: int | None) -> int:
    """The position a rule read answers as known at: the one asked for, but never past what the rule
    projection holds, so an answer names the position it really reflects."""
    projected = await asyncio.to_thread(request.app.state.projections.held, ("rules",))
    return projected if known_at is None else min(known_at, projected)


async def rules_at(request: Request, position: int) -> tuple[Organisation, Goals, WorkingCalendar]:
    """The organisation, goals and working-day calendar as known at a position."""
    rulebook = request.app.state.rulebook
    organisation, goals, calendar = await asyncio.gather(
        *(asyncio.to_thread(fold, position) for fold in (rulebook.organisation, rulebook.goals, rulebook.calendar))
    )
    return organisation, goals, calendar


def today(request: Request) -> date:
    """The company's current business day."""
    return datetime.now(request.app.state.settings.zone).date()


def query_period(text: str) -> Period:
    """A period given as a query parameter, or a 422 naming it."""
    try:
        return parse_period(text)
    except ValueError as error:
        raise InvalidInput(str(error), errors=[FieldError("query:period", str(error))]) from None


LedgerDep = Annotated[LedgerApplication, Depends(get_ledger)]
WriterDep = Annotated[GroupCommitWriter, Depends(get_writer)]
Editor = Annotated[Principal, Depends(allow(Role.HR, Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(allow(*Role))]
KnownAt = Annotated[int | None, Query(ge=0, description="Answer as known at this ledger position.")]
LedgerReader = Annotated[Principal, Depends(allow(Role.SERVICE, Role.AUDITOR, Role.ADMIN))]
Importer = Annotated[Principal, Depends(allow(Role.SERVICE, Role.ADMIN))]


def canonical_response(request: Request, body: Any, status_code: int = 200) -> Response:
    """JSON in canonical form (decimals as exact strings, never floats) with an ETag over its bytes; a
    request whose If-None-Match names that ETag gets 304 and no body."""
    content = canonical_json(body)
    etag = f'"{sha256_hex(content)[:32]}"'
    if status_code == 200 and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"etag": etag})
    return Response(content, status_code=status_code, media_type="application/json", headers={"etag": etag})
