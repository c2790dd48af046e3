"""Bulk import: NDJSON of CloudEvents, streamed. Each line is recorded or refused on its own, so a bad
line never stops the good ones; re-sending a file records nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.goal_service.api.deps import ByToken, Importer, LedgerOpen, WriterDep
from services.goal_service.api.schemas import ImportReport, RejectedLine
from services.goal_service.domain.ledger import Submission
from shared.kernel.events.envelope import validate_event
from shared.platform.errors import DomainError, PayloadTooLarge
from shared.platform.json_input import decode_json

router = APIRouter(prefix="/v1/imports", tags=["imports"], dependencies=[LedgerOpen, ByToken])

LINES_PER_COMMIT = 1000
MAX_REJECTED_SHOWN = 100
MAX_LINE_BYTES = 1024 * 1024


def describe(error: DomainError) -> str:
    if not error.errors:
        return error.detail
    return "; ".join(f"{e.pointer or '/'}: {e.detail}" for e in error.errors)


async def numbered_lines(request: Request, first_line: int) -> AsyncIterator[tuple[int, bytes]]:
    number, pending = first_line, b""
    async for chunk in request.stream():
        pending += chunk
        *complete, pending = pending.split(b"\n")
        if len(pending) > MAX_LINE_BYTES:
            raise PayloadTooLarge(f"line {number + len(complete)} is longer than {MAX_LINE_BYTES} bytes")
        for line in complete:
            yield number, line
            number += 1
    if pending:
        yield number, pending


@router.post(
    "",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {"schema": {"type": "string", "description": "one CloudEvent per line"}}
            },
        }
    },
)
async def import_events(
    request: Request,
    writer: WriterDep,
    _: Importer,
    first_line: Annotated[int, Query(ge=1, description="The number of the body's first line in its file.")] = 1,
) -> ImportReport:
    """Record a stream of CloudEvents, one per line. Answers how many lines were recorded, were already
    recorded (duplicates), and were refused (`rejected_total`), with the first refused lines' numbers and
    reasons (`rejected`, at most 100: a file of bad lines costs its count, not a reason each)."""
    report = ImportReport(lines=0, recorded=0, duplicates=0, rejected_total=0, rejected=[])
    lines: list[tuple[int, bytes]] = []

    def reject(number: int, error: DomainError) -> None:
        report.rejected_total += 1
        if len(report.rejected) < MAX_REJECTED_SHOWN:
            report.rejected.append(RejectedLine(line=number, reason=describe(error)))

    async def record() -> None:
        # Parsing a thousand lines takes tens of milliseconds: off the event loop, which other requests share.
        pending, refused = await asyncio.to_thread(parsed, lines)
        lines.clear()
        for number, error in refused:
            reject(number, error)
        outcomes = await writer.submit([submission for _, submission in pending]) if pending else []
        for (number, _), outcome in zip(pending, outcomes, strict=True):
            if outcome.error:
                reject(number, outcome.error)
            elif outcome.recorded[0].duplicate:
                report.duplicates += 1
            else:
                report.recorded += 1

    async for number, line in numbered_lines(request, first_line):
        if not line.strip():
            continue
        report.lines += 1
        lines.append((number, line))
        if len(lines) >= LINES_PER_COMMIT:
            await record()
    if lines:
        await record()
    return report


def parsed(lines: list[tuple[int, bytes]]) -> tuple[list[tuple[int, Submission]], list[tuple[int, DomainError]]]:
    """Each numbered line as a submission, or the reason it is refused."""
    pending, refused = [], []
    for number, line in lines:
        try:
            pending.append((number, Submission([validate_event(decode_json(line, what="the line"), [])], [[]])))
        except DomainError as error:
            refused.append((number, error))
    return pending, refused
