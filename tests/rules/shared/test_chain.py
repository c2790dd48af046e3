"""The hash chain, by hand: each link is SHA-256 over the previous hash's hex and the canonical entry."""

from __future__ import annotations

import hashlib

from shared.platform.canonical import GENESIS_HASH
from shared.platform.chain import ChainBreak, ChainedEntry, ChainHead, entry_hash, verify_chain


def chain(*entries: dict) -> list[ChainedEntry]:
    linked, previous = [], GENESIS_HASH
    for entry in entries:
        previous = entry_hash(previous, entry)
        linked.append(ChainedEntry(entry["position"], entry, previous))
    return linked


def test_a_link_is_sha256_of_previous_hex_then_canonical_json():
    expected = hashlib.sha256(("0" * 64 + '{"position":1,"x":"a"}').encode()).hexdigest()
    assert entry_hash(GENESIS_HASH, {"x": "a", "position": 1}) == expected


def test_an_intact_chain_reaches_its_head():
    entries = chain({"position": 1, "x": "a"}, {"position": 2, "x": "b"})
    assert verify_chain(entries) == ChainHead(2, entries[-1].hash)
    assert verify_chain([]) == ChainHead(0, GENESIS_HASH)


def test_a_chain_can_be_verified_from_a_known_head():
    entries = chain({"position": 1, "x": "a"}, {"position": 2, "x": "b"})
    assert verify_chain(entries[1:], ChainHead(1, entries[0].hash)) == ChainHead(2, entries[1].hash)


def test_alteration_removal_and_insertion_break_at_their_position():
    a, b, c = chain({"position": 1, "x": "a"}, {"position": 2, "x": "b"}, {"position": 3, "x": "c"})
    altered = ChainedEntry(2, {"position": 2, "x": "B"}, b.hash)
    assert verify_chain([a, altered, c]) == ChainBreak(2, "content does not match its hash")
    assert verify_chain([a, c]).position == 2
    assert verify_chain([a, b, ChainedEntry(3, b.entry, b.hash)]) == ChainBreak(3, "entry claims position 2")
