"""Every metric PerfLedger computes, defined once. A *measure* is a sum of credited contributions (a count
or an amount); a *rate* is one measure over another. Growth against the previous period (环比) and the same
period last year (同比) applies to any metric: (this - earlier) / earlier, undefined when earlier is 0.

Attribution: an activity is credited to its rep (or to the reps of its latest split, by share) at the time
it occurred (`occurred_at`), whenever it was recorded; corrections move or cancel credit from the
ledger position where they were recorded onwards. The README's metric table is this catalogue in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    COUNT = "count"
    MONEY = "money"  # summed per currency
    RATIO = "ratio"


@dataclass(frozen=True)
class Measure:
    key: str
    name: str
    chinese: str
    unit: Unit
    counts: str  # which activity types contribute, in words for the table


@dataclass(frozen=True)
class Rate:
    key: str
    name: str
    chinese: str
    numerator: str
    denominator: tuple[str, ...]  # the denominator is the sum of these measures
    unit: Unit = Unit.RATIO


MEASURES = {
    m.key: m
    for m in (
        Measure("revenue_won", "revenue won", "销售额", Unit.MONEY, "deal.won amount"),
        Measure("deals_won", "deals won", "成交数", Unit.COUNT, "deal.won"),
        Measure("deals_lost", "deals lost", "丢单数", Unit.COUNT, "deal.lost"),
        Measure("new_customers", "new customers", "新客户数", Unit.COUNT, "deal.won with new_customer true"),
        Measure("payments_collected", "payments collected", "回款额", Unit.MONEY, "payment.received amount"),
        Measure("visits", "visits", "拜访量", Unit.COUNT, "visit.completed"),
        Measure("calls", "calls", "通话量", Unit.COUNT, "call.logged"),
        Measure("leads_created", "leads created", "新增线索", Unit.COUNT, "lead.created"),
        Measure("leads_converted", "leads converted", "转化线索", Unit.COUNT, "lead.converted"),
        Measure("proposals_submitted", "proposals submitted", "方案提交数", Unit.COUNT, "proposal.submitted"),
        Measure("proposals_accepted", "proposals accepted", "方案通过数", Unit.COUNT, "proposal.accepted"),
        Measure("renewals", "renewals", "续约数", Unit.COUNT, "contract.renewed"),
        Measure("renewal_revenue", "renewal revenue", "续约额", Unit.MONEY, "contract.renewed amount"),
        Measure("customers_churned", "customers churned", "流失客户数", Unit.COUNT, "customer.churned"),
    )
}

RATES = {
    r.key: r
    for r in (
        Rate("collection_rate", "collection rate", "回款率", "payments_collected", ("revenue_won",)),
        Rate("lead_conversion_rate", "lead conversion rate", "线索转化率", "leads_converted", ("leads_created",)),
        Rate(
            "proposal_acceptance_rate",
            "proposal acceptance rate",
            "方案通过率",
            "proposals_accepted",
            ("proposals_submitted",),
        ),
        Rate("renewal_rate", "renewal rate", "续约率", "renewals", ("renewals", "customers_churned")),
        Rate("churn_rate", "churn rate", "客户流失率", "customers_churned", ("renewals", "customers_churned")),
        Rate("win_rate", "win rate", "赢单率", "deals_won", ("deals_won", "deals_lost")),
    )
}

METRICS: dict[str, Measure | Rate] = {**MEASURES, **RATES}


def measures_needed(metric_key: str) -> tuple[str, ...]:
    """The measures a metric is computed from."""
    metric = METRICS[metric_key]
    if isinstance(metric, Measure):
        return (metric.key,)
    return tuple(dict.fromkeys((metric.numerator, *metric.denominator)))


def counts_money(metric_key: str) -> bool:
    """Whether any measure behind a metric is money, so that figures for it name a currency."""
    return any(MEASURES[m].unit is Unit.MONEY for m in measures_needed(metric_key))
