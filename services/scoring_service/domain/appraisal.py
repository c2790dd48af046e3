"""A period's appraisals (绩效评估) as one pure function of its inputs: the credited contributions known at
a ledger position, the organisation and goals known there, the rule versions in force, the ratings, and
what earlier sealed statements settled. Live scores, sealing at close and replay all call `appraise`,
so a sealed result is reproduced byte for byte from the same inputs.

Who is appraised: every rep employed on some day of the period who falls under a scorecard; a rep's team
is the one they were in on the last day of the period they were employed. Of several rules in force, a
rep gets the one set on the unit nearest above their team (then the lowest rule id). A rule version is in
force for a period when it is the latest whose `effective_from` is on or before the period's first day.

Two steps: the standings (every appraised rep's placement and score, the ranks, the pools' split and the
honours), which every rep's appraisal is relative to; then one rep's appraisal (its commission statement,
settling its earlier periods, and its figures as the result format writes them). Replaying one rep takes the
standings and that rep's own step alone.

The standings read every rep's figures from sums (`PeriodInputs.sums`), a few rows per rep; a rep's own step
reads its contributions, which name the ledger entries behind each figure, and scores it again with the same
`score_rep`: exact sums give the same figures, and a rep whose figures differ stops the appraisal
(`SumsDisagree`), since its rank would then rest on figures its evidence does not show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from services.scoring_service.domain.bonus import BonusShare, Winner, honours, split_pool, team_revenue
from services.scoring_service.domain.commission import Settled, statement
from services.scoring_service.domain.definitions import BonusPool, CommissionPlan, Scorecard
from services.scoring_service.domain.presentation import RESULT_FORMAT, Writer
from services.scoring_service.domain.results import Honour, Ranks, RepAppraisal, RuleRef, TeamFigures
from services.scoring_service.domain.scoring import GivenRating, RepScore, Standing, points_places, rank, score_rep
from shared.kernel.goals import Goals
from shared.kernel.metrics.catalogue import measures_needed
from shared.kernel.metrics.figures import Credit, by_rep
from shared.kernel.organisation import Organisation, Rep
from shared.kernel.periods import Period
from shared.platform.errors import Unavailable

ONE_DAY = timedelta(days=1)
REPS_PER_BATCH = 100  # reps whose contributions a close reads and appraises at once
D = TypeVar("D", Scorecard, CommissionPlan, BonusPool)


@dataclass(frozen=True)
class RuleInForce(Generic[D]):
    rule_id: str
    version: int
    definition: D


@dataclass(frozen=True)
class RulesInForce:
    """The versions in force for a period, by kind."""

    scorecards: Sequence[RuleInForce[Scorecard]] = ()
    commission_plans: Sequence[RuleInForce[CommissionPlan]] = ()
    bonus_pools: Sequence[RuleInForce[BonusPool]] = ()


PROPOSED_VERSION = 0  # how a what-if's proposed rule is named in the results it gives: no version is 0


@dataclass(frozen=True)
class Proposal:
    """A rule definition proposed for a what-if, in place of the rule of its kind and id (or beside them)."""

    rule_id: str
    definition: Scorecard | CommissionPlan | BonusPool

    def instead_of(self, rules: RulesInForce) -> RulesInForce:
        d, rule_id = self.definition, self.rule_id
        if isinstance(d, Scorecard):
            return replace(rules, scorecards=_swapped(rules.scorecards, RuleInForce(rule_id, PROPOSED_VERSION, d)))
        if isinstance(d, CommissionPlan):
            plan = RuleInForce(rule_id, PROPOSED_VERSION, d)
            return replace(rules, commission_plans=_swapped(rules.commission_plans, plan))
        return replace(rules, bonus_pools=_swapped(rules.bonus_pools, RuleInForce(rule_id, PROPOSED_VERSION, d)))


def _swapped(existing: Sequence[RuleInForce[D]], proposed: RuleInForce[D]) -> list[RuleInForce[D]]:
    return [r for r in existing if r.rule_id != proposed.rule_id] + [proposed]


def measures_read(rules: RulesInForce) -> frozenset[str]:
    """The measures an appraisal under `rules` reads: its scorecards' metrics, its plans' bases, and revenue won
    (the top seller's figure and the pools' team revenue)."""
    found: set[str] = {"revenue_won", *(plan.definition.basis for plan in rules.commission_plans)}
    for scorecard in rules.scorecards:
        found |= {m for kpi in scorecard.definition.kpis if kpi.metric for m in measures_needed(kpi.metric)}
    return frozenset(found)


@dataclass(frozen=True)
class PeriodInputs:
    period: Period
    # Every rep's credits in the period summed per measure and currency over spans in which nobody moved: what
    # the standings read.
    sums: Sequence[Credit]
    # The contributions of some reps that occurred in the period, as known at the cut-off: a close reads them
    # a batch of reps at a time, so that it never holds the whole period's.
    contributions: Callable[[Collection[str]], Sequence[Credit]]
    organisation: Organisation
    goals: Goals
    rules: RulesInForce
    ratings: Sequence[GivenRating] = ()
    # rep id -> its earlier statements; only the reps whose statements are wanted (a replay: one)
    settled: Mapping[str, Sequence[Settled]] = field(default_factory=dict)
    previous_scores: Mapping[str, Decimal] = field(default_factory=dict)  # rep id -> last period's score
    result_format: int = RESULT_FORMAT  # how figures are written (presentation.py); a sealed close keeps its own


@dataclass(frozen=True)
class Placement:
    team_id: str
    ancestry: list[str]  # the team and the units above it, nearest first
    scorecard: RuleInForce[Scorecard]


@dataclass(frozen=True)
class Standings:
    """What each rep's appraisal is relative to, over every rep appraised in the period."""

    placed: dict[str, Placement]
    scored: dict[str, RepScore]
    company_ranks: dict[str, Standing]
    team_ranks: dict[str, dict[str, Standing]]
    teams: dict[str, list[str]]  # team id -> its appraised reps
    bonuses: dict[str, BonusShare]
    awarded: dict[str, Winner]  # honour -> who won it
    ratings: dict[str, list[GivenRating]]


