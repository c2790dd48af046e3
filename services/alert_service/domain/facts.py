"""What the warning rules read about one closed business day, as the ledger knew it at one position: the
credited contributions, the organisation, the goals and the working-day calendar; and what they answer:
a verdict per subject judged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from services.alert_service.domain.diagnosis import Diagnosis, diagnose
from shared.kernel.goals import Goal, Goals
from shared.kernel.metrics.catalogue import measures_needed
from shared.kernel.metrics.figures import Credit, owned
from shared.kernel.organisation import Organisation
from shared.kernel.pace import GoalStanding, WorkingDays, goal_standing
from shared.kernel.workdays import WorkingCalendar

VISIT_LOOKBACK_DAYS = 100  # covers the longest allowed "no visits" span (60 working days) with holidays
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
    evidence: dict[str, Any] = field(default_factory=dict)
    explain: Callable[[], Diagnosis] | None = None  # the diagnosis, worked out only if a warning is raised

    @cached_property
    def diagnosis(self) -> Diagnosis | None:
        return self.explain() if self.explain else None


@dataclass(frozen=True)
class Day:
    """What the ledger says about one closed business day, as known at `known_at`."""

    day: date
    known_at: int
    credits: list[Credit]  # MEASURES_READ, from at least the rules' longest window up to `day`
    organisation: Organisation
    calendar: WorkingCalendar
    goals: Goals

    def between(self, first: date, last: date) -> list[Credit]:
        return [c for c in self.credits if first <= c.day <= last]

    def of_rep(self, rep_id: str, first: date, last: date) -> list[Credit]:
        """The rep's credits from first to last: what a rule asks of every rep, read from an index, since
        scanning every credit for each of a thousand reps is what made judging a day slow."""
        return [c for c in self._by_rep.get(rep_id, ()) if first <= c.day <= last]

    def of_measures(self, measures: Iterable[str]) -> list[Credit]:
        return [c for m in sorted(set(measures)) for c in self._by_measure.get(m, ())]

    def standing(self, goal: Goal, days: WorkingDays) -> GoalStanding:
        """A goal's standing on the day, from the credits to its measures alone."""
        credits = self.of_measures(measures_needed(goal.metric))
        return goal_standing(goal, credits, self.organisation, self.calendar, self.day, days=days)

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
            mine = self.of_rep(subject.id, first, last)
            theirs = [c for peer in peers for c in self.of_rep(peer, first, last)]
            return diagnose(subject.id, span, mine, 1, theirs, len(peers))
        window = self.between(first, last)
        members = [
            r
            for r in self.reps()
            if self.organisation.within(self.organisation.unit_of(r, self.day), subject.id, self.day)
        ]
        mine = owned(window, self.organisation, "unit", subject.id)
        return diagnose(subject.id, span, mine, len(members), window, len(self.reps()))

    @cached_property
    def _by_rep(self) -> dict[str, list[Credit]]:
        found: dict[str, list[Credit]] = defaultdict(list)
        for c in self.credits:
            found[c.rep_id].append(c)
        return found

    @cached_property
    def _by_measure(self) -> dict[str, list[Credit]]:
        found: dict[str, list[Credit]] = defaultdict(list)
        for c in self.credits:
            found[c.measure].append(c)
        return found

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


def positions(credits: Iterable[Credit]) -> list[int]:
    return sorted({c.position for c in credits})
