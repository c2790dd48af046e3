"""Every metric PerfLedger computes, defined once. A *measure* is a sum of credited contributions (a count
or an amount); a *rate* is one measure over another. Growth against the previous period (环比) and the same
period last year (同比) applies to any metric: (this - earlier) / earlier, undefined when earlier is 0; a
complete period is compared with the whole earlier period, one in progress with as many of its first days
(`shared.kernel.periods.growth_spans`).

Most measures are flows, summed over a span. A *level* is a stock measured at an instant: the sum of every
change up to it. The customer base is the one level (`shared.kernel.metrics.customers` says how a customer comes
and goes); the seeds' churn rate divides the customers lost in a period by the base at the period's start.

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
    level: bool = False  # measured at an instant from all history (the customer base), not summed over a span


@dataclass(frozen=True)
class Rate:
    key: str
    name: str
    chinese: str
    numerator: str
    denominator: tuple[str, ...]  # the denominator is the sum of these measures
    unit: Unit = Unit.RATIO
    denominator_at_start: bool = False  # the denominator's levels as they stood when the span began


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
        Measure(
            "customer_base",
            "customer base",
            "在册客户数",
            Unit.COUNT,
            "customers active at the span's end: from their first deal.won until customer.churned",
            level=True,
        ),
        Measure(
            "customers_lost", "customers lost", "在册客户流失数", Unit.COUNT, "customer.churned of an active customer"
        ),
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
        Rate(
            "non_renewal_rate", "non-renewal rate", "未续约率", "customers_churned", ("renewals", "customers_churned")
        ),
        Rate(
            "customer_churn_rate",
            "customer churn rate",
            "客户流失率",
            "customers_lost",
            ("customer_base",),
            denominator_at_start=True,
        ),
        Rate("win_rate", "win rate", "赢单率", "deals_won", ("deals_won", "deals_lost")),
    )
}

METRICS: dict[str, Measure | Rate] = {**MEASURES, **RATES}

# Metrics renamed after definitions naming them were stored: the old name keeps its old meaning wherever it
# was recorded (a goal on the ledger, a scorecard version, a sealed appraisal's KPI line), so replay computes
# what it computed then. `churn_rate` was the renewal-based rate, which the seeds' churn is not.
RENAMED = {"churn_rate": "non_renewal_rate"}


def metric_named(key: str) -> Measure | Rate:
    """A metric by its name, or by the name it had when a stored definition was written."""
    return METRICS[RENAMED.get(key, key)]


def is_metric(key: str) -> bool:
    return key in METRICS or key in RENAMED


def measures_needed(metric_key: str) -> tuple[str, ...]:
    """The measures a metric is computed from."""
    metric = metric_named(metric_key)
    if isinstance(metric, Measure):
        return (metric.key,)
    return tuple(dict.fromkeys((metric.numerator, *metric.denominator)))


def counts_money(metric_key: str) -> bool:
    """Whether any measure behind a metric is money, so that figures for it name a currency."""
    return any(MEASURES[m].unit is Unit.MONEY for m in measures_needed(metric_key))
