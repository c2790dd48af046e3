"""The warning rules and the diagnosis as pure functions, worked by hand on the 2026 calendar: National Day
holidays 1-7 October (Mon 5 to Wed 7 off), 25 September off, make-up working days Sun 20 September and
Sat 10 October. So W40 (28 Sep-4 Oct) has 3 working days, W41 (5-11 Oct) has 3 (8, 9, 10), W42 has 5,
and October has 18 (8, 9, 10 and three full weeks). Acme: team-a holds r-1, r-2, r-3; team-b holds r-4."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from services.alert_service.domain import definitions as rules
from services.alert_service.domain import evaluation as ev
from services.alert_service.domain.diagnosis import diagnose
from services.alert_service.domain.facts import Day, Recalled
from shared.kernel.goals import Goals
from shared.kernel.metrics.figures import Credit
from shared.kernel.organisation import Organisation
from shared.kernel.workdays import WorkingCalendar, calendar_year, seed_year

CALENDAR = WorkingCalendar({2026: calendar_year(2026, *seed_year(2026), version=1)})
VERSIONS = {2026: 1}


def on(month: int, day: int) -> date:
    return date(2026, month, day)


def entry(type_: str, position: int, data: dict) -> dict:
    return {"type": type_, "position": position, "recorded_at": "2026-01-01T00:00:00Z", "data": data}


def unit(position: int, unit_id: str, kind: str, parent_id: str | None) -> dict:
    data = {"unit_id": unit_id, "kind": kind, "name": unit_id, "parent_id": parent_id}
    return entry("org.unit.created", position, data | {"effective_from": "2026-01-01"})


def hire(position: int, rep_id: str, unit_id: str, effective_from: str = "2026-01-01") -> dict:
    data = {"rep_id": rep_id, "name": rep_id, "unit_id": unit_id, "effective_from": effective_from}
    return entry("org.rep.hired", position, data)


UNITS = [("acme", "company", None), ("east", "region", "acme"), ("team-a", "team", "east"), ("team-b", "team", "east")]
REPS = [("r-1", "team-a"), ("r-2", "team-a"), ("r-3", "team-a"), ("r-4", "team-b")]
ORG_ENTRIES = [unit(i + 1, *u) for i, u in enumerate(UNITS)] + [hire(i + 5, *r) for i, r in enumerate(REPS)]
ORG = Organisation.fold(ORG_ENTRIES)


def goal(position: int, owner: str, period: str, target: str, kind: str = "rep") -> dict:
    data = {"goal_id": f"g-{owner}-{period}", "owner": {"kind": kind, "id": owner}, "period": period, "target": target}
    return entry("goal.set", position, data | {"metric": "revenue_won", "currency": "CNY", "description": ""})


def credit(measure: str, rep: str, day: date, value: str | int, position: int, currency: str | None = None) -> Credit:
    return Credit(measure, rep, day, D(value), currency, None, None, position)


def money(measure: str, rep: str, day: date, amount: str, position: int, currency: str = "CNY") -> Credit:
    return credit(measure, rep, day, amount, position, currency)


def leads(rep: str, day: date, created: int, converted: int, position: int) -> list[Credit]:
    made = [credit("leads_created", rep, day, created, position)]
    return made + ([credit("leads_converted", rep, day, converted, position + 1)] if converted else [])


def facts(day: date, credits: list[Credit], goals: list[dict] = (), org: Organisation = ORG) -> Day:
    return Day(day, 10_000, Recalled(list(credits)), org, CALENDAR, Goals.fold(goals))


def by_id(verdicts: list) -> dict:
    return {v.subject.id: v for v in verdicts}


# --- weekly goal completion ---------------------------------------------------------------------------------

WEEKLY = rules.WeeklyGoalCompletion(kind="weekly_goal_completion")  # threshold 0.8, pace from the 2nd working day


def weekly(day: date, period: str, won: list[tuple[date, str]], target: str = "100000", rule=WEEKLY) -> list:
    credits = [money("revenue_won", "r-1", d, amount, 100 + i) for i, (d, amount) in enumerate(won)]
    return ev.weekly_goal_completion(rule, facts(day, credits, [goal(50, "r-1", period, target)]))


def test_weekly_pace_below_threshold_on_tuesday_holds():
    # W42, Tue 13 Oct: 2 of 5 working days; 30,000 x 5 / (100,000 x 2) = 0.75 < 0.8
    [verdict] = weekly(on(10, 13), "2026-W42", [(on(10, 12), "30000")])
    assert (verdict.subject.key, verdict.period, verdict.holds) == ("rep:r-1", "2026-W42", True)
    assert verdict.evidence["phase"] == "pace"
    assert (verdict.evidence["actual"], verdict.evidence["target"]) == ("30000.00", "100000.00")  # to the fen
    assert (verdict.evidence["completion"], verdict.evidence["pace"]) == (D("0.3000"), D("0.7500"))
    assert verdict.evidence["working_days"] == {"total": 5, "elapsed": 2, "calendar_versions": VERSIONS}
    assert verdict.evidence["goal"] == {"id": "g-r-1-2026-W42", "version": 50}
    assert verdict.evidence["positions"] == [100]


@pytest.mark.parametrize(
    ("period", "won_on", "day", "amount", "total", "pace", "holds"),
    [
        ("2026-W42", on(10, 12), on(10, 13), "32000", 5, "0.8000", False),  # 32,000 x 5 / (100,000 x 2): not below
        ("2026-W42", on(10, 12), on(10, 14), "50000", 5, "0.8333", False),  # Wed: 50,000 x 5 / (100,000 x 3)
        ("2026-W42", on(10, 12), on(10, 15), "50000", 5, "0.6250", True),  # Thu: 50,000 x 5 / (100,000 x 4)
        ("2026-W42", on(10, 12), on(10, 13), "50000", 5, "1.2500", False),  # Tue: 50,000 x 5 / (100,000 x 2)
        # the same 50,000 on Tuesday of W40 (Mon-Wed only): 50,000 x 3 / (100,000 x 2) = 0.75
        ("2026-W40", on(9, 28), on(9, 29), "50000", 3, "0.7500", True),
        # W41 works Thu 8, Fri 9 and the make-up Saturday 10 Oct; Friday is the 2nd: 40,000 x 3 / (100,000 x 2)
        ("2026-W41", on(10, 8), on(10, 9), "40000", 3, "0.6000", True),
    ],
)
def test_weekly_pace_over_the_week_s_working_days_against_threshold(period, won_on, day, amount, total, pace, holds):
    [verdict] = weekly(day, period, [(won_on, amount)])
    assert (verdict.period, verdict.holds, verdict.evidence["pace"]) == (period, holds, D(pace))
    assert verdict.evidence["working_days"]["total"] == total


def test_weekly_nothing_judged_before_the_pace_working_day():
    assert weekly(on(10, 12), "2026-W42", [(on(10, 12), "1000")]) == []  # Monday: 1 working day < 2
    assert weekly(on(10, 8), "2026-W41", [(on(10, 8), "1000")]) == []  # Thu 8 Oct: W41's 1st working day
    early = rules.WeeklyGoalCompletion(kind="weekly_goal_completion", pace_from_working_day=1)
    [verdict] = weekly(on(10, 12), "2026-W42", [(on(10, 12), "30000")], rule=early)
    assert (verdict.holds, verdict.evidence["pace"]) == (False, D("1.5000"))  # 30,000 x 5 / (100,000 x 1)


@pytest.mark.parametrize(("amount", "holds"), [("79990", True), ("80000", False)])
def test_weekly_judged_at_week_end_on_completion_whatever_the_pace_day(amount, holds):
    # pace from the 7th working day is never reached in a 5-day week, but Sunday judges completion anyway
    late = rules.WeeklyGoalCompletion(kind="weekly_goal_completion", pace_from_working_day=7)
    [verdict] = weekly(on(10, 18), "2026-W42", [(on(10, 12), "50000"), (on(10, 16), D(amount) - 50000)], rule=late)
    assert (verdict.holds, verdict.evidence["phase"]) == (holds, "week_end")
    assert verdict.evidence["completion"] == D(amount) / 100000
    assert verdict.evidence["positions"] == [100, 101]


def test_weekly_team_goal_sums_the_team_reps_in_its_currency_and_names_only_their_entries():
    # team-a: r-1 100,000 + r-2 50,000 (r-4 is team-b; r-2's USD deal is not CNY); 150,000 x 5 / (300,000 x 2) = 1.25
    won = [("r-1", "100000", "CNY"), ("r-2", "50000", "CNY"), ("r-4", "500000", "CNY"), ("r-2", "90000", "USD")]
    credits = [money("revenue_won", r, on(10, 12), a, 101 + i, c) for i, (r, a, c) in enumerate(won)]
    team_goal = goal(50, "team-a", "2026-W42", "300000", "unit")
    [verdict] = ev.weekly_goal_completion(WEEKLY, facts(on(10, 13), credits, [team_goal]))
    assert (verdict.subject.key, verdict.holds, verdict.evidence["actual"]) == ("unit:team-a", False, "150000.00")
    assert (verdict.evidence["pace"], verdict.evidence["positions"]) == (D("1.2500"), [101, 102])


# --- lead conversion below the team mean ---------------------------------------------------------------------

CONVERSION = rules.LeadConversionBelowTeamMean(kind="lead_conversion_below_team_mean", weeks=2)


def fortnight(r2_w43: tuple[int, int]) -> list[Credit]:
    """W42: r-1 2/4, r-2 1/4, r-3 2/4, mean (0.5 + 0.25 + 0.5) / 3 = 0.4167; W43: r-1 2/4, r-3 3/4, r-2 as given;
    r-4 alone in team-b, 1/4 both weeks."""
    w42 = {"r-1": (4, 2), "r-2": (4, 1), "r-3": (4, 2), "r-4": (4, 1)}
    w43 = w42 | {"r-2": r2_w43, "r-3": (4, 3)}
    made = [(k, i, r, n) for k, w in enumerate((w42, w43)) for i, (r, n) in enumerate(w.items())]
    return [c for k, i, r, n in made for c in leads(r, on(10, 14 + 7 * k), *n, 300 + 10 * k + 2 * i)]


def test_conversion_below_team_mean_two_weeks_running_holds_on_sunday():
    # W43 with r-2 at 0/4: mean (0.5 + 0 + 0.75) / 3 = 0.4167 again
    verdicts = by_id(ev.lead_conversion_below_team_mean(CONVERSION, facts(on(10, 25), fortnight((4, 0)))))
    assert {r: v.holds for r, v in verdicts.items()} == {"r-1": False, "r-2": True, "r-3": False, "r-4": False}
    assert verdicts["r-2"].period == "2026-W43"
    assert verdicts["r-2"].evidence["weeks"] == [
        {"week": "2026-W42", "team": "team-a", "leads_created": D(4), "leads_converted": D(1), "rate": D("0.25"),
         "team_mean": D("0.4167"), "positions": [302, 303]},
        {"week": "2026-W43", "team": "team-a", "leads_created": D(4), "leads_converted": D(0), "rate": D(0),
         "team_mean": D("0.4167"), "positions": [312]},
    ]  # fmt: skip
    # r-4 is its own team's mean (0.25 = 0.25): not below. Saturday is not judged at all:
    assert ev.lead_conversion_below_team_mean(CONVERSION, facts(on(10, 24), fortnight((4, 0)))) == []


def test_conversion_below_in_only_one_of_the_two_weeks_does_not_hold():
    # W43 r-2 3/4 = 0.75 against (0.5 + 0.75 + 0.75) / 3 = 0.6667
    r2 = by_id(ev.lead_conversion_below_team_mean(CONVERSION, facts(on(10, 25), fortnight((4, 3)))))["r-2"]
    assert r2.holds is False
    rates = [(w["rate"], w["team_mean"]) for w in r2.evidence["weeks"]]
    assert rates == [(D("0.25"), D("0.4167")), (D("0.75"), D("0.6667"))]


@pytest.mark.parametrize(
    ("min_leads", "holds", "rate", "mean"), [(1, True, D(0), D("0.4167")), (4, False, None, D("0.625"))]
)
def test_conversion_week_with_too_few_leads_does_not_count_as_below(min_leads, holds, rate, mean):
    # W43 r-2 converts 0 of 3: with min_leads 4 it has no rate, and the mean is r-1 and r-3's (0.5 + 0.75) / 2
    rule = rules.LeadConversionBelowTeamMean(kind="lead_conversion_below_team_mean", weeks=2, min_leads=min_leads)
    r2 = by_id(ev.lead_conversion_below_team_mean(rule, facts(on(10, 25), fortnight((3, 0)))))["r-2"]
    assert (r2.holds, r2.evidence["weeks"][1]["rate"], r2.evidence["weeks"][1]["team_mean"]) == (holds, rate, mean)


# --- no visits -----------------------------------------------------------------------------------------------

NO_VISITS = rules.NoVisits(kind="no_visits", working_days=3)


def r3_visits(day: date, visited: list[date], org: Organisation = ORG, rep: str = "r-3") -> list:
    credits = [credit("visits", "r-3", d, 1, 400 + i) for i, d in enumerate(visited)]
    return [v for v in ev.no_visits(NO_VISITS, facts(day, credits, org=org)) if v.subject.id == rep]


@pytest.mark.parametrize(
    ("visited", "day", "without", "holds"),
    [
        # last visit Wed 30 Sep; 1-7 Oct are off; Thu 8, Fri 9 and the make-up Saturday 10 Oct count
        ([on(9, 29), on(9, 30)], on(10, 8), 1, False),
        ([on(9, 29), on(9, 30)], on(10, 9), 2, False),
        ([on(9, 29), on(9, 30)], on(10, 10), 3, True),
        ([on(9, 15), on(9, 16)], on(9, 20), 3, True),  # Thu 17, Fri 18 and the make-up Sunday 20 Sep
        ([on(9, 30), on(10, 14)], on(10, 14), 0, False),  # a visit on the day clears it
    ],
)
def test_no_visits_counts_working_days_since_the_last_visit(visited, day, without, holds):
    [verdict] = r3_visits(day, visited)
    assert (verdict.holds, verdict.period) == (holds, day.strftime("%Y-%m"))
    assert verdict.evidence["working_days_without"] == without
    assert verdict.evidence["counted_from"] == visited[-1] + timedelta(days=1)
    assert verdict.evidence["last_visit"] == {"day": visited[-1], "positions": [401]}
    assert verdict.evidence["calendar_versions"] == VERSIONS


@pytest.mark.parametrize("day", [on(10, 3), on(10, 7), on(10, 11)])
def test_no_visits_not_judged_on_a_day_off(day):
    assert ev.no_visits(NO_VISITS, facts(day, [credit("visits", "r-3", on(9, 30), 1, 400)])) == []


@pytest.mark.parametrize(("day", "without", "holds"), [(on(10, 13), 2, False), (on(10, 14), 3, True)])
def test_no_visits_for_a_new_rep_counts_from_the_hire_day(day, without, holds):
    org = Organisation.fold([*ORG_ENTRIES, hire(9, "r-5", "team-b", "2026-10-12")])
    [verdict] = r3_visits(day, [], org=org, rep="r-5")
    assert verdict.evidence["last_visit"] is None
    assert (verdict.evidence["counted_from"], verdict.evidence["working_days_without"]) == (on(10, 12), without)
    assert verdict.holds is holds


def test_no_visits_diagnosis_is_a_resource_gap_against_busy_peers():
    # r-3 has not visited since 30 Sep; r-1 and r-2 visited 3 times each in 1-10 Oct: team 6 / 3 = 2 per rep
    credits = [credit("visits", "r-3", on(9, 30), 1, 400)]
    credits += [credit("visits", r, on(10, 9), 3, 410 + i) for i, r in enumerate(("r-1", "r-2"))]
    r3 = by_id(ev.no_visits(NO_VISITS, facts(on(10, 10), credits)))["r-3"]
    assert (r3.diagnosis.gap, r3.diagnosis.action) == ("resource", "resources")
    assert r3.diagnosis.reason.startswith(
        "r-3: 0 visits and 0 new leads per rep in 2026-10-01 to 2026-10-10, against 2 and 0 across the peers."
    )


# --- collection rate -----------------------------------------------------------------------------------------

COLLECTION = rules.CollectionRateBelow(kind="collection_rate_below")  # 0.7, month, CNY, min_revenue 0
MONTH_CREDITS = [
    money("revenue_won", "r-1", on(9, 28), "100000", 500),  # September: not October's
    money("revenue_won", "r-1", on(10, 9), "100000", 501),
    money("payments_collected", "r-1", on(10, 20), "60000", 502),
    money("payments_collected", "r-1", on(10, 21), "30000", 503, currency="USD"),
    money("revenue_won", "r-2", on(10, 12), "50000", 504),
    money("payments_collected", "r-2", on(10, 30), "40000", 505),
    money("revenue_won", "r-3", on(10, 12), "80000", 506, currency="USD"),
    money("payments_collected", "r-4", on(10, 12), "10000", 507),  # collected, nothing won: not judged
]


def test_collection_rate_judged_on_the_month_end_in_its_currency():
    verdicts = by_id(ev.collection_rate_below(COLLECTION, facts(on(10, 31), MONTH_CREDITS)))
    assert sorted(verdicts) == ["r-1", "r-2"]
    r1, r2 = verdicts["r-1"], verdicts["r-2"]
    # r-1: 60,000 / 100,000 = 0.6 < 0.7 (the USD payment does not count)
    assert (r1.holds, r1.period, r1.evidence["collection_rate"]) == (True, "2026-10", D("0.6000"))
    assert (r1.evidence["revenue_won"], r1.evidence["payments_collected"]) == ("100000.00", "60000.00")
    assert r1.evidence["positions"] == [501, 502]
    # r-2: 40,000 / 50,000 = 0.8
    assert (r2.holds, r2.evidence["collection_rate"]) == (False, D("0.8000"))


def test_collection_rate_not_judged_before_the_period_ends():
    assert ev.collection_rate_below(COLLECTION, facts(on(10, 30), MONTH_CREDITS)) == []
    quarterly = rules.CollectionRateBelow(kind="collection_rate_below", period="quarter")
    assert ev.collection_rate_below(quarterly, facts(on(10, 31), MONTH_CREDITS)) == []
    [r1, _] = ev.collection_rate_below(quarterly, facts(on(12, 31), MONTH_CREDITS))
    assert (r1.period, r1.evidence["collection_rate"]) == ("2026-Q4", D("0.6000"))


@pytest.mark.parametrize(
    ("settings", "judged"),
    [
        ({"min_revenue": D("50000")}, {"r-1": D("0.6000"), "r-2": D("0.8000")}),  # r-2 won exactly 50,000
        ({"min_revenue": D("50000.01")}, {"r-1": D("0.6000")}),
        ({"currency": "USD"}, {"r-3": D(0)}),  # r-3 won 80,000 USD and collected none; r-1 won no USD
    ],
)
def test_collection_rate_only_for_reps_who_won_at_least_min_revenue_in_the_currency(settings, judged):
    rule = rules.CollectionRateBelow(kind="collection_rate_below", **settings)
    verdicts = ev.collection_rate_below(rule, facts(on(10, 31), MONTH_CREDITS))
    assert {v.subject.id: v.evidence["collection_rate"] for v in verdicts} == judged


# --- forecast miss -------------------------------------------------------------------------------------------

FORECAST = rules.ForecastMiss(kind="forecast_miss")  # month, threshold 1, from the 5th working day


def forecast(day: date, won: list[tuple[date, str]], target: str = "240000", rule=FORECAST) -> list:
    credits = [money("revenue_won", "r-1", d, amount, 600 + i) for i, (d, amount) in enumerate(won)]
    return ev.forecast_miss(rule, facts(day, credits, [goal(60, "r-1", "2026-10", target)]))


def test_forecast_below_target_holds_from_the_fifth_working_day_then_clears():
    # Tue 13 Oct: 8, 9, 10, 12, 13 = 5 of 18; 60,000 x 18 / 5 = 216,000 < 240,000
    [verdict] = forecast(on(10, 13), [(on(10, 9), "60000")])
    assert (verdict.holds, verdict.period, verdict.evidence["forecast"]) == (True, "2026-10", "216000.00")
    assert verdict.evidence["working_days"] == {"total": 18, "elapsed": 5, "calendar_versions": VERSIONS}
    assert (verdict.evidence["actual"], verdict.evidence["positions"]) == ("60000.00", [600])
    assert (verdict.evidence["target"], verdict.evidence["threshold"]) == ("240000.00", D("1.0000"))

    assert forecast(on(10, 12), [(on(10, 9), "60000")]) == []  # Mon 12 Oct: 4 working days elapsed
    assert forecast(on(10, 11), [(on(10, 9), "60000")]) == []  # Sunday
    # Thu 15 Oct, 7 of 18: 110,000 x 18 / 7 = 282,857.142857... -> 282,857.14: clear
    [later] = forecast(on(10, 15), [(on(10, 9), "60000"), (on(10, 14), "50000")])
    assert (later.holds, later.evidence["forecast"]) == (False, "282857.14")


@pytest.mark.parametrize(
    ("target", "threshold", "holds"),
    [("257142.86", "1", False), ("257142.87", "1", True), ("514285.72", "0.5", False), ("514285.74", "0.5", True)],
)
def test_forecast_is_rounded_to_cents_then_compared_with_threshold_x_target(target, threshold, holds):
    # 100,000 x 18 / 7 = 257,142.857142... -> 257,142.86; 0.5 x 514,285.72 = 257,142.86 (not below), x .74 = .87
    rule = rules.ForecastMiss(kind="forecast_miss", threshold=D(threshold))
    [verdict] = forecast(on(10, 15), [(on(10, 9), "100000")], target=target, rule=rule)
    assert (verdict.evidence["forecast"], verdict.holds) == ("257142.86", holds)


# --- large deal voided ---------------------------------------------------------------------------------------

VOIDED = rules.LargeDealVoided(kind="large_deal_voided", min_amount=D("100000"))


def void(shares: dict[str, str], currency: str = "CNY") -> ev.VoidedDeal:
    return ev.VoidedDeal(
        700, {"source": "crm", "id": "d-9"}, on(10, 14), currency, {r: D(v) for r, v in shares.items()}
    )


def test_large_deal_voided_one_verdict_per_credited_rep_with_its_share():
    verdicts = ev.large_deal_voided(VOIDED, void({"r-4": "90000", "r-1": "60000"}), facts(on(10, 22), []))
    shares = [(v.subject.id, v.period, v.holds, v.evidence["rep_share"]) for v in verdicts]
    assert shares == [("r-1", "2026-10", True, "60000.00"), ("r-4", "2026-10", True, "90000.00")]
    assert (verdicts[0].evidence["amount"], verdicts[0].evidence["min_amount"]) == ("150000.00", "100000.00")
    assert (verdicts[0].evidence["positions"], verdicts[0].evidence["deal"]) == ([700], {"source": "crm", "id": "d-9"})


@pytest.mark.parametrize(
    ("shares", "currency", "raised"),
    [({"r-4": "100000"}, "CNY", 1), ({"r-4": "99999.99"}, "CNY", 0), ({"r-4": "150000"}, "USD", 0)],
)
def test_large_deal_voided_amount_threshold_and_currency(shares, currency, raised):
    assert len(ev.large_deal_voided(VOIDED, void(shares, currency), facts(on(10, 22), []))) == raised


# --- diagnosis -----------------------------------------------------------------------------------------------


def activity(rep: str, visits: int, created: int, converted: int = 0, won: int = 0, lost: int = 0) -> list[Credit]:
    day, figures = on(10, 13), {"visits": visits, "leads_created": created, "leads_converted": converted}
    figures |= {"deals_won": won, "deals_lost": lost}
    return [credit(m, rep, day, n, 800) for m, n in figures.items() if n]


def test_diagnose_resource_gap_when_activity_is_under_80_percent_of_peers():
    # r-3: 1 + 2 = 3 per rep; team of 3: 12 visits / 3 = 4 and 9 leads / 3 = 3, 7 per rep; 3 < 0.8 x 7 = 5.6
    mine = activity("r-3", 1, 2)
    team = mine + activity("r-1", 6, 4) + activity("r-2", 5, 3)
    result = diagnose("r-3", "2026-W42", mine, 1, team, 3)
    assert (result.gap, result.action) == ("resource", "resources")
    assert result.reason == (
        "r-3: 1 visits and 2 new leads per rep in 2026-W42, against 4 and 3 across the peers. "
        "Too little activity to convert: a resource gap; add leads or time for visits."
    )
    assert (result.figures["subject"]["visits"], result.figures["peers"]["visits"]) == (D(1), D(4))


def test_diagnose_capability_gap_when_activity_is_on_par_but_leads_convert_worse():
    # r-2: 4 + 4 = 8 per rep, peers 12 / 3 + 12 / 3 = 8; conversion 1/4 = 25.0% against 5/12 = 41.7%
    mine = activity("r-2", 4, 4, 1)
    team = mine + activity("r-1", 4, 4, 2) + activity("r-3", 4, 4, 2)
    result = diagnose("r-2", "2026-W42", mine, 1, team, 3)
    assert (result.gap, result.action) == ("capability", "coaching")
    assert result.reason == (
        "r-2: activity is on par (4 visits and 4 new leads per rep in 2026-W42, against 4 and 4 across the peers), "
        "but lead conversion is 25.0% against 41.7% for the peers: a capability gap; coaching on converting helps."
    )
    rates = [result.figures[side]["lead_conversion_rate"] for side in ("subject", "peers")]
    assert rates == [D("0.25"), D("0.4167")]


def test_diagnose_exactly_80_percent_is_on_par_and_win_rate_can_show_the_gap():
    # mine 4 + 4 = 8 = 0.8 x (5 + 5) per rep: on par; conversion equal (1/2), win rate 1/4 = 25.0% vs 3/6 = 50.0%
    mine = activity("r-2", 4, 4, 2, won=1, lost=3)
    peers = mine + activity("r-1", 6, 6, 3, won=2)
    result = diagnose("r-2", "2026-W42", mine, 1, peers, 2)
    assert result.gap == "capability"
    assert "win rate is 25.0% against 50.0% for the peers" in result.reason


def test_diagnose_unclear_when_on_par_and_resource_when_nobody_did_anything():
    mine = activity("r-1", 4, 4, 2)
    result = diagnose("r-1", "2026-10", mine, 1, mine + activity("r-2", 4, 4, 2), 2)
    assert (result.gap, result.action) == ("unclear", "review")
    assert result.reason == (
        "r-1: activity and conversion are on par with the peers (4 visits and 4 new leads per rep in 2026-10, "
        "against 4 and 4 across the peers); look at deal sizes and timing."
    )
    assert diagnose("r-1", "2026-W42", [], 1, [], 3).gap == "resource"  # no activity at all: a resource gap
