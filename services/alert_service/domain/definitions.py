"""The built-in warning rules and their parameters, as HR defines them, version by version. Each model
checks itself, so a version that was accepted is one the evaluation can apply. The README's warning-rule
table is this module in words."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator

from services.alert_service.domain.facts import MEASURES_READ
from shared.kernel.events.activities import Schema
from shared.kernel.metrics.catalogue import MEASURES
from shared.kernel.money import CurrencyCode

Ratio = Annotated[Decimal, Field(gt=0, le=10, decimal_places=4)]  # 0.8 is 80%
# What a goal rule can watch: the measures the watcher reads, summed over a period (the customer base, a
# level folded from all history, has no weekly share and no forecast, and is not read for every day judged).
SUMMED = tuple(key for key in MEASURES_READ if not MEASURES[key].level)
Amount = Annotated[Decimal, Field(ge=0, lt=Decimal(10) ** 15, decimal_places=6)]


class RuleDefinition(Schema):
    enabled: bool = Field(True, description="A disabled version raises nothing and clears nothing.")


class GoalRule(RuleDefinition):
    """A rule on goals of one summed metric (a rate has no weekly share and no forecast)."""

    metric: str = Field("revenue_won", description="The metric of the goals this rule watches.")

    @field_validator("metric")
    @classmethod
    def _summed(cls, value: str) -> str:
        if value not in SUMMED:
            raise ValueError(f"{value} is not a summed metric; use one of {', '.join(SUMMED)}")
        return value


class WeeklyGoalCompletion(GoalRule):
    """Weekly goal completion (actual / the week's goal) below `threshold` at the week's end; before it,
    from the `pace_from_working_day`-th working day of the week, pace (completion / share of the week's
    working days elapsed) below `threshold`."""

    kind: Literal["weekly_goal_completion"]
    threshold: Ratio = Decimal("0.8")
    pace_from_working_day: int = Field(2, ge=1, le=7)


class LeadConversionBelowTeamMean(RuleDefinition):
    """A rep's lead conversion (leads converted / leads created) below the mean of their team's reps in each
    of the last `weeks` complete weeks. A week in which the rep created fewer than `min_leads` leads does
    not count either way, so the streak needs enough leads to judge."""

    kind: Literal["lead_conversion_below_team_mean"]
    weeks: int = Field(2, ge=1, le=8)
    min_leads: int = Field(1, ge=1, le=1000)


class NoVisits(RuleDefinition):
    """No completed visit for `working_days` working days (weekends and holidays do not count; make-up
    working days, 调休, do)."""

    kind: Literal["no_visits"]
    working_days: int = Field(3, ge=1, le=60)


class CollectionRateBelow(RuleDefinition):
    """At the end of each `period`, payments collected / revenue won in it (回款率) below `threshold`, for a
    rep who won at least `min_revenue` in `currency`."""

    kind: Literal["collection_rate_below"]
    threshold: Ratio = Decimal("0.7")
    period: Literal["month", "quarter"] = "month"
    currency: CurrencyCode = "CNY"
    min_revenue: Amount = Decimal(0)


class LargeDealVoided(RuleDefinition):
    """A won deal of at least `min_amount` in `currency` voided: raised at the void's ledger position."""

    kind: Literal["large_deal_voided"]
    min_amount: Amount
    currency: CurrencyCode = "CNY"


class ForecastMiss(GoalRule):
    """A rep's or team's goal for a `period` that its forecast (actual x working days in the period /
    working days elapsed) will miss: forecast below `threshold` x target, judged from the
    `min_elapsed_working_days`-th working day on."""

    kind: Literal["forecast_miss"]
    period: Literal["month", "quarter", "year"] = "month"
    threshold: Ratio = Decimal("1")
    min_elapsed_working_days: int = Field(5, ge=1, le=250)


class AppraisalScoreBelow(RuleDefinition):
    """A sealed appraisal (from scoring_service, when alert_service follows it) scoring below `threshold`
    points: raised when the appraisal is sealed, cleared by a later revision at or above it."""

    kind: Literal["appraisal_score_below"]
    threshold: Annotated[Decimal, Field(gt=0, le=1000, decimal_places=2)] = Decimal(60)


AnyWarningRule = (
    WeeklyGoalCompletion
    | LeadConversionBelowTeamMean
    | NoVisits
    | CollectionRateBelow
    | LargeDealVoided
    | ForecastMiss
    | AppraisalScoreBelow
)
WarningRuleDefinition = Annotated[AnyWarningRule, Field(discriminator="kind")]  # one of them, told by its kind
