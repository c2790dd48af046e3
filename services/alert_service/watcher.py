"""Judging the followed ledger in order: the watcher reads the contributions recorded since it last
stopped, moves the business clock with them, and judges each business day once it is over (as known just
before the entry that ended it) and each voided deal at its own position. Every judgement is saved with the
watch's new position in one transaction, so a restart resumes exactly where the last save left off.

A day the rules cannot judge, because a calendar year they need is not published as known then, is never
skipped: the clock's judging waits at it (the watch says which years it waits for) while the clock itself
goes on with the ledger, and the days from it up to the clock are judged at the position where a calendar
is published, as known there. Replaying the same ledger waits and judges at the same positions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from pydantic import TypeAdapter
from sqlalchemy import select

from services.alert_service.application import AlertApplication
from services.alert_service.domain.definitions import RuleDefinition, WarningRuleDefinition
from services.alert_service.domain.evaluation import DAY_RULES, ONGOING, VoidedDeal, large_deal_voided, window_start
from services.alert_service.domain.facts import MEASURES_READ, Day, Verdict
from shared.kernel.ledger_views.queries import load_credits
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.ledger_views.tables import contributions, rule_entries
from shared.kernel.periods import day_start, local_day
from shared.kernel.workdays import CalendarYearMissing
from shared.platform.projection import Projections

log = structlog.get_logger("alert_service")
POSITIONS_PER_READ = 1000
MOST_DAYS_JUDGED_AT_ONCE = 31  # a clock that jumps further judges only the last month of days it skipped
DEFINITION = TypeAdapter(WarningRuleDefinition)
Judged = list[tuple[dict[str, Any], str, Verdict]]


@dataclass
class Clock:
    """The watch's business time while a page of the ledger is judged."""

    clock: date | None  # the business day of the latest activity
    through: date | None  # the last business day judged
    waiting_for: dict[str, Any] | None  # the day judging waits at, and the calendar years it waits for

    def days(self) -> tuple[str | None, str | None]:
        return (self.clock.isoformat() if self.clock else None, self.through.isoformat() if self.through else None)


def warning_key(rule: dict[str, Any], verdict: Verdict, *more: object) -> str:
    """What one active warning stands for: the rule and subject, the period (not for streak rules, which
    run across periods), and whatever else tells two apart (a voided deal's position)."""
    parts = [rule["id"], verdict.subject.key, *([] if rule["kind"] in ONGOING else [verdict.period])]
    return "|".join([*parts, *map(str, more)])


