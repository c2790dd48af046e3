"""LedgerBatch, the pure decision behind every commit: positions gapless from the head, each identity once,
re-deliveries answered with their first position, refused submissions leaving no trace, the chain intact.
Checked against random interleavings of deliveries, re-deliveries, conflicts and corrections."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from services.goal_service.domain.ledger import EMPTY_HEAD, EventIdentity, LedgerBatch, Submission
from shared.kernel.events.envelope import IncomingEvent
from shared.platform.chain import ChainedEntry, verify_chain

AT = datetime(2026, 10, 5, tzinfo=UTC)


def visit(n: int, customer: str = "c") -> IncomingEvent:
    return IncomingEvent("crm://p", f"v-{n}", "visit.completed", AT, None, {"rep_id": "r", "customer_id": customer})


def void(n: int) -> IncomingEvent:
    return IncomingEvent(
        "crm://p",
        f"x-{n}",
        "activity.voided",
        AT,
        None,
        {"target": {"source": "crm://p", "id": f"v-{n}"}, "reason": "r"},
    )


event = st.one_of(
    st.integers(0, 8).map(visit),
    st.integers(0, 8).map(lambda n: visit(n, customer="other")),  # same identity, other content
    st.integers(0, 8).map(void),
)
commits = st.lists(st.lists(st.lists(event, min_size=1, max_size=3), min_size=1, max_size=4), max_size=6)


def test_worked_example():
    store: dict = {}
    batch = LedgerBatch(EMPTY_HEAD, AT, seen=store.get, find=store.get)
    first = batch.add(Submission([visit(1), visit(2)], [[0], [1]]))
    again = batch.add(Submission([visit(2)], [[]]))
    conflict = batch.add(Submission([visit(3), visit(1, customer="other")], [[0], [1]]))
    orphan = batch.add(Submission([void(7)], [[]]))
    assert [(r.position, r.duplicate) for r in first.recorded] == [(1, False), (2, False)]
    assert [(r.position, r.duplicate) for r in again.recorded] == [(2, True)]
    assert conflict.error is not None and orphan.error is not None
    assert [e.originator_version for e in batch.entries] == [1, 2]  # visit 3 went with its conflicting twin


@settings(max_examples=200, deadline=None)
@given(commits)
def test_random_commits_keep_the_ledger_invariants(groups):
    store: dict = {}
    head, entries = EMPTY_HEAD, []
    first_content: dict[str, tuple[int, str]] = {}
    for group in groups:
        batch = LedgerBatch(head, AT, seen=store.get, find=store.get)
        for events in group:
            outcome = batch.add(Submission(events, [[i] for i in range(len(events))]))
            if outcome.error:
                continue
            for incoming, recorded in zip(events, outcome.recorded, strict=True):
                known = first_content.setdefault(incoming.id, (recorded.position, incoming.content_hash))
                assert recorded.position == known[0]
                assert known[1] == incoming.content_hash
        store.update(batch.claims)  # the commit
        head, entries = batch.head, entries + batch.entries
    assert [e.originator_version for e in entries] == list(range(1, len(entries) + 1))
    assert sorted(e.entry["id"] for e in entries) == sorted(first_content)
    assert {c.position for c in store.values()} == set(range(1, len(entries) + 1))
    # Each claim is the event that creates its identity aggregate, as the store will give it back.
    identities = {identity_id: claim.mutate(None) for identity_id, claim in store.items()}
    assert all(isinstance(i, EventIdentity) and i.id == identity_id for identity_id, i in identities.items())
    assert {(i.source, i.event_id, i.position) for i in identities.values()} == {
        (c.source, c.event_id, c.position) for c in store.values()
    }
    position_of = {e.entry["id"]: e.originator_version for e in entries}
    for e in entries:
        if e.entry["type"] == "activity.voided":  # a correction only ever follows what it corrects
            assert position_of[e.entry["data"]["target"]["id"]] < e.originator_version
    assert verify_chain(ChainedEntry(e.originator_version, e.entry, e.hash) for e in entries) == head
