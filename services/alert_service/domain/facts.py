"""What the warning rules read about one closed business day, as the ledger knew it at one position: the
credits summed over the spans they compare, the organisation, the goals and the working-day calendar; and
what they answer: a verdict per subject judged, naming the entries behind it when a warning needs them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, Protocol

from services.alert_service.domain.diagnosis import CONVERSIONS, INPUTS, Diagnosis, diagnose
from shared.kernel.goals import Goal, Goals
from shared.kernel.metrics.asks import Ask, Shape, summed
from shared.kernel.metrics.catalogue import measures_needed
from shared.kernel.metrics.figures import Credit, by_rep, owned
from shared.kernel.organisation import Organisation
from shared.kernel.pace import GoalStanding, WorkingDays, goal_standing
from shared.kernel.workdays import WorkingCalendar

VISIT_LOOKBACK_DAYS = 100  # covers the longest allowed "no visits" span (60 working days) with holidays
RECENT_DAYS = 14  # how far back the last day with visits is looked for first
MEASURES_READ = (
    "revenue_won",
    "payments_collected",
    "deals_won",
    "deals_lost",
    "visits",
    "calls",
    "leads_created",
    "leads_converted",
    "proposals_submitted",
    "proposals_accepted",
    "new_customers",
    "renewals",
    "renewal_revenue",
    "customers_churned",
)
DIAGNOSED = frozenset({*INPUTS, *(m for rate in CONVERSIONS for m in measures_needed(rate))})


@dataclass(frozen=True)
class Subject:
    kind: str  # "rep" or "unit"
    id: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Verdict:
    subject: Subject
    period: str
    holds: bool
    figures: dict[str, Any] = field(default_factory=dict)
    explain: Callable[[], Diagnosis] | None = None  # the diagnosis, worked out only if a warning is raised
    # The ledger entries behind the figures, looked up only when a warning is raised or cleared: judging reads
    # sums, which name no entries.
    locate: Callable[[], dict[str, Any]] | None = None

    @cached_property
    def diagnosis(self) -> Diagnosis | None:
        return self.explain() if self.explain else None

    @cached_property
    def evidence(self) -> dict[str, Any]:
        """The figures as judged, with the entries behind them."""
        return {**self.figures, **self.locate()} if self.locate else self.figures


class Ledger(Protocol):
    """The credited contributions as known at one position."""

    def sums(self, asks: Sequence[Ask]) -> list[list[Credit]]:
        """What each ask sums (shared.kernel.metrics.asks)."""
        ...

    def contributions(
        self, measures: Iterable[str], first: date, last: date, reps: Collection[str] | None = None
    ) -> list[Credit]:
        """The contributions themselves, each naming its ledger entry, to `measures` from first to last."""
        ...


@dataclass(frozen=True)
class Recalled:
    """A ledger from its contributions held in memory, summed as the day sums sum them: what the rules' tests
    give them, and the fold the day sums must equal."""

    credits: Sequence[Credit]

    def sums(self, asks: Sequence[Ask]) -> list[list[Credit]]:
        return [summed(ask, self.credits) for ask in asks]

    def contributions(
        self, measures: Iterable[str], first: date, last: date, reps: Collection[str] | None = None
    ) -> list[Credit]:
        wanted = set(measures)
        return [
            c
            for c in self.credits
            if c.measure in wanted and first <= c.day <= last and (reps is None or c.rep_id in reps)
        ]


@dataclass(frozen=True)
class Day:
    """What the ledger says about one closed business day, as known at `known_at`. The rules read sums: each
    rep's credits over the spans a rule compares (a week, a period so far), never the contributions one by
    one, but for the entries a warning names."""

    day: date
    known_at: int
    ledger: Ledger
    organisation: Organisation
    calendar: WorkingCalendar
    goals: Goals

    def per_rep(
        self, measures: Iterable[str], first: date, cuts: Iterable[date] | None = ()
    ) -> dict[str, list[Credit]]:
        """Each rep's credits to `measures` from `first` to the day, summed over the spans from `first` and from
        each cut (each day with `cuts` None), and from each day someone moved, so that a span counts for the
        units of its first day."""
        spans = None if cuts is None else tuple(sorted({*cuts, *self.organisation.moves()}))
        return by_rep(self._read(Ask(frozenset(measures), first, self.day, Shape(reps=True), cuts=spans)))

    def standing(self, goal: Goal, days: WorkingDays, entries: bool = False) -> GoalStanding:
        """A goal's standing on the day, from its owner's sums; with `entries`, from the contributions
        themselves, whose positions its evidence names."""
        measures, first = measures_needed(goal.metric), goal.period.first_day
        reps = {goal.owner_id} if goal.owner_kind == "rep" else self._members(goal.owner_id, first)
        if entries:
            credits = self.ledger.contributions(measures, first, self.day, reps)
        else:
            summed = self.per_rep(measures, first)
            credits = [c for rep in sorted(reps) for c in summed.get(rep, ())]
        return goal_standing(goal, credits, self.organisation, self.calendar, self.day, days=days)

    def last_day_with(self, measure: str, first: date) -> dict[str, date]:
        """The last day from `first` to the day on which each rep's `measure` came to more than nothing, for the
        reps it did: read over the last fortnight first, and further back only for those it found nothing for."""
        recent = max(first, self.day - timedelta(days=RECENT_DAYS))
        found = _last_days(self.per_rep((measure,), recent, cuts=None))
        earlier = frozenset(r for r in self.reps() if r not in found)
        if earlier and recent > first:
            ask = Ask(frozenset({measure}), first, recent - timedelta(days=1), Shape(reps=True), reps=earlier)
            found |= _last_days(by_rep(self._read(ask)))
        return found

    def entries(self, measures: tuple[str, ...], first: date, last: date, rep_id: str) -> list[Credit]:
        """A rep's contributions to `measures` from first to last, read for every rep at once: the warnings of a
        day name the entries of the same few spans (the last visits, the month), each for many reps."""
        key = (measures, first, last)
        if key not in self._entries:
            self._entries[key] = by_rep(self.ledger.contributions(measures, first, last))
        return self._entries[key].get(rep_id, [])

    def reps(self, on: date | None = None) -> list[str]:
        return sorted(r for members in self._teams(on or self.day).values() for r in members)

    def team_of(self, rep_id: str, on: date | None = None) -> list[str]:
        on = on or self.day
        unit = self.organisation.unit_of(rep_id, on)
        return self._teams(on).get(unit, []) if unit is not None else []

    def diagnosis(self, subject: Subject, first: date, last: date, span: str) -> Diagnosis:
        """The subject against its peers (a rep's team; a unit against the company) over [first, last]."""
        if subject.kind == "rep":
            peers = self.team_of(subject.id)
            reps = frozenset({subject.id, *peers})  # a team's reps ask alike
            credits = self._read(Ask(DIAGNOSED, first, last, Shape(reps=True), reps=reps, cuts=()))
            mine = [c for c in credits if c.rep_id == subject.id]
            theirs = [c for c in credits if c.rep_id in peers]
            return diagnose(subject.id, span, mine, 1, theirs, len(peers))
        window = self._read(Ask(DIAGNOSED, first, last, Shape(reps=True), cuts=self.organisation.moves()))
        members = [
            r
            for r in self.reps()
            if self.organisation.within(self.organisation.unit_of(r, self.day), subject.id, self.day)
        ]
        mine = owned(window, self.organisation, "unit", subject.id)
        return diagnose(subject.id, span, mine, len(members), window, len(self.reps()))

    def _members(self, unit_id: str, first: date) -> set[str]:
        return {m.rep_id for m in self.organisation.members_within(unit_id, first, self.day)}

    def _read(self, ask: Ask) -> list[Credit]:
        """An ask's credits, read once a day: the rules, and the diagnoses of a team's reps, ask alike."""
        if ask not in self._sums:
            (self._sums[ask],) = self.ledger.sums([ask])
        return self._sums[ask]

    @cached_property
    def _sums(self) -> dict[Ask, list[Credit]]:
        return {}

    @cached_property
    def _entries(self) -> dict[tuple[tuple[str, ...], date, date], dict[str, list[Credit]]]:
        return {}

    @cached_property
    def _team_cache(self) -> dict[date, dict[str, list[str]]]:
        return {}

    def _teams(self, on: date) -> dict[str, list[str]]:
        """The reps in each unit on a day, by unit, each list sorted."""
        if on not in self._team_cache:
            teams: dict[str, list[str]] = {}
            for rep_id in sorted(self.organisation.reps):
                if (unit := self.organisation.unit_of(rep_id, on)) is not None:
                    teams.setdefault(unit, []).append(rep_id)
            self._team_cache[on] = teams
        return self._team_cache[on]


def _last_days(by_rep: dict[str, list[Credit]]) -> dict[str, date]:
    """Per rep, the last day whose credits come to more than nothing."""
    found = {}
    for rep_id, credits in by_rep.items():
        per_day: dict[date, Decimal] = defaultdict(Decimal)
        for c in credits:
            per_day[c.day] += c.value
        if days := [d for d, total in per_day.items() if total > 0]:
            found[rep_id] = max(days)
    return found


def positions(credits: Iterable[Credit]) -> list[int]:
    return sorted({c.position for c in credits})
