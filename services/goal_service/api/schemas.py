"""Response bodies of goal_service's ledger routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.goal_service.domain.ledger import RecordedEvent


class RecordedEventOut(BaseModel):
    source: str
    id: str
    type: str
    position: int
    duplicate: bool

    @classmethod
    def of(cls, recorded: RecordedEvent) -> RecordedEventOut:
        return cls(
            source=recorded.source,
            id=recorded.id,
            type=recorded.type,
            position=recorded.position,
            duplicate=recorded.duplicate,
        )


class BatchReceipt(BaseModel):
    recorded: int
    duplicates: int
    events: list[RecordedEventOut]


class LedgerHeadOut(BaseModel):
    position: int
    hash: str


class LedgerEntryOut(BaseModel):
    position: int
    hash: str
    entry: dict[str, Any]


class LedgerPage(BaseModel):
    previous_hash: str  # the hash of position `after`: where this page's chain continues from
    events: list[LedgerEntryOut]
    head: LedgerHeadOut


class RejectedLine(BaseModel):
    line: int
    reason: str


class ImportReport(BaseModel):
    lines: int
    recorded: int
    duplicates: int
    rejected: list[RejectedLine]
