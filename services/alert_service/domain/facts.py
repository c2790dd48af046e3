"""What the warning rules read about one closed business day, as the ledger knew it at one position: the
credited contributions, the organisation, the goals and the working-day calendar; and what they answer:
a verdict per subject judged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.alert_service.domain.diagnosis import Diagnosis, diagnose
from shared.kernel.goals import Goals
from shared.kernel.metrics.figures import Credit, owned
from shared.kernel.organisation import Organisation
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
    diagnosis: Diagnosis | None = None


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

    def reps(self, on: date | None = None) -> list[str]:
        on = on or self.day
        return sorted(r for r in self.organisation.reps if self.organisation.unit_of(r, on) is not None)

    def team_of(self, rep_id: str, on: date | None = None) -> list[str]:
        team = self.organisation.unit_of(rep_id, on or self.day)
        return [r for r in self.reps(on) if self.organisation.unit_of(r, on or self.day) == team]

    def diagnosis(self, subject: Subject, first: date, last: date, span: str) -> Diagnosis:
        """The subject against its peers (a rep's team; a unit against the company) over [first, last]."""
        window = self.between(first, last)
        if subject.kind == "rep":
            mine = [c for c in window if c.rep_id == subject.id]
            peers = self.team_of(subject.id)
            return diagnose(subject.id, span, mine, 1, [c for c in window if c.rep_id in peers], len(peers))
        members = [
            r
            for r in self.reps()
            if self.organisation.within(self.organisation.unit_of(r, self.day), subject.id, self.day)
        ]
        mine = owned(window, self.organisation, "unit", subject.id)
        return diagnose(subject.id, span, mine, len(members), window, len(self.reps()))


def positions(credits: Iterable[Credit]) -> list[int]:
    return sorted({c.position for c in credits})
