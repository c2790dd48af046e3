"""Proofs over the ledger's Merkle tree, for auditors and audit bundles: that entries are in the ledger a
checkpoint signed (inclusion), and that a later checkpoint only appended to an earlier one (consistency).
Both read the tree the `ledger_tree` projection keeps, in one query per proof page."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from services.goal_service.application import LedgerApplication
from services.goal_service.projections.ledger_tree import on_stored_tree
from shared.platform.canonical import GENESIS_HASH
from shared.platform.chain import ChainedEntry
from shared.platform.checkpoints import Checkpoint
from shared.platform.errors import InvalidInput, Unavailable
from shared.platform.merkle import TreeView
from shared.platform.projection import Projections

TREE = ("ledger_tree",)
TREE_CATCH_UP_SECONDS = 5.0
MAX_PROOFS = 5000
T = TypeVar("T")


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes
    checkpoint: Checkpoint | None  # the one signed at this size, if one was


@dataclass(frozen=True)
class ProvedEntry:
    entry: ChainedEntry
    previous_hash: str  # with the entry, recomputes its chain hash: the leaf
    proof: list[bytes]


class LedgerProofs:
    def __init__(self, ledger: LedgerApplication, projections: Projections):
        self.ledger = ledger
        self.projections = projections

    async def consistency(self, old: int, new: int | None) -> tuple[TreeHead, TreeHead, list[bytes]]:
        """The tree heads at both sizes (`new` by default the latest checkpoint's) and the proof between them."""
        new = await self._size(new)
        if not 0 <= old <= new:
            raise InvalidInput(f"`from` ({old}) must be at most `to` ({new})")
        roots, proof = await self._on_tree(
            new, lambda tree: ((tree.root(old), tree.root()), tree.consistency_proof(old))
        )
        return await self._head(old, roots[0]), await self._head(new, roots[1]), proof

    async def inclusion(self, positions: list[int], size: int | None) -> tuple[TreeHead, list[ProvedEntry]]:
        """Each entry with its previous hash and its inclusion proof in the tree of `size` entries."""
        size = await self._size(size)
        if len(positions) > MAX_PROOFS:
            raise InvalidInput(f"at most {MAX_PROOFS} positions at once, not {len(positions)}")
        if outside := [p for p in positions if not 1 <= p <= size]:
            raise InvalidInput(f"positions {outside[:5]} are not in a tree of {size} entries")
        wanted = sorted(set(positions))
        root, proofs = await self._on_tree(
            size, lambda tree: (tree.root(), [tree.inclusion_proof(p - 1) for p in wanted])
        )
        entries = await asyncio.to_thread(self._entries_with_previous, wanted)
        proved = [ProvedEntry(entries[p][0], entries[p][1], proof) for p, proof in zip(wanted, proofs, strict=True)]
        return await self._head(size, root), proved

    async def _on_tree(self, size: int, compute: Callable[[TreeView], T]) -> T:
        def read() -> T:
            with self.projections.engine.connect() as connection:
                try:
                    return on_stored_tree(connection, size, compute)
                except LookupError as missing:  # a rebuild of the tree began after `reach`
                    raise Unavailable(f"the ledger's Merkle tree is being projected again ({missing}); retry") from None

        return await asyncio.to_thread(read)

    async def _size(self, size: int | None) -> int:
        if size is None:
            latest = await asyncio.to_thread(self.ledger.latest_checkpoint)
            size = latest.position if latest else 0
        head = await asyncio.to_thread(self.ledger.head_position)
        if size > head:
            raise InvalidInput(f"the ledger holds {head} entries, not {size}")
        if await self.projections.reach(size, TREE_CATCH_UP_SECONDS, TREE) < size:
            raise Unavailable(f"the ledger's Merkle tree is not yet projected to {size} entries; retry")
        return size

    async def _head(self, size: int, root: bytes) -> TreeHead:
        found = await asyncio.to_thread(self.ledger.checkpoint_at_or_below, size)
        return TreeHead(size, root, found if found and found.position == size else None)

    def _entries_with_previous(self, positions: list[int]) -> dict[int, tuple[ChainedEntry, str]]:
        """Each entry and the chain hash before it."""
        read = self.ledger.entries_at(sorted(set(positions) | {p - 1 for p in positions if p > 1}))
        return {p: (read[p], read[p - 1].hash if p > 1 else GENESIS_HASH) for p in positions}
