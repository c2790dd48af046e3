"""The ledger's Merkle tree (RFC 9162), kept as a projection of the ledger: every complete, aligned subtree's
hash, one row each (about two per entry), from which any entry's inclusion proof and any two sizes'
consistency proof are read in one query. A leaf is an entry's chain hash (shared.platform.checkpoints), so the
tree is a pure function of the ledger, and rebuilding it from zero gives the same rows; the checkpoints the
writer signs carry the same tree's root, which the proofs read here verify against."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    delete,
    insert,
    select,
)
from sqlalchemy.orm import Session

from shared.platform.chain import ChainedEntry
from shared.platform.checkpoints import ledger_leaf
from shared.platform.merkle import Frontier, Node, TreeView, with_stored_nodes

metadata = MetaData()
ledger_tree = Table(
    "ledger_tree",
    metadata,
    Column("level", SmallInteger, primary_key=True),
    Column("idx", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
)
T = TypeVar("T")
NODES_PER_QUERY = 500  # a proof reads about 2 log2(n) nodes: a page of proofs, a few thousand


def stored_nodes(connection: Connection | Session, nodes: Iterable[Node]) -> dict[Node, bytes]:
    """The stored hashes of these subtrees, read level by level."""
    by_level: dict[int, list[int]] = {}
    for level, index in nodes:
        by_level.setdefault(level, []).append(index)
    found: dict[Node, bytes] = {}
    t = ledger_tree.c
    for level, indexes in by_level.items():
        for start in range(0, len(indexes), NODES_PER_QUERY):
            chunk = indexes[start : start + NODES_PER_QUERY]
            rows = connection.execute(select(t.idx, t.hash).where(t.level == level, t.idx.in_(chunk)))
            found.update({(level, index): bytes(h) for index, h in rows})
    return found


def on_stored_tree(connection: Connection, size: int, compute: Callable[[TreeView], T]) -> T:
    """`compute` over the tree of the ledger's first `size` entries; LookupError when the projection is behind."""
    return with_stored_nodes(size, lambda wanted: stored_nodes(connection, wanted), compute)


class LedgerTreeProjection:
    name = "ledger_tree"

    def apply(self, session: Session, entries: Sequence[ChainedEntry]) -> None:
        if not entries:
            return
        size = entries[0].position - 1  # positions count from 1, leaves from 0
        edge = Frontier.edge(size)
        held: Mapping[Node, bytes] = stored_nodes(session, edge) if edge else {}
        frontier = Frontier(size, [held[node] for node in edge])
        rows = [
            {"level": level, "idx": index, "hash": h}
            for entry in entries
            for level, index, h in frontier.append(ledger_leaf(entry.hash))
        ]
        session.execute(insert(ledger_tree), rows)

    def reset(self, session: Session) -> None:
        session.execute(delete(ledger_tree))
