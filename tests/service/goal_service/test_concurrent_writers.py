"""Several writers on one PostgreSQL database (as several goal_service processes would be), with a follower
reading from the last position it saw: positions stay gapless, each identity is recorded once, the chain
holds, and the follower never skips an entry that committed later with a lower position."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from services.goal_service.application import LedgerApplication
from services.goal_service.domain.ledger import Submission
from services.goal_service.settings import SERVICE_NAME
from shared.kernel.events.envelope import IncomingEvent
from shared.platform.chain import ChainHead, verify_chain
from shared.platform.eventstore import eventsourcing_env

WRITERS = 4
SUBMISSIONS_PER_WRITER = 60


def shared_call(writer: int, n: int) -> IncomingEvent:
    """Every writer also delivers events its neighbours deliver: duplicates across writers."""
    return call(-1, (writer + n) % SUBMISSIONS_PER_WRITER)


def call(writer: int, n: int) -> IncomingEvent:
    return IncomingEvent(
        source="crm://concurrency",
        id=f"w{writer}-{n}",
        type="call.logged",
        occurred_at=datetime(2026, 10, 5, tzinfo=UTC),
        subject=None,
        data={"rep_id": f"r-{writer}", "customer_id": f"c-{n}"},
    )


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_concurrent_writers_never_let_a_follower_skip(goal_settings):
    env = eventsourcing_env(goal_settings, SERVICE_NAME)
    writers = [LedgerApplication(env) for _ in range(WRITERS)]  # each with its own connections and head
    follower = LedgerApplication(env)
    delivered = {
        e.id for i in range(WRITERS) for n in range(SUBMISSIONS_PER_WRITER) for e in (call(i, n), shared_call(i, n))
    }
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            for n in range(SUBMISSIONS_PER_WRITER):
                writers[index].record([Submission([call(index, n), shared_call(index, n)], [[0], [1]])])
        except BaseException as error:
            errors.append(error)

    def follow() -> None:
        after = 0
        while not done.is_set() or after < follower.head().position:
            for entry in follower.entries(after, 50):
                seen.append(entry.position)
                after = entry.position

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    reader = threading.Thread(target=follow)
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    done.set()
    reader.join(60)
    assert not errors, errors
    head = follower.head()
    assert head.position == len(delivered)
    assert seen == list(range(1, head.position + 1))
    entries = follower.entries(0, head.position)
    identities = [e.entry["id"] for e in entries]
    assert sorted(identities) == sorted(delivered)
    assert verify_chain(entries) == ChainHead(head.position, head.hash)
    for app in [*writers, follower]:
        app.close()
