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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select

from services.alert_service.application import AlertApplication
from services.alert_service.domain.aggregates import RuleInForce
from services.alert_service.domain.evaluation import DAY_RULES, VoidedDeal, large_deal_voided, window_start
from services.alert_service.domain.facts import MEASURES_READ, Day
from services.alert_service.domain.judgement import Finding, finding
from services.alert_service.domain.lifecycle import JudgedAt
from shared.kernel.ledger_views.queries import load_credits
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.ledger_views.tables import contributions, rule_entries
from shared.kernel.periods import day_start, local_day
from shared.kernel.workdays import CalendarYearMissing
from shared.platform.projection import Projections

log = structlog.get_logger("alert_service")
POSITIONS_PER_READ = 1000
MOST_DAYS_JUDGED_AT_ONCE = 31  # a clock that jumps further judges only the last month of days it skipped


@dataclass
class Clock:
    """The watch's business time while a page of the ledger is judged."""

    clock: date | None  # the business day of the latest activity
    through: date | None  # the last business day judged
    waiting_for: dict[str, Any] | None  # the day judging waits at, and the calendar years it waits for

    def days(self) -> tuple[str | None, str | None]:
        return (self.clock.isoformat() if self.clock else None, self.through.isoformat() if self.through else None)


@dataclass(frozen=True)
class BusinessClock:
    """How far the ledger has been judged (`position`) against what the read model holds (`held`), the
    business days reached, and what judging waits for, if anything."""

    position: int
    held: int
    clock: str | None
    judged_through: str | None
    waiting_for: dict[str, Any] | None
    scores_position: int

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "held": self.held,
            "lag": max(self.held - self.position, 0),
            "clock": self.clock,
            "judged_through": self.judged_through,
            "waiting_for": self.waiting_for,
            "scores_position": self.scores_position,
        }


class Watcher:
    def __init__(self, app: AlertApplication, projections: Projections, zone: ZoneInfo):
        self.app = app
        self.projections = projections
        self.rulebook = RuleBook(projections.engine)
        self.zone = zone

    def business_clock(self) -> BusinessClock:
        watch = self.app.watch()
        held = self.projections.held()
        return BusinessClock(
            watch.position, held, watch.clock, watch.judged_through, watch.waiting_for, watch.scores_position
        )

    def facts(self, day: date, known_at: int, rules: Sequence[RuleInForce]) -> Day:
        first = window_start([r.definition for r in rules], day)
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

    def judge_day(self, day: date, known_at: int) -> list[Finding]:
        """Every rule in force on the day, as known at `known_at`. CalendarYearMissing when one needs a
        calendar year not published there: then the day cannot be judged yet, and none of it counts."""
        rules = self.app.rules_in_force(day, DAY_RULES)
        if not rules:
            return []
        facts = self.facts(day, known_at, rules)
        return [
            finding(rule.ref, verdict) for rule in rules for verdict in DAY_RULES[rule.ref.kind](rule.definition, facts)
        ]

    def judge_days(self, state: Clock, first: date, last: date, known_at: int, saved_at: int) -> None:
        """Judge first..last in order as known at `known_at`, each saved with the watch at `saved_at` (a
        position not yet read through, so a restart judges what is left the same way), until a day cannot
        be judged: judging then waits at it."""
        day = first
        while day <= last:
            try:
                findings = self.judge_day(day, known_at)
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
            self.app.record_judgement(saved_at, clock, through, JudgedAt(day, known_at), findings, state.waiting_for)
            day += timedelta(days=1)
        state.waiting_for = None

    def judge_void(self, void: VoidedDeal, clock: date) -> list[Finding]:
        rules = self.app.rules_in_force(clock, ("large_deal_voided",))
        if not rules:
            return []
        facts = self.facts(clock, void.position, rules)
        return [
            finding(rule.ref, verdict, void.position)
            for rule in rules
            for verdict in large_deal_voided(rule.definition, void, facts)  # type: ignore[arg-type]
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
                    findings = self.judge_void(void, state.clock)
                    if findings:
                        self.app.record_judgement(
                            position,
                            state.clock.isoformat(),
                            state.through.isoformat(),
                            JudgedAt(state.clock, position),
                            findings,
                            state.waiting_for,
                        )
            self.app.record_judgement(upto, *state.days(), None, [], state.waiting_for)
