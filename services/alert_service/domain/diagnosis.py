"""Why a subject is drifting, in a manager's words: a resource gap (too little activity, fewer visits and
leads per rep than their peers: give them more leads or time) or a capability gap (activity on par, but
leads or deals convert worse than the peers': coach them). Peers are the rep's team, or for a team the
company's reps; figures are per rep over the warning's window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared.kernel.metrics.figures import Credit, metric_value, totals
from shared.kernel.money import quantize_ratio

INPUTS = ("visits", "leads_created")
CONVERSIONS = ("lead_conversion_rate", "win_rate")
ON_PAR = Decimal("0.8")  # under 80% of the peers' activity per rep is too little activity
CONVERSION_NAMES = {"lead_conversion_rate": "lead conversion", "win_rate": "win rate"}


class Gap(StrEnum):
    RESOURCE = "resource"
    CAPABILITY = "capability"
    UNCLEAR = "unclear"


class Remedy(StrEnum):
    """What a gap calls for."""

    RESOURCES = "resources"
    COACHING = "coaching"
    REVIEW = "review"


@dataclass(frozen=True)
class Diagnosis:
    gap: Gap
    action: Remedy
    reason: str
    figures: dict[str, Any]  # per rep, the subject's and the peers': the inputs and the conversion rates

    def to_json(self) -> dict[str, Any]:
        return {"gap": self.gap.value, "action": self.action.value, "reason": self.reason, "figures": self.figures}

    @classmethod
    def from_json(cls, recorded: dict[str, Any]) -> Diagnosis:
        return cls(Gap(recorded["gap"]), Remedy(recorded["action"]), recorded["reason"], recorded["figures"])


def _per_rep(credits: Iterable[Credit], reps: int) -> dict[str, Any]:
    summed = totals(credits, None)
    figures: dict[str, Any] = {m: quantize_ratio(summed.get(m, Decimal(0)) / reps) for m in INPUTS}
    figures.update({rate: metric_value(rate, summed) for rate in CONVERSIONS})
    return figures


def _percent(value: Decimal) -> str:
    return f"{value * 100:.1f}%"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def diagnose(name: str, span: str, mine: list[Credit], my_reps: int, peers: list[Credit], peer_reps: int) -> Diagnosis:
    """`mine` and `peers` hold visits, leads, conversions and deals over `span`, for `my_reps` and
    `peer_reps` reps (at least one each)."""
    me, them = _per_rep(mine, max(my_reps, 1)), _per_rep(peers, max(peer_reps, 1))
    figures = {"subject": me, "peers": them, "peer_reps": peer_reps}
    activity = sum(me[m] for m in INPUTS)
    peer_activity = sum(them[m] for m in INPUTS)
    said = (
        f"{_number(me['visits'])} visits and {_number(me['leads_created'])} new leads per rep in {span}, "
        f"against {_number(them['visits'])} and {_number(them['leads_created'])} across the peers"
    )
    if activity < peer_activity * ON_PAR or activity == peer_activity == 0:
        return Diagnosis(
            Gap.RESOURCE,
            Remedy.RESOURCES,
            f"{name}: {said}. Too little activity to convert: a resource gap; add leads or time for visits.",
            figures,
        )
    for rate in CONVERSIONS:
        mine_rate, peer_rate = me[rate], them[rate]
        if mine_rate is not None and peer_rate is not None and mine_rate < peer_rate:
            return Diagnosis(
                Gap.CAPABILITY,
                Remedy.COACHING,
                f"{name}: activity is on par ({said}), but {CONVERSION_NAMES[rate]} is {_percent(mine_rate)} "
                f"against {_percent(peer_rate)} for the peers: a capability gap; coaching on converting helps.",
                figures,
            )
    return Diagnosis(
        Gap.UNCLEAR,
        Remedy.REVIEW,
        f"{name}: activity and conversion are on par with the peers ({said}); look at deal sizes and timing.",
        figures,
    )
