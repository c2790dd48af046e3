"""scoring_service follows goal_service's ledger over HTTP: a crash mid-page never double-counts; stopped
while 10,000 events arrive, it catches up to the same figures as a rebuild from position zero; and a deal
voided after its month was sealed is clawed back in the next month's statement."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from services.scoring_service.app import create_app
from services.scoring_service.projections import MIGRATIONS
from services.scoring_service.settings import SERVICE_NAME
from shared.kernel.ledger_views.followed import FollowedLedger
from shared.kernel.ledger_views.tables import contributions, tracking
from shared.platform.http_client import http_client
from shared.platform.log_client import LedgerFollower
from shared.platform.projection import EntryFailed, ProjectionRunner
from shared.platform.readmodel import create_read_model_engine, migrate
from tests.scenarios.goal import ORG_CSV, import_csv
from tests.scenarios.scoring import HR, caught_up, deal, define_rules, record, setup_company, visits
from tests.support import SOURCE, ZONE, auth, cloudevent, serve_in_thread


def test_a_crash_between_writing_rows_and_tracking_them_never_double_counts(goal, goal_url, scoring_settings):
    record(goal, [deal(f"d-{n}", "r-1", "100", "2026-11-03") for n in range(5)])
    engine = create_read_model_engine(scoring_settings, SERVICE_NAME)
    migrate(engine, MIGRATIONS)
    follower = LedgerFollower(goal_url, "t-service")

    class CrashesAfterWriting(FollowedLedger):
        def apply(self, session, entries):
            super().apply(session, entries)
            raise RuntimeError("killed after the rows, before the commit")

    def runner(projection):
        return ProjectionRunner(projection, engine, tracking, lambda after, limit: follower.read_page(after))

    with pytest.raises(EntryFailed, match="killed after the rows"):
        runner(CrashesAfterWriting(ZONE)).run_once()
    assert runner(FollowedLedger(ZONE)).tracked().position == 0
    runner(FollowedLedger(ZONE)).catch_up()
    runner(FollowedLedger(ZONE)).catch_up()  # nothing new: nothing again
    with engine.connect() as connection:
        revenue = connection.execute(
            select(func.count()).select_from(contributions).where(contributions.c.measure == "revenue_won")
        ).scalar()
    assert revenue == 5
    follower.close()
    engine.dispose()


def scores(client: httpx.Client) -> dict:
    body = client.get("/v1/scores", params={"period": "2026-11"}, headers=HR).json()
    return {k: body[k] for k in ("scores", "teams", "honours")}


@pytest.mark.slow
def test_stopped_while_6000_events_arrive_it_catches_up_to_the_figures_of_a_rebuild(goal, scoring_settings):
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    app = create_app(scoring_settings)
    with serve_in_thread(app) as url, http_client(base_url=url, timeout=60) as scoring:
        define_rules(scoring)
    # scoring_service is down while goal_service records 6,000 events: six of its pages to catch up on
    for batch in range(6):
        events = (
            [
                deal(f"b{batch}-{n}", f"r-{1 + n % 2}", f"{100 + n}.{batch}5", f"2026-11-{1 + n % 28:02d}")
                for n in range(500)
            ]
            + visits("r-1", 250, f"2026-11-{batch + 1:02d}")
            + visits("r-2", 250, f"2026-11-{batch + 11:02d}")
        )
        head = record(goal, events)
    assert head >= 6_000
    app = create_app(scoring_settings)
    with serve_in_thread(app) as url, http_client(base_url=url, timeout=60) as scoring:
        caught_up(scoring, head, seconds=300)
        status = scoring.get("/v1/projections", headers=auth("t-admin")).json()[0]
        assert status["lag"] == 0 and status["updated_at"] is not None
        followed = scores(scoring)
        app.state.projections.runners["ledger"].rebuild()
        caught_up(scoring, head)
        assert scores(scoring) == followed
    r1 = followed["scores"]["r-1"]
    assert r1["kpis"][1]["actual"] == 1500  # 250 visits on each of six days: a count, an integer


def test_a_deal_voided_after_its_month_was_sealed_is_clawed_back_in_the_next_statement(goal, scoring):
    setup_company(goal, scoring)
    head = record(goal, [deal("d-oct", "r-1", "1200000", "2026-10-10")])
    caught_up(scoring, head)
    october = scoring.post("/v1/periods/2026-10/close", json={}, headers=HR)
    assert october.status_code == 200, october.text
    sealed = scoring.get("/v1/appraisals/2026-10/r-1", headers=HR).json()["revisions"][0]["result"]
    assert sealed["commission"]["total"] == "13000.00"  # 1M at 1% + 0.2M at 1.5%

    void = cloudevent(
        "activity.voided", {"target": {"source": SOURCE, "id": "d-oct"}, "reason": "customer cancelled"}, id_="void-1"
    )
    head = record(goal, [void, deal("d-nov", "r-1", "100000", "2026-11-05")])
    caught_up(scoring, head)
    november = scoring.post("/v1/periods/2026-11/close", json={}, headers=HR)
    assert november.status_code == 200, november.text
    statement = scoring.get("/v1/appraisals/2026-11/r-1", headers=HR).json()["revisions"][0]["result"]["commission"]
    band, clawback = statement["lines"]
    assert band["amount"] == "1000.00"
    assert clawback["kind"] == "clawback" and clawback["period"] == "2026-10"
    assert (clawback["was"], clawback["now"], clawback["amount"]) == ("13000.00", "0.00", "-13000.00")
    assert clawback["positions"] == [head - 1]  # the void, traceable in the ledger
    assert statement["total"] == "-12000.00"
    # December does not claw October back a second time
    december = scoring.post("/v1/periods/2026-12/close", json={}, headers=HR)
    assert december.status_code == 200
    later = scoring.get("/v1/appraisals/2026-12/r-1", headers=HR).json()["revisions"][0]["result"]["commission"]
    assert later["lines"] == [] and Decimal(later["total"]) == 0
