"""The warning rules as pure functions of what the ledger says at one position: the credits summed over the
spans each rule compares, the organisation, the goals and the working-day calendar, and the business day
being closed. The entries behind a verdict's figures (its evidence's `positions`) are looked up only for a
warning raised or cleared. Each rule
returns a verdict for every subject it judged that day: holds (raise, or keep open) or not (clear); a
subject it did not judge gets no verdict, so an open warning about it stays as it is.

Business time: a day is judged once it is over, which the ledger shows when the first activity of a later
day is recorded. Period-end rules judge a period on its last day; "N working days without" rules count
working days up to the day judged. A voided deal is judged at the void's own ledger position.

Evidence writes its figures as every answer does (`shared.kernel.metrics.figures.show_figure`): money to at least
the currency's minor unit, counts as integers, ratios at 4 places; the verdicts compare the exact figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from services.alert_service.domain.definitions import (
    AppraisalScoreBelow,
    CollectionRateBelow,
    ForecastMiss,
    LargeDealVoided,
    LeadConversionBelowTeamMean,
    NoVisits,
    WeeklyGoalCompletion,
)
from services.alert_service.domain.facts import VISIT_LOOKBACK_DAYS, Day, Subject, Verdict, positions
from shared.kernel.goals import Goal
from shared.kernel.metrics.figures import Credit, ratio, show_figure, totals
from shared.kernel.money import quantize_ratio, show_count, show_money, show_ratio
from shared.kernel.pace import WorkingDays, working_days
from shared.kernel.periods import Period, month, parse_period, quarter, week, year


def _goals(facts: Day, metric: str, matches: Callable[[Period], bool]) -> list[Goal]:
    return sorted(
        (
            g
            for g in facts.goals.goals.values()
            if g.metric == metric
            and g.owner_kind in ("rep", "unit")
            and g.current.status == "active"
            and g.current.target > 0
            and matches(g.period)
        ),
        key=lambda g: g.goal_id,
    )


def _goal_entries(facts: Day, goal: Goal, days: WorkingDays) -> dict[str, Any]:
    return {"positions": positions(facts.standing(goal, days, entries=True).credited)}


def weekly_goal_completion(rule: WeeklyGoalCompletion, facts: Day) -> list[Verdict]:
    this_week = week(facts.day)
    at_end = facts.day == this_week.last_day
    verdicts = []
    for goal in _goals(facts, rule.metric, lambda p: p == this_week):
        days = working_days(facts.calendar, this_week, facts.day)
        if days.total == 0 or (not at_end and days.elapsed < rule.pace_from_working_day):
            continue
        standing = facts.standing(goal, days)
        target, actual, completion, pace = goal.current.target, standing.actual, standing.completion, standing.pace
        if actual is None or completion is None or pace is None:
            continue  # never so: a summed metric always has an actual, and a working day has elapsed by here
        judged = completion if at_end else pace
        subject = Subject(goal.owner_kind, goal.owner_id)
        verdicts.append(
            Verdict(
                subject,
                this_week.key,
                judged < rule.threshold,
                {
                    "phase": "week_end" if at_end else "pace",
                    "goal": {"id": goal.goal_id, "version": goal.current.version},
                    "target": show_figure(goal.metric, target, goal.currency),
                    "actual": show_figure(goal.metric, actual, goal.currency),
                    "completion": completion,
                    "pace": show_ratio(pace),
                    "threshold": show_ratio(rule.threshold),
                    "working_days": asdict(days),
                    "positions": [],
                },
                partial(facts.diagnosis, subject, this_week.first_day, facts.day, this_week.key),
                partial(_goal_entries, facts, goal, days),
            )
        )
    return verdicts


def _conversion(credits: list[Credit], min_leads: int) -> tuple[Decimal, Decimal, Decimal | None]:
    summed = totals(credits, None)
    created, converted = summed.get("leads_created", Decimal(0)), summed.get("leads_converted", Decimal(0))
    return created, converted, ratio(converted, created) if created >= min_leads else None


LEADS = ("leads_created", "leads_converted")


def _in_week(by_rep: dict[str, list[Credit]], w: Period) -> dict[str, list[Credit]]:
    """The week's credits, by rep."""
    return {rep_id: [c for c in credits if w.first_day <= c.day <= w.last_day] for rep_id, credits in by_rep.items()}


def _streak_entries(facts: Day, rep_id: str, weeks: list[Period], streak: list[dict[str, Any]]) -> dict[str, Any]:
    mine = {rep_id: facts.ledger.contributions(LEADS, weeks[0].first_day, facts.day, {rep_id})}
    located = [positions(_in_week(mine, w)[rep_id]) for w in weeks]
    return {"weeks": [shown | {"positions": found} for shown, found in zip(streak, located, strict=True)]}


