"""alert_service's eventsourcing application: commands that load aggregates, change them and save them
in one transaction (holding the writing lock), and queries that return them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from services.alert_service.domain.aggregates import (
    ACTIVE,
    Catalogue,
    PerformanceWarning,
    Subscription,
    WarningRule,
    Watch,
)
from services.alert_service.domain.facts import Verdict
from shared.platform.application import ServiceApplication
from shared.platform.canonical import canonical_json

EVENT_TYPES = {
    "Raised": "warning.raised",
    "Acknowledged": "warning.acknowledged",
    "ActionPlanned": "warning.action_planned",
    "Resolved": "warning.resolved",
    "AutoResolved": "warning.auto_resolved",
}
WARNING_TOPICS = tuple(
    f"{PerformanceWarning.__module__}:{PerformanceWarning.__qualname__}.{name}" for name in EVENT_TYPES
)


def plain(value: Any) -> Any:
    """Decimals and dates as canonical JSON writes them, so stored events hold no floats."""
    return json.loads(canonical_json(value))


class AlertApplication(ServiceApplication):
    snapshotting_intervals = {Watch: 200}  # noqa: RUF012 - eventsourcing reads this class attribute

    def catalogue(self) -> Catalogue:
        return self.find(Catalogue) or Catalogue()

    def watch(self) -> Watch:
        return self.find(Watch) or Watch()

    # --- rules ---------------------------------------------------------------------------------------------

    def define_rule(
        self, rule_id: str, definition: dict[str, Any], effective_from: str, actor: str, reason: str | None, at: str
    ) -> WarningRule:
        with self.writing:
            rule, changed = self.find(WarningRule, rule_id), []
            if rule is None:
                rule, catalogue = WarningRule(rule_id), self.catalogue()
                catalogue.add_rule(rule_id)
                changed.append(catalogue)
            rule.add_version(definition, effective_from, actor, reason, at)
            self.save(rule, *changed)
            return rule

    def rule(self, rule_id: str) -> WarningRule | None:
        return self.find(WarningRule, rule_id)

    def rules(self) -> list[WarningRule]:
        return [self.repository.get(WarningRule.create_id(r)) for r in sorted(self.catalogue().rules)]

    # --- judging the ledger --------------------------------------------------------------------------------

    def record_judgement(
        self,
        position: int,
        clock: str | None,
        judged_through: str | None,
        on: str,
        judged: list[tuple[dict[str, Any], str, Verdict]],
        waiting_for: dict[str, Any] | None = None,
        known_at: int | None = None,
    ) -> None:
        """Apply the verdicts reached about one business day (or one void) as known at a ledger position
        (`known_at`, by default `position`), in one transaction with the watch's advance to `position`. `on`
        is the business day judged (for a void, the clock's); `judged` holds (rule, key, verdict);
        `waiting_for`, the day judging waits at and why, if it does."""
        with self.writing:
            watch = self.watch()
            at = {"day": on, "position": position if known_at is None else known_at}
            changed, opened, closed = self._apply(watch, judged, at)
            watch.advance(position, clock, judged_through, opened, closed, waiting_for)
            self.save(watch, *changed)

    def record_score_judgement(
        self, event_id: int, raised_at: dict[str, Any], judged: list[tuple[dict[str, Any], str, Verdict]]
    ) -> None:
        """Apply the verdicts about a sealed appraisal (scoring_service's event `event_id`), in one
        transaction with the watch's advance."""
        with self.writing:
            watch = self.watch()
            changed, opened, closed = self._apply(watch, judged, raised_at)
            watch.judge_scores(event_id, opened, closed)
            self.save(watch, *changed)

    def _apply(
        self, watch: Watch, judged: list[tuple[dict[str, Any], str, Verdict]], at: dict[str, Any]
    ) -> tuple[list[Any], dict[str, str], list[str]]:
        """A verdict that holds raises a warning unless one is open for its key; one that does not hold
        auto-resolves the open one. The changed warnings, and the keys opened and closed."""
        changed: list[Any] = []
        opened: dict[str, str] = {}
        closed: list[str] = []
        for rule, key, verdict in judged:
            open_id = watch.open.get(key) or opened.get(key)
            if key in closed:
                continue
            if verdict.holds and open_id is None:
                warning = PerformanceWarning(
                    key,
                    watch.occurrences.get(key, 0) + 1,
                    rule,
                    {"kind": verdict.subject.kind, "id": verdict.subject.id},
                    verdict.period,
                    at,
                    plain(verdict.evidence),
                    plain(asdict(verdict.diagnosis)) if verdict.diagnosis else {},
                )
                opened[key] = str(warning.id)
                changed.append(warning)
            elif not verdict.holds and open_id is not None:
                warning = self.repository.get(PerformanceWarning.create_id(key, watch.occurrences[key]))
                if warning.state in ACTIVE:
                    warning.auto_resolve(at, plain(verdict.evidence))
                    changed.append(warning)
                closed.append(key)
        return changed, opened, closed

    # --- the lifecycle -------------------------------------------------------------------------------------

    def warning(self, warning_id: Any) -> PerformanceWarning | None:
        try:
            return self.repository.get(warning_id)
        except (AggregateNotFoundError, ValueError):
            return None

    def move(
        self, warning_id: Any, to: str, actor: str, reason: str | None, at: str, **details: Any
    ) -> PerformanceWarning:
        with self.writing:
            warning = self.repository.get(warning_id)
            warning.check_move(to)
            if to == "acknowledged":
                warning.acknowledge(actor, reason, at)
            elif to == "action_planned":
                warning.plan_action(actor, reason, at, details["action"])
            else:
                warning.resolve(actor, reason, at)
            changed = [warning]
            if to == "resolved":
                watch = self.watch()
                if watch.open.get(warning.key) == str(warning.id):
                    watch.close(warning.key)
                    changed.append(watch)
            self.save(*changed)
            return warning

    def warnings(self) -> list[PerformanceWarning]:
        """Every warning ever raised (the watch counts each key's occurrences)."""
        watch = self.watch()
        return [
            self.repository.get(PerformanceWarning.create_id(key, n))
            for key, count in sorted(watch.occurrences.items())
            for n in range(1, count + 1)
        ]

    def warning_events(self, after: int, limit: int = 200) -> list[tuple[int, str, PerformanceWarning]]:
        """Warning events recorded after a notification id, in order: (id, type such as `warning.raised`,
        the warning as that event left it)."""
        found = []
        for notification in self.recorder.select_notifications(after + 1, limit, topics=WARNING_TOPICS):
            event_name = notification.topic.rpartition(".")[2]
            warning = self.repository.get(notification.originator_id, version=notification.originator_version)
            found.append((notification.id, EVENT_TYPES[event_name], warning))
        return found

    def last_notification_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    # --- subscriptions -------------------------------------------------------------------------------------

    def subscribe(
        self, subscription_id: str, url: str, events: list[str], secret: str, actor: str, at: str
    ) -> Subscription:
        with self.writing:
            subscription, catalogue = Subscription(subscription_id, url, events, secret, actor, at), self.catalogue()
            catalogue.add_subscription(subscription_id)
            self.save(subscription, catalogue)
            return subscription

    def subscription(self, subscription_id: str) -> Subscription | None:
        return self.find(Subscription, subscription_id)

    def subscriptions(self) -> list[Subscription]:
        return [self.repository.get(Subscription.create_id(s)) for s in self.catalogue().subscriptions]

    def unsubscribe(self, subscription_id: str, actor: str, at: str) -> Subscription:
        with self.writing:
            subscription = self.repository.get(Subscription.create_id(subscription_id))
            if subscription.active:
                subscription.disable(actor, at)
                self.save(subscription)
            return subscription
