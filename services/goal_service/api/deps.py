"""Dependencies shared by goal_service's routes."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from services.goal_service.application import LedgerApplication
from services.goal_service.ingest import GroupCommitWriter
from shared.kernel.goals import Goals
from shared.kernel.organisation import Organisation
from shared.kernel.workdays import WorkingCalendar
from shared.platform.auth import Principal, Role, allow
from shared.platform.canonical import INT64_MAX
from shared.platform.errors import PayloadTooLarge


async def get_ledger(request: Request) -> LedgerApplication:
    return request.app.state.ledger


async def get_writer(request: Request) -> GroupCommitWriter:
    return request.app.state.writer


async def ledger_open(request: Request) -> None:
    """Refuse before anything of the request is kept while the ledger does not continue its signed
    checkpoint. Only then is it checked again here (the writer checks before every commit group), so that
    a ledger restored from a backup opens again without a restart."""
    ledger = request.app.state.ledger
    if ledger.checkpoints is not None and ledger.checkpoints.refused is not None:
        await asyncio.to_thread(ledger.continuing_head)  # LedgerDiscontinued while it still does not


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


LedgerDep = Annotated[LedgerApplication, Depends(get_ledger)]
WriterDep = Annotated[GroupCommitWriter, Depends(get_writer)]
Editor = Annotated[Principal, Depends(allow(Role.HR, Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(allow(*Role))]
KnownAt = Annotated[int | None, Query(ge=0, le=INT64_MAX, description="Answer as known at this ledger position.")]
LedgerReader = Annotated[Principal, Depends(allow(Role.SERVICE, Role.AUDITOR, Role.ADMIN))]
Importer = Annotated[Principal, Depends(allow(Role.SERVICE, Role.ADMIN))]
LedgerOpen = Depends(ledger_open)
