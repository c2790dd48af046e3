"""Judging the followed ledger in order: the watcher reads the ledger views beyond the position it has
judged, moves the business clock with the activity recorded, and judges each business day once it is over
(as known just before the entry that ended it) and each voided deal at the void's own position. What it
judges on reading a position is saved with that position's tracking row in one transaction, so a restart
resumes exactly after the last position saved.

A day the rules cannot judge, because a calendar year they need is not published as known then, is never
skipped: the clock's judging waits at it (the watch says which years it waits for) while the clock itself
goes on with the ledger, and the days from it up to the clock are judged at the position where a calendar
is published, as known there. Replaying the same ledger waits and judges at the same positions."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import structlog

from services.alert_service.application import AlertApplication
from services.alert_service.domain.clock import BusinessClock, BusinessTime, WaitingFor
from services.alert_service.domain.definitions import LargeDealVoided
from services.alert_service.domain.evaluation import DAY_RULES, VoidedDeal, large_deal_voided
from services.alert_service.domain.facts import Day
from services.alert_service.domain.judgement import Finding, Judgement, finding
from services.alert_service.domain.lifecycle import JudgedAt
from services.alert_service.projections.reading import LedgerPage, read_page
from shared.kernel.ledger_views.queries import LedgerAt
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.workdays import CalendarYearMissing
from shared.platform.projection import Projections

log = structlog.get_logger("alert_service")
POSITIONS_PER_READ = 1000
MOST_DAYS_JUDGED_AT_ONCE = 31  # a clock that jumps further judges only the last month of days it skipped


class Watcher:
    def __init__(self, app: AlertApplication, projections: Projections, zone: ZoneInfo):
        self.app = app
        self.projections = projections
        self.rulebook = RuleBook(projections.engine)
        self.zone = zone

    def business_clock(self) -> BusinessClock:
        return BusinessClock(
            self.app.judged_position(),
            self.projections.held(),
            self.app.watch().business_time(),
            self.app.appraisals_judged(),
        )

    # --- what the rules judge ----------------------------------------------------------------------------

    def facts(self, day: date, known_at: int) -> Day:
        return Day(
            day,
            known_at,
            LedgerAt(self.projections.engine, known_at, self.zone),
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
        facts = self.facts(day, known_at)
        return [
            finding(rule.ref, verdict) for rule in rules for verdict in DAY_RULES[rule.ref.kind](rule.definition, facts)
        ]

    def judge_days(self, time: BusinessTime, first: date, last: date, known_at: int) -> list[Judgement]:
        """Judge first..last in order as known at `known_at`, moving `time` on, until a day cannot be
        judged: judging then waits at it."""
        judged: list[Judgement] = []
        day = first
        while day <= last:
            try:
                findings = self.judge_day(day, known_at)
            except CalendarYearMissing as missing:
                since = time.waiting_for.since_position if time.waiting_for else known_at
                time.waiting_for = WaitingFor(day, tuple(missing.years), missing.detail, since)
                log.warning("judging waits for a calendar", day=day.isoformat(), years=list(missing.years))
                return judged
            judged.append(Judgement(JudgedAt(day, known_at), findings))
            time.judged_through = day
            day += timedelta(days=1)
        time.waiting_for = None
        return judged

    def judge_void(self, void: VoidedDeal, clock: date) -> list[Finding]:
        rules = self.app.rules_in_force(clock, ("large_deal_voided",))
        if not rules:
            return []
        facts = self.facts(clock, void.position)
        return [
            finding(rule.ref, verdict, void.position)
            for rule in rules
            if isinstance(rule.definition, LargeDealVoided)
            for verdict in large_deal_voided(rule.definition, void, facts)
        ]

    # --- reading the ledger in order ---------------------------------------------------------------------

    def catch_up(self) -> None:
        """Judge everything the read model holds beyond the position judged."""
        held = self.projections.held()
        while (after := self.app.judged_position()) < held:
            upto = min(held, after + POSITIONS_PER_READ)
            time = self.app.watch().business_time()
            page = read_page(self.projections.engine, after, upto, self.zone)
            saved = after
            for position in page.positions():
                judgements = self._judge_position(page, position, time)
                if any(j.findings for j in judgements):
                    self.app.record_ledger_judgements(position, judgements, time)
                    saved = position
            if saved < upto:  # what was read since found nothing; reading it again would find nothing again
                self.app.record_ledger_judgements(upto, [], time)

    def _judge_position(self, page: LedgerPage, position: int, time: BusinessTime) -> list[Judgement]:
        """What reading the entry at `position` judges, moving `time` with it."""
        judged: list[Judgement] = []
        if position in page.calendars_published and time.waiting_for and time.clock and time.judged_through:
            # the days waited for, up to the clock, as known where the calendar is published
            first, last = time.judged_through + timedelta(days=1), time.clock - timedelta(days=1)
            judged += self.judge_days(time, first, last, known_at=position)
        latest = page.activity_days.get(position)
        if latest is not None:
            if time.clock is None or time.judged_through is None:
                time.clock, time.judged_through = latest, latest - timedelta(days=1)
            elif latest > time.clock:
                if time.waiting_for is None:  # the days it ends, as known just before it
                    skipped = latest - timedelta(days=MOST_DAYS_JUDGED_AT_ONCE)
                    first = max(time.judged_through + timedelta(days=1), skipped)
                    judged += self.judge_days(time, first, latest - timedelta(days=1), known_at=position - 1)
                time.clock = latest
        void = page.voided_deals.get(position)
        if void is not None and time.clock is not None:
            findings = self.judge_void(void, time.clock)
            if findings:
                judged.append(Judgement(JudgedAt(time.clock, position), findings))
        return judged
