"""Warnings as people read and act on them: each caller sees and moves only the warnings in their scope (a
rep their own; a manager their subtree's; hr and admin all), judged on the organisation as the ledger
views hold it now. Outside scope is the same 404 as none at all. The feed also carries the steps of appeals,
to the rep, their managers and those who see everything."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from uuid import UUID

from services.alert_service.application import AlertApplication, PublishedEvent, WarningEvent
from services.alert_service.domain.aggregates import PerformanceWarning
from services.alert_service.domain.appeals import AppealStep
from services.alert_service.domain.errors import WarningNotFound
from services.alert_service.domain.facts import Subject
from services.alert_service.domain.lifecycle import ActionPlan
from services.alert_service.projections.warning_list import (
    Cursor,
    Days,
    Scope,
    WarningCriteria,
    WarningList,
    WarningPage,
)
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.organisation import Organisation, Segment
from shared.kernel.scope import SEE_ALL, may_see
from shared.platform.auth import Principal, Role
from shared.platform.canonical import timestamp_now

FEED_PAGE = 200


def visible(principal: Principal, organisation: Organisation, warning: PerformanceWarning) -> bool:
    """In scope on the day it was raised."""
    subject = warning.subject
    return may_see(principal, organisation, subject.kind, subject.id, (warning.raised.day,))


def notified(principal: Principal, step: AppealStep) -> bool:
    """The rep who appealed, the managers of the units the step names (those scoring_service lets read the
    appeal), and whoever sees everything."""
    if principal.role in SEE_ALL:
        return True
    if principal.role is Role.MANAGER:
        return principal.scope in step.manager_units
    return principal.role is Role.REP and principal.scope == step.rep_id


def scope_of(principal: Principal, organisation: Organisation) -> Scope:
    """What `visible` lets the caller see, as the warnings table can ask it: a manager, the warnings whose
    `unit` (warning_list.unit_of) is within their subtree on the day raised, and those about the unit they
    lead; a rep, their own, and those about their team while it is theirs."""
    if principal.role in SEE_ALL:
        return Scope(everything=True)
    if principal.role is Role.MANAGER:
        root = principal.scope or ""
        led = Subject("unit", root) if root in organisation.units else None
        return Scope(subject=led, units=units_within(organisation, root))
    rep = organisation.reps.get(principal.scope or "")
    teams: dict[str, list[Days]] = defaultdict(list)
    for held in rep.units.segments() if rep else ():
        if held.value is not None:
            teams[held.value].append(Days(held.valid_from, held.valid_to))
    own = Subject("rep", principal.scope or "")
    return Scope(subject=own, units={u: tuple(d) for u, d in teams.items()}, unit_subjects_only=True)


def units_within(organisation: Organisation, root: str) -> dict[str, tuple[Days, ...]]:
    """Each unit within `root` on some day, and those days, as `Organisation.within` says day by day. The days
    before a unit exists are left open (no warning has it as its unit then), so a unit that never moved is
    within on every day, and most managers' scope is one `unit IN (...)`."""
    parents = {unit_id: unit.parents.segments() for unit_id, unit in organisation.units.items()}
    found = {}
    for unit_id, unit in organisation.units.items():
        days = merged(days_within(parents, unit_id, root, Days()))
        if days and days[0].first == unit.parents.starts:
            days[0] = Days(None, days[0].until)
        if days:
            found[unit_id] = tuple(days)
    return found


def days_within(parents: dict[str, list[Segment]], unit_id: str, root: str, window: Days) -> list[Days]:
    """The days of `window` on which `root` is `unit_id` or above it: those on which it is above its parent,
    while that is its parent. No unit is above itself on any day, so the windows shrink to nothing first."""
    if unit_id == root:
        return [window]
    found = []
    for held in parents[unit_id]:
        days = window.overlap(Days(held.valid_from, held.valid_to))
        if days is not None and held.value in parents:
            found += days_within(parents, held.value, root, days)
    return found


def merged(days: list[Days]) -> list[Days]:
    """Disjoint days, in order, with those that meet joined."""
    found: list[Days] = []
    for more in sorted(days, key=lambda d: d.first or date.min):
        if found and more.first is not None and found[-1].until == more.first:
            found[-1] = Days(found[-1].first, more.until)
        else:
            found.append(more)
    return found


class WarningsInScope:
    def __init__(self, app: AlertApplication, rulebook: RuleBook):
        self.app = app
        self.rulebook = rulebook
        # The warnings table lives beside the ledger views, in the database the rule book reads.
        self.table = WarningList(app, rulebook.engine, rulebook)

    def listing(self, principal: Principal, criteria: WarningCriteria, after: Cursor | None, limit: int) -> WarningPage:
        """Newest raised first, a page at a time, read from rows brought up to date first: a caller sees
        their own moves."""
        organisation = self.table.catch_up()
        return self.table.page(criteria, scope_of(principal, organisation), after, limit)

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

    def events_after(self, principal: Principal, after: int) -> tuple[int, list[PublishedEvent]]:
        """The next warning events and appeal steps after a notification id that the caller may see, and the
        id read up to (beyond `after` whenever any event was read, seen or not)."""
        events = self.app.published_events(after, FEED_PAGE)
        if not events:
            return after, []
        organisation = self.rulebook.organisation()

        def seen(event: PublishedEvent) -> bool:
            if isinstance(event, WarningEvent):
                return visible(principal, organisation, event.warning)
            return notified(principal, event.step)

        return events[-1].notification_id, [e for e in events if seen(e)]
