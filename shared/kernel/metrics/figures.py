"""Figures from credited contributions: sums per measure (money only in one currency) and metrics over
them, exact until a ratio is rounded once (4 places, half up); and how an answer writes each figure.

A figure is over a span of business days. Flows count the credits that occurred in it; a level (the
customer base) counts every change up to the span's end, and, for a rate over the base at the span's
start, every change before its first day: `window` picks those credits, `totals` sums them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shared.kernel.metrics.catalogue import MEASURES, RATES, Unit, metric_named
from shared.kernel.money import exact_sums, quantize_money, quantize_ratio, show_count, show_money, show_ratio
from shared.kernel.organisation import Organisation


@dataclass(frozen=True, slots=True)
class Credit:
    """One contribution as figures read it: on a company-zone day, with the ledger entry behind it. Slotted:
    a follower keeps a hundred days of them."""

    measure: str
    rep_id: str
    day: date
    value: Decimal
    currency: str | None
    product: str | None
    region: str | None
    position: int = 0  # the ledger entry that credited it, so a figure can name its events
    # The day whose team the credit counts for: the day it occurred, except that a customer lost counts
    # for the team that won it (shared.kernel.metrics.customers).
    attributed_on: date | None = None
    # The unit a read model already picked this credit for (a sum over its members), so `owned` keeps it.
    owner: str | None = None

    @property
    def team_day(self) -> date:
        return self.attributed_on or self.day


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return quantize_ratio(numerator / denominator) if denominator else None


def growth(now: Decimal | None, then: Decimal | None) -> Decimal | None:
    """(now - then) / then; undefined (None) when there was nothing then."""
    return ratio(now - then, then) if now is not None and then else None


def owned(credits: Iterable[Credit], organisation: Organisation, kind: str, owner_id: str) -> list[Credit]:
    if kind == "company":
        return list(credits)
    if kind == "rep":
        return [c for c in credits if c.rep_id == owner_id]
    return [
        c
        for c in credits
        if c.owner == owner_id
        or (c.owner is None and organisation.within(organisation.unit_of(c.rep_id, c.team_day), owner_id, c.team_day))
    ]


def by_rep(credits: Iterable[Credit]) -> dict[str, list[Credit]]:
    """The credits, by the rep credited, each rep's in the order given."""
    found: dict[str, list[Credit]] = defaultdict(list)
    for credit in credits:
        found[credit.rep_id].append(credit)
    return found


def window(credits: Iterable[Credit], first: date, last: date) -> list[Credit]:
    """The credits a figure over the days first..last reads: flows that occurred in them, levels up to last."""
    return [c for c in credits if c.day <= last and (c.day >= first or MEASURES[c.measure].level)]


def at_start(measure: str) -> str:
    """The key under which `totals` keeps a level as it stood when the span began."""
    return f"{measure}@start"


@exact_sums  # wide enough that no sum of bounded contributions is ever rounded
def totals(credits: Iterable[Credit], currency: str | None, since: date | None = None) -> dict[str, Decimal]:
    """Sums per measure; money only in `currency`. A level sums every change it is given (its value at the
    span's end, given `window`'s credits); with `since`, the span's first day, its value before it too."""
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for credit in credits:
        measure = MEASURES[credit.measure]
        if measure.unit is not Unit.MONEY or credit.currency == currency:
            summed[credit.measure] += credit.value
            if measure.level and since is not None and credit.day < since:
                summed[at_start(credit.measure)] += credit.value
    return summed


def metric_value(metric: str, summed: Mapping[str, Decimal]) -> Decimal | None:
    definition = metric_named(metric)
    if definition.key in RATES:
        rate = RATES[definition.key]
        denominator = [at_start(m) if rate.denominator_at_start else m for m in rate.denominator]
        return ratio(
            summed.get(rate.numerator, Decimal(0)), sum((summed.get(m, Decimal(0)) for m in denominator), Decimal(0))
        )
    return summed.get(definition.key, Decimal(0))


def is_summed(metric: str) -> bool:
    """Whether a metric adds up over time (a flow): what a forecast can extrapolate."""
    definition = metric_named(metric)
    return definition.key in MEASURES and not MEASURES[definition.key].level


def forecast(metric: str, actual: Decimal | None, total: int, elapsed: int, currency: str | None) -> Decimal | None:
    """A flow extrapolated over a period's working days, actual x total / elapsed: money rounded to the minor
    unit, a count to a whole one (half up); a rate or a level forecasts itself; None before a working day."""
    if actual is None or not is_summed(metric):
        return actual
    if not elapsed:
        return None
    if metric_named(metric).unit is Unit.MONEY:
        return quantize_money(actual * total / elapsed, currency or "")
    return (actual * total / elapsed).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def show_figure(metric: str, value: Decimal | None, currency: str | None) -> int | str | Decimal | None:
    """A metric's value as every answer writes it: money, a count or a ratio by the metric's unit."""
    if value is None:
        return None
    unit = metric_named(metric).unit
    if unit is Unit.MONEY:
        return show_money(value, currency)
    if unit is Unit.COUNT:
        return show_count(value)
    return show_ratio(value)