def lead_conversion_below_team_mean(rule: LeadConversionBelowTeamMean, facts: Day) -> list[Verdict]:
    if facts.day != week(facts.day).last_day:
        return []
    weeks = [week(facts.day - timedelta(weeks=back)) for back in range(rule.weeks)][::-1]
    summed = facts.per_rep(LEADS, weeks[0].first_day, cuts=[w.first_day for w in weeks])
    leads = {w: _in_week(summed, w) for w in weeks}
    conversions = {w: {r: _conversion(mine, rule.min_leads) for r, mine in leads[w].items()} for w in weeks}
    none = (Decimal(0), Decimal(0), _conversion([], rule.min_leads)[2])
    verdicts = []
    for rep_id in facts.reps():
        streak: list[dict[str, Any]] = []
        below = True
        for w in weeks:
            team = facts.team_of(rep_id, w.last_day) if facts.organisation.unit_of(rep_id, w.last_day) else []
            created, converted, rate = conversions[w].get(rep_id, none)
            rates = [r for r in (conversions[w].get(m, none)[2] for m in team) if r is not None]
            mean = quantize_ratio(sum(rates, Decimal(0)) / len(rates)) if rates else None
            below = below and rate is not None and mean is not None and rate < mean
            streak.append(
                {
                    "week": w.key,
                    "team": facts.organisation.unit_of(rep_id, w.last_day),
                    "leads_created": show_count(created),
                    "leads_converted": show_count(converted),
                    "rate": rate,
                    "team_mean": mean,
                    "positions": [],
                }
            )
        subject = Subject("rep", rep_id)
        verdicts.append(
            Verdict(
                subject,
                weeks[-1].key,
                below,
                {"weeks": streak},
                partial(facts.diagnosis, subject, weeks[0].first_day, facts.day, f"{weeks[0].key} to {weeks[-1].key}"),
                partial(_streak_entries, facts, rep_id, weeks, streak),
            )
        )
    return verdicts


def no_visits(rule: NoVisits, facts: Day) -> list[Verdict]:
    if not facts.calendar.year(facts.day.year).is_working_day(facts.day):
        return []
    lookback = facts.day - timedelta(days=VISIT_LOOKBACK_DAYS)
    last_visits = facts.last_day_with("visits", lookback)
    verdicts = []
    for rep_id in facts.reps():
        last = last_visits.get(rep_id)
        since = max(last + timedelta(days=1) if last else lookback, facts.organisation.reps[rep_id].units.starts)
        without = facts.calendar.working_days(since, facts.day)
        subject = Subject("rep", rep_id)
        verdicts.append(
            Verdict(
                subject,
                month(facts.day).key,
                without >= rule.working_days,
                {
                    "last_visit": {"day": last, "positions": []} if last else None,
                    "counted_from": since,
                    "working_days_without": without,
                    "working_days": rule.working_days,
                    "calendar_versions": facts.calendar.versions(since, facts.day),
                    "positions": [],
                },
                partial(facts.diagnosis, subject, since, facts.day, f"{since} to {facts.day}"),
                partial(_visit_entries, facts, rep_id, last) if last else None,
            )
        )
    return verdicts


def _visit_entries(facts: Day, rep_id: str, last: date) -> dict[str, Any]:
    found = positions(facts.entries(("visits",), last, last, rep_id))
    return {"last_visit": {"day": last, "positions": found}, "positions": found}


COLLECTED_OR_WON = ("revenue_won", "payments_collected")


def _collection_entries(facts: Day, rep_id: str, period: Period, currency: str) -> dict[str, Any]:
    mine = facts.entries(COLLECTED_OR_WON, period.first_day, facts.day, rep_id)
    return {"positions": positions(c for c in mine if c.currency == currency)}


def collection_rate_below(rule: CollectionRateBelow, facts: Day) -> list[Verdict]:
    period = (month if rule.period == "month" else quarter)(facts.day)
    if facts.day != period.last_day:
        return []
    by_rep = facts.per_rep(COLLECTED_OR_WON, period.first_day)
    verdicts = []
    won = {
        c.rep_id
        for credits in by_rep.values()
        for c in credits
        if c.measure == "revenue_won" and c.currency == rule.currency
    }
    for rep_id in sorted(won):
        summed = totals(by_rep[rep_id], rule.currency)
        revenue, collected = summed.get("revenue_won", Decimal(0)), summed.get("payments_collected", Decimal(0))
        rate = ratio(collected, revenue)
        if rate is None or revenue < 0 or revenue < rule.min_revenue:  # nothing won to collect on
            continue
        subject = Subject("rep", rep_id)
        verdicts.append(
            Verdict(
                subject,
                period.key,
                rate < rule.threshold,
                {
                    "currency": rule.currency,
                    "revenue_won": show_money(revenue, rule.currency),
                    "payments_collected": show_money(collected, rule.currency),
                    "collection_rate": rate,
                    "threshold": show_ratio(rule.threshold),
                    "positions": [],
                },
                partial(facts.diagnosis, subject, period.first_day, facts.day, period.key),
                partial(_collection_entries, facts, rep_id, period, rule.currency),
            )
        )
    return verdicts


