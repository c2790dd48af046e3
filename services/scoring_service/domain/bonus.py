"""Bonus pools and honours.

A pool is a percent of a team's revenue won in the period (credited to the team each rep was in on the
day of the sale), rounded to the currency's minor unit, and split among the team's appraised reps by
rank weights (the first weight to the team's first, and so on; none past the list) or by share of the
score; shares are rounded down and the cents left go to the largest remainders, so the split adds up.

Honours (company-wide, at most one rep each), ties broken as rankings are:
- top seller (销冠): the most revenue won, above zero;
- best newcomer: the best score among reps first hired within 90 days before the period's last day;
- most improved: the largest rise in score over the rep's appraisal of the previous period, above zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from services.scoring_service.domain.definitions import HUNDRED, BonusPool
from services.scoring_service.domain.scoring import RepScore, ranking_key
from shared.kernel.goals import quantum
from shared.kernel.metrics.figures import Credit
from shared.kernel.money import allocate, quantize_money
from shared.kernel.organisation import Organisation

NEWCOMER_DAYS = 90


@dataclass(frozen=True)
class BonusShare:
    """One rep's share of their team's pool, and how the pool was made."""

    pool_id: str
    pool_version: int
    team_id: str
    team_revenue: Decimal
    percent_of_team_revenue: Decimal
    pool_amount: Decimal
    split: Literal["rank_weights", "score_share"]
    weight: Decimal
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Winner:
    """Who won an honour, and the figure that won it: revenue for the top seller, else a score or a rise."""

    rep_id: str
    figure: Decimal


def team_revenue(pool: BonusPool, team_id: str, credits: Sequence[Credit], organisation: Organisation) -> Decimal:
    return sum(
        (
            c.value
            for c in credits
            if c.measure == "revenue_won"
            and c.currency == pool.currency
            and organisation.unit_of(c.rep_id, c.day) == team_id
        ),
        Decimal(0),
    )


def split_pool(
    pool_id: str,
    version: int,
    pool: BonusPool,
    team_id: str,
    revenue: Decimal,
    team_ranks: Mapping[str, int],
    scores: Mapping[str, Decimal],
) -> dict[str, BonusShare]:
    """Each of the team's reps' share; `team_ranks` maps the team's appraised reps to their rank."""
    amount = quantize_money(revenue * pool.percent_of_team_revenue / HUNDRED, pool.currency)
    reps = sorted(team_ranks, key=team_ranks.__getitem__)
    if pool.split == "rank_weights":
        weights = [pool.rank_weights[i] if i < len(pool.rank_weights) else Decimal(0) for i in range(len(reps))]
    else:
        weights = [max(scores[rep_id], Decimal(0)) for rep_id in reps]
    shares = (
        allocate(amount, weights, quantum("revenue_won", pool.currency))
        if amount and any(weights)
        else [Decimal(0)] * len(reps)
    )
    return {
        rep_id: BonusShare(
            pool_id=pool_id,
            pool_version=version,
            team_id=team_id,
            team_revenue=revenue,
            percent_of_team_revenue=pool.percent_of_team_revenue,
            pool_amount=amount,
            split=pool.split,
            weight=weight,
            amount=share,
            currency=pool.currency,
        )
        for rep_id, weight, share in zip(reps, weights, shares, strict=True)
    }


def honours(
    scored: Mapping[str, RepScore],
    revenue: Mapping[str, Decimal],
    hired_on: Mapping[str, date],
    previous_scores: Mapping[str, Decimal],
    last_day: date,
) -> dict[str, Winner]:
    """Each honour won, by its name; `scored` maps each appraised rep to its score."""

    def best(candidates: Sequence[str], figure: Mapping[str, Decimal]) -> str | None:
        eligible = [rep_id for rep_id in candidates if figure[rep_id] > 0]
        ordered = sorted(eligible, key=lambda rep_id: (-figure[rep_id], *ranking_key(rep_id, scored[rep_id])))
        return ordered[0] if ordered else None

    reps = sorted(scored)
    newcomers = [r for r in reps if hired_on[r] > last_day - timedelta(days=NEWCOMER_DAYS)]
    rises = {r: scored[r].score - previous_scores[r] for r in reps if r in previous_scores}
    candidates = {
        "top_seller": (best(reps, revenue), revenue),
        "best_newcomer": (best(newcomers, {r: scored[r].score for r in newcomers}), None),
        "most_improved": (best(sorted(rises), rises), rises),
    }
    found = {}
    for honour, (rep_id, figure) in candidates.items():
        if rep_id is not None:
            found[honour] = Winner(rep_id, figure[rep_id] if figure is not None else scored[rep_id].score)
    return found
