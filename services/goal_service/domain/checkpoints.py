"""Checkpoints of the ledger's head, as goal_service keeps them: when one is due, and whether the stored
ledger still continues the latest one signed. Pure rules; the signing and the reads are in checkpoints.py.

A checkpoint is saved in the same transaction as the commit group it covers, in its own eventsourcing log
whose version is the position it covers: so a committed group that was due a checkpoint always has it, and
an entry more than `every` positions past the latest checkpoint was not written by goal_service.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid5

from eventsourcing.domain import DomainEvent

from services.goal_service.domain.ledger import LEDGER_NAMESPACE
from shared.platform.chain import ChainHead
from shared.platform.checkpoints import Checkpoint
from shared.platform.errors import Unavailable

CHECKPOINT_LOG_ID = uuid5(LEDGER_NAMESPACE, "activity-ledger-checkpoints")


@dataclass(frozen=True)  # as eventsourcing's own events are: the metaclass makes it one, this says so to mypy
class LedgerCheckpointSigned(DomainEvent):
    """A signed checkpoint; `originator_version` is the ledger position it covers."""

    hash: str
    tree_root: str
    every: int
    key_id: str
    signed_at: str
    signature: str
    # The Merkle tree's right edge at this position (hex, largest subtree first): unsigned, but it must fold to
    # the signed `tree_root`, so the writer resumes the tree from here after a restart instead of from zero.
    frontier: list[str]

    def checkpoint(self) -> Checkpoint:
        return Checkpoint(
            self.originator_version,
            self.hash,
            self.tree_root,
            self.every,
            self.key_id,
            self.signed_at,
            self.signature,
        )


class LedgerDiscontinued(Unavailable):
    """The stored ledger does not continue what goal_service signed or recorded: nothing more is recorded
    until it does, so no position is written twice and no tampered history is built upon."""

    title = "Ledger does not continue its signed checkpoint"


@dataclass(frozen=True)
class Cadence:
    """A checkpoint after a commit group once `every` entries, or `seconds`, have passed since the last."""

    every: int
    seconds: float

    def due(self, latest: Checkpoint | None, head: int, seconds_since_latest: float) -> bool:
        if head == 0 or (latest is not None and head <= latest.position):
            return False
        return (
            latest is None
            or head - latest.position >= self.every
            or seconds_since_latest >= self.seconds
            # The latest one promises its own `every`: the first group under a new setting renews the promise.
            or latest.every != self.every
        )


def span(first: int, last: int) -> str:
    return f"position {first}" if first == last else f"positions {first}-{last}"


def are(first: int, last: int) -> str:
    """ "position 4 is" or "positions 4-5 are"."""
    return f"{span(first, last)} {'is' if first == last else 'are'}"


def discontinuity(
    stored: ChainHead, latest: Checkpoint | None, hash_at_latest: str | None, recorded: ChainHead
) -> str | None:
    """Why the stored ledger (ending at `stored`) does not continue the latest trusted checkpoint and the head
    this process last recorded or saw, or None when it does. A head only ever grows, whoever writes it."""
    if latest is not None:
        if stored.position < latest.position:
            return f"{are(stored.position + 1, latest.position)} missing (the ledger ends at {stored.position})"
        if hash_at_latest != latest.hash:
            return (
                f"the entry at position {latest.position} is not the one its checkpoint signed (hash "
                f"{(hash_at_latest or 'none')[:16]}…, signed {latest.hash[:16]}…)"
            )
    if stored.position < recorded.position:
        missing = are(stored.position + 1, recorded.position)
        return f"{missing} missing: goal_service recorded up to {recorded.position}"
    if stored.position == recorded.position and stored.hash != recorded.hash:
        return f"the entry at position {stored.position} is not the one goal_service recorded there"
    if latest is not None and stored.position - latest.position >= latest.every:
        return (
            f"{are(latest.position + 1, stored.position)} past the checkpoint signed at {latest.position} without "
            f"one of their own, though goal_service signs at least every {latest.every} entries: it did not "
            "write them"
        )
    return None


def refusal(reason: str, checkpoint: int | None) -> LedgerDiscontinued:
    """The problem every ingest route answers: which checkpoint (position) is not continued, why, what to do."""
    at = f"its signed checkpoint at position {checkpoint}" if checkpoint else "what goal_service recorded"
    return LedgerDiscontinued(
        f"the ledger does not continue {at}: {reason}. Nothing is recorded until it does; "
        "run `perfledger ledger verify` and restore the ledger from a backup"
    )
