"""What HR defines, version by version: scorecards (KPIs with weights and scoring curves), commission plans
(marginal tiers, accelerators, a cap) and bonus pools. Each model checks itself, so a definition that was
accepted is one the scoring rules can apply."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import Field, ValidationInfo, model_validator

from shared.kernel.events.activities import Ref, Schema, Text
from shared.kernel.metrics.catalogue import RENAMED, counts_money, is_metric
from shared.kernel.money import CurrencyCode

HUNDRED = Decimal(100)
Quantity = Annotated[Decimal, Field(ge=0, lt=Decimal(10) ** 15, decimal_places=6)]
Percent = Annotated[Decimal, Field(gt=0, le=100, decimal_places=4)]
Ratio = Annotated[Decimal, Field(ge=0, le=10, decimal_places=4)]  # completion as a fraction: 1.2 is 120%
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class LinearCurve(Schema):
    """Points = completion x 100, capped; below the gate (if any) nothing."""

    kind: Literal["linear"] = "linear"
    cap: Ratio = Decimal("1.2")
    gate: Ratio | None = None


class Step(Schema):
    at_least: Ratio
    points: Annotated[Decimal, Field(ge=0, le=1000, decimal_places=4)]


class StepCurve(Schema):
    """The points of the highest step whose completion is reached; none below the lowest."""

    kind: Literal["steps"]
    steps: Annotated[list[Step], Field(min_length=1, max_length=20)]

    @model_validator(mode="after")
    def _ascending(self) -> Self:
        if [s.at_least for s in self.steps] != sorted({s.at_least for s in self.steps}):
            raise ValueError("steps must rise strictly by at_least")
        return self


class InverseCurve(Schema):
    """Lower is better (churn): completion is target / actual, then as linear; an actual of 0 earns the cap."""

    kind: Literal["inverse"]
    cap: Ratio = Decimal("1.2")
    gate: Ratio | None = None


Curve = Annotated[LinearCurve | StepCurve | InverseCurve, Field(discriminator="kind")]


class Kpi(Schema):
    key: Key
    name: Text
    group: Literal["result", "process"]  # 结果指标 / 过程指标
    weight: Percent
    metric: str | None = Field(None, description="A metric of the catalogue; omit for a rated KPI.")
    target: Quantity | Literal["goal"] | None = Field(
        None, description='A fixed target per period, or "goal": each rep\'s own goal for the metric and period.'
    )
    rating_scale: Quantity | None = Field(None, description="For a rated KPI: the highest rating, e.g. 5 or 100.")
    curve: Curve = Field(default_factory=LinearCurve)

    @model_validator(mode="after")
    def _source(self, info: ValidationInfo) -> Self:
        if (self.metric is None) == (self.rating_scale is None):
            raise ValueError(f"KPI {self.key}: give either a metric or a rating_scale")
        if self.metric is not None:
            # A renamed metric keeps its old meaning in versions stored under it; a new version uses the new name.
            if self.metric in RENAMED and not (info.context or {}).get("stored"):
                raise ValueError(
                    f"KPI {self.key}: {self.metric} is now {RENAMED[self.metric]}; the seeds' churn, customers "
                    "lost over the customers at the period's start, is customer_churn_rate"
                )
            if not is_metric(self.metric):
                raise ValueError(f"KPI {self.key}: unknown metric {self.metric}; see the metric catalogue")
            if self.target is None:
                raise ValueError(f"KPI {self.key}: a metric KPI needs a target")
        elif self.target is not None:
            raise ValueError(f"KPI {self.key}: a rated KPI has no target; completion is rating / rating_scale")
        if self.rating_scale is not None and self.rating_scale <= 0:
            raise ValueError(f"KPI {self.key}: rating_scale must be positive")
        return self


class Scorecard(Schema):
    name: Text
    applies_to: Ref = Field(description="The unit whose reps it scores (the company for everyone).")
    currency: CurrencyCode | None = Field(None, description="The currency money KPIs count in.")
    kpis: Annotated[list[Kpi], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _weights(self) -> Self:
        keys = [k.key for k in self.kpis]
        if len(set(keys)) != len(keys):
            raise ValueError("KPI keys must be unique")
        total = sum((k.weight for k in self.kpis), Decimal(0))
        if total != HUNDRED:
            raise ValueError(f"KPI weights must sum to 100; they sum to {total}")
        if self.currency is None and any(k.metric and counts_money(k.metric) for k in self.kpis):
            raise ValueError("a scorecard with money KPIs names its currency")
        return self


class Tier(Schema):
    up_to: Quantity | None = Field(description="The band's upper bound; null for the top band.")
    rate: Annotated[Decimal, Field(ge=0, le=1, decimal_places=6)]


class Accelerator(Schema):
    at_least_score: Annotated[Decimal, Field(ge=0, le=1000, decimal_places=4)]
    multiplier: Annotated[Decimal, Field(ge=0, le=10, decimal_places=4)]


class CommissionPlan(Schema):
    name: Text
    applies_to: Ref
    currency: CurrencyCode
    basis: Literal["revenue_won", "payments_collected"]
    tiers: Annotated[list[Tier], Field(min_length=1, max_length=20)]
    accelerators: Annotated[list[Accelerator], Field(max_length=20, default_factory=list)]
    cap: Quantity | None = Field(None, description="The most one statement period earns, accelerators included.")

    @model_validator(mode="after")
    def _bands(self) -> Self:
        bounds = [t.up_to for t in self.tiers]
        if bounds[-1] is not None or None in bounds[:-1]:
            raise ValueError("every band but the last has an upper bound; the last has none")
        if bounds[:-1] != sorted(set(bounds[:-1])):  # type: ignore[type-var]
            raise ValueError("band bounds must rise strictly")
        thresholds = [a.at_least_score for a in self.accelerators]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("accelerators must rise strictly by at_least_score")
        return self


class BonusPool(Schema):
    name: Text
    applies_to: Ref = Field(description="The unit whose teams each get a pool.")
    currency: CurrencyCode
    percent_of_team_revenue: Percent
    split: Literal["rank_weights", "score_share"]
    rank_weights: Annotated[list[Quantity], Field(max_length=100, default_factory=list)]

    @model_validator(mode="after")
    def _weights(self) -> Self:
        if self.split == "rank_weights" and not any(self.rank_weights):
            raise ValueError("a split by rank names rank_weights, not all zero")
        return self


class AppealPolicy(Schema):
    """How long a rep has to appeal a published appraisal."""

    working_days: int = Field(3, ge=1, le=20, description="Working days after the day of publication.")


RuleDefinition = Scorecard | CommissionPlan | BonusPool | AppealPolicy
RULE_KINDS: dict[str, type[Scorecard] | type[CommissionPlan] | type[BonusPool] | type[AppealPolicy]] = {
    "scorecard": Scorecard,
    "commission_plan": CommissionPlan,
    "bonus_pool": BonusPool,
    "appeal_policy": AppealPolicy,
}
APPRAISED_KINDS = ("scorecard", "commission_plan", "bonus_pool")  # the rules an appraisal reads
# How a definition is read back from a stored version: by the names it was stored under (Kpi._source).
STORED = {"stored": True}
