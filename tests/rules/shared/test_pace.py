"""A goal's standing on a day (shared/kernel/pace.py), worked by hand on the 2026 calendar, and the two
services that judge goals by it agreeing on the same figures. October 2026: 1-7 October are National Day
holidays (Sat 10 October is a make-up working day), so October's first working day is Thu 8 October and it
has 18; W42 (12-18 October) has 5. Acme: team-a holds r-1 and r-2, team-b holds r-3."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from services.alert_service.domain import definitions as rules
from services.alert_service.domain import evaluation
from services.alert_service.domain.facts import Day, Recalled
from services.goal_service.domain.progress import progress
from shared.kernel.goals import Goals
from shared.kernel.metrics.figures import Credit
from shared.kernel.organisation import Organisation
from shared.kernel.pace import WorkingDays, goal_standing, pace, working_days
from shared.kernel.periods import parse_period
from shared.kernel.workdays import WorkingCalendar, calendar_year, seed_year

CALENDAR = WorkingCalendar({2026: calendar_year(2026, *seed_year(2026), version=7)})
ORG = Organisation.fold(
    [
        {"type": "org.unit.created", "position": p, "data": {"effective_from": "2026-01-01", **data}}
        for p, data in enumerate(
            [
                {"unit_id": "acme", "kind": "company", "name": "Acme"},
                {"unit_id": "team-a", "kind": "team", "name": "A", "parent_id": "acme"},
                {"unit_id": "team-b", "kind": "team", "name": "B", "parent_id": "acme"},
            ],
            start=1,
        )
    ]
    + [
        {"type": "org.rep.hired", "position": 3 + i, "data": {"effective_from": "2026-01-01", **rep}}
        for i, rep in enumerate(
            [
                {"rep_id": "r-1", "name": "r-1", "unit_id": "team-a"},
                {"rep_id": "r-2", "name": "r-2", "unit_id": "team-a"},
                {"rep_id": "r-3", "name": "r-3", "unit_id": "team-b"},
            ],
            start=1,
        )
    ]
)


def goals(owner: tuple[str, str], period: str, target: str, metric: str = "revenue_won") -> Goals:
    data = {"goal_id": "g", "metric": metric, "owner": {"kind": owner[0], "id": owner[1]}, "period": period}
    data |= {"target": target, "description": "", **({"currency": "CNY"} if metric == "revenue_won" else {})}
    return Goals.fold([{"type": "goal.set", "position": 50, "recorded_at": "2026-01-01T00:00:00Z", "data": data}])


def won(rep: str, day: date, amount: str, position: int, currency: str = "CNY") -> Credit:
    return Credit("revenue_won", rep, day, D(amount), currency, None, None, position)


@pytest.mark.parametrize(
    ("period", "as_of", "total", "elapsed"),
    [
        ("2026-10", date(2026, 9, 30), 18, 0),  # before the period: nothing elapsed
        ("2026-10", date(2026, 10, 7), 18, 0),  # within it, but still in the holidays
        ("2026-10", date(2026, 10, 8), 18, 1),  # the first working day counts once it is over
        ("2026-10", date(2026, 10, 10), 18, 3),  # the make-up Saturday is a working day
        ("2026-10", date(2026, 11, 15), 18, 18),  # after the period: all of them
        ("2026-W42", date(2026, 10, 13), 5, 2),
    ],
)
def test_working_days_elapsed_count_from_the_period_s_first_day_to_the_day_judged(period, as_of, total, elapsed):
    assert working_days(CALENDAR, parse_period(period), as_of) == WorkingDays(total, elapsed, {2026: 7})


def test_pace_is_completion_over_the_share_of_working_days_elapsed_rounded_once():
    # 1,100,000 of 3,000,000 with 18 of 62 working days gone: 1.1M x 62 / (3M x 18) = 1.26296... -> 1.2630
    assert pace(D(1_100_000), D(3_000_000), WorkingDays(62, 18, {})) == D("1.2630")
    # rounded once from the exact figures, not as a rounded completion (0.3667) over a rounded share (0.2903)
    assert D("0.3667") / D("0.2903") != D("1.2630")


@pytest.mark.parametrize("actual", [D(0), D(500)])
def test_there_is_no_pace_before_the_first_working_day_not_even_zero(actual):
    # Nothing has been asked of the owner yet, so they are neither behind (0) nor ahead: None, whatever sold.
    assert pace(actual, D(1000), WorkingDays(18, 0, {})) is None


def test_a_team_goal_s_standing_counts_its_reps_in_its_currency_and_names_their_entries():
    # W42, Tue 13 Oct: team-a's r-1 30,000 and r-2 20,000 CNY count; r-2's USD deal and r-3 (team-b) do not.
    credits = [
        won("r-1", date(2026, 10, 12), "30000", 101),
        won("r-2", date(2026, 10, 13), "20000", 102),
        won("r-2", date(2026, 10, 13), "90000", 103, currency="USD"),
        won("r-3", date(2026, 10, 12), "70000", 104),
        won("r-1", date(2026, 10, 11), "99999", 105),  # the Sunday before W42
    ]
    goal = goals(("unit", "team-a"), "2026-W42", "200000").goals["g"]
    standing = goal_standing(goal, credits, ORG, CALENDAR, date(2026, 10, 13))
    assert (standing.actual, standing.completion) == (D(50000), D("0.2500"))
    assert (standing.working_days.total, standing.working_days.elapsed) == (5, 2)
    assert standing.pace == D("0.6250")  # 50,000 x 5 / (200,000 x 2)
    assert standing.forecast == D("125000.00")  # 50,000 x 5 / 2
    assert [c.position for c in standing.credited] == [101, 102]


def test_before_the_first_working_day_a_goal_has_no_pace_and_no_forecast():
    # October's goal on 7 October: a deal on the 5th (a holiday) counts, but no working day has passed
    goal = goals(("rep", "r-1"), "2026-10", "100000").goals["g"]
    standing = goal_standing(goal, [won("r-1", date(2026, 10, 5), "5000", 101)], ORG, CALENDAR, date(2026, 10, 7))
    assert (standing.actual, standing.completion, standing.working_days.elapsed) == (D(5000), D("0.0500"), 0)
    assert (standing.pace, standing.forecast) == (None, None)


def test_goal_progress_and_the_warning_rules_read_the_same_standing():
    # r-1's W42 goal of 100,000 on Tue 13 Oct, 30,000 won on Monday: 30,000 x 5 / (100,000 x 2) = 0.75
    credits = [won("r-1", date(2026, 10, 12), "30000", 101), won("r-2", date(2026, 10, 12), "80000", 102)]
    week_goals = goals(("rep", "r-1"), "2026-W42", "100000")
    day = date(2026, 10, 13)
    shown = progress(week_goals.goals["g"], credits, ORG, CALENDAR, day)
    weekly = rules.WeeklyGoalCompletion(kind="weekly_goal_completion")
    (verdict,) = evaluation.weekly_goal_completion(weekly, Day(day, 1000, Recalled(credits), ORG, CALENDAR, week_goals))
    assert shown.standing.pace == verdict.evidence["pace"] == D("0.7500")
    assert shown.standing.completion == verdict.evidence["completion"] == D("0.3000")
    working = shown.standing.working_days
    assert verdict.evidence["working_days"] == {"total": 5, "elapsed": 2, "calendar_versions": {2026: 7}}
    assert (working.total, working.elapsed, working.calendar_versions) == (5, 2, {2026: 7})
    forecast_rule = rules.ForecastMiss(kind="forecast_miss", period="month", min_elapsed_working_days=1)
    month_goals = goals(("rep", "r-1"), "2026-10", "1000000")
    month = progress(month_goals.goals["g"], credits, ORG, CALENDAR, day)
    (missed,) = evaluation.forecast_miss(forecast_rule, Day(day, 1000, Recalled(credits), ORG, CALENDAR, month_goals))
    assert month.standing.forecast == D("108000.00")  # 30,000 x 18 / 5 (8, 9, 10, 12 and 13 October)
    assert missed.evidence["forecast"] == "108000.00" and missed.holds
