"""Money is Decimal, never float, and is rounded by one rule in one place.

The rule: amounts are kept exactly as recorded; a computed amount is rounded to the currency's minor unit
(2 places unless listed) with ROUND_HALF_UP (四舍五入, what Chinese finance teams expect) only when it
becomes a figure someone is paid or shown. Rates and scores use `quantize_ratio` (4 places, same rule).

How an answer writes a figure is the other half of the rule, also here (`show_money`, `show_count`,
`show_ratio`): money at least to the currency's minor unit, more places only where the exact figure has
them (a split share), never rounded; counts as integers; ratios at 4 places.

Bounds, so that "sums are exact" stays true: an amount is below 10^15 (at most 15 integer digits) with at
most 6 decimal places, so it has at most 21 significant digits; a share of it (a split's percent has at
most 4 places and 7 digits) has at most 27, within the 28 of Python's default context, so crediting never
rounds. Sums of contributions run in `SUMS`, 60 digits wide, which no ledger of bounded amounts can fill.
The read models keep every value as text, so the database never rounds either.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Annotated, ParamSpec, TypeVar, cast

from pydantic import AfterValidator, BeforeValidator, StringConstraints

MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3}
RATIO_PLACES = Decimal("0.0001")

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]

MAX_AMOUNT = Decimal(10) ** 15  # far above any one sale; beyond it a figure is a typo or an attack
AMOUNT_PLACES = 6
MAX_WRITTEN = 50  # characters: room for every bounded amount, however it is written
SUMS = Context(prec=60)
P = ParamSpec("P")
R = TypeVar("R")


def parse_amount(value: object) -> Decimal:
    """A decimal amount from a string or a JSON number parsed as Decimal; never from a float."""
    if isinstance(value, (bool, float)):
        raise ValueError('amount must be a decimal string such as "1200.50", not a float')
    if not isinstance(value, (int, Decimal, str)):
        raise ValueError("amount must be a decimal string")
    written = value.strip() if isinstance(value, str) else str(value)
    if len(written) > MAX_WRITTEN:
        raise ValueError(f"amount must be written in at most {MAX_WRITTEN} characters")
    try:
        amount = Decimal(written)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount


def decimal_places(value: Decimal) -> int:
    """How many decimal places the value needs (trailing zeros do not count, as in pydantic's check)."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or not any(digits):  # not finite, or zero
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing_zeros))


def _plausible(amount: Decimal) -> Decimal:
    if amount < 0:
        raise ValueError("amount must not be negative")
    if amount >= MAX_AMOUNT:
        raise ValueError(f"amount must be below {MAX_AMOUNT:,} (at most 15 integer digits)")
    if decimal_places(amount) > AMOUNT_PLACES:
        raise ValueError(f"amount must have at most {AMOUNT_PLACES} decimal places")
    return amount


Amount = Annotated[Decimal, BeforeValidator(parse_amount), AfterValidator(_plausible)]


def exact_sums(function: Callable[P, R]) -> Callable[P, R]:
    """`function` run in the SUMS context, so that the sums it makes of bounded values are never rounded."""

    @functools.wraps(function)
    def in_sums_context(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(SUMS):
            return function(*args, **kwargs)

    return in_sums_context


@exact_sums
def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The sum of bounded amounts or contributions, never rounded (see the bounds above)."""
    return sum(values, Decimal(0))


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    places = MINOR_UNITS.get(currency, 2)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def quantize_ratio(ratio: Decimal) -> Decimal:
    return ratio.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: Sequence[Decimal], step: Decimal) -> list[Decimal]:
    """Split `total` by `weights` into multiples of `step` that add up to `total` exactly (largest remainder;
    ties go to the earlier share). Weights are non-negative and not all zero."""
    weight_sum = sum(weights, Decimal(0))
    if weight_sum <= 0 or any(w < 0 for w in weights):
        raise ValueError("weights are non-negative and not all zero")
    exact = [total * w / weight_sum for w in weights]
    floors = [((share / step).to_integral_value(ROUND_FLOOR) * step).quantize(step) for share in exact]
    left = int(((total - sum(floors, Decimal(0))) / step).to_integral_value())
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += step
    return floors


# --- how answers write figures -------------------------------------------------------------------------------


def show_money(amount: Decimal, currency: str | None) -> str:
    """An amount as every answer writes it: `200000.00`, never `200000` (at least the currency's minor unit),
    and `333.336667` where a split made more places. Only zeros are added or dropped, so the figure stays
    exact; a written amount is a string, so no JSON reader turns it into a float."""
    places = MINOR_UNITS.get(currency or "", 2)
    with localcontext() as exact:
        exact.prec = 60  # wide enough that quantizing never rounds a figure of up to 28 digits
        exponent = cast(int, amount.normalize().as_tuple().exponent)  # an int: amounts are finite
        significant = min(-places, exponent)
        shown = amount.quantize(Decimal(1).scaleb(significant))
    return f"{shown if shown else abs(shown):f}"  # never "-0.00"


def show_count(value: Decimal | int) -> int | str:
    """A count as every answer writes it: a JSON integer. A count split between reps (a third of a deal) is
    no whole number; it is written as its exact decimal string."""
    if value == int(value):
        return int(value)
    return f"{Decimal(value).normalize():f}"


def show_ratio(value: Decimal) -> Decimal:
    """A ratio (a rate, a completion, a growth) as every answer writes it: 4 places, half up."""
    return quantize_ratio(value)
