"""Leaderboards: reps ranked by a metric over a period, highest first, ties broken by rep id; a rep with
no figure for the metric (a rate with nothing to divide by) is not ranked. A rep reading their team's board
sees the top three, their own line and the team's figure, not each teammate's (`as_seen_by_rep`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.kernel.metrics.figures import Credit, metric_value, totals


@dataclass(frozen=True)
class Ranked:
    rank: int  # 1 for the highest
    rep_id: str
    value: Decimal


def ranking(metric: str, credits: Iterable[Credit], currency: str | None, since: date) -> list[Ranked]:
    """`credits` are those of the period so far (money counts only in `currency`); `since` is its first day."""
    by_rep: dict[str, list[Credit]] = {}
    for credit in credits:
        by_rep.setdefault(credit.rep_id, []).append(credit)
    scored = [(rep, metric_value(metric, totals(rows, currency, since))) for rep, rows in by_rep.items()]
    ranked = sorted(((rep, value) for rep, value in scored if value is not None), key=lambda r: (-r[1], r[0]))
    return [Ranked(i + 1, rep, value) for i, (rep, value) in enumerate(ranked)]


SHOWN_TO_A_REP = 3  # the top of the board a rep sees beside their own line


def board_figure(metric: str, credits: Iterable[Credit], currency: str | None, since: date) -> Decimal | None:
    """The metric over everyone on the board: a team's total for a count or money, its rate for a rate."""
    return metric_value(metric, totals(credits, currency, since))


def as_seen_by_rep(ranked: list[Ranked], rep_id: str) -> list[Ranked]:
    """The top of the board and the rep's own line, in rank order."""
    return [r for r in ranked if r.rank <= SHOWN_TO_A_REP or r.rep_id == rep_id]
