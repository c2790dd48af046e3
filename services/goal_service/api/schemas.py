"""Response bodies of goal_service's ledger routes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from services.goal_service.domain.ledger import RecordedEvent
from services.goal_service.ledger_proofs import ProvedEntry, TreeHead
from shared.platform.canonical import INT64_MAX
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
    tree_size: int
    tree_root: str
    every: int
    key_id: str
    signed_at: str
    signature: str

    @classmethod
    def of(cls, checkpoint: Checkpoint | None) -> CheckpointOut | None:
        return cls(**checkpoint.to_json()) if checkpoint else None


class TreeHeadOut(BaseModel):
    """The Merkle tree head (RFC 9162) over the ledger's first `tree_size` entries, and the checkpoint that
    signed it when one was signed at that size."""

    tree_size: int
    tree_root: str
    checkpoint: CheckpointOut | None

    @classmethod
    def of(cls, head: TreeHead) -> TreeHeadOut:
        return cls(tree_size=head.size, tree_root=head.root.hex(), checkpoint=CheckpointOut.of(head.checkpoint))


class ConsistencyOut(BaseModel):
    """RFC 9162 section 2.1.4: the tree of `old.tree_size` entries is a prefix of the tree of `new.tree_size`."""

    old: TreeHeadOut
    new: TreeHeadOut
    proof: list[str]  # hex, as `verify_consistency` in shared/platform/merkle.py reads them


class InclusionRequest(BaseModel):
    positions: list[Annotated[int, Field(ge=1, le=INT64_MAX)]] = Field(max_length=5000)
    tree_size: int | None = Field(None, ge=0, le=INT64_MAX, description="By default the latest checkpoint's.")


class ProvedEntryOut(BaseModel):
    """An entry, the chain hash before it, and its audit path: the leaf is SHA-256(0x00 || its chain hash)."""

    position: int
    hash: str
    previous_hash: str
    entry: dict[str, Any]
    proof: list[str]

    @classmethod
    def of(cls, proved: ProvedEntry) -> ProvedEntryOut:
        e = proved.entry
        return cls(
            position=e.position,
            hash=e.hash,
            previous_hash=proved.previous_hash,
            entry=dict(e.entry),
            proof=[h.hex() for h in proved.proof],
        )


class InclusionOut(BaseModel):
    tree: TreeHeadOut
    entries: list[ProvedEntryOut]


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
    rejected_total: int = Field(description="How many lines were refused.")
    rejected: list[RejectedLine] = Field(description="The first 100 refused lines, by number, with the reason.")
