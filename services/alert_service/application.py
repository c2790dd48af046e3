"""alert_service's eventsourcing application: commands that load aggregates, change them and save them
in one transaction (holding the writing lock), and queries that return them. The aggregates refuse what
their state does not allow; the application refuses what only the store can tell (an id taken, none)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from services.alert_service.domain.aggregates import (
    Catalogue,
    PerformanceWarning,
    RuleInForce,
    Subscription,
    WarningRule,
    Watch,
)
from services.alert_service.domain.errors import SubscriptionExists, SubscriptionNotFound, WarningRuleNotFound
from services.alert_service.domain.judgement import Finding
from services.alert_service.domain.lifecycle import ActionPlan, JudgedAt, WarningEventType
from shared.platform.application import ServiceApplication

EVENT_TYPES = {  # a warning's event, by its name in the store
    "Raised": WarningEventType.RAISED,
    "Acknowledged": WarningEventType.ACKNOWLEDGED,
    "ActionPlanned": WarningEventType.ACTION_PLANNED,
    "Resolved": WarningEventType.RESOLVED,
    "AutoResolved": WarningEventType.AUTO_RESOLVED,
}
WARNING_TOPICS = tuple(
    f"{PerformanceWarning.__module__}:{PerformanceWarning.__qualname__}.{name}" for name in EVENT_TYPES
)


@dataclass(frozen=True)
class WarningEvent:
    """A warning event as the feed and the deliveries send it: its id in the store, its type, and the
    warning as that event left it."""

    notification_id: int
    type: WarningEventType
    warning: PerformanceWarning


class AlertApplication(ServiceApplication):
    snapshotting_intervals = {Watch: 200}  # noqa: RUF012 - eventsourcing reads this class attribute

    def catalogue(self) -> Catalogue:
        found: Catalogue | None = self.find(Catalogue)
        return found or Catalogue()

    def watch(self) -> Watch:
        found: Watch | None = self.find(Watch)
        return found or Watch()

    # --- rules ---------------------------------------------------------------------------------------------

    def define_rule(
        self, rule_id: str, definition: dict[str, Any], effective_from: str, actor: str, reason: str | None, at: str
    ) -> WarningRule:
        with self.writing:
            rule: WarningRule | None = self.find(WarningRule, rule_id)
            changed: list[Aggregate] = []
            if rule is None:
                rule, catalogue = WarningRule(rule_id), self.catalogue()
                catalogue.add_rule(rule_id)
                changed.append(catalogue)
            rule.add_version(definition, effective_from, actor, reason, at)
            self.save(rule, *changed)
            return rule

    def rule(self, rule_id: str) -> WarningRule:
        rule: WarningRule | None = self.find(WarningRule, rule_id)
        if rule is None:
            raise WarningRuleNotFound(f"no warning rule {rule_id}")
        return rule

    def rules(self) -> list[WarningRule]:
        return [self.repository.get(WarningRule.create_id(r)) for r in sorted(self.catalogue().rules)]

    def rules_in_force(self, day: date, kinds: Container[str]) -> list[RuleInForce]:
        """The enabled versions in force on a day of the rules of these kinds."""
        found = [rule.in_force_on(day) for rule in self.rules()]
        return [r for r in found if r is not None and r.definition.enabled and r.ref.kind in kinds]

    # --- judging the ledger --------------------------------------------------------------------------------

    def record_judgement(
        self,
        position: int,
        clock: str | None,
        judged_through: str | None,
        at: JudgedAt | None,
        findings: Sequence[Finding],
        waiting_for: dict[str, Any] | None = None,
    ) -> None:
        """Apply the findings about one business day (or one void) judged `at`, in one transaction with the
        watch's advance to `position`; `waiting_for`, the day judging waits at and why, if it does."""
        with self.writing:
            watch = self.watch()
            changed, opened, closed = self._apply(watch, findings, at) if at else ([], {}, [])
            watch.advance(position, clock, judged_through, opened, closed, waiting_for)
            self.save(watch, *changed)

    def record_score_judgement(self, event_id: int, at: JudgedAt, findings: Sequence[Finding]) -> None:
        """Apply the findings about a sealed appraisal (scoring_service's event `event_id`), in one
        transaction with the watch's advance."""
        with self.writing:
            watch = self.watch()
            changed, opened, closed = self._apply(watch, findings, at)
            watch.judge_scores(event_id, opened, closed)
            self.save(watch, *changed)

    def _apply(
        self, watch: Watch, findings: Sequence[Finding], at: JudgedAt
    ) -> tuple[list[PerformanceWarning], dict[str, str], list[str]]:
        """A finding that holds raises a warning unless one is open for its key; one that does not hold
        auto-resolves the open one. The changed warnings, and the keys opened and closed."""
        changed: list[PerformanceWarning] = []
        opened: dict[str, str] = {}
        closed: list[str] = []
        for found in findings:
            key, verdict = found.key, found.verdict
            open_id = watch.open.get(key) or opened.get(key)
            if key in closed:
                continue
            if verdict.holds and open_id is None:
                warning = PerformanceWarning.raise_for(key, watch.occurrences.get(key, 0) + 1, found.rule, verdict, at)
                opened[key] = str(warning.id)
                changed.append(warning)
            elif not verdict.holds and open_id is not None:
                warning = self._warning(key, watch.occurrences[key])
                if warning.state.active:  # resolved by hand meanwhile: nothing left to clear
                    warning.auto_resolve(at, verdict.evidence)
                    changed.append(warning)
                closed.append(key)
        return changed, opened, closed

    def _warning(self, key: str, occurrence: int) -> PerformanceWarning:
        warning: PerformanceWarning = self.repository.get(PerformanceWarning.create_id(key, occurrence))
        return warning

    # --- the lifecycle -------------------------------------------------------------------------------------

    def warning(self, warning_id: UUID) -> PerformanceWarning | None:
        try:
            found = self.repository.get(warning_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, PerformanceWarning) else None

    def acknowledge(self, warning_id: UUID, actor: str, reason: str | None, at: str) -> PerformanceWarning:
        with self.writing:
            warning: PerformanceWarning = self.repository.get(warning_id)
            warning.acknowledge(actor, reason, at)
            self.save(warning)
            return warning

    def plan_action(
        self, warning_id: UUID, plan: ActionPlan, actor: str, reason: str | None, at: str
    ) -> PerformanceWarning:
        with self.writing:
            warning: PerformanceWarning = self.repository.get(warning_id)
            warning.plan_action(plan, actor, reason, at)
            self.save(warning)
            return warning

    def resolve(self, warning_id: UUID, actor: str, reason: str | None, at: str) -> PerformanceWarning:
        """Resolved by hand, its key is free: a condition that still holds raises a new warning."""
        with self.writing:
            warning: PerformanceWarning = self.repository.get(warning_id)
            warning.resolve(actor, reason, at)
            changed: list[Aggregate] = [warning]
            watch = self.watch()
            if watch.open.get(warning.key) == str(warning.id):
                watch.close(warning.key)
                changed.append(watch)
            self.save(*changed)
            return warning

    def warnings(self) -> list[PerformanceWarning]:
        """Every warning ever raised (the watch counts each key's occurrences)."""
        watch = self.watch()
        return [self._warning(key, n) for key, count in sorted(watch.occurrences.items()) for n in range(1, count + 1)]

    def warning_events(self, after: int, limit: int = 200) -> list[WarningEvent]:
        """Warning events recorded after a notification id, in order."""
        found = []
        for notification in self.recorder.select_notifications(after + 1, limit, topics=WARNING_TOPICS):
            event_name = notification.topic.rpartition(".")[2]
            warning = self.repository.get(notification.originator_id, version=notification.originator_version)
            found.append(WarningEvent(notification.id, EVENT_TYPES[event_name], warning))
        return found

    def last_notification_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    # --- subscriptions -------------------------------------------------------------------------------------

    def subscribe(self, subscription_id: str, url: str, events: list[str], actor: str, at: str) -> Subscription:
        """Register a URL with a new Standard Webhooks secret of its own."""
        with self.writing:
            if self.find(Subscription, subscription_id) is not None:
                raise SubscriptionExists(
                    f"subscription {subscription_id} exists; disable it and register a new one to change it"
                )
            secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
            subscription, catalogue = Subscription(subscription_id, url, events, secret, actor, at), self.catalogue()
            catalogue.add_subscription(subscription_id)
            self.save(subscription, catalogue)
            return subscription

    def subscription(self, subscription_id: str) -> Subscription:
        subscription: Subscription | None = self.find(Subscription, subscription_id)
        if subscription is None:
            raise SubscriptionNotFound(f"no subscription {subscription_id}")
        return subscription

    def subscriptions(self) -> list[Subscription]:
        return [self.repository.get(Subscription.create_id(s)) for s in self.catalogue().subscriptions]

    def unsubscribe(self, subscription_id: str, actor: str, at: str) -> Subscription:
        with self.writing:
            subscription = self.subscription(subscription_id)
            subscription.disable(actor, at)
            self.save(subscription)
            return subscription
