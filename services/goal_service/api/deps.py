"""Dependencies shared by goal_service's routes."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from services.goal_service.application import LedgerApplication
from services.goal_service.ingest import GroupCommitWriter
from shared.auth import Principal, Role, allow
from shared.canonical import canonical_json, sha256_hex
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


async def rules_known_at(request: Request, known_at: int | None) -> int:
    """The position a rule read answers as known at: the one asked for, but never past what the rule
    projection holds, so an answer names the position it really reflects."""
    projected = (await asyncio.to_thread(request.app.state.projections.runners["rules"].tracked)).position
    return projected if known_at is None else min(known_at, projected)


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
