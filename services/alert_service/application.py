"""alert_service's eventsourcing application: commands that load aggregates, change them and save them
in one transaction (holding the writing lock), and queries that return them. The aggregates refuse what
their state does not allow; the application refuses what only the store can tell (an id taken, none)."""

from __future__ import annotations

import base64
import contextlib
import secrets
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, ProcessRecorder, Tracking

from services.alert_service.domain.aggregates import (
    Catalogue,
    PerformanceWarning,
    RuleInForce,
    Subscription,
    WarningRule,
    Watch,
)
from services.alert_service.domain.appeals import AppealEventType, AppealStep
from services.alert_service.domain.clock import BusinessTime
from services.alert_service.domain.errors import SubscriptionExists, SubscriptionNotFound, WarningRuleNotFound
from services.alert_service.domain.judgement import Judgement
from services.alert_service.domain.lifecycle import ActionPlan, WarningEventType
from services.alert_service.settings import SERVICE_NAME, AlertSettings
from shared.platform.application import ServiceApplication
from shared.platform.eventstore import encrypted, eventsourcing_env

EVENT_TYPES = {  # a warning's event, by its name in the store
    "Raised": WarningEventType.RAISED,
    "Acknowledged": WarningEventType.ACKNOWLEDGED,
    "ActionPlanned": WarningEventType.ACTION_PLANNED,
    "Resolved": WarningEventType.RESOLVED,
    "AutoResolved": WarningEventType.AUTO_RESOLVED,
}
# The logs the application follows, each with its tracking row: the position read through, saved with the
# judgements made on reading it.
LEDGER = "goal_service.ledger"
APPRAISALS = "scoring_service.appraisals"
APPEALS = "scoring_service.appeals"
WARNING_TOPICS = tuple(
    f"{PerformanceWarning.__module__}:{PerformanceWarning.__qualname__}.{name}" for name in EVENT_TYPES
)
APPEAL_TOPIC = f"{AppealStep.__module__}:{AppealStep.__qualname__}.Published"


@dataclass(frozen=True)
class WarningEvent:
    """A warning event as the feed and the deliveries send it: its id in the store, its type, and the
    warning as that event left it."""

    notification_id: int
    type: WarningEventType
    warning: PerformanceWarning


@dataclass(frozen=True)
class AppealEvent:
    """A step of an appeal as the feed and the deliveries send it: its id in this store, its type, the step."""

    notification_id: int
    type: AppealEventType
    step: AppealStep


PublishedEvent = WarningEvent | AppealEvent


@dataclass(frozen=True)
class ChangedWarning:
    """A warning as the last of its events read left it, and that event's id in the store."""

    notification_id: int
    warning: PerformanceWarning


def store_env(settings: AlertSettings) -> dict[str, str]:
    """alert_service's event store, encrypted: its subscriptions hold the secrets deliveries are signed with."""
    return encrypted(eventsourcing_env(settings, SERVICE_NAME), settings, SERVICE_NAME)


