"""alert_service reads what a correction is from its ledger entry (void, reassign, amend), not from what it
did to the figures: a won deal reassigned and amended is no void, its void is judged at the void's position
with the rep and amount it had then, a second void of it takes nothing back, and a lost deal voided is no
voided won deal. Followed before the entries' types were kept, a void is found as it was then (migration
0005); and a store written before the tracking rows resumes where its watch stopped."""

from __future__ import annotations

from datetime import date

from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select

from services.alert_service.application import AlertApplication, store_env
from services.alert_service.domain.aggregates import Watch
from services.alert_service.domain.clock import BusinessTime
from services.alert_service.projections import MIGRATIONS
from services.alert_service.settings import SERVICE_NAME
from services.alert_service.tables import corrections
from shared.kernel.ledger_views.tables import contributions
from shared.platform.readmodel import create_read_model_engine
from tests.scenarios.alert import HR, ORG_CSV, at, deal, judged, record, void, warnings
from tests.scenarios.goal import import_csv
from tests.support import SOURCE, cloudevent

VOIDED = {"kind": "large_deal_voided", "min_amount": "100000"}


def correction(type_: str, target_id: str, day: date, n: int, **data: str) -> dict:
    body = {"target": {"source": SOURCE, "id": target_id}, "reason": "CRM fix", **data}
    return cloudevent(type_, body, id_=f"{type_}-{target_id}-{n}", time_=at(day, 17))


def test_a_void_is_read_from_its_entry_with_the_deal_as_corrected_then(goal, alert):
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    rule = {"effective_from": "2026-01-01", "definition": VOIDED}
    assert alert.put("/v1/warning-rules/voided", json=rule, headers=HR).status_code == 201
    lost_deal = {"rep_id": "r-2", "customer_id": "c-8", "deal_id": "d-8"}
    lost = cloudevent("deal.lost", lost_deal, id_="d-8", time_=at(date(2026, 10, 12)))
    record(goal, [deal("d-9", "r-4", "150000", date(2026, 10, 12)), lost])
    record(goal, [correction("activity.reassigned", "d-9", date(2026, 10, 13), 1, to_rep_id="r-1")])
    record(goal, [correction("activity.amended", "d-9", date(2026, 10, 14), 2, amount="120000", currency="CNY")])
    voided_at = record(goal, [void("d-9", date(2026, 10, 15))])
    head = record(goal, [void("d-8", date(2026, 10, 15)) | {"id": "void-d-8"}])
    judged(alert, head)
    (warning,) = warnings(alert)
    assert (warning["rule"]["id"], warning["subject"]["id"], warning["period"]) == ("voided", "r-1", "2026-10")
    assert (warning["evidence"]["amount"], warning["evidence"]["rep_share"]) == ("120000.00", "120000.00")
    assert warning["evidence"]["deal"] == {"source": SOURCE, "id": "d-9"}
    assert warning["raised"]["position"] == warning["evidence"]["positions"][0] == voided_at

    again = record(goal, [void("d-9", date(2026, 10, 16)) | {"id": "void-d-9-again"}])
    judged(alert, again)
    assert [w["id"] for w in warnings(alert)] == [warning["id"]]


def migrated_to(engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_voids_followed_before_the_corrections_were_kept_are_found_as_they_were(alert_settings):
    engine = create_read_model_engine(alert_settings, SERVICE_NAME)
    migrated_to(engine, "0004")

    def credited(position: int, deal_id: str, rep: str, value: str) -> dict:
        row = {"position": position, "activity_source": SOURCE, "activity_id": deal_id, "rep_id": rep}
        return row | {"measure": "deals_won", "occurred_at": "2026-10-12T02:00:00.000000Z", "value": value}

    with engine.begin() as connection:
        connection.execute(
            insert(contributions),
            [
                credited(1, "d-1", "r-1", "1"),
                credited(2, "d-2", "r-2", "1"),
                credited(3, "d-1", "r-1", "-1"),  # d-1 reassigned to r-3: no void
                credited(3, "d-1", "r-3", "1"),
                credited(4, "d-2", "r-2", "-0.5"),  # d-2 split and then voided: its halves go
                credited(4, "d-2", "r-4", "0.5"),
                credited(5, "d-2", "r-2", "-0.5"),
                credited(5, "d-2", "r-4", "-0.5"),
            ],
        )
    migrated_to(engine, "head")
    with engine.connect() as connection:
        found = connection.execute(select(corrections).order_by(corrections.c.position)).all()
    engine.dispose()
    assert [tuple(row) for row in found] == [(5, "activity.voided", SOURCE, "d-2")]


def test_a_store_from_before_the_tracking_rows_resumes_where_its_watch_stopped(alert_settings):
    application = AlertApplication(store_env(alert_settings))
    try:
        watch = Watch()  # as the watch recorded it then: the positions in its own events, no tracking rows
        watch._advanced(41, "2026-10-20", "2026-10-19", {"k": "w-1"}, [], None)
        watch._scores_judged(7, {}, ["k"])
        application.save(watch)
        assert (application.judged_position(), application.appraisals_judged()) == (0, 0)

        application.carry_over_positions()
        application.carry_over_positions()  # once: the rows now say where to resume
        assert (application.judged_position(), application.appraisals_judged()) == (41, 7)
        resumed = application.watch()
        assert resumed.business_time() == BusinessTime(date(2026, 10, 20), date(2026, 10, 19), None)
        assert (resumed.open, resumed.occurrences) == ({}, {"k": 1})
    finally:
        application.close()
