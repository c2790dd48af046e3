"""The ledger application on each store: a process that starts cold (nothing cached) still answers
re-deliveries of older events with their original positions, and a group mixing old and new events
records only the new."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.goal_service.application import LedgerApplication
from services.goal_service.domain.ledger import Submission
from services.goal_service.settings import SERVICE_NAME
from shared.kernel.events.envelope import IncomingEvent
from shared.platform.eventstore import eventsourcing_env


def visit(n: int, customer: str = "c-1") -> Submission:
    event = IncomingEvent(
        "crm://app",
        f"v-{n}",
        "visit.completed",
        datetime(2026, 10, 5, tzinfo=UTC),
        None,
        {"rep_id": "r-1", "customer_id": customer},
    )
    return Submission([event], [[]])


@pytest.fixture
def open_ledger(goal_settings):
    opened: list[LedgerApplication] = []

    def open_() -> LedgerApplication:
        opened.append(LedgerApplication(eventsourcing_env(goal_settings, SERVICE_NAME)))
        return opened[-1]

    yield open_
    for app in opened:
        app.close()


def test_a_cold_process_answers_old_redeliveries_with_their_first_position(open_ledger):
    first = open_ledger()
    first.record([visit(1), visit(2)])
    first.close()
    cold = open_ledger()
    outcomes = cold.record([visit(3), visit(2), visit(4)])
    assert [(o.recorded[0].position, o.recorded[0].duplicate) for o in outcomes] == [(3, False), (2, True), (4, False)]
    assert cold.head().position == 4


def test_a_cold_process_still_sees_a_conflict_with_an_old_event(open_ledger):
    open_ledger().record([visit(1)])
    (outcome,) = open_ledger().record([visit(1, customer="someone else")])
    assert outcome.error is not None and "position 1" in outcome.error.detail


def test_a_correction_of_an_activity_recorded_by_another_process_is_accepted(open_ledger):
    open_ledger().record([visit(1)])
    void = IncomingEvent(
        "crm://app",
        "void-1",
        "activity.voided",
        datetime(2026, 10, 6, tzinfo=UTC),
        None,
        {"target": {"source": "crm://app", "id": "v-1"}, "reason": "duplicate visit"},
    )
    (outcome,) = open_ledger().record([Submission([void], [[]])])
    assert outcome.error is None and outcome.recorded[0].position == 2
