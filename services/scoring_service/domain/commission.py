"""Commission statements (阶梯提成): marginal tiers over the period's basis (revenue won or payments
collected), then the accelerator for the rep's score, then the plan's cap; and adjustments for earlier
statements whose basis has changed since they were sealed (a deal voided after it was paid is a
clawback line in the next statement).

Each line is rounded to the currency's minor unit (half up) and the total is the sum of the lines, so
a statement always adds up. An earlier period is re-counted with the plan version and the accelerator
multiplier it was sealed with; only its basis is as known now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from services.scoring_service.domain.definitions import CommissionPlan
from shared.kernel.metrics.figures import Credit
from shared.kernel.money import exact_sum, quantize_money


@dataclass(frozen=True)
class BandLine:
    """What one band pays: its rate on the part of the basis inside it."""

    from_: Decimal
    to: Decimal | None  # None for the top band
    amount_in_band: Decimal
    rate: Decimal
    amount: Decimal
    kind: Literal["band"] = "band"


@dataclass(frozen=True)
class AcceleratorLine:
    multiplier: Decimal
    amount: Decimal
    kind: Literal["accelerator"] = "accelerator"


@dataclass(frozen=True)
class CapLine:
    cap: Decimal
    amount: Decimal  # negative: what the cap takes off
    kind: Literal["cap"] = "cap"


@dataclass(frozen=True)
class AdjustmentLine:
    """An earlier period brought to what it earns as known now: a clawback when it earns less."""

    kind: Literal["adjustment", "clawback"]
    period: str
    was: Decimal
    now: Decimal
    amount: Decimal
    positions: tuple[int, ...]  # the ledger entries since its cut-off that moved it


StatementLine = BandLine | AcceleratorLine | CapLine | AdjustmentLine


@dataclass(frozen=True)
class BasisEvent:
    position: int
    value: Decimal


@dataclass(frozen=True)
class Statement:
    plan_id: str
    plan_version: int
    currency: str
    measure: Literal["revenue_won", "payments_collected"]  # the plan's basis
    basis: Decimal
    events: tuple[BasisEvent, ...]  # the contributions the basis sums
    multiplier: Decimal
    earned: Decimal  # this period's own lines, what a later statement settles against
    lines: tuple[StatementLine, ...]
    total: Decimal


def basis_of(plan: CommissionPlan, credits: Sequence[Credit]) -> Decimal:
    return exact_sum(c.value for c in credits if c.measure == plan.basis and c.currency == plan.currency)


def band_lines(plan: CommissionPlan, basis: Decimal) -> list[BandLine]:
    """Marginal tiers: each band pays its rate on the part of the basis that falls inside it."""
    lines, lower = [], Decimal(0)
    for tier in plan.tiers:
        upper = tier.up_to
        inside = max(Decimal(0), (basis if upper is None else min(basis, upper)) - lower)
        if inside:
            lines.append(
                BandLine(
                    from_=lower,
                    to=upper,
                    amount_in_band=inside,
                    rate=tier.rate,
                    amount=quantize_money(inside * tier.rate, plan.currency),
                )
            )
        if upper is None or basis <= upper:
            break
        lower = upper
    return lines


def multiplier_for(plan: CommissionPlan, score: Decimal) -> Decimal:
    """The highest accelerator the score reaches; 1 when it reaches none."""
    reached = [a.multiplier for a in plan.accelerators if score >= a.at_least_score]
    return reached[-1] if reached else Decimal(1)


def earned_lines(plan: CommissionPlan, basis: Decimal, multiplier: Decimal) -> list[StatementLine]:
    """The period's own lines: its bands, the accelerator and the cap."""
    lines: list[StatementLine] = list(band_lines(plan, basis))
    earned = total(lines)
    if multiplier != 1 and earned:
        extra = quantize_money(earned * (multiplier - 1), plan.currency)
        lines.append(AcceleratorLine(multiplier=multiplier, amount=extra))
        earned += extra
    cap = quantize_money(plan.cap, plan.currency) if plan.cap is not None else None
    if cap is not None and earned > cap:
        lines.append(CapLine(cap=cap, amount=cap - earned))
    return lines


def total(lines: Sequence[StatementLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))


@dataclass(frozen=True)
class Settled:
    """What the statements sealed so far paid a rep for one earlier period."""

    period: str
    cutoff: int  # the ledger position that period's appraisal saw
    plan: CommissionPlan
    multiplier: Decimal
    amount: Decimal  # its own lines plus every adjustment for it sealed since
    credits: tuple[Credit, ...]  # the rep's basis contributions to that period, as known now


def adjustment_line(settled: Settled) -> AdjustmentLine | None:
    """The line that brings an earlier period to what it earns as known now; None when nothing moved."""
    now = total(earned_lines(settled.plan, basis_of(settled.plan, settled.credits), settled.multiplier))
    difference = now - settled.amount
    if not difference:
        return None
    return AdjustmentLine(
        kind="clawback" if difference < 0 else "adjustment",
        period=settled.period,
        was=settled.amount,
        now=now,
        amount=difference,
        positions=tuple(sorted({c.position for c in settled.credits if c.position > settled.cutoff})),
    )


def statement(
    plan_id: str,
    version: int,
    plan: CommissionPlan,
    credits: Sequence[Credit],
    score: Decimal,
    earlier: Sequence[Settled],
) -> Statement:
    """A rep's commission statement for a period: `credits` are the rep's in the period."""
    basis = basis_of(plan, credits)
    multiplier = multiplier_for(plan, score)
    own = earned_lines(plan, basis, multiplier)
    adjustments = [line for line in map(adjustment_line, earlier) if line is not None]
    return Statement(
        plan_id=plan_id,
        plan_version=version,
        currency=plan.currency,
        measure=plan.basis,
        basis=basis,
        events=tuple(
            BasisEvent(c.position, c.value)
            for c in sorted(credits, key=lambda c: (c.position, c.value))
            if c.measure == plan.basis and c.currency == plan.currency
        ),
        multiplier=multiplier,
        earned=total(own),
        lines=(*own, *adjustments),
        total=total([*own, *adjustments]),
    )