class AlertApplication(ServiceApplication):
    snapshotting_intervals = {Watch: 200}  # noqa: RUF012 - eventsourcing reads this class attribute

    def __init__(self, env: dict[str, str] | None = None):
        super().__init__(env)
        self.recorder: ProcessRecorder

    def construct_recorder(self) -> ProcessRecorder:
        """A recorder with tracking rows: the positions judged are saved with the judgements."""
        return self.factory.process_recorder()

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

    # --- judging the ledger and sealed appraisals ----------------------------------------------------------

    def judged_position(self) -> int:
        """The ledger position judged through."""
        return self.recorder.max_tracking_id(LEDGER) or 0

    def appraisals_judged(self) -> int:
        """The event id in scoring_service's log of sealed appraisals judged through."""
        return self.recorder.max_tracking_id(APPRAISALS) or 0

    def record_ledger_judgements(self, position: int, judgements: Sequence[Judgement], time: BusinessTime) -> None:
        """Apply the judgements made on reading the ledger through `position`, in order, and the business time
        reached, in one transaction with the tracking row of `position`: a restart judges from the next one."""
        with self.writing:
            watch = self.watch()
            changed: dict[UUID, PerformanceWarning] = {}
            for judgement in judgements:
                self._apply(watch, judgement, changed)
            watch.move_to(time)
            self._save_tracked(LEDGER, position, watch, *changed.values())

    def record_appraisal_judgement(self, event_id: int, judgement: Judgement) -> None:
        """Apply the judgement of a sealed appraisal, scoring_service's event `event_id`, in one transaction
        with the tracking row of that event."""
        with self.writing:
            watch = self.watch()
            changed: dict[UUID, PerformanceWarning] = {}
            self._apply(watch, judgement, changed)
            self._save_tracked(APPRAISALS, event_id, watch, *changed.values())

    def appeal_steps_followed(self) -> int:
        """The event id in scoring_service's log of appeal steps kept through."""
        return self.recorder.max_tracking_id(APPEALS) or 0

    def record_appeal_steps(self, event_id: int, steps: Sequence[AppealStep]) -> None:
        """Keep the appeal steps read from scoring_service's log through its event `event_id`, in one
        transaction with that event's tracking row: a restart reads on from the next one."""
        with self.writing:
            self._save_tracked(APPEALS, event_id, *steps)

    def _apply(self, watch: Watch, judgement: Judgement, changed: dict[UUID, PerformanceWarning]) -> None:
        """A finding that holds raises a warning unless one is open for its key; one that does not hold
        auto-resolves the open one. The watch keeps the keys opened and closed; `changed` the warnings, also
        those raised earlier in the same transaction and not yet saved."""
        opened: dict[str, str] = {}
        closed: list[str] = []
        for found in judgement.findings:
            key, verdict = found.key, found.verdict
            open_id = watch.open.get(key) or opened.get(key)
            if key in closed:
                continue
            if verdict.holds and open_id is None:
                occurrence = watch.occurrences.get(key, 0) + 1
                warning = PerformanceWarning.raise_for(key, occurrence, found.rule, verdict, judgement.at)
                opened[key] = str(warning.id)
                changed[warning.id] = warning
            elif not verdict.holds and open_id is not None:
                warning_id = PerformanceWarning.create_id(key, watch.occurrences[key])
                warning = changed.get(warning_id) or self._warning(warning_id)
                if warning.state.active:  # resolved by hand meanwhile: nothing left to clear
                    warning.auto_resolve(judgement.at, verdict.evidence)
                    changed[warning.id] = warning
                closed.append(key)
        watch.keep(opened, closed)

    def _save_tracked(self, upstream: str, position: int, *aggregates: Aggregate) -> None:
        """Save the aggregates' new events with the position read through in `upstream`'s log, atomically,
        as eventsourcing's own process applications record a notification they processed."""
        processing = ProcessingEvent[UUID](tracking=Tracking(upstream, position))
        processing.collect_events(*aggregates)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)

    def carry_over_positions(self) -> None:
        """A store written before the tracking rows kept the positions judged in the watch: carry them over,
        once, so judging resumes where it stopped rather than from the start."""
        watch: Watch | None = self.find(Watch)
        if watch is None:
            return
        with self.writing:
            for upstream, position in ((LEDGER, watch.position), (APPRAISALS, watch.scores_position)):
                if position and self.recorder.max_tracking_id(upstream) is None:
                    with contextlib.suppress(IntegrityError):  # another process carried it over first
                        self._save_tracked(upstream, position)

    def _warning(self, warning_id: UUID) -> PerformanceWarning:
        warning: PerformanceWarning = self.repository.get(warning_id)
        return warning

    # --- the lifecycle -------------------------------------------------------------------------------------

    def warning(self, warning_id: UUID) -> PerformanceWarning | None:
        try:
            found: Aggregate = self.repository.get(warning_id)
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

    def last_notification_id(self) -> int:
        """Every event up to this id is recorded: ids are given and committed one writer at a time."""
        return self.recorder.max_notification_id() or 0

    def warnings_changed(self, after: int, limit: int, upto: int | None = None) -> tuple[int, list[ChangedWarning]]:
        """The warnings that the next `limit` warning events after a notification id (up to `upto`) changed, each
        as the last of those events left it; and the id read up to (`after` when none). The events are folded
        onto each warning as it was before them, loaded only when its first event is not among them: a
        rebuild from the start loads none."""
        notifications = self.recorder.select_notifications(after + 1, limit, stop=upto, topics=WARNING_TOPICS)
        changed: dict[UUID | str, ChangedWarning] = {}
        for notification in notifications:
            key, version = notification.originator_id, notification.originator_version
            before = changed[key].warning if key in changed else None
            if before is None and version > 1:
                before = self.repository.get(key, version=version - 1)
            warning = cast(PerformanceWarning, project_aggregate(before, [self.mapper.to_domain_event(notification)]))
            changed[key] = ChangedWarning(notification.id, warning)
        return (notifications[-1].id if notifications else after), list(changed.values())

    def published_events(self, after: int, limit: int = 200) -> list[PublishedEvent]:
        """Warning events and appeal steps recorded after a notification id, in order."""
        found: list[PublishedEvent] = []
        topics = (*WARNING_TOPICS, APPEAL_TOPIC)
        for notification in self.recorder.select_notifications(after + 1, limit, topics=topics):
            if notification.topic == APPEAL_TOPIC:  # a step is its aggregate's only event
                step = cast(AppealStep, project_aggregate(None, [self.mapper.to_domain_event(notification)]))
                found.append(AppealEvent(notification.id, step.type, step))
                continue
            event_name = notification.topic.rpartition(".")[2]
            warning: PerformanceWarning = self.repository.get(
                notification.originator_id, version=notification.originator_version
            )
            found.append(WarningEvent(notification.id, EVENT_TYPES[event_name], warning))
        return found

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
