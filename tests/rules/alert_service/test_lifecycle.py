"""A warning guards its own life, whoever asks: open -> acknowledged -> action planned (again, to re-plan)
-> resolved, each refused move named in the domain's words (and answered 409 by the one problem map); the
watcher auto-resolves only what is still active. A subscription disabled twice is disabled once; a pending
delivery is not sent again by hand; failed attempts back off, then dead-letter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.alert_service.domain.aggregates import PerformanceWarning, Subscription
from services.alert_service.domain.delivery import Delivery, DeliveryState, retry_after
from services.alert_service.domain.errors import (
    DeliveryStillPending,
    WarningAlreadyAcknowledged,
    WarningAlreadyResolved,
    WarningNotAcknowledged,
)
from services.alert_service.domain.facts import Subject, Verdict
from services.alert_service.domain.lifecycle import ActionKind, ActionPlan, JudgedAt, RuleRef, WarningState
from shared.platform.problems import problem_of

PLAN = ActionPlan(ActionKind.COACHING, "m-east", date(2026, 10, 30))


def raised() -> PerformanceWarning:
    verdict = Verdict(Subject("rep", "r-2"), "2026-W42", True, {"pace": "0.0000"})
    return PerformanceWarning.raise_for(
        "weekly|rep:r-2|2026-W42",
        1,
        RuleRef("weekly", 1, "weekly_goal_completion"),
        verdict,
        JudgedAt(date(2026, 10, 13), 40),
    )


def test_a_warning_moves_open_acknowledged_planned_resolved_and_says_who_and_why():
    warning = raised()
    warning.acknowledge("manager:east", "seen", "t1")
    warning.plan_action(PLAN, "manager:east", "pair on calls", "t2")
    warning.plan_action(PLAN, "manager:east", "again", "t3")
    warning.resolve("manager:east", "closed at 90%", "t4")
    assert warning.state is WarningState.RESOLVED
    assert [(t.from_state, t.to_state, t.reason) for t in warning.history] == [
        ("open", "acknowledged", "seen"),
        ("acknowledged", "action_planned", "pair on calls"),
        ("action_planned", "action_planned", "again"),
        ("action_planned", "resolved", "closed at 90%"),
    ]
    assert warning.action == PLAN


@pytest.mark.parametrize(
    ("moves", "refused", "error", "detail"),
    [
        ([], "resolve", WarningNotAcknowledged, "a warning that is open can move to acknowledged, not resolved"),
        ([], "plan", WarningNotAcknowledged, "a warning that is open can move to acknowledged, not action_planned"),
        (
            ["acknowledge"],
            "acknowledge",
            WarningAlreadyAcknowledged,
            "acknowledged can move to action_planned, resolved",
        ),
        (["acknowledge", "plan"], "acknowledge", WarningAlreadyAcknowledged, "action planned can move to"),
        (["acknowledge", "resolve"], "acknowledge", WarningAlreadyResolved, "resolved can move to nothing: it is over"),
        (["acknowledge", "resolve"], "plan", WarningAlreadyResolved, "not action_planned"),
    ],
)
def test_a_warning_refuses_a_move_its_state_does_not_allow(moves, refused, error, detail):
    warning = raised()
    act = {
        "acknowledge": lambda: warning.acknowledge("hr", None, "t"),
        "plan": lambda: warning.plan_action(PLAN, "hr", None, "t"),
        "resolve": lambda: warning.resolve("hr", "done", "t"),
    }
    for move in moves:
        act[move]()
    before = (warning.state, warning.version)
    with pytest.raises(error) as refusal:
        act[refused]()
    assert detail in refusal.value.detail and problem_of(refusal.value)["status"] == 409
    assert (warning.state, warning.version) == before  # nothing recorded


def test_the_watcher_auto_resolves_only_an_active_warning():
    warning = raised()
    warning.auto_resolve(JudgedAt(date(2026, 10, 14), 41), {"pace": "1.2000"})
    (cleared,) = warning.history
    assert (cleared.to_state, cleared.actor, cleared.cleared, cleared.evidence) == (
        "auto_resolved",
        "alert_service",
        JudgedAt(date(2026, 10, 14), 41),
        {"pace": "1.2000"},
    )
    with pytest.raises(WarningAlreadyResolved):
        warning.auto_resolve(JudgedAt(date(2026, 10, 15), 42), {})


def test_a_subscription_disabled_twice_is_disabled_once():
    subscription = Subscription("crm-bot", "https://example.com/hooks", [], "whsec_x", "admin", "t1")
    subscription.disable("admin", "t2")
    subscription.disable("admin", "t3")
    assert not subscription.active and [c.change for c in subscription.history] == ["registered", "disabled"]
    assert not subscription.wants("warning.raised")


def test_a_pending_delivery_is_not_sent_again_by_hand_and_failures_back_off_then_dead_letter():
    def delivery(state: DeliveryState) -> Delivery:
        return Delivery("msg_1_s", "s", 1, "warning.raised", state, 1, "t", 500, "answered 500", "t", None)

    with pytest.raises(DeliveryStillPending):
        delivery(DeliveryState.PENDING).check_redeliverable()
    delivery(DeliveryState.DEAD).check_redeliverable()
    delivery(DeliveryState.DELIVERED).check_redeliverable()
    first = timedelta(seconds=5)
    assert [retry_after(n, 8, first) for n in (1, 2, 3)] == [first, first * 2, first * 4]
    assert retry_after(12, 30, first) == timedelta(hours=1)  # never more than an hour apart
    assert retry_after(8, 8, first) is None  # the last attempt: dead-lettered
