"""alert_service's own event-sourced state. Warning rules keep every version; a warning keeps every
transition with who and why, and refuses a move its state does not allow; the watch records the business
clock and which warning is open for each rule, subject and period, so a restart neither repeats nor skips a
judgement; subscriptions say where warnings are delivered.

Events keep the JSON form they were first recorded in (the same names and attributes), so a store written
by an earlier version still replays; the aggregates read that JSON back into the domain's types."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from pydantic import TypeAdapter

from services.alert_service.domain.clock import BusinessTime
from services.alert_service.domain.definitions import AnyWarningRule, WarningRuleDefinition
from services.alert_service.domain.diagnosis import Diagnosis
from services.alert_service.domain.errors import WarningAlreadyResolved
from services.alert_service.domain.facts import Subject, Verdict
from services.alert_service.domain.lifecycle import (
    ActionPlan,
    JudgedAt,
    RuleRef,
    Transition,
    WarningState,
    refused_move,
)
from shared.kernel.rule_versions import VersionedRule
from shared.platform.canonical import canonical_json

NAMESPACE = uuid5(NAMESPACE_URL, "https://perfledger.example/alerts")
DEFINITION: TypeAdapter[AnyWarningRule] = TypeAdapter(WarningRuleDefinition)


def recorded(value: Any) -> Any:
    """Decimals and dates as canonical JSON writes them, so recorded events hold no floats."""
    return json.loads(canonical_json(value))


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


@dataclass(frozen=True)
class RuleInForce:
    """A warning rule's version in force on a day, its definition read back from what HR recorded."""

    ref: RuleRef
    definition: AnyWarningRule


class WarningRule(VersionedRule):
    """One warning rule; version n is its n-th definition, never changed. Any definition HR may record
    (checked by its model) can follow any other, so a new version refuses nothing."""

    @staticmethod
    def create_id(rule_id: str) -> UUID:
        return uuid5(NAMESPACE, f"rule:{rule_id}")

    @event("Defined")
    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        self.versions: list[dict[str, Any]] = []

    def in_force_on(self, day: date) -> RuleInForce | None:
        version = self.in_force(day.isoformat())
        if version is None:
            return None
        definition = DEFINITION.validate_python(version["definition"])
        return RuleInForce(RuleRef(self.rule_id, version["version"], definition.kind), definition)


class PerformanceWarning(Aggregate):
    """One warning about one subject, for one rule and period: raised with its evidence and diagnosis, then
    taken through its lifecycle by people, or auto-resolved when its condition clears. It refuses a move
    its state does not allow, whoever asks."""

    @staticmethod
    def create_id(key: str, occurrence: int) -> UUID:
        return uuid5(NAMESPACE, f"warning:{key}:{occurrence}")

    @classmethod
    def raise_for(cls, key: str, occurrence: int, rule: RuleRef, verdict: Verdict, at: JudgedAt) -> PerformanceWarning:
        """The `occurrence`-th warning for `key`: what `verdict` found, judged by `rule` at `at`."""
        return cls(
            key,
            occurrence,
            rule.to_json(),
            {"kind": verdict.subject.kind, "id": verdict.subject.id},
            verdict.period,
            at.to_json(),
            recorded(verdict.evidence),
            recorded(verdict.diagnosis.to_json()) if verdict.diagnosis else {},
        )

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
        self.rule = RuleRef.from_json(rule)
        self.subject = Subject(subject["kind"], subject["id"])
        self.period = period
        self.raised = JudgedAt.from_json(raised)
        self.evidence = evidence  # the figures as judged, written as every answer writes them
        self.diagnosis = Diagnosis.from_json(diagnosis) if diagnosis else None
        self.state = WarningState.OPEN
        self.action: ActionPlan | None = None
        self.history: list[Transition] = []

    # --- a person's moves --------------------------------------------------------------------------------

    def acknowledge(self, actor: str, reason: str | None, at: str) -> None:
        self._allow(WarningState.ACKNOWLEDGED)
        self._acknowledged(actor=actor, reason=reason, at=at)

    def plan_action(self, plan: ActionPlan, actor: str, reason: str | None, at: str) -> None:
        """Plan (or, once planned, re-plan) what is done about it."""
        self._allow(WarningState.ACTION_PLANNED)
        self._action_planned(actor=actor, reason=reason, at=at, action=plan.to_json())

    def resolve(self, actor: str, reason: str | None, at: str) -> None:
        self._allow(WarningState.RESOLVED)
        self._resolved(actor=actor, reason=reason, at=at)

    def _allow(self, to: WarningState) -> None:
        refused = refused_move(self.state, to)
        if refused is not None:
            raise refused

    # --- the watcher's -----------------------------------------------------------------------------------

    def auto_resolve(self, cleared: JudgedAt, evidence: dict[str, Any]) -> None:
        """The condition cleared, as judged at `cleared`, with these figures."""
        if not self.state.active:
            raise WarningAlreadyResolved(f"warning {self.id} is {self.state.replace('_', ' ')} already")
        self._auto_resolved(cleared=cleared.to_json(), evidence=recorded(evidence))

    # --- the events, as recorded -------------------------------------------------------------------------

    @event("Acknowledged")
    def _acknowledged(self, actor: str, reason: str | None, at: str) -> None:
        self._moved(Transition(self.state, WarningState.ACKNOWLEDGED, actor, reason, at))

    @event("ActionPlanned")
    def _action_planned(self, actor: str, reason: str | None, at: str, action: dict[str, Any]) -> None:
        self.action = ActionPlan.from_json(action)
        self._moved(Transition(self.state, WarningState.ACTION_PLANNED, actor, reason, at, action=self.action))

    @event("Resolved")
    def _resolved(self, actor: str, reason: str | None, at: str) -> None:
        self._moved(Transition(self.state, WarningState.RESOLVED, actor, reason, at))

    @event("AutoResolved")
    def _auto_resolved(self, cleared: dict[str, Any], evidence: dict[str, Any]) -> None:
        self._moved(
            Transition(
                self.state,
                WarningState.AUTO_RESOLVED,
                "alert_service",
                "the condition cleared",
                cleared=JudgedAt.from_json(cleared),
                evidence=evidence,
            )
        )

    def _moved(self, transition: Transition) -> None:
        self.history.append(transition)
        self.state = transition.to_state


