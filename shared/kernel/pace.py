"""A goal's standing on a business day against its period's working days: its actual, completion (完成率),
the working days elapsed of those in the period, pace and forecast. Goal progress (goal_service) and the
warning rules (alert_service) both judge goals by these figures, so they are computed here once.

- actual: the goal's metric over its owner and period, up to the end of the day (a rate: its measures'
  ratio; money only in the goal's currency)
- completion: actual / target
- working days: those in the period, and those elapsed from its first day to the day (0 before the period
  starts, all of them once it is over), with the calendar versions that counted them
- pace: completion / (elapsed / total), computed from the exact figures as actual x total / (target x
  elapsed) and rounded once; 1 is exactly on track. Before the period's first working day there is no pace
  (None, never 0): nothing has been asked of the owner yet, so they are neither behind nor ahead.
- forecast: `shared.kernel.metrics.figures.forecast`, which is None before the first working day too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.kernel.goals import Goal, GoalVersion
from shared.kernel.metrics.catalogue import MEASURES, Unit, measures_needed
from shared.kernel.metrics.figures import Credit, forecast, metric_value, owned, ratio, totals, window
from shared.kernel.organisation import Organisation
from shared.kernel.periods import Period
from shared.kernel.workdays import WorkingCalendar


@dataclass(frozen=True)
class WorkingDays:
    total: int  # in the period
    elapsed: int  # from the period's first day up to the day judged, both included
    calendar_versions: dict[int, int]  # {year: version} of the calendar years that counted them


def working_days(calendar: WorkingCalendar, period: Period, as_of: date) -> WorkingDays:
    """The period's working days and those elapsed by the end of `as_of`."""
    return WorkingDays(
        total=calendar.working_days(period.first_day, period.last_day),
        elapsed=calendar.working_days(period.first_day, min(as_of, period.last_day)),
        calendar_versions=calendar.versions(period.first_day, period.last_day),
    )


def pace(actual: Decimal | None, target: Decimal, days: WorkingDays) -> Decimal | None:
    """actual x total / (target x elapsed), rounded once (4 places, half up); None before the first working
    day, without an actual, or against a zero target."""
    if actual is None or not days.elapsed:
        return None
    return ratio(actual * days.total, target * days.elapsed)


@dataclass(frozen=True)
class GoalStanding:
    version: GoalVersion  # the goal's current version: its target
    actual: Decimal | None  # None for a rate with nothing to divide by
    credited: list[Credit]  # the owner's credits the actual counts, so a figure can name its entries
    completion: Decimal | None
    working_days: WorkingDays
    pace: Decimal | None
    forecast: Decimal | None


def goal_standing(
    goal: Goal,
    credits: list[Credit],
    organisation: Organisation,
    calendar: WorkingCalendar,
    as_of: date,
    *,
    days: WorkingDays | None = None,
) -> GoalStanding:
    """The goal's current version on the day `as_of`. `credits` hold at least the goal's measures for its
    owner over its period up to `as_of` (a level: all its history); the rest are passed over. `days`, when
    the caller counted them already, are `working_days(calendar, goal.period, as_of)`."""
    version = goal.current
    period, currency = goal.period, goal.currency
    mine = owned(credits, organisation, goal.owner_kind, goal.owner_id)
    in_period = window(mine, period.first_day, min(as_of, period.last_day))
    actual = metric_value(goal.metric, totals(in_period, currency, period.first_day))
    needed = measures_needed(goal.metric)
    credited = [
        c
        for c in in_period
        if c.measure in needed and (MEASURES[c.measure].unit is not Unit.MONEY or c.currency == currency)
    ]
    days = days or working_days(calendar, period, as_of)
    return GoalStanding(
        version=version,
        actual=actual,
        credited=credited,
        completion=ratio(actual, version.target) if actual is not None else None,
        working_days=days,
        pace=pace(actual, version.target, days),
        forecast=forecast(goal.metric, actual, days.total, days.elapsed, currency),
    )