class Watcher:
    def __init__(self, app: AlertApplication, projections: Projections, zone: ZoneInfo):
        self.app = app
        self.projections = projections
        self.rulebook = RuleBook(projections.engine)
        self.zone = zone

    def rules_in_force(self, day: date, kinds: Container[str]) -> list[tuple[dict[str, Any], RuleDefinition]]:
        """The enabled versions in force on a day of the rules of these kinds, each with its reference."""
        found = []
        for rule in self.app.rules():
            version = rule.in_force(day.isoformat())
            definition = DEFINITION.validate_python(version["definition"]) if version else None
            if definition is not None and definition.enabled and definition.kind in kinds:
                found.append(({"id": rule.rule_id, "version": version["version"], "kind": definition.kind}, definition))
        return found

    def facts(self, day: date, known_at: int, definitions: Sequence[RuleDefinition]) -> Day:
        first = window_start(definitions, day)
        credits = load_credits(
            self.projections.engine,
            MEASURES_READ,
            day_start(first, self.zone),
            day_start(day + timedelta(days=1), self.zone),
            known_at,
            self.zone,
        )
        return Day(
            day,
            known_at,
            credits,
            self.rulebook.organisation(known_at),
            self.rulebook.calendar(known_at),
            self.rulebook.goals(known_at),
        )

    def judge_day(self, day: date, known_at: int) -> Judged:
        """Every rule in force on the day, as known at `known_at`. CalendarYearMissing when one needs a
        calendar year not published there: then the day cannot be judged yet, and none of it counts."""
        rules = self.rules_in_force(day, DAY_RULES)
        if not rules:
            return []
        facts = self.facts(day, known_at, [d for _, d in rules])
        judged: Judged = []
        for ref, definition in rules:
            judged += [
                (ref, warning_key(ref, verdict), verdict) for verdict in DAY_RULES[definition.kind](definition, facts)
            ]
        return judged

    def judge_days(self, state: Clock, first: date, last: date, known_at: int, saved_at: int) -> None:
        """Judge first..last in order as known at `known_at`, each saved with the watch at `saved_at` (a
        position not yet read through, so a restart judges what is left the same way), until a day cannot
        be judged: judging then waits at it."""
        day = first
        while day <= last:
            try:
                judged = self.judge_day(day, known_at)
            except CalendarYearMissing as missing:
                waited = state.waiting_for or {}
                state.waiting_for = {
                    "day": day.isoformat(),
                    "calendar_years": list(missing.years),
                    "detail": missing.detail,
                    "since_position": waited.get("since_position", known_at),
                }
                log.warning("judging waits for a calendar", day=day.isoformat(), years=list(missing.years))
                return
            state.through = day
            if state.waiting_for is not None:  # catching up after a wait: a restart resumes from the next day
                state.waiting_for = {**state.waiting_for, "day": (day + timedelta(days=1)).isoformat()}
            clock, through = state.days()
            self.app.record_judgement(saved_at, clock, through, day.isoformat(), judged, state.waiting_for, known_at)
            day += timedelta(days=1)
        state.waiting_for = None

    def judge_void(self, void: VoidedDeal, clock: date) -> Judged:
        rules = self.rules_in_force(clock, ("large_deal_voided",))
        if not rules:
            return []
        facts = self.facts(clock, void.position, [d for _, d in rules])
        return [
            (ref, warning_key(ref, v, void.position), v)
            for ref, definition in rules
            for v in large_deal_voided(definition, void, facts)  # type: ignore[arg-type]
        ]

    # --- reading the ledger in order ---------------------------------------------------------------------

    def _read(self, after: int, upto: int) -> dict[int, list[Any]]:
        c = contributions.c
        query = (
            select(
                c.position, c.activity_source, c.activity_id, c.measure, c.rep_id, c.occurred_at, c.value, c.currency
            )
            .where(c.position > after, c.position <= upto)
            .order_by(c.position, c.id)
        )
        by_position: dict[int, list[Any]] = defaultdict(list)
        with self.projections.engine.connect() as connection:
            for row in connection.execute(query):
                by_position[row.position].append(row)
        return by_position

    def _calendars_published(self, after: int, upto: int) -> set[int]:
        """The positions in (after, upto] that publish a calendar year: where a waiting clock tries again."""
        r = rule_entries.c
        query = select(r.position).where(r.position > after, r.position <= upto, r.type == "calendar.year.published")
        with self.projections.engine.connect() as connection:
            return set(connection.execute(query).scalars())

    def _voids(self, position: int, rows: list[Any]) -> list[VoidedDeal]:
        """Deals whose won count drops by one at this position: voided here."""
        deals: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for row in rows:
            deals[(row.activity_source, row.activity_id)].append(row)
        found = []
        for (source, activity_id), deal_rows in sorted(deals.items()):
            won = sum((Decimal(r.value) for r in deal_rows if r.measure == "deals_won"), Decimal(0))
            if won != -1:
                continue
            revenue = [r for r in deal_rows if r.measure == "revenue_won" and Decimal(r.value) < 0]
            reversed_by_rep: dict[str, Decimal] = defaultdict(Decimal)
            for r in revenue:
                reversed_by_rep[r.rep_id] -= Decimal(r.value)
            found.append(
                VoidedDeal(
                    position,
                    {"source": source, "id": activity_id},
                    local_day(deal_rows[0].occurred_at, self.zone),
                    revenue[0].currency if revenue else None,
                    dict(reversed_by_rep),
                )
            )
        return found

    def catch_up(self) -> None:
        """Judge everything the read model holds beyond the watch's position."""
        held = self.projections.held()
        while (watch := self.app.watch()).position < held:
            upto = min(held, watch.position + POSITIONS_PER_READ)
            state = Clock(
                date.fromisoformat(watch.clock) if watch.clock else None,
                date.fromisoformat(watch.judged_through) if watch.judged_through else None,
                watch.waiting_for,
            )
            activity = self._read(watch.position, upto)
            published = self._calendars_published(watch.position, upto)
            for position in sorted(activity.keys() | published):
                if position in published and state.waiting_for and state.clock and state.through:
                    # the days waited for, up to the clock, as known where the calendar is published
                    first, last = state.through + timedelta(days=1), state.clock - timedelta(days=1)
                    self.judge_days(state, first, last, known_at=position, saved_at=position - 1)
                rows = activity.get(position)
                if not rows:
                    continue
                latest = max(local_day(r.occurred_at, self.zone) for r in rows)
                if state.clock is None or state.through is None:
                    state.clock, state.through = latest, latest - timedelta(days=1)
                elif latest > state.clock:
                    if state.waiting_for is None:
                        first = max(
                            state.through + timedelta(days=1), latest - timedelta(days=MOST_DAYS_JUDGED_AT_ONCE)
                        )
                        self.judge_days(state, first, latest - timedelta(days=1), position - 1, position - 1)
                    state.clock = latest
                for void in self._voids(position, rows):
                    judged = self.judge_void(void, state.clock)
                    if judged:
                        self.app.record_judgement(
                            position,
                            state.clock.isoformat(),
                            state.through.isoformat(),
                            state.clock.isoformat(),
                            judged,
                            state.waiting_for,
                        )
            self.app.record_judgement(upto, *state.days(), "", [], state.waiting_for)
