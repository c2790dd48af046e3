"""Figures from credited contributions: sums per measure (money only in one currency) and metrics over
them, exact until a ratio is rounded once (4 places, half up)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.metrics.catalogue import MEASURES, RATES, Unit
from shared.money import exact_sums, quantize_ratio
from shared.organisation import Organisation


@dataclass(frozen=True)
class Credit:
    """One contribution as figures read it: on a company-zone day, with the ledger entry behind it."""

    measure: str
    rep_id: str
    day: date
    value: Decimal
    currency: str | None
    product: str | None
    region: str | None
    position: int = 0  # the ledger entry that credited it, so a figure can name its events


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
    return [c for c in credits if organisation.within(organisation.unit_of(c.rep_id, c.day), owner_id, c.day)]


@exact_sums  # wide enough that no sum of bounded contributions is ever rounded
def totals(credits: Iterable[Credit], currency: str | None) -> dict[str, Decimal]:
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for credit in credits:
        if MEASURES[credit.measure].unit is not Unit.MONEY or credit.currency == currency:
            summed[credit.measure] += credit.value
    return summed


def metric_value(metric: str, summed: Mapping[str, Decimal]) -> Decimal | None:
    if metric in RATES:
        rate = RATES[metric]
        return ratio(
            summed.get(rate.numerator, Decimal(0)),
            sum((summed.get(m, Decimal(0)) for m in rate.denominator), Decimal(0)),
        )
    return summed.get(metric, Decimal(0))
