"""Goal progress, a pure function of credited contributions, the organisation and the working-day
calendar as known at one ledger position, and a business day (`as_of`):


- actual: the metric over the goal's owner and period, up to the end of `as_of` (a rate: its measures' ratio)
- completion (完成率): actual / target
- pace: completion / (working days elapsed / working days in the period); 1 is exactly on track
- forecast: actual * working days in the period / working days elapsed (a rate forecasts itself)
- trend: the last 7 days against the 7 before, (this - before) / before
- growth (环比, 同比): the period so far against as many days of the period before and of the year before
- sub-targets: part / whole as a percent, against each floor
Contributions are attributed to the team their rep belonged to on the day they occurred. Money counts
only in the goal's currency. Ratios are rounded to 4 places, half up; sums are exact."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.goals import Goal, GoalVersion
from shared.metrics.catalogue import RATES
from shared.metrics.figures import Credit, metric_value, owned, ratio, totals
from shared.money import quantize_money
from shared.organisation import Organisation
from shared.workdays import WorkingCalendar


def _slice(credits: list[Credit], part: Mapping[str, Any], currency: str | None) -> Decimal:
    chosen = [
        c
        for c in credits
        if c.measure == part["measure"]
        and all(part.get(key) is None or getattr(c, key) == part[key] for key in ("product", "region"))
    ]
    return totals(chosen, currency).get(part["measure"], Decimal(0))


def sub_target_progress(
    credits: list[Credit], sub_targets: Iterable[Mapping[str, Any]], currency: str | None
) -> list[dict[str, Any]]:
    found = []
    for sub in sub_targets:
        part, whole = _slice(credits, sub["part"], currency), _slice(credits, sub["whole"], currency)
        share = ratio(part * 100, whole)
        floor = Decimal(sub["at_least_percent"])
        found.append(
            {
                "description": sub["description"],
                "part": part,
                "whole": whole,
                "percent": share,
                "at_least_percent": floor,
                "met": share is not None and share >= floor,
            }
        )
    return found


def drill_down(
    credits: list[Credit], metric: str, currency: str | None, organisation: Organisation, dimension: str
) -> dict[str, Decimal | None]:
    groups: dict[str, list[Credit]] = defaultdict(list)
    for credit in credits:
        if dimension == "rep":
            key = credit.rep_id
        elif dimension == "team":
            key = organisation.unit_of(credit.rep_id, credit.day) or "unassigned"
        else:
            key = getattr(credit, dimension) or "unspecified"
        groups[key].append(credit)
    return {key: metric_value(metric, totals(group, currency)) for key, group in sorted(groups.items())}


def progress(
    goal: Goal,
    version: GoalVersion,
    credits: list[Credit],
    organisation: Organisation,
    calendar: WorkingCalendar,
    as_of: date,
    drill: str | None = None,
) -> dict[str, Any]:
    """`credits` hold the goal's measures over its period up to `as_of`, for anyone; this picks the owner's."""
    period = goal.period
    mine = owned(credits, organisation, goal.owner_kind, goal.owner_id)
    actual = metric_value(goal.metric, totals(mine, goal.currency))
    last_day = min(as_of, period.last_day)
    total_days = calendar.working_days(period.first_day, period.last_day)
    elapsed = calendar.working_days(period.first_day, last_day) if as_of >= period.first_day else 0
    completion = ratio(actual, version.target) if actual is not None else None
    additive = goal.metric not in RATES
    forecast = actual
    if additive and actual is not None:
        forecast = actual * total_days / elapsed if elapsed else None
    week = [c for c in mine if as_of - timedelta(days=6) <= c.day <= as_of]
    week_before = [c for c in mine if as_of - timedelta(days=13) <= c.day <= as_of - timedelta(days=7)]
    this_week = metric_value(goal.metric, totals(week, goal.currency))
    last_week = metric_value(goal.metric, totals(week_before, goal.currency))
    return {
        "goal_id": goal.goal_id,
        "metric": goal.metric,
        "owner": {"kind": goal.owner_kind, "id": goal.owner_id},
        "period": period.key,
        "as_of": as_of,
        "goal_version": version.version,
        "currency": goal.currency,
        "target": version.target,
        "actual": actual,
        "completion": completion,
        "working_days": {
            "total": total_days,
            "elapsed": elapsed,
            "calendar_versions": calendar.versions(period.first_day, period.last_day),
        },
        # pace from the exact figures: completion / (elapsed / total), rounded once
        "pace": ratio(actual * total_days, version.target * elapsed) if actual is not None and elapsed else None,
        "forecast": quantize_money(forecast, goal.currency or "") if additive and forecast is not None else forecast,
        "trend": {
            "last_7_days": this_week,
            "previous_7_days": last_week,
            "change": ratio(this_week - last_week, last_week)
            if None not in (this_week, last_week) and last_week
            else None,
        },
        "sub_targets": sub_target_progress(mine, version.sub_targets, goal.currency),
        **({"drill_down": {drill: drill_down(mine, goal.metric, goal.currency, organisation, drill)}} if drill else {}),
    }
