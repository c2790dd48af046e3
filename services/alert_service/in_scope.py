"""Warnings as people read and act on them: each caller sees and moves only the warnings in their scope (a
rep their own; a manager their subtree's; hr and admin all), judged on the organisation as the ledger
views hold it now. Outside scope is the same 404 as none at all."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from services.alert_service.application import AlertApplication, WarningEvent
from services.alert_service.domain.aggregates import PerformanceWarning
from services.alert_service.domain.errors import WarningNotFound
from services.alert_service.domain.lifecycle import ActionPlan, WarningState
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.organisation import Organisation
from shared.kernel.scope import may_see
from shared.platform.auth import Principal
from shared.platform.canonical import timestamp_now

FEED_PAGE = 200


@dataclass(frozen=True)
class WarningCriteria:
    """Which warnings a list asks for; None asks for any."""

    states: frozenset[WarningState] | None = None
    rule: str | None = None
    subject: str | None = None
    period: str | None = None

    def match(self, warning: PerformanceWarning) -> bool:
        return (
            (self.states is None or warning.state in self.states)
            and self.rule in (None, warning.rule.id)
            and self.subject in (None, warning.subject.id)
            and self.period in (None, warning.period)
        )


def visible(principal: Principal, organisation: Organisation, warning: PerformanceWarning) -> bool:
    """In scope on the day it was raised."""
    subject = warning.subject
    return may_see(principal, organisation, subject.kind, subject.id, (warning.raised.day,))


class WarningsInScope:
    def __init__(self, app: AlertApplication, rulebook: RuleBook):
        self.app = app
        self.rulebook = rulebook

    def listing(self, principal: Principal, criteria: WarningCriteria) -> list[PerformanceWarning]:
        """Newest raised first."""
        organisation = self.rulebook.organisation()
        found = [w for w in self.app.warnings() if criteria.match(w) and visible(principal, organisation, w)]
        return sorted(found, key=lambda w: (-w.raised.position, str(w.id)))

    def read(self, principal: Principal, warning_id: UUID) -> PerformanceWarning:
        warning = self.app.warning(warning_id)
        if warning is None or not visible(principal, self.rulebook.organisation(), warning):
            raise WarningNotFound(f"no warning {warning_id}")
        return warning

    def acknowledge(self, principal: Principal, warning_id: UUID, reason: str | None) -> PerformanceWarning:
        self.read(principal, warning_id)
        return self.app.acknowledge(warning_id, principal.actor, reason, timestamp_now())

    def plan_action(
        self, principal: Principal, warning_id: UUID, plan: ActionPlan, reason: str | None
    ) -> PerformanceWarning:
        self.read(principal, warning_id)
        return self.app.plan_action(warning_id, plan, principal.actor, reason, timestamp_now())

    def resolve(self, principal: Principal, warning_id: UUID, reason: str | None) -> PerformanceWarning:
        self.read(principal, warning_id)
        return self.app.resolve(warning_id, principal.actor, reason, timestamp_now())

    def events_after(self, principal: Principal, after: int) -> tuple[int, list[WarningEvent]]:
        """The next warning events after a notification id that the caller may see, and the id read up to
        (beyond `after` whenever any event was read, seen or not)."""
        events = self.app.warning_events(after, FEED_PAGE)
        if not events:
            return after, []
        organisation = self.rulebook.organisation()
        return events[-1].notification_id, [e for e in events if visible(principal, organisation, e.warning)]
