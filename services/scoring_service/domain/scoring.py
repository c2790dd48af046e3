"""KPI scores: each KPI's actual, target, completion and points on its curve, weighted into a score; and
rankings with one documented tie-break.

Rounding: completion 4 places, points and scores 2 places, weighted points 4 places, all half up; a score
is the sum of its weighted points, rounded once. A KPI without a figure (no target, or a rate with nothing
to divide by) earns no points and says so.

Tie-break: a higher score ranks first; then higher result-indicator points; then the rep id in
ascending order, so equal reps always rank the same way. Percentile = the share of the others who
scored strictly lower, so equal scores share a percentile."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from services.scoring_service.domain.definitions import HUNDRED, InverseCurve, Kpi, LinearCurve, Scorecard, StepCurve
from shared.kernel.metrics.catalogue import measures_needed
from shared.kernel.metrics.figures import Credit, metric_value, ratio, totals

POINTS = Decimal("0.01")
WEIGHTED = Decimal("0.0001")


def points_places(value: Decimal) -> Decimal:
    return value.quantize(POINTS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GivenRating:
    rep_id: str
    kpi: str
    value: Decimal
    rater: str
    reason: str
    version: int  # the ratings' version that recorded it


@dataclass(frozen=True)
class LedgerEvidence:
    """The ledger entries behind a metric KPI's figure."""

    positions: tuple[int, ...]


@dataclass(frozen=True)
class RatingEvidence:
    """The ratings behind a rated KPI's figure."""

    ratings: tuple[GivenRating, ...]


@dataclass(frozen=True)
class KpiScore:
    """One KPI of one rep: its figure against its target, and the points that earns."""

    kpi: str
    name: str
    group: Literal["result", "process"]
    metric: str | None  # None for a rated KPI
    weight: Decimal
    actual: Decimal | None
    target: Decimal | None
    completion: Decimal | None
    points: Decimal
    weighted_points: Decimal
    note: str | None  # why there is no figure, when there is none
    evidence: LedgerEvidence | RatingEvidence


@dataclass(frozen=True)
class RepScore:
    kpis: tuple[KpiScore, ...]
    score: Decimal
    result_points: Decimal
    process_points: Decimal


@dataclass(frozen=True)
class Standing:
    """A rep's place among others: rank, of how many, and the share of the others who scored lower."""

    rank: int
    of: int
    percentile: Decimal


def curve_points(curve: LinearCurve | StepCurve | InverseCurve, completion: Decimal | None) -> Decimal:
    if completion is None:
        return Decimal(0)
    if isinstance(curve, StepCurve):
        reached = [s.points for s in curve.steps if completion >= s.at_least]
        return points_places(reached[-1]) if reached else Decimal("0.00")
    if curve.gate is not None and completion < curve.gate:
        return Decimal("0.00")
    return points_places(min(completion, curve.cap) * HUNDRED)


def completion_of(kpi: Kpi, actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    if actual is None or not target:
        return None
    if isinstance(kpi.curve, InverseCurve):
        return ratio(target, actual) if actual else kpi.curve.cap
    return ratio(actual, target)


def kpi_line(
    kpi: Kpi,
    currency: str | None,
    credits: Sequence[Credit],
    goal_target: Decimal | None,
    ratings: Sequence[GivenRating],
    since: date | None = None,
) -> KpiScore:
    """One KPI of one rep: `credits` are the rep's, `ratings` the rep's for this KPI; `since` is the period's
    first day, where a rate over the customers at the start measures them."""
    if kpi.metric is None:  # rated
        values = [r.value for r in ratings]
        actual = sum(values, Decimal(0)) / len(values) if values else None
        actual = actual.quantize(WEIGHTED, rounding=ROUND_HALF_UP) if actual is not None else None
        target: Decimal | None = kpi.rating_scale
        completion = ratio(actual, kpi.rating_scale) if actual is not None and kpi.rating_scale else None
        evidence: LedgerEvidence | RatingEvidence = RatingEvidence(tuple(ratings))
    else:
        measures = measures_needed(kpi.metric)
        actual = metric_value(kpi.metric, totals(credits, currency, since))
        target = goal_target if kpi.target == "goal" else kpi.target
        completion = completion_of(kpi, actual, target)
        evidence = LedgerEvidence(tuple(sorted({c.position for c in credits if c.measure in measures})))
    points = curve_points(kpi.curve, completion)
    return KpiScore(
        kpi=kpi.key,
        name=kpi.name,
        group=kpi.group,
        metric=kpi.metric,
        weight=kpi.weight,
        actual=actual,
        target=target,
        completion=completion,
        points=points,
        weighted_points=(points * kpi.weight / HUNDRED).quantize(WEIGHTED, rounding=ROUND_HALF_UP),
        note=None if completion is not None else _why_no_figure(kpi, actual, target),
        evidence=evidence,
    )


def _why_no_figure(kpi: Kpi, actual: Decimal | None, target: Decimal | None) -> str:
    if kpi.metric is None:
        return "no rating was given"
    if target is None:
        return "the rep has no goal for this metric and period"
    if not target:
        return "the target is 0"
    return "the rate has nothing to divide by"


def score_rep(
    scorecard: Scorecard,
    credits: Sequence[Credit],
    goal_targets: Mapping[str, Decimal],
    ratings: Sequence[GivenRating],
    since: date | None = None,
) -> RepScore:
    """A rep's KPI lines and score; `goal_targets` holds the rep's goal target per metric; `credits` are the
    period's (a level, such as the customer base: all its history), `since` the period's first day."""
    lines = tuple(
        kpi_line(
            kpi,
            scorecard.currency,
            credits,
            goal_targets.get(kpi.metric or ""),
            [r for r in ratings if r.kpi == kpi.key],
            since,
        )
        for kpi in scorecard.kpis
    )

    def subtotal(group: str | None) -> Decimal:
        return points_places(sum((k.weighted_points for k in lines if group in (None, k.group)), Decimal(0)))

    return RepScore(
        kpis=lines, score=subtotal(None), result_points=subtotal("result"), process_points=subtotal("process")
    )


def ranking_key(rep_id: str, scored: RepScore) -> tuple[Decimal, Decimal, str]:
    return (-scored.score, -scored.result_points, rep_id)


def rank(scores: Mapping[str, RepScore]) -> dict[str, Standing]:
    """Rank, of how many, and percentile, for each rep among `scores`."""
    ordered = sorted(scores, key=lambda rep_id: ranking_key(rep_id, scores[rep_id]))
    ascending = sorted(scored.score for scored in scores.values())
    size = len(ordered)
    found = {}
    for place, rep_id in enumerate(ordered, start=1):
        below = bisect_left(ascending, scores[rep_id].score)  # how many score less: counted once, not per rep
        percentile = points_places(HUNDRED * below / (size - 1)) if size > 1 else points_places(HUNDRED)
        found[rep_id] = Standing(rank=place, of=size, percentile=percentile)
    return found
