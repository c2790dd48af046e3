"""Goal progress, a pure function of credited contributions, the organisation and the working-day
calendar as known at one ledger position, and a business day (`as_of`):

- actual, completion (完成率), working days, pace and forecast: the goal's standing on the day, computed as
  the warning rules compute it (`shared.kernel.pace`)
- trend: the last 7 days against the 7 before, (this - before) / before
- growth (环比, 同比): a complete period against the whole earlier period; one in progress against as many
  first days of it (`shared.kernel.periods.growth_spans`); every answer names the basis and the days compared
- sub-targets: part / whole as a percent, against each floor
- drill-down: the actual by rep, team, region or product
Contributions are attributed to the team their rep belonged to on the day they occurred. Money counts
only in the goal's currency. Ratios are rounded to 4 places, half up; sums are exact. The figures here are
exact; an answer writes them as `shared.kernel.metrics.figures.show_figure` does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from shared.kernel.goals import Goal, GoalVersion, Slice, SubTarget
from shared.kernel.metrics.figures import Credit, growth, metric_value, owned, ratio, totals, window
from shared.kernel.organisation import Organisation
from shared.kernel.pace import GoalStanding, goal_standing
from shared.kernel.periods import GrowthBasis, GrowthSpans, Period, Span, growth_spans
from shared.kernel.workdays import WorkingCalendar

TREND_DAYS = 7
# What progress reads before `as_of` besides the goal's period: the two weeks its trend compares.
TREND_LOOKBACK = timedelta(days=2 * TREND_DAYS - 1)


class Drill(StrEnum):
    """What the actual can be broken down by."""

    REP = "rep"
    TEAM = "team"
    REGION = "region"
    PRODUCT = "product"


@dataclass(frozen=True)
class Trend:
    last_7_days: Decimal | None
    previous_7_days: Decimal | None
    change: Decimal | None  # (last - previous) / previous; None when there was nothing before


@dataclass(frozen=True)
class SubTargetProgress:
    terms: SubTarget
    part: Decimal
    whole: Decimal
    percent: Decimal | None  # part / whole x 100, None while the whole is 0
    met: bool


@dataclass(frozen=True)
class EarlierSpan:
    """The goal's actual over an earlier span, and the growth to now."""

    span: Span
    actual: Decimal | None
    change: Decimal | None


@dataclass(frozen=True)
class Growth:
    """环比 and 同比: `this` span against the previous period's and the year before's; before the period
    begins (basis `not_started`) there is nothing to compare, and the spans are None."""

    basis: GrowthBasis
    this: Span | None
    actual: Decimal | None  # over `this`
    previous_period: EarlierSpan | None
    a_year_before: EarlierSpan | None


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    as_of: date
    standing: GoalStanding
    trend: Trend
    sub_targets: list[SubTargetProgress]
    drill_down: dict[Drill, dict[str, Decimal | None]] | None  # only when asked for
    growth: Growth | None  # only when the earlier spans' credits were given

    @property
    def version(self) -> GoalVersion:
        return self.standing.version


def _slice(credits: list[Credit], part: Slice, currency: str | None) -> Decimal:
    chosen = [
        c
        for c in credits
        if c.measure == part.measure
        and (part.product is None or c.product == part.product)
        and (part.region is None or c.region == part.region)
    ]
    return totals(chosen, currency).get(part.measure, Decimal(0))


def sub_target_progress(
    credits: list[Credit], sub_targets: tuple[SubTarget, ...], currency: str | None
) -> list[SubTargetProgress]:
    found = []
    for sub in sub_targets:
        part, whole = _slice(credits, sub.part, currency), _slice(credits, sub.whole, currency)
        share = ratio(part * 100, whole)
        found.append(SubTargetProgress(sub, part, whole, share, share is not None and share >= sub.at_least_percent))
    return found


