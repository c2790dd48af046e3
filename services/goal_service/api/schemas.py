"""Response bodies of goal_service's ledger routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.goal_service.domain.ledger import RecordedEvent
from shared.platform.checkpoints import Checkpoint, PublicKey


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


class CheckpointOut(BaseModel):
    """A signed checkpoint: Ed25519 by `key_id` over the canonical JSON of every field but `signature`."""

    kind: str
    position: int
    hash: str
    every: int
    key_id: str
    signed_at: str
    signature: str

    @classmethod
    def of(cls, checkpoint: Checkpoint | None) -> CheckpointOut | None:
        return cls(**checkpoint.to_json()) if checkpoint else None


class CheckpointKeyOut(BaseModel):
    key_id: str
    algorithm: str
    public_key: str  # base64 of the raw 32-byte Ed25519 public key

    @classmethod
    def of(cls, key: PublicKey) -> CheckpointKeyOut:
        return cls(**key.to_json())


class CheckpointListing(BaseModel):
    keys: list[CheckpointKeyOut]
    checkpoints: list[CheckpointOut]  # as the database holds them, after `after`, in position order
    latest: CheckpointOut | None  # the newest goal_service trusts, even if the database lost it


class LedgerPage(BaseModel):
    previous_hash: str  # the hash of position `after`: where this page's chain continues from
    events: list[LedgerEntryOut]
    head: LedgerHeadOut
    checkpoint: CheckpointOut | None = None  # the latest signed checkpoint, at or below `head`
    covering_checkpoint: CheckpointOut | None = None  # the newest stored one at or below this page's last entry


class RejectedLine(BaseModel):
    line: int
    reason: str


class ImportReport(BaseModel):
    lines: int
    recorded: int
    duplicates: int
    rejected: list[RejectedLine]
