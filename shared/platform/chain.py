"""The hash chain over an ordered log: entry hash = SHA-256(previous entry's hash as 64 hex characters,
then the entry's canonical JSON). The first entry's previous hash is 64 zeros. Because each entry also
carries its own position, an entry altered, removed or inserted breaks the chain at that position."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.platform.canonical import GENESIS_HASH, canonical_json, sha256_hex


def entry_hash(previous_hash: str, entry: Mapping[str, Any]) -> str:
    return sha256_hex(previous_hash.encode("ascii") + canonical_json(entry))


@dataclass(frozen=True)
class ChainedEntry:
    position: int  # where the store keeps it
    entry: Mapping[str, Any]  # what it says, including the position it claims
    hash: str  # the hash stored with it


@dataclass(frozen=True)
class ChainBreak:
    position: int
    reason: str


@dataclass(frozen=True)
class ChainHead:
    position: int
    hash: str


def verify_chain(
    entries: Iterable[ChainedEntry], start: ChainHead = ChainHead(0, GENESIS_HASH)
) -> ChainHead | ChainBreak:
    """Walk entries in stored order from `start`; the head they reach, or the first position that breaks."""
    head = start
    for item in entries:
        if broken := link_break(head, item):
            return broken
        head = ChainHead(item.position, item.hash)
    return head


def link_break(head: ChainHead, item: ChainedEntry) -> ChainBreak | None:
    """Why `item` does not continue the chain at `head`, or None when it does."""
    expected = head.position + 1
    if item.position != expected:
        return ChainBreak(expected, f"entry {expected} is missing (next stored is {item.position})")
    if item.entry.get("position") != item.position:
        return ChainBreak(expected, f"entry claims position {item.entry.get('position')}")
    if entry_hash(head.hash, item.entry) != item.hash:
        return ChainBreak(expected, "content does not match its hash")
    return None