def forecast_miss(rule: ForecastMiss, facts: Day) -> list[Verdict]:
    if not facts.calendar.year(facts.day.year).is_working_day(facts.day):
        return []
    period_of = {"month": month, "quarter": quarter, "year": lambda d: year(d.year)}[rule.period]
    current = period_of(facts.day)
    verdicts = []
    for goal in _goals(facts, rule.metric, lambda p: p == current):
        days = working_days(facts.calendar, current, facts.day)
        if days.elapsed < rule.min_elapsed_working_days:
            continue
        standing = facts.standing(goal, days)
        target, actual, expected = goal.current.target, standing.actual, standing.forecast
        if actual is None or expected is None:  # no working day elapsed: nothing to extrapolate
            continue
        subject = Subject(goal.owner_kind, goal.owner_id)
        verdicts.append(
            Verdict(
                subject,
                current.key,
                expected < target * rule.threshold,
                {
                    "goal": {"id": goal.goal_id, "version": goal.current.version},
                    "target": show_figure(goal.metric, target, goal.currency),
                    "actual": show_figure(goal.metric, actual, goal.currency),
                    "forecast": show_figure(goal.metric, expected, goal.currency),
                    "threshold": show_ratio(rule.threshold),
                    "working_days": asdict(days),
                    "positions": [],
                },
                partial(facts.diagnosis, subject, current.first_day, facts.day, f"{current.key} so far"),
                partial(_goal_entries, facts, goal, days),
            )
        )
    return verdicts


@dataclass(frozen=True)
class VoidedDeal:
    """A won deal voided at `position`: the revenue it loses, per rep once credited."""

    position: int
    deal: dict[str, str]  # the activity's source and id
    occurred_on: date
    currency: str | None
    reversed: dict[str, Decimal]


def large_deal_voided(rule: LargeDealVoided, void: VoidedDeal, facts: Day) -> list[Verdict]:
    amount = sum(void.reversed.values(), Decimal(0))
    if void.currency != rule.currency or amount < rule.min_amount:
        return []
    period = month(void.occurred_on)
    verdicts = []
    for rep_id, lost in sorted(void.reversed.items()):
        subject = Subject("rep", rep_id)
        verdicts.append(
            Verdict(
                subject,
                period.key,
                True,
                {
                    "deal": void.deal,
                    "occurred_on": void.occurred_on,
                    "amount": show_money(amount, void.currency),
                    "rep_share": show_money(lost, void.currency),
                    "currency": void.currency,
                    "min_amount": show_money(rule.min_amount, rule.currency),
                    "positions": [void.position],
                },
                partial(facts.diagnosis, subject, period.first_day, facts.day, f"{period.key} so far"),
            )
        )
    return verdicts


@dataclass(frozen=True)
class SealedAppraisal:
    """An appraisal revision as scoring_service sealed it, by the id of its event there."""

    event_id: int
    period: str
    rep_id: str
    revision: int
    score: Decimal
    rank: dict[str, Any]
    result_sha256: str
    ledger_position: int  # the cut-off it was sealed at


def appraisal_score_below(rule: AppraisalScoreBelow, appraisal: SealedAppraisal, facts: Day) -> list[Verdict]:
    """`facts` are the ledger at the appraisal's cut-off, on the period's last day."""
    period = parse_period(appraisal.period)
    subject = Subject("rep", appraisal.rep_id)
    return [
        Verdict(
            subject,
            appraisal.period,
            appraisal.score < rule.threshold,
            {
                "appraisal": {"period": appraisal.period, "revision": appraisal.revision},
                "score": appraisal.score,
                "threshold": rule.threshold,
                "rank": appraisal.rank,
                "result_sha256": appraisal.result_sha256,
                "scoring_event": appraisal.event_id,
                "positions": [appraisal.ledger_position],
            },
            partial(facts.diagnosis, subject, period.first_day, period.last_day, period.key),
        )
    ]


DAY_RULES: dict[str, Callable[[Any, Day], list[Verdict]]] = {
    "weekly_goal_completion": weekly_goal_completion,
    "lead_conversion_below_team_mean": lead_conversion_below_team_mean,
    "no_visits": no_visits,
    "collection_rate_below": collection_rate_below,
    "forecast_miss": forecast_miss,
}
# Streaks stay one warning while they last, whatever period they run into; other rules warn per period.
ONGOING = {"lead_conversion_below_team_mean", "no_visits"}
