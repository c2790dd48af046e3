"""The working-day calendar over HTTP: seeded from chinese-calendar where it knows the year, published by
HR where it does not, versioned, and readable as known at any position."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from tests.support import auth

HR = auth("t-hr")


def test_a_seeded_year_counts_the_same_working_days_as_chinese_calendar_itself(goal):
    assert goal.post("/v1/calendars/2026/seed", headers=HR).status_code == 201
    year = goal.get("/v1/calendars/2026", headers=auth("t-rep")).json()
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    assert year["working_days"] == sum(chinese_calendar.is_workday(d) for d in days)
    assert "2026-10-10" in year["workdays"] and "2026-10-01" in year["holidays"]


def test_a_year_the_package_does_not_know_is_published_by_hr_and_republishing_makes_a_version(goal):
    seeded = goal.post("/v1/calendars/2027/seed", headers=HR)
    assert seeded.status_code == 422 and "2027" in seeded.json()["detail"]
    first = goal.put("/v1/calendars/2027", json={"holidays": ["2027-01-01"], "reason": "draft"}, headers=HR)
    second = goal.put(
        "/v1/calendars/2027",
        json={"holidays": ["2027-01-01", "2027-02-08"], "workdays": ["2027-02-06"], "reason": "State Council notice"},
        headers=HR,
    )
    assert (first.status_code, second.status_code) == (201, 201)
    now = goal.get("/v1/calendars/2027", headers=HR).json()
    then = goal.get("/v1/calendars/2027", params={"known_at": first.json()["position"]}, headers=HR).json()
    assert (now["version"], then["version"]) == (second.json()["position"], first.json()["position"])
    assert now["working_days"] == 261 - 2 + 1  # 2027 has 261 weekdays
    assert then["working_days"] == 261 - 1


def test_inconsistent_calendars_are_refused_naming_what_is_wrong(goal):
    weekday_makeup = goal.put("/v1/calendars/2027", json={"workdays": ["2027-02-08"]}, headers=HR)
    assert weekday_makeup.status_code == 422 and "2027-02-08 is a weekday" in weekday_makeup.json()["detail"] + str(
        weekday_makeup.json()["errors"]
    )
    other_year = goal.put("/v1/calendars/2027", json={"holidays": ["2026-12-31"]}, headers=HR)
    assert other_year.status_code == 422 and "not in 2027" in str(other_year.json()["errors"])
    assert goal.get("/v1/calendars/2027", headers=HR).status_code == 404
    assert goal.put("/v1/calendars/2027", json={}, headers=auth("t-rep")).status_code == 403
