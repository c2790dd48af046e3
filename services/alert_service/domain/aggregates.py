"""alert_service's own event-sourced state. Warning rules keep every version; a warning keeps every
transition with who and why; the watch records how far the ledger has been judged and which warning is
open for each rule, subject and period, so a restart neither repeats nor skips a judgement; subscriptions
say where warnings are delivered."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.kernel.rule_versions import VersionedRule
from shared.platform.errors import Conflict

NAMESPACE = uuid5(NAMESPACE_URL, "https://perfledger.example/alerts")
ACTIVE = ("open", "acknowledged", "action_planned")
# state -> the states a person may move a warning to from it (auto-resolve may happen from any active state)
TRANSITIONS = {
    "open": ("acknowledged",),
    "acknowledged": ("action_planned", "resolved"),
    "action_planned": ("action_planned", "resolved"),
}


class Catalogue(Aggregate):
    """What exists, so it can be listed: every warning rule and every subscription."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "catalogue")

    @event("Created")
    def __init__(self) -> None:
        self.rules: list[str] = []
        self.subscriptions: list[str] = []

    @event("RuleAdded")
    def add_rule(self, rule_id: str) -> None:
        self.rules.append(rule_id)

    @event("SubscriptionAdded")
    def add_subscription(self, subscription_id: str) -> None:
        self.subscriptions.append(subscription_id)


class WarningRule(VersionedRule):
    """One warning rule; version n is its n-th definition, never changed."""

    @staticmethod
    def create_id(rule_id: str) -> UUID:
        return uuid5(NAMESPACE, f"rule:{rule_id}")

    @event("Defined")
    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        self.versions: list[dict[str, Any]] = []


class PerformanceWarning(Aggregate):
    """One warning about one subject, for one rule and period: raised with its evidence and diagnosis, then
    taken through its lifecycle by people, or auto-resolved when its condition clears."""

    @staticmethod
    def create_id(key: str, occurrence: int) -> UUID:
        return uuid5(NAMESPACE, f"warning:{key}:{occurrence}")

    @event("Raised")
    def __init__(
        self,
        key: str,
        occurrence: int,
        rule: dict[str, Any],
        subject: dict[str, str],
        period: str,
        raised: dict[str, Any],
        evidence: dict[str, Any],
        diagnosis: dict[str, Any],
    ) -> None:
        self.key = key
        self.occurrence = occurrence
        self.rule = rule  # id, version, kind
        self.subject = subject  # kind, id
        self.period = period
        self.raised = raised  # the business day and ledger position it was raised at
        self.evidence = evidence
        self.diagnosis = diagnosis
        self.state = "open"
        self.action: dict[str, Any] | None = None
        self.history: list[dict[str, Any]] = []

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "rule": self.rule,
            "subject": self.subject,
            "period": self.period,
            "occurrence": self.occurrence,
            "state": self.state,
            "raised": self.raised,
            "evidence": self.evidence,
            "diagnosis": self.diagnosis,
            "action": self.action,
            "history": self.history,
            "version": self.version,
        }

    def check_move(self, to: str) -> None:
        if to not in TRANSITIONS.get(self.state, ()):
            allowed = ", ".join(TRANSITIONS.get(self.state, ())) or "nothing: it is over"
            raise Conflict(f"a warning that is {self.state.replace('_', ' ')} can move to {allowed}, not {to}")

    @event("Acknowledged")
    def acknowledge(self, actor: str, reason: str | None, at: str) -> None:
        self._moved("acknowledged", {"actor": actor, "reason": reason, "at": at})

    @event("ActionPlanned")
    def plan_action(self, actor: str, reason: str | None, at: str, action: dict[str, Any]) -> None:
        self.action = action
        self._moved("action_planned", {"actor": actor, "reason": reason, "at": at, "action": action})

    @event("Resolved")
    def resolve(self, actor: str, reason: str | None, at: str) -> None:
        self._moved("resolved", {"actor": actor, "reason": reason, "at": at})

    @event("AutoResolved")
    def auto_resolve(self, cleared: dict[str, Any], evidence: dict[str, Any]) -> None:
        self._moved(
            "auto_resolved",
            {"actor": "alert_service", "reason": "the condition cleared", **cleared, "evidence": evidence},
        )

    def _moved(self, state: str, details: dict[str, Any]) -> None:
        self.history.append({"from": self.state, "to": state, **details})
        self.state = state


class Watch(Aggregate):
    """How far the ledger has been judged, the business day it has reached, and the warning open per key;
    and, while the clock waits at a day it cannot judge (its calendar year is not published), what for."""

    waiting_for = None  # read from snapshots and events recorded before the clock could wait

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "watch")

    @event("Started")
    def __init__(self) -> None:
        self.position = 0  # the ledger has been read through here
        self.clock: str | None = None  # the business day the latest recorded activity occurred on
        self.judged_through: str | None = None  # the last business day judged
        self.scores_position = 0  # scoring_service's sealed appraisals have been judged through here
        self.open: dict[str, str] = {}  # key -> warning id
        self.occurrences: dict[str, int] = {}

    @event("Advanced")
    def advance(
        self,
        position: int,
        clock: str | None,
        judged_through: str | None,
        opened: dict[str, str],
        closed: list[str],
        waiting_for: dict[str, Any] | None = None,
    ) -> None:
        self.position, self.clock, self.judged_through = position, clock, judged_through
        self.waiting_for = waiting_for  # {day, calendar_years, detail, since_position} or None
        self._track(opened, closed)

    @event("ScoresJudged")
    def judge_scores(self, scores_position: int, opened: dict[str, str], closed: list[str]) -> None:
        self.scores_position = scores_position
        self._track(opened, closed)

    @event("Closed")
    def close(self, key: str) -> None:
        self.open.pop(key, None)

    def _track(self, opened: dict[str, str], closed: list[str]) -> None:
        for key, warning_id in opened.items():
            self.open[key] = warning_id
            self.occurrences[key] = self.occurrences.get(key, 0) + 1
        for key in closed:
            self.open.pop(key, None)


class Subscription(Aggregate):
    """A URL an admin registered to receive warnings, signed with its own Standard Webhooks secret."""

    @staticmethod
    def create_id(subscription_id: str) -> UUID:
        return uuid5(NAMESPACE, f"subscription:{subscription_id}")

    @event("Registered")
    def __init__(self, subscription_id: str, url: str, events: list[str], secret: str, actor: str, at: str) -> None:
        self.subscription_id = subscription_id
        self.url = url
        self.events = events
        self.secret = secret
        self.active = True
        self.history = [{"change": "registered", "actor": actor, "at": at}]

    @event("Disabled")
    def disable(self, actor: str, at: str) -> None:
        self.active = False
        self.history.append({"change": "disabled", "actor": actor, "at": at})
