"""A period's appraisals (绩效评估) as one pure function of its inputs: the credited contributions known at
a ledger position, the organisation and goals known there, the rule versions in force, the ratings, and
what earlier sealed statements settled. Live scores, sealing at close and replay all call `appraise`,
so a sealed result is reproduced byte for byte from the same inputs.

Who is appraised: every rep employed on some day of the period who falls under a scorecard; a rep's team
is the one they were in on the last day of the period they were employed. Of several rules in force, a
rep gets the one set on the unit nearest above their team (then the lowest rule id). A rule version is in
force for a period when it is the latest whose `effective_from` is on or before the period's first day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.scoring_service.domain.bonus import honours, split_pool, team_revenue
from services.scoring_service.domain.commission import Settled, statement
from services.scoring_service.domain.definitions import BonusPool, CommissionPlan, Scorecard
from services.scoring_service.domain.presentation import RESULT_FORMAT, written_appraisal, written_honours
from services.scoring_service.domain.scoring import GivenRating, points_places, rank, score_rep
from shared.kernel.goals import Goals
from shared.kernel.metrics.figures import Credit
from shared.kernel.organisation import Organisation, Rep
from shared.kernel.periods import Period

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class RuleInForce:
    kind: str
    rule_id: str
    version: int
    definition: Scorecard | CommissionPlan | BonusPool

    @property
    def reference(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.rule_id, "version": self.version}


@dataclass(frozen=True)
class PeriodInputs:
    period: Period
    credits: Sequence[Credit]  # contributions that occurred in the period, as known at the cut-off
    organisation: Organisation
    goals: Goals
    rules: Sequence[RuleInForce]
    ratings: Sequence[GivenRating] = ()
    settled: Mapping[str, Sequence[Settled]] = field(default_factory=dict)  # rep id -> earlier statements
    previous_scores: Mapping[str, Decimal] = field(default_factory=dict)  # rep id -> last period's score
    result_format: int = RESULT_FORMAT  # how figures are written (presentation.py); a sealed close keeps its own


@dataclass(frozen=True)
class PeriodResult:
    appraisals: dict[str, dict[str, Any]]  # rep id -> its appraisal's figures
    teams: dict[str, dict[str, Any]]
    honours: dict[str, dict[str, Any]]


def last_team(rep: Rep, period: Period) -> tuple[str, date] | None:
    """The team the rep was in on the last day of the period they were employed, and that day."""
    found = None
    for segment in rep.units.segments():
        last = period.last_day if segment.valid_to is None else min(period.last_day, segment.valid_to - ONE_DAY)
        if segment.value is not None and segment.valid_from <= period.last_day and last >= period.first_day:
            found = (segment.value, last)
    return found


def nearest_rule(rules: Sequence[RuleInForce], kind: str, ancestry: Sequence[str]) -> RuleInForce | None:
    candidates = [r for r in rules if r.kind == kind and r.definition.applies_to in ancestry]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (ancestry.index(r.definition.applies_to), r.rule_id))


def goal_targets(goals: Goals, rep_id: str, period: Period) -> dict[str, Decimal]:
    return {
        goal.metric: goal.current.target
        for goal in goals.goals.values()
        if goal.owner_kind == "rep"
        and goal.owner_id == rep_id
        and goal.period.key == period.key
        and goal.current.status == "active"
    }


def appraise(inputs: PeriodInputs) -> PeriodResult:
    period, organisation = inputs.period, inputs.organisation
    by_rep: dict[str, list[Credit]] = defaultdict(list)
    for credit in inputs.credits:
        by_rep[credit.rep_id].append(credit)
    ratings: dict[str, list[GivenRating]] = defaultdict(list)
    for rating in inputs.ratings:
        ratings[rating.rep_id].append(rating)

    placed: dict[str, tuple[str, list[str]]] = {}  # rep id -> (team, units from the team up)
    scored: dict[str, dict[str, Any]] = {}
    for rep_id in sorted(organisation.reps):
        found = last_team(organisation.reps[rep_id], period)
        if found is None:
            continue
        team_id, day = found
        ancestry = organisation.ancestry(team_id, day)
        scorecard = nearest_rule(inputs.rules, "scorecard", ancestry)
        if scorecard is None:
            continue
        placed[rep_id] = (team_id, ancestry)
        scored[rep_id] = {
            "scorecard": {"id": scorecard.rule_id, "version": scorecard.version},
            "currency": scorecard.definition.currency,
            **score_rep(
                scorecard.definition,  # type: ignore[arg-type]
                by_rep[rep_id],
                goal_targets(inputs.goals, rep_id, period),
                ratings[rep_id],
                since=period.first_day,
            ),
        }

    company_ranks = rank(scored)
    teams: dict[str, list[str]] = defaultdict(list)
    for rep_id, (team_id, _) in placed.items():
        teams[team_id].append(rep_id)
    team_ranks = {team_id: rank({r: scored[r] for r in members}) for team_id, members in teams.items()}

    bonuses: dict[str, dict[str, Any]] = {}
    for team_id, members in sorted(teams.items()):
        pool = nearest_rule(inputs.rules, "bonus_pool", placed[members[0]][1])
        if pool is None:
            continue
        definition: BonusPool = pool.definition  # type: ignore[assignment]
        revenue = team_revenue(definition, team_id, inputs.credits, organisation)
        bonuses |= split_pool(
            pool.rule_id,
            pool.version,
            definition,
            team_id,
            revenue,
            {r: team_ranks[team_id][r]["rank"] for r in members},
            {r: scored[r]["score"] for r in members},
        )

    revenue_won = {
        r: sum(
            (c.value for c in by_rep[r] if c.measure == "revenue_won" and c.currency == scored[r]["currency"]),
            Decimal(0),
        )
        for r in scored
    }
    hired_on = {r: organisation.reps[r].units.starts for r in scored}
    awarded = honours(scored, revenue_won, hired_on, inputs.previous_scores, period.last_day)

    appraisals = {}
    for rep_id, figures in scored.items():
        team_id, ancestry = placed[rep_id]
        plan = nearest_rule(inputs.rules, "commission_plan", ancestry)
        appraisals[rep_id] = written_appraisal(
            {
                "period": period.key,
                "rep_id": rep_id,
                "name": organisation.reps[rep_id].name,
                "team_id": team_id,
                **{k: v for k, v in figures.items() if k != "currency"},
                "rank": {"company": company_ranks[rep_id], "team": team_ranks[team_id][rep_id]},
                "commission": statement(
                    plan.rule_id,
                    plan.version,
                    plan.definition,  # type: ignore[arg-type]
                    by_rep[rep_id],
                    figures["score"],
                    inputs.settled.get(rep_id, ()),
                )
                if plan
                else None,
                "bonus": bonuses.get(rep_id),
                "honours": sorted(h for h, who in awarded.items() if who["rep_id"] == rep_id),
            },
            figures["currency"],
            inputs.result_format,
        )
    team_figures = {
        team_id: {
            "reps": len(members),
            "mean_score": points_places(sum((scored[r]["score"] for r in members), Decimal(0)) / len(members)),
            "highest_score": max(scored[r]["score"] for r in members),
            "lowest_score": min(scored[r]["score"] for r in members),
        }
        for team_id, members in sorted(teams.items())
    }
    currencies = {r: scored[r]["currency"] for r in scored}
    return PeriodResult(appraisals, team_figures, written_honours(awarded, currencies, inputs.result_format))
