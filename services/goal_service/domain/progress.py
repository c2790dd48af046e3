"""Goal progress, a pure function of credited contributions, the organisation and the working-day
calendar as known at one ledger position, and a business day (`as_of`):

- actual: the metric over the goal's owner and period, up to the end of `as_of` (a rate: its measures' ratio)
- completion (完成率): actual / target
- pace: completion / (working days elapsed / working days in the period); 1 is exactly on track
- forecast: actual * working days in the period / working days elapsed (a rate or a level forecasts itself)
- trend: the last 7 days against the 7 before, (this - before) / before
- growth (环比, 同比): a complete period against the whole earlier period; one in progress against as many
  first days of it (`shared.kernel.periods.growth_spans`); every answer names the basis and the days compared
- sub-targets: part / whole as a percent, against each floor
Contributions are attributed to the team their rep belonged to on the day they occurred. Money counts
only in the goal's currency. Ratios are rounded to 4 places, half up; sums are exact. Every figure is
written as `shared.kernel.metrics.figures.show_figure` writes it: money to at least the minor unit, counts as
integers, ratios at 4 places."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.kernel.goals import Goal, GoalVersion
from shared.kernel.metrics.figures import (
    Credit,
    forecast,
    growth,
    metric_value,
    owned,
    ratio,
    show_figure,
    totals,
    window,
)
from shared.kernel.organisation import Organisation
from shared.kernel.periods import GrowthSpans, Span, growth_spans
from shared.kernel.workdays import WorkingCalendar


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
                "part": show_figure(sub["part"]["measure"], part, currency),
                "whole": show_figure(sub["whole"]["measure"], whole, currency),
                "percent": share,
                "at_least_percent": floor,
                "met": share is not None and share >= floor,
            }
        )
    return found


def drill_down(
    credits: list[Credit], metric: str, currency: str | None, organisation: Organisation, dimension: str, since: date
) -> dict[str, Any]:
    groups: dict[str, list[Credit]] = defaultdict(list)
    for credit in credits:
        if dimension == "rep":
            key = credit.rep_id
        elif dimension == "team":
            key = organisation.unit_of(credit.rep_id, credit.team_day) or "unassigned"
        else:
            key = getattr(credit, dimension) or "unspecified"
        groups[key].append(credit)
    return {
        key: show_figure(metric, metric_value(metric, totals(group, currency, since)), currency)
        for key, group in sorted(groups.items())
    }


def progress(
    goal: Goal,
    version: GoalVersion,
    credits: list[Credit],
    organisation: Organisation,
    calendar: WorkingCalendar,
    as_of: date,
    drill: str | None = None,
    earlier: Mapping[str, list[Credit]] | None = None,
) -> dict[str, Any]:
    """`credits` hold the goal's measures for anyone, from at least the period's first day and the 13 days
    before `as_of` up to `as_of` (a level: all its history); this picks the owner's. With `earlier`, the
    credits of the spans `growth_spans(goal.period, as_of)` compares with, the answer has its growth."""
    period, currency = goal.period, goal.currency
    mine = owned(credits, organisation, goal.owner_kind, goal.owner_id)
    last_day = min(as_of, period.last_day)
    in_period = window(mine, period.first_day, last_day)
    actual = metric_value(goal.metric, totals(in_period, currency, period.first_day))
    total_days = calendar.working_days(period.first_day, period.last_day)
    elapsed = calendar.working_days(period.first_day, last_day) if as_of >= period.first_day else 0
    completion = ratio(actual, version.target) if actual is not None else None
    week_first, before_first = as_of - timedelta(days=6), as_of - timedelta(days=13)
    this_week = metric_value(goal.metric, totals(window(mine, week_first, as_of), currency, week_first))
    last_week = metric_value(
        goal.metric, totals(window(mine, before_first, as_of - timedelta(days=7)), currency, before_first)
    )

    def shown(value: Decimal | None) -> Any:
        return show_figure(goal.metric, value, currency)

    return {
        "goal_id": goal.goal_id,
        "metric": goal.metric,
        "owner": {"kind": goal.owner_kind, "id": goal.owner_id},
        "period": period.key,
        "as_of": as_of,
        "goal_version": version.version,
        "currency": currency,
        "target": shown(version.target),
        "actual": shown(actual),
        "completion": completion,
        "working_days": {
            "total": total_days,
            "elapsed": elapsed,
            "calendar_versions": calendar.versions(period.first_day, period.last_day),
        },
        # pace from the exact figures: completion / (elapsed / total), rounded once
        "pace": ratio(actual * total_days, version.target * elapsed) if actual is not None and elapsed else None,
        "forecast": shown(forecast(goal.metric, actual, total_days, elapsed, currency)),
        "trend": {
            "last_7_days": shown(this_week),
            "previous_7_days": shown(last_week),
            "change": ratio(this_week - last_week, last_week)
            if None not in (this_week, last_week) and last_week
            else None,
        },
        "sub_targets": sub_target_progress(in_period, version.sub_targets, currency),
        **(
            {"drill_down": {drill: drill_down(in_period, goal.metric, currency, organisation, drill, period.first_day)}}
            if drill
            else {}
        ),
        **(
            {"growth": growth_progress(goal, growth_spans(period, as_of), actual, earlier, organisation)}
            if earlier is not None
            else {}
        ),
    }


def _span(span: Span) -> dict[str, Any]:
    return {"period": span.period.key, "from": span.first, "through": span.last}


def growth_progress(
    goal: Goal,
    spans: GrowthSpans | None,
    actual: Decimal | None,
    earlier: Mapping[str, list[Credit]],
    organisation: Organisation,
) -> dict[str, Any]:
    """环比 and 同比 of the goal's actual: each names its basis and the days it compares. `earlier` holds
    the credits of the `previous_period` and `a_year_before` spans (a level: all its history)."""
    if spans is None:
        return {"basis": "not_started", "this": None, "previous_period": None, "a_year_before": None}
    found: dict[str, Any] = {
        "basis": spans.basis.value,
        "this": {**_span(spans.this), "actual": show_figure(goal.metric, actual, goal.currency)},
    }
    for name, span in (("previous_period", spans.previous_period), ("a_year_before", spans.a_year_before)):
        mine = window(owned(earlier[name], organisation, goal.owner_kind, goal.owner_id), span.first, span.last)
        then = metric_value(goal.metric, totals(mine, goal.currency, span.first))
        found[name] = {
            "basis": spans.basis.value,
            **_span(span),
            "actual": show_figure(goal.metric, then, goal.currency),
            "change": growth(actual, then),
        }
    return found
