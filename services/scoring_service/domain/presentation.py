"""How an appraisal's figures are written, by result format. A sealed appraisal is the canonical JSON of its
result, hashed and signed, and replay recomputes it byte for byte; so the way figures are written is an
input of the appraisal, recorded with each period close, never changed under a seal.

- Format 1 (closes recorded before formats existed): figures as computed, e.g. `"1500000"` beside
  `"10000.00"` (the canonical form of a Decimal: `str`).
- Format 2: money as `shared.kernel.money.show_money` writes it (at least the currency's minor unit), counts as
  integers, ratios at 4 places, like every other answer. Points, scores, weights and rule parameters
  (rates, multipliers) are written as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from services.scoring_service.domain import results
from services.scoring_service.domain.bonus import BonusShare, Winner
from services.scoring_service.domain.commission import (
    AcceleratorLine,
    BandLine,
    CapLine,
    Statement,
    StatementLine,
)
from services.scoring_service.domain.scoring import KpiScore, RatingEvidence
from shared.kernel.metrics.figures import show_figure
from shared.kernel.money import show_money

FIRST_FORMAT = 1  # what a close recorded without a format was sealed in
RESULT_FORMAT = 2  # what new closes and live figures use


def as_computed(value: Decimal) -> str:
    """A Decimal as the canonical form writes it, so that format 1's text is what it always was."""
    return str(value)


class Writer:
    """Writes computed figures in one result format; money in `currency` unless a figure carries its own."""

    def __init__(self, result_format: int):
        self.shows = result_format >= RESULT_FORMAT  # format 2 and later show figures as answers do

    def money(self, value: Decimal, currency: str | None) -> str:
        return show_money(value, currency) if self.shows else as_computed(value)

    def figure(self, metric: str | None, value: Decimal | None, currency: str | None) -> int | str | None:
        if value is None:
            return None
        if metric is None or not self.shows:  # a rating is on its own scale
            return as_computed(value)
        shown = show_figure(metric, value, currency)
        return as_computed(shown) if isinstance(shown, Decimal) else shown

    def kpi_line(self, line: KpiScore, currency: str | None) -> results.KpiLine:
        evidence: results.LedgerEvidence | results.RatingsEvidence
        if isinstance(line.evidence, RatingEvidence):
            evidence = results.RatingsEvidence(
                ratings=[
                    results.RatingGiven(rater=r.rater, value=r.value, reason=r.reason, version=r.version)
                    for r in line.evidence.ratings
                ]
            )
        else:
            evidence = results.LedgerEvidence(positions=list(line.evidence.positions))
        return results.KpiLine(
            kpi=line.kpi,
            name=line.name,
            group=line.group,
            metric=line.metric,
            weight=line.weight,
            actual=self.figure(line.metric, line.actual, currency),
            target=self.figure(line.metric, line.target, currency),
            completion=line.completion,
            points=line.points,
            weighted_points=line.weighted_points,
            note=line.note,
            evidence=evidence,
        )

    def statement_line(
        self, line: StatementLine, currency: str
    ) -> results.BandPaid | results.AcceleratorPaid | results.CapApplied | results.EarlierAdjusted:
        money = self.money
        if isinstance(line, BandLine):
            return results.BandPaid(
                kind=line.kind,
                from_=money(line.from_, currency),
                to=None if line.to is None else money(line.to, currency),
                amount_in_band=money(line.amount_in_band, currency),
                rate=line.rate,
                amount=money(line.amount, currency),
            )
        if isinstance(line, AcceleratorLine):
            return results.AcceleratorPaid(
                kind=line.kind, multiplier=line.multiplier, amount=money(line.amount, currency)
            )
        if isinstance(line, CapLine):
            return results.CapApplied(
                kind=line.kind, cap=money(line.cap, currency), amount=money(line.amount, currency)
            )
        return results.EarlierAdjusted(
            kind=line.kind,
            period=line.period,
            was=money(line.was, currency),
            now=money(line.now, currency),
            amount=money(line.amount, currency),
            positions=list(line.positions),
        )

    def statement(self, statement: Statement) -> results.CommissionStatement:
        currency = statement.currency
        return results.CommissionStatement(
            plan=results.RuleRef(id=statement.plan_id, version=statement.plan_version),
            currency=currency,
            basis=results.Basis(
                measure=statement.measure,
                amount=self.money(statement.basis, currency),
                events=[
                    results.BasisEntry(position=e.position, value=self.money(e.value, currency))
                    for e in statement.events
                ],
            ),
            multiplier=statement.multiplier,
            earned=self.money(statement.earned, currency),
            lines=[self.statement_line(line, currency) for line in statement.lines],
            total=self.money(statement.total, currency),
        )

    def bonus(self, share: BonusShare) -> results.BonusLine:
        currency = share.currency
        return results.BonusLine(
            pool=results.RuleRef(id=share.pool_id, version=share.pool_version),
            team_id=share.team_id,
            team_revenue=self.money(share.team_revenue, currency),
            percent_of_team_revenue=share.percent_of_team_revenue,
            pool_amount=self.money(share.pool_amount, currency),
            split=share.split,
            weight=share.weight,
            amount=self.money(share.amount, currency),
            currency=currency,
        )

    def honours(self, awarded: Mapping[str, Winner], currencies: Mapping[str, str | None]) -> dict[str, results.Honour]:
        """The top seller's figure is revenue, in the winner's scorecard currency; the others are scores."""
        return {
            honour: results.Honour(
                rep_id=winner.rep_id,
                figure=self.money(winner.figure, currencies[winner.rep_id])
                if honour == "top_seller"
                else as_computed(winner.figure),
            )
            for honour, winner in awarded.items()
        }