def drill_down(
    credits: list[Credit], metric: str, currency: str | None, organisation: Organisation, dimension: Drill, since: date
) -> dict[str, Decimal | None]:
    groups: dict[str, list[Credit]] = defaultdict(list)
    for credit in credits:
        key: str | None
        if dimension is Drill.REP:
            key = credit.rep_id
        elif dimension is Drill.TEAM:
            key = organisation.unit_of(credit.rep_id, credit.team_day) or "unassigned"
        else:
            key = (credit.product if dimension is Drill.PRODUCT else credit.region) or "unspecified"
        groups[key].append(credit)
    return {key: metric_value(metric, totals(group, currency, since)) for key, group in sorted(groups.items())}


def trend(goal: Goal, mine: list[Credit], as_of: date) -> Trend:
    week_first, before_first = as_of - timedelta(days=TREND_DAYS - 1), as_of - TREND_LOOKBACK
    this_week = metric_value(goal.metric, totals(window(mine, week_first, as_of), goal.currency, week_first))
    last_week = metric_value(
        goal.metric,
        totals(window(mine, before_first, as_of - timedelta(days=TREND_DAYS)), goal.currency, before_first),
    )
    change = ratio(this_week - last_week, last_week) if this_week is not None and last_week else None
    return Trend(this_week, last_week, change)


def span_starts(period: Period, as_of: date) -> tuple[date, date, date]:
    """The days on which the spans `progress` sums over begin (the period, the trend's two weeks); each
    ends the day before another begins or on `as_of`. Credits summed per span between these days give the
    same figures as credits per day (shared.kernel.ledger_views.day_sum_reads)."""
    return period.first_day, as_of - TREND_LOOKBACK, as_of - timedelta(days=TREND_DAYS - 1)


def progress(
    goal: Goal,
    credits: list[Credit],
    organisation: Organisation,
    calendar: WorkingCalendar,
    as_of: date,
    drill: Drill | None = None,
    earlier: Mapping[str, list[Credit]] | None = None,
) -> GoalProgress:
    """`credits` hold the goal's measures for anyone, from at least the period's first day and the 13 days
    before `as_of` up to `as_of` (a level: all its history); this picks the owner's. With `earlier`, the
    credits of the spans `growth_spans(goal.period, as_of)` compares with, the answer has its growth."""
    period, currency = goal.period, goal.currency
    standing = goal_standing(goal, credits, organisation, calendar, as_of)
    mine = owned(credits, organisation, goal.owner_kind, goal.owner_id)
    in_period = window(mine, period.first_day, min(as_of, period.last_day))
    return GoalProgress(
        goal=goal,
        as_of=as_of,
        standing=standing,
        trend=trend(goal, mine, as_of),
        sub_targets=sub_target_progress(in_period, standing.version.sub_targets, currency),
        drill_down=(
            {drill: drill_down(in_period, goal.metric, currency, organisation, drill, period.first_day)}
            if drill
            else None
        ),
        growth=(
            growth_progress(goal, growth_spans(period, as_of), standing.actual, earlier, organisation)
            if earlier is not None
            else None
        ),
    )


def growth_progress(
    goal: Goal,
    spans: GrowthSpans | None,
    actual: Decimal | None,
    earlier: Mapping[str, list[Credit]],
    organisation: Organisation,
) -> Growth:
    """环比 and 同比 of the goal's actual. `earlier` holds the credits of the `previous_period` and
    `a_year_before` spans (a level: all its history)."""
    if spans is None:
        return Growth(GrowthBasis.NOT_STARTED, None, None, None, None)

    def then(name: str, span: Span) -> EarlierSpan:
        mine = window(owned(earlier[name], organisation, goal.owner_kind, goal.owner_id), span.first, span.last)
        value = metric_value(goal.metric, totals(mine, goal.currency, span.first))
        return EarlierSpan(span, value, growth(actual, value))

    return Growth(
        spans.basis,
        spans.this,
        actual,
        then("previous_period", spans.previous_period),
        then("a_year_before", spans.a_year_before),
    )
