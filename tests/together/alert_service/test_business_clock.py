"""The business clock never skips a day it cannot judge. chinese-calendar stops at 2026, so when the ledger
reaches 2027 before HR publishes it, judging waits at 1 January, says so, and judges the days waited for
at the position where HR publishes 2027, as known there.

r-1 visits on Wednesday 30 and Thursday 31 December 2026, then logs only a call on Wednesday 6 January
2027 and visits again on Thursday 7 January. The no-visits rule (3 working days) cannot judge 1 January
without 2027's calendar. HR publishes 2027 with 1 January off: then 4, 5 and 6 January are the 1st, 2nd
and 3rd working days without a visit, so a warning is raised for 6 January, at the publication's position.
Had the clock skipped the days it could not judge, no warning would ever have been raised."""

from __future__ import annotations

from datetime import date

from services.alert_service.app import create_app
from services.alert_service.application import AlertApplication, store_env
from shared.platform.http_client import http_client
from tests.scenarios.alert import HR, at, judged, record, visit, warnings
from tests.scenarios.goal import import_csv
from tests.support import auth, cloudevent, serve_in_thread

NO_VISITS = {"kind": "no_visits", "working_days": 3}
ORG_CSV = """kind,id,name,parent,effective_from
company,acme,Acme,,2026-12-01
team,team-a,East A,acme,2026-12-01
rep,r-1,李雷,team-a,2026-12-01
"""


def call(day: date) -> dict:
    return cloudevent("call.logged", {"rep_id": "r-1"}, id_=f"call-{day}", time_=at(day, 14))


def clock(alert) -> dict:
    return alert.get("/v1/business-clock", headers=auth("t-rep")).json()


def test_judging_waits_at_a_day_without_a_calendar_and_judges_it_where_hr_publishes_the_year(
    goal, alert_settings, tmp_path
):
    with serve_in_thread(create_app(alert_settings)) as url, http_client(base_url=url, timeout=60) as alert:
        assert import_csv(goal, ORG_CSV).json()["rejected"] == []
        assert goal.post("/v1/calendars/2026/seed", headers=HR).status_code == 201
        rule = {"effective_from": "2026-01-01", "definition": NO_VISITS}
        assert alert.put("/v1/warning-rules/no-visits", json=rule, headers=HR).status_code == 201

        record(goal, [visit("r-1", date(2026, 12, 30)), visit("r-1", date(2026, 12, 31))])
        before_call = record(goal, [call(date(2027, 1, 6))])  # closes 31 December; 1 January cannot be judged
        head = record(goal, [visit("r-1", date(2027, 1, 7))])
        judged(alert, head)
        waiting = clock(alert)
        assert (waiting["clock"], waiting["judged_through"], waiting["position"]) == ("2027-01-07", "2026-12-31", head)
        assert waiting["waiting_for"] == {
            "day": "2027-01-01",
            "calendar_years": [2027],
            "detail": "no working-day calendar is published for 2027; HR publishes it with PUT /v1/calendars/2027",
            "since_position": before_call - 1,  # judged as known just before the call that ended the day
        }
        assert warnings(alert) == []

        body = {"holidays": ["2027-01-01"], "workdays": [], "reason": "HR's 2027 calendar"}
        published = goal.put("/v1/calendars/2027", json=body, headers=HR)
        assert published.status_code == 201, published.text
        position = published.json()["position"]
        judged(alert, position)
        after = clock(alert)
        assert (after["judged_through"], after["waiting_for"]) == ("2027-01-06", None)
        (warning,) = warnings(alert)
        assert (warning["rule"]["id"], warning["subject"]["id"], warning["period"]) == ("no-visits", "r-1", "2027-01")
        assert warning["raised"] == {"day": "2027-01-06", "position": position}
        evidence = warning["evidence"]
        assert (evidence["counted_from"], evidence["working_days_without"]) == ("2027-01-01", 3)
        assert evidence["calendar_versions"] == {"2027": position}

        # the visit on the 7th clears it once a later day closes the 7th, as usual
        last = record(goal, [call(date(2027, 1, 8))])
        judged(alert, last)
        (cleared,) = warnings(alert)
        assert cleared["state"] == "auto_resolved" and cleared["history"][-1]["day"] == "2027-01-07"

    # replay: another alert_service reading the same ledger with the same rule waits and judges alike
    other = alert_settings.model_copy(
        update={
            "data_dir": tmp_path / "other",
            "database_schema": alert_settings.database_schema and alert_settings.database_schema + "_other",
        }
    )
    application = AlertApplication(store_env(other))
    application.define_rule("no-visits", NO_VISITS, "2026-01-01", "hr", None, "2026-10-01T00:00:00Z")
    application.close()
    with serve_in_thread(create_app(other)) as url, http_client(base_url=url, timeout=60) as second:
        judged(second, last)
        (again,) = warnings(second)
        assert (again["id"], again["raised"], again["history"]) == (
            cleared["id"],
            cleared["raised"],
            cleared["history"],
        )
        assert clock(second)["waiting_for"] is None
