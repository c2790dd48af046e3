"""Several processes of a service may serve one PostgreSQL read model: exactly one runs the projections
(the holder of their advisory lock), the others answer from what it writes, and when the leader dies, a
standby takes over within seconds."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import make_url

from services.scoring_service.app import create_app
from shared.platform.http_client import http_client
from tests.scenarios.goal import ORG_CSV, import_csv
from tests.scenarios.scoring import caught_up, deal, define_rules, record, visits
from tests.support import auth, serve_in_thread

HR = auth("t-hr")


def until(condition, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time given"
        time.sleep(0.05)


def scores(client) -> dict:
    return client.get("/v1/scores", params={"period": "2026-11"}, headers=HR).json()["scores"]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_one_process_of_two_runs_the_projections_and_a_standby_takes_over_when_it_dies(goal, scoring_settings):
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    first_app, second_app = create_app(scoring_settings), create_app(scoring_settings)
    with (
        serve_in_thread(first_app) as first_url,
        http_client(base_url=first_url, timeout=60) as first,
        serve_in_thread(second_app) as second_url,
        http_client(base_url=second_url, timeout=60) as second,
    ):
        leases = [first_app.state.projections.lease, second_app.state.projections.lease]
        until(lambda: any(lease.leading for lease in leases))
        leader, standby = (first, second) if leases[0].leading else (second, first)
        leading, standing_by = (leases[0], leases[1]) if leases[0].leading else (leases[1], leases[0])
        define_rules(leader)

        head = record(goal, [deal("d-1", "r-1", "1500000", "2026-11-03"), *visits("r-2", 5, "2026-11-06")])
        caught_up(standby, head)  # the standby answers from the read model the leader writes
        assert scores(standby) == scores(leader) and scores(leader)
        assert not standing_by.leading
        before = scores(standby)["r-2"]

        # The leader dies: its session, and with it the lock, is gone, as when its process is killed.
        url = make_url(scoring_settings.database_url)
        with psycopg.connect(dbname=url.database, host=url.host, user=url.username, autocommit=True) as admin:
            admin.execute("select pg_terminate_backend(%s)", (leading.backend_pid,))
        until(lambda: standing_by.leading)
        head = record(goal, [deal("d-2", "r-2", "250000", "2026-11-12")])
        caught_up(standby, head)
        assert scores(standby)["r-2"] != before  # the new leader projected the deal
        until(lambda: sum(lease.leading for lease in leases) == 1)  # the old leader finds its lease gone


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_process_told_not_to_project_serves_what_another_projects(goal, scoring_settings):
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    serving = create_app(scoring_settings.model_copy(update={"run_projections": False}))
    with serve_in_thread(serving) as serving_url, http_client(base_url=serving_url, timeout=60) as server:
        define_rules(server)
        head = record(goal, [deal("d-1", "r-1", "1500000", "2026-11-03")])
        time.sleep(1)  # alone, it never takes the lease: nothing is projected
        assert serving.state.projections.lease is None
        assert server.get("/v1/projections", headers=auth("t-admin")).json()[0]["position"] == 0
        projecting = create_app(scoring_settings)
        with serve_in_thread(projecting) as projecting_url, http_client(base_url=projecting_url) as projector:
            caught_up(server, head)  # it answers from the read model the other process writes
            assert scores(server) == scores(projector) and scores(server)["r-1"]