class SumsDisagree(Unavailable):
    """A rep's figures from their contributions differ from those their sums gave: the read model is damaged
    (an operator rebuilds it from the ledger), and nothing is appraised from it until then."""

    def __init__(self, rep_id: str, period: str):
        super().__init__(
            f"{rep_id}'s figures for {period} differ between this service's day sums and its contributions: "
            "its read model is damaged and must be rebuilt from the ledger"
        )


@dataclass(frozen=True)
class PeriodResult:
    appraisals: dict[str, RepAppraisal]  # rep id -> its appraisal
    teams: dict[str, TeamFigures]
    honours: dict[str, Honour]


def last_team(rep: Rep, period: Period) -> tuple[str, date] | None:
    """The team the rep was in on the last day of the period they were employed, and that day."""
    found = None
    for segment in rep.units.segments():
        last = period.last_day if segment.valid_to is None else min(period.last_day, segment.valid_to - ONE_DAY)
        if segment.value is not None and segment.valid_from <= period.last_day and last >= period.first_day:
            found = (segment.value, last)
    return found


def nearest_rule(rules: Sequence[RuleInForce[D]], ancestry: Sequence[str]) -> RuleInForce[D] | None:
    candidates = [r for r in rules if r.definition.applies_to in ancestry]
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


def standings(inputs: PeriodInputs) -> Standings:
    period, organisation = inputs.period, inputs.organisation
    summed = by_rep(inputs.sums)
    ratings: dict[str, list[GivenRating]] = defaultdict(list)
    for rating in inputs.ratings:
        ratings[rating.rep_id].append(rating)

    placed: dict[str, Placement] = {}
    scored: dict[str, RepScore] = {}
    for rep_id in sorted(organisation.reps):
        found = last_team(organisation.reps[rep_id], period)
        if found is None:
            continue
        team_id, day = found
        ancestry = organisation.ancestry(team_id, day)
        scorecard = nearest_rule(inputs.rules.scorecards, ancestry)
        if scorecard is None:
            continue
        placed[rep_id] = Placement(team_id, ancestry, scorecard)
        scored[rep_id] = score_rep(
            scorecard.definition,
            summed[rep_id],
            goal_targets(inputs.goals, rep_id, period),
            ratings[rep_id],
            since=period.first_day,
        )

    teams: dict[str, list[str]] = defaultdict(list)
    for rep_id, placement in placed.items():
        teams[placement.team_id].append(rep_id)
    team_ranks = {team_id: rank({r: scored[r] for r in members}) for team_id, members in teams.items()}

    bonuses: dict[str, BonusShare] = {}
    for team_id, members in sorted(teams.items()):
        pool = nearest_rule(inputs.rules.bonus_pools, placed[members[0]].ancestry)
        if pool is None:
            continue
        revenue = team_revenue(pool.definition, team_id, inputs.sums, organisation)
        bonuses |= split_pool(
            pool.rule_id,
            pool.version,
            pool.definition,
            team_id,
            revenue,
            {r: team_ranks[team_id][r].rank for r in members},
            {r: scored[r].score for r in members},
        )

    currencies = {r: placed[r].scorecard.definition.currency for r in scored}
    revenue_won = {
        r: sum(
            (c.value for c in summed[r] if c.measure == "revenue_won" and c.currency == currencies[r]),
            Decimal(0),
        )
        for r in scored
    }
    hired_on = {r: organisation.reps[r].units.starts for r in scored}
    return Standings(
        placed=placed,
        scored=scored,
        company_ranks=rank(scored),
        team_ranks=team_ranks,
        teams=dict(teams),
        bonuses=bonuses,
        awarded=honours(scored, revenue_won, hired_on, inputs.previous_scores, period.last_day),
        ratings=ratings,
    )