class Watch(Aggregate):
    """The business time the ledger has been judged to, and the warning open per key with how many times
    each key has warned (a warning's id is its key and occurrence). How far the ledger and scoring_service's
    log have been read is not kept here but in the event store's tracking rows, with the judgements made
    (AlertApplication.judged_position)."""

    waiting_for: dict[str, Any] | None = None  # also for snapshots and events from before the clock could wait
    # Before the tracking rows held them, the watch kept how far it had read the ledger and scoring_service's
    # log; events and snapshots recorded then still carry them, read once to carry them over to the rows.
    position = 0
    scores_position = 0

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "watch")

    @event("Started")
    def __init__(self) -> None:
        self.clock: str | None = None  # the business day the latest recorded activity occurred on
        self.judged_through: str | None = None  # the last business day judged
        self.open: dict[str, str] = {}  # key -> warning id
        self.occurrences: dict[str, int] = {}

    def business_time(self) -> BusinessTime:
        return BusinessTime.from_json(self.clock, self.judged_through, self.waiting_for)

    def move_to(self, time: BusinessTime) -> None:
        """Record the business time the watcher has reached, when it moved."""
        if time.to_json() != (self.clock, self.judged_through, self.waiting_for):
            self._clock_moved(*time.to_json())

    @event("ClockMoved")
    def _clock_moved(self, clock: str | None, judged_through: str | None, waiting_for: dict[str, Any] | None) -> None:
        self.clock, self.judged_through = clock, judged_through
        self.waiting_for = waiting_for  # {day, calendar_years, detail, since_position} or None

    def keep(self, opened: dict[str, str], closed: list[str]) -> None:
        """Record the warnings a judgement raised (key -> id) and the keys it cleared, when there are any."""
        if opened or closed:
            self._judged(opened=opened, closed=closed)

    @event("Judged")
    def _judged(self, opened: dict[str, str], closed: list[str]) -> None:
        self._track(opened, closed)

    @event("Closed")
    def close(self, key: str) -> None:
        """A person resolved the warning open for `key`: the next finding that holds raises a new one."""
        self.open.pop(key, None)

    def _track(self, opened: dict[str, str], closed: list[str]) -> None:
        for key, warning_id in opened.items():
            self.open[key] = warning_id
            self.occurrences[key] = self.occurrences.get(key, 0) + 1
        for key in closed:
            self.open.pop(key, None)

    # --- events recorded before the tracking rows: replayed, never recorded now ---------------------------

    @event("Advanced")
    def _advanced(
        self,
        position: int,
        clock: str | None,
        judged_through: str | None,
        opened: dict[str, str],
        closed: list[str],
        waiting_for: dict[str, Any] | None = None,
    ) -> None:
        self.position, self.clock, self.judged_through = position, clock, judged_through
        self.waiting_for = waiting_for
        self._track(opened, closed)

    @event("ScoresJudged")
    def _scores_judged(self, scores_position: int, opened: dict[str, str], closed: list[str]) -> None:
        self.scores_position = scores_position
        self._track(opened, closed)


@dataclass(frozen=True)
class SubscriptionChange:
    change: str  # "registered" or "disabled"
    actor: str
    at: str


class Subscription(Aggregate):
    """A URL an admin registered to receive warnings, signed with its own Standard Webhooks secret. Once
    disabled it stays so: disabling it again changes nothing."""

    @staticmethod
    def create_id(subscription_id: str) -> UUID:
        return uuid5(NAMESPACE, f"subscription:{subscription_id}")

    @event("Registered")
    def __init__(self, subscription_id: str, url: str, events: list[str], secret: str, actor: str, at: str) -> None:
        self.subscription_id = subscription_id
        self.url = url
        self.events = events  # the event types it asked for; all when empty
        self.secret = secret
        self.active = True
        self.history = [SubscriptionChange("registered", actor, at)]

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.events or event_type in self.events)

    def disable(self, actor: str, at: str) -> None:
        if self.active:
            self._disabled(actor=actor, at=at)

    @event("Disabled")
    def _disabled(self, actor: str, at: str) -> None:
        self.active = False
        self.history.append(SubscriptionChange("disabled", actor, at))
