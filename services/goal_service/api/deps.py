"""Dependencies shared by goal_service's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.goal_service.application import LedgerApplication
from services.goal_service.ingest import GroupCommitWriter
from shared.auth import Principal, Role, allow
from shared.errors import PayloadTooLarge


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


LedgerDep = Annotated[LedgerApplication, Depends(get_ledger)]
WriterDep = Annotated[GroupCommitWriter, Depends(get_writer)]
LedgerReader = Annotated[Principal, Depends(allow(Role.SERVICE, Role.AUDITOR, Role.ADMIN))]
Importer = Annotated[Principal, Depends(allow(Role.SERVICE, Role.ADMIN))]