def appraisal_of(rep_id: str, standing: Standings, inputs: PeriodInputs, credits: Sequence[Credit]) -> RepAppraisal:
    """One appraised rep's appraisal from their contributions, as the inputs' result format writes it."""
    placement = standing.placed[rep_id]
    scorecard, writer = placement.scorecard, Writer(inputs.result_format)
    targets, ratings = goal_targets(inputs.goals, rep_id, inputs.period), standing.ratings.get(rep_id, [])
    scored = score_rep(scorecard.definition, credits, targets, ratings, inputs.period.first_day)
    if _figures(scored) != _figures(standing.scored[rep_id]):
        raise SumsDisagree(rep_id, inputs.period.key)
    plan = nearest_rule(inputs.rules.commission_plans, placement.ancestry)
    bonus = standing.bonuses.get(rep_id)
    return RepAppraisal(
        period=inputs.period.key,
        rep_id=rep_id,
        name=inputs.organisation.reps[rep_id].name,
        team_id=placement.team_id,
        scorecard=RuleRef(id=scorecard.rule_id, version=scorecard.version),
        kpis=[writer.kpi_line(line, scorecard.definition.currency) for line in scored.kpis],
        score=scored.score,
        result_points=scored.result_points,
        process_points=scored.process_points,
        rank=Ranks(company=standing.company_ranks[rep_id], team=standing.team_ranks[placement.team_id][rep_id]),
        commission=writer.statement(
            statement(
                plan.rule_id,
                plan.version,
                plan.definition,
                credits,
                scored.score,
                inputs.settled.get(rep_id, ()),
            )
        )
        if plan
        else None,
        bonus=writer.bonus(bonus) if bonus else None,
        honours=sorted(h for h, winner in standing.awarded.items() if winner.rep_id == rep_id),
    )


def _figures(scored: RepScore) -> tuple:
    """What a score is, without the evidence behind it."""
    return scored.score, scored.result_points, [(k.kpi, k.actual, k.completion, k.points) for k in scored.kpis]


def appraise(inputs: PeriodInputs) -> PeriodResult:
    """Every appraised rep's appraisal, each team's figures and the honours."""
    standing = standings(inputs)
    scored = standing.scored
    team_figures = {
        team_id: TeamFigures(
            reps=len(members),
            mean_score=points_places(sum((scored[r].score for r in members), Decimal(0)) / len(members)),
            highest_score=max(scored[r].score for r in members),
            lowest_score=min(scored[r].score for r in members),
        )
        for team_id, members in sorted(standing.teams.items())
    }
    currencies = {r: placement.scorecard.definition.currency for r, placement in standing.placed.items()}
    appraisals: dict[str, RepAppraisal] = {}
    ordered = sorted(scored)
    for reps in (ordered[i : i + REPS_PER_BATCH] for i in range(0, len(ordered), REPS_PER_BATCH)):
        credits = by_rep(inputs.contributions(reps))
        appraisals |= {rep_id: appraisal_of(rep_id, standing, inputs, credits.get(rep_id, [])) for rep_id in reps}
    return PeriodResult(
        appraisals=appraisals,
        teams=team_figures,
        honours=Writer(inputs.result_format).honours(standing.awarded, currencies),
    )


def appraise_rep(inputs: PeriodInputs, rep_id: str) -> RepAppraisal | None:
    """One rep's appraisal (None when the rep is not appraised in the period): the standings over every rep,
    since its ranks, bonus and honours are relative to them, and that rep's own statement and figures."""
    standing = standings(inputs)
    if rep_id not in standing.scored:
        return None
    return appraisal_of(rep_id, standing, inputs, inputs.contributions((rep_id,)))
