"""The rules behind ledger checkpoints, by worked example: when one is due, when the stored ledger no longer
continues the latest, and what an audit reports, by position, against a chain and its checkpoints."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.goal_service.domain.audit import Claim, audit_ledger
from services.goal_service.domain.checkpoints import Cadence, discontinuity
from services.goal_service.domain.ledger import EventIdentity
from shared.platform.canonical import GENESIS_HASH
from shared.platform.chain import ChainedEntry, ChainHead, entry_hash
from shared.platform.checkpoints import Checkpoint, CheckpointKeys, public_key, signed_prefix
from shared.platform.signing import Signer

SIGNER = Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
KEYS = CheckpointKeys([public_key(SIGNER.public()["public_key"])])


TREE_ROOT = "00" * 32  # these rules read the chain hashes; the tree's roots are tested with the ledger's writer


def chain(count: int, amount: str = "1") -> list[ChainedEntry]:
    entries, previous = [], GENESIS_HASH
    for position in range(1, count + 1):
        entry = {"position": position, "source": "crm://t", "id": f"e-{position}", "data": {"amount": amount}}
        previous = entry_hash(previous, entry)
        entries.append(ChainedEntry(position, entry, previous))
    return entries


def signed(entry: ChainedEntry, every: int = 1) -> Checkpoint:
    return Checkpoint.signed(
        SIGNER,
        position=entry.position,
        hash=entry.hash,
        tree_root=TREE_ROOT,
        every=every,
        signed_at="2026-10-05T03:00:00.000000Z",
    )


def claims(entries: list[ChainedEntry]) -> list[Claim]:
    return [
        Claim(EventIdentity.create_id(e.entry["source"], e.entry["id"]), e.entry["source"], e.entry["id"], e.position)
        for e in entries
    ]


def audit(entries, checkpoints, found_claims=None):
    by_position = {e.position: (e.entry["source"], e.entry["id"]) for e in entries}
    return audit_ledger(
        entries,
        [("database", c) for c in checkpoints],
        KEYS,
        claims(entries) if found_claims is None else found_claims,
        by_position.get,
    )


def test_a_checkpoint_is_due_after_every_so_many_entries_or_seconds_or_a_new_promise():
    cadence = Cadence(every=100, seconds=1.0)
    at_100 = Checkpoint(100, "h", "r", 100, "k", "t", "s")
    assert cadence.due(None, head=1, seconds_since_latest=0)  # the first group of a ledger
    assert not cadence.due(None, head=0, seconds_since_latest=9)  # nothing to sign
    assert not cadence.due(at_100, head=199, seconds_since_latest=0.5)
    assert cadence.due(at_100, head=200, seconds_since_latest=0.5)
    assert cadence.due(at_100, head=101, seconds_since_latest=1.0)
    assert not cadence.due(at_100, head=100, seconds_since_latest=60)  # the head did not move
    assert Cadence(every=1, seconds=1.0).due(at_100, head=101, seconds_since_latest=0)  # it promised 100, now 1


def test_the_stored_head_continues_a_checkpoint_only_from_its_position_with_its_hash_within_its_promise():
    entries = chain(5)
    at_3 = signed(entries[2], every=3)
    head = ChainHead(5, entries[4].hash)
    assert discontinuity(head, at_3, entries[2].hash, recorded=head) is None
    assert "positions 3-5 are missing" in discontinuity(ChainHead(2, entries[1].hash), signed(entries[4]), None, head)
    assert "is not the one its checkpoint signed" in discontinuity(head, at_3, "f" * 64, recorded=head)
    assert "position 5 is missing" in discontinuity(ChainHead(4, entries[3].hash), None, None, recorded=head)
    assert "not the one goal_service recorded" in discontinuity(ChainHead(5, "f" * 64), None, None, recorded=head)
    # two entries past a checkpoint that promised another within three: fine; three: not written by the signer
    assert discontinuity(head, at_3, entries[2].hash, recorded=ChainHead(3, entries[2].hash)) is None
    unsigned = discontinuity(head, signed(entries[1], every=3), entries[1].hash, recorded=ChainHead(2, entries[1].hash))
    assert "positions 3-5 are past the checkpoint signed at 2" in unsigned


def test_an_untouched_ledger_audits_clean_up_to_its_head():
    entries = chain(6)
    result = audit(entries, [signed(entries[2]), signed(entries[5])])
    assert result.findings == []
    assert result.head == ChainHead(6, entries[5].hash) and result.latest.position == 6


def test_a_rewrite_is_placed_between_the_last_checkpoint_that_agrees_and_the_first_that_does_not():
    genuine = chain(9)
    checkpoints = [signed(genuine[i], every=3) for i in (2, 5, 8)]  # at 3, 6 and 9
    rewritten = genuine[:4] + chain(9, amount="2")[4:]  # entries 5-9 changed
    previous = rewritten[3].hash
    for index in range(4, 9):  # and their hashes recomputed: the chain itself verifies
        previous = entry_hash(previous, rewritten[index].entry)
        rewritten[index] = ChainedEntry(index + 1, rewritten[index].entry, previous)
    (finding,) = audit(rewritten, checkpoints).findings
    assert finding.kind == "ALTERED"
    assert finding.line.startswith("ALTERED within positions 4-6: the ledger's hash at 6 is ")
    assert finding.line.endswith("(the one at 3 agrees); so do the 1 later ones up to 9")


def test_a_deleted_tail_a_forged_tail_and_a_foreign_checkpoint_are_each_named():
    entries = chain(5)
    assert audit(entries[:3], [signed(entries[4])], claims(entries[:3])).lines() == [
        "MISSING positions 4-5: the checkpoint signed at position 5 covers them, but the ledger ends at 3"
    ]
    (unsigned,) = audit(entries, [signed(entries[3], every=1)]).findings
    assert unsigned.line.startswith("UNSIGNED position 5: past the latest signed checkpoint (4)")
    stranger = Signer(Ed25519PrivateKey.from_private_bytes(bytes(32)))
    foreign = Checkpoint.signed(stranger, position=5, hash=entries[4].hash, tree_root=TREE_ROOT, every=1, signed_at="t")
    (refused,) = audit(entries, [signed(entries[4]), foreign]).findings
    assert refused.line.startswith("CHECKPOINT at position 5 (database) is not goal_service's: it is signed by key")


def test_claims_that_point_elsewhere_and_entries_without_a_claim_are_named():
    entries = chain(3)
    found = claims(entries)
    found[0] = Claim(found[0].identity_id, "crm://t", "e-1", 3)  # e-1's claim now points at e-3's position
    assert audit(entries, [signed(entries[2])], found[:2]).lines() == [
        "UNCLAIMED position 1: event 'e-1' from 'crm://t' has no identity claim that points at it",
        "CLAIM of event 'e-1' from 'crm://t' points at position 3, which holds event 'e-3' from 'crm://t'",
        "UNCLAIMED position 3: event 'e-3' from 'crm://t' has no identity claim that points at it",
    ]


def test_a_page_short_of_the_latest_checkpoint_is_absorbed_up_to_the_newest_checkpoint_inside_it():
    entries = chain(6)
    at_4, latest = signed(entries[3]), signed(entries[5])
    assert [e.position for e in signed_prefix(entries[:5], at_4, latest)] == [1, 2, 3, 4]
    assert signed_prefix(entries, at_4, latest) == entries  # it reaches the latest: whole
    assert signed_prefix(entries[4:5], at_4, latest) == entries[4:5]  # no checkpoint inside: the next one must do
    assert signed_prefix(entries[:5], None, latest) == entries[:5]
