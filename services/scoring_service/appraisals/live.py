"""Live figures, as known now (or at a ledger position): every visible rep's score, rankings, one rep's
commission statement; and the ratings managers give. Computed by the same appraisal function as a seal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.scoring_service.application import ScoringApplication
from services.scoring_service.appraisals.access import may_see_rep, may_see_team
from services.scoring_service.appraisals.inputs import AppraisalInputs
from services.scoring_service.domain.appraisal import appraise, appraise_rep
from services.scoring_service.domain.errors import NoStatement, RepOutOfScope
from services.scoring_service.domain.results import Honour, RepAppraisal, TeamFigures
from services.scoring_service.domain.scoring import GivenRating
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.periods import Period
from shared.platform.auth import Principal


@dataclass(frozen=True)
class Scores:
    period: str
    known_at: int
    scores: dict[str, RepAppraisal]  # the visible reps'
    teams: dict[str, TeamFigures]  # the visible teams'
    honours: dict[str, Honour]


@dataclass(frozen=True)
class Ranked:
    rep_id: str
    team_id: str
    score: Decimal
    rank: int
    of: int
    percentile: Decimal


@dataclass(frozen=True)
class Ranking:
    period: str
    known_at: int
    scope: str  # "company", or "team" when ranked within a team
    ranking: list[Ranked]


class LiveFigures:
    def __init__(self, app: ScoringApplication, inputs: AppraisalInputs, rulebook: RuleBook):
        self.app = app
        self.inputs = inputs
        self.rulebook = rulebook

    def scores(self, period: Period, known_at: int | None, principal: Principal) -> Scores:
        position, inputs = self.inputs.as_known(period, known_at)
        result = appraise(inputs)
        organisation = self.rulebook.organisation(position)
        return Scores(
            period=period.key,
            known_at=position,
            scores={r: a for r, a in result.appraisals.items() if may_see_rep(principal, organisation, period, r)},
            teams={t: f for t, f in result.teams.items() if may_see_team(principal, organisation, period, t)},
            honours=result.honours,
        )

    def ranking(self, period: Period, team: str | None, known_at: int | None, principal: Principal) -> Ranking:
        """Reps in rank order, within the company or within one team."""
        position, inputs = self.inputs.as_known(period, known_at)
        result = appraise(inputs)
        organisation = self.rulebook.organisation(position)
        rows = []
        for rep_id, appraisal in result.appraisals.items():
            if (team is None or appraisal.team_id == team) and may_see_rep(principal, organisation, period, rep_id):
                standing = appraisal.rank.team if team else appraisal.rank.company
                rows.append(
                    Ranked(rep_id, appraisal.team_id, appraisal.score, standing.rank, standing.of, standing.percentile)
                )
        rows.sort(key=lambda row: row.rank)
        return Ranking(period.key, position, "team" if team else "company", rows)

    def statement(
        self, period: Period, rep_id: str, known_at: int | None, principal: Principal
    ) -> tuple[int, RepAppraisal]:
        """One rep's appraisal as known at a position (its statement and bonus are what a reader asks for)."""
        position, inputs = self.inputs.as_known(period, known_at, reps={rep_id})
        appraisal = appraise_rep(inputs, rep_id)
        if appraisal is None or not may_see_rep(principal, self.rulebook.organisation(position), period, rep_id):
            raise NoStatement(period.key, rep_id)
        return position, appraisal

    def give_rating(
        self, period: Period, rep_id: str, kpi: str, value: Decimal, reason: str, principal: Principal
    ) -> GivenRating:
        """A manager rates reps in their own subtree; a rep outside it is answered as unknown."""
        organisation = self.rulebook.organisation()
        if rep_id not in organisation.reps or not may_see_rep(principal, organisation, period, rep_id):
            raise RepOutOfScope(rep_id)
        return self.app.give_rating(period.key, rep_id, kpi, value, reason, principal.actor)
