"""No single entry stops a projection silently. An entry an old version recorded, that a projection cannot
apply, is found (the entries before it are kept), reported as poisoned with its position in
/v1/projections, the metrics and `perfledger status`; an operator passes over it without editing the
ledger, after which the figures of later entries move, the decision stays listed and a rebuild honours
it. A transient failure is retried and never declared poison."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import create_engine, select

from services.goal_service.application import LedgerApplication
from services.goal_service.checkpoints import LedgerCheckpoints
from services.goal_service.domain.ledger import EMPTY_HEAD, LedgerBatch, Submission
from services.goal_service.projections import MIGRATIONS
from services.goal_service.settings import SERVICE_NAME
from shared.kernel.events.envelope import IncomingEvent
from shared.kernel.ledger_views.credit import CreditProjection
from shared.kernel.ledger_views.tables import contributions, skips, tracking
from shared.kernel.metrics.credit import fold
from shared.platform.chain import ChainedEntry
from shared.platform.errors import Conflict
from shared.platform.eventstore import eventsourcing_env
from shared.platform.projection import ProjectionRunner
from shared.platform.readmodel import create_read_model_engine, migrate
from tests.scenarios.goal import HR, deal
from tests.support import SOURCE, ZONE, auth, signed_post
from tests.support import perfledger as run_perfledger

AT = datetime(2026, 10, 13, 2, tzinfo=UTC)
ADMIN = auth("t-admin")


def old_deal(n: int, *, rep: str = "r-1", amount: str = "100.00") -> IncomingEvent:
    """A deal.won as an older version recorded it: straight into the ledger, no envelope checks."""
    data = {"rep_id": rep, "customer_id": "c", "deal_id": f"d-{n}", "amount": amount, "currency": "CNY"}
    return IncomingEvent(SOURCE, f"d-{n}", "deal.won", AT, None, data)


def chained(events: list[IncomingEvent]) -> list[ChainedEntry]:
    batch = LedgerBatch(EMPTY_HEAD, AT, seen=lambda _: None, find=lambda _: None)
    for incoming in events:
        batch.add(Submission([incoming], [[]]))
    return [ChainedEntry(e.originator_version, e.entry, e.hash) for e in batch.entries]


def projected(engine) -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(select(contributions).order_by(contributions.c.id)).all()
    return [(r.position, r.activity_id, r.measure, Decimal(r.value)) for r in rows]


def folded(entries: list[ChainedEntry]) -> list[tuple]:
    return [(c.position, c.activity[1], c.measure, c.value) for c in fold(e.entry for e in entries)[1]]


@pytest.fixture
def engine(goal_settings):
    engine = create_read_model_engine(goal_settings, SERVICE_NAME)
    migrate(engine, MIGRATIONS)
    yield engine
    engine.dispose()


def runner_on(engine, entries: list[ChainedEntry]) -> ProjectionRunner:
    return ProjectionRunner(
        CreditProjection(ZONE), engine, tracking, lambda after, limit: entries[after : after + limit], skips=skips
    )


def test_an_entry_that_fails_alone_is_poisoned_and_passed_over_only_by_a_recorded_decision(engine):
    # "12,50" is no decimal: the credit fold raises on it, on every database, every time.
    entries = chained([old_deal(1), old_deal(2), old_deal(3, amount="12,50"), old_deal(4), old_deal(5)])
    runner = runner_on(engine, entries)
    assert runner.catch_up() == 2  # the page failed, entry by entry kept 1 and 2, and 3 failed alone
    poisoned = runner.poisoned
    assert poisoned is not None and (poisoned.position, poisoned.strikes) == (3, 3)
    assert poisoned.reason.startswith("InvalidOperation") and poisoned.hash == entries[2].hash
    assert runner.tracked().position == 2 and projected(engine) == folded(entries[:2])

    with pytest.raises(Conflict, match="entry 4 is not failing"):
        runner.pass_over(4, reason="wrong entry", actor="ops")
    decision, new = runner.pass_over(3, reason="malformed amount from v0.3", actor="ops")
    assert new and (decision.position, decision.actor, decision.failure) == (3, "ops", poisoned.reason)
    assert runner.pass_over(3, reason="again", actor="ops") == (decision, False)

    assert runner.catch_up() == 3 and runner.poisoned is None
    without_it = [e for e in entries if e.position != 3]
    assert runner.tracked().position == 5 and projected(engine) == folded(without_it)
    assert runner.rebuild() == 5  # the decision is kept and honoured
    assert projected(engine) == folded(without_it) and runner.passed_over() == [decision]


def test_a_transient_failure_is_retried_and_never_declared_poison(engine, backend, storage_env):
    entries = chained([old_deal(n) for n in range(1, 6)])
    # The read model locked by another session: each write fails with a real OperationalError ("database
    # is locked" on SQLite, lock_timeout on PostgreSQL), as when the database is busy or away.
    if backend == "sqlite":
        impatient = create_engine(engine.url, connect_args={"timeout": 0.05})
        lock = "BEGIN EXCLUSIVE"
    else:
        schema = storage_env["PERFLEDGER_DATABASE_SCHEMA"]
        impatient = create_engine(engine.url, connect_args={"options": f"-csearch_path={schema} -clock_timeout=50"})
        lock = "LOCK TABLE contributions IN ACCESS EXCLUSIVE MODE"
    runner = runner_on(impatient, entries)
    locker = engine.raw_connection()
    try:
        if backend == "postgres":
            locker.cursor().execute("BEGIN")
        locker.cursor().execute(lock)
        for _ in range(6):
            with pytest.raises(Exception, match=r"locked|lock timeout") as failed:
                runner.run_once()
            assert type(failed.value).__name__ == "OperationalError"
        assert runner.failing is None and runner.poisoned is None
    finally:
        locker.rollback()
        locker.close()
    assert runner.catch_up() == 5 and projected(engine) == folded(entries)
    impatient.dispose()


# --- the whole system, over HTTP ------------------------------------------------------------------------------


def wait_for(condition, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while (found := condition()) is None or found is False:
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


def projection(client: httpx.Client, name: str) -> dict:
    return {p["name"]: p for p in client.get("/v1/projections", headers=ADMIN).json()}[name]


def revenue(goal: httpx.Client) -> str:
    response = goal.get("/v1/goals/q4/progress", params={"as_of": "2026-10-31"}, headers=HR)
    assert response.status_code == 200, response.text
    return response.json()["actual"]


def metric(client: httpx.Client, name: str, projection_name: str) -> float:
    found = re.search(rf'^{name}\{{projection="{projection_name}"\}} (\S+)$', client.get("/metrics").text, re.M)
    assert found, f"no {name} for {projection_name}"
    return float(found[1])


def perfledger(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run_perfledger(*args, env={"PERFLEDGER_TOKEN": "t-admin", "COLUMNS": "200", **(env or {})})


@pytest.mark.slow
def test_a_poisoned_entry_is_reported_everywhere_and_an_operator_gets_past_it(
    company_goal, goal_url, goal_settings, scoring, backend, storage_env
):
    goal = company_goal
    assert goal.post("/v1/calendars/2026/seed", headers=HR).status_code == 201
    assert signed_post(goal, deal("d-1", "r-1", "100000.00", "2026-10-12", "A")).status_code == 201
    # Recorded as an older version would have, straight through the ledger application: on PostgreSQL a NUL
    # in the rep id (text columns refuse it); on SQLite, which stores NUL, an amount no decimal reads. Like
    # every writer of the ledger, it signs a checkpoint with the ledger's key, or goal_service would refuse to
    # build on an entry it cannot tell from a forgery.
    poison = old_deal(2, rep="r-\x001") if backend == "postgres" else old_deal(2, amount="12,50")
    ledger = LedgerApplication(
        eventsourcing_env(goal_settings, SERVICE_NAME), LedgerCheckpoints.from_settings(goal_settings)
    )
    try:
        (outcome,) = ledger.record([Submission([poison], [[]])])
    finally:
        ledger.close()
    position = outcome.recorded[0].position
    assert signed_post(goal, deal("d-3", "r-2", "50000.00", "2026-10-14", "B")).status_code == 201

    credit = wait_for(lambda: (p := projection(goal, "credit"))["poisoned"] and p)
    assert credit["poisoned"]["position"] == position and credit["position"] == position - 1
    assert ("NUL" if backend == "postgres" else "InvalidOperation") in credit["poisoned"]["reason"]
    assert credit["lag"] == 2 and credit["passed_over"] == []
    assert projection(goal, "rules")["poisoned"] is None
    assert metric(goal, "perfledger_projection_poisoned_position", "credit") == position
    assert revenue(goal) == "100000.00"  # d-3 waits behind the poisoned entry

    followed = wait_for(lambda: (p := projection(scoring, "ledger"))["poisoned"] and p)  # the follower too
    assert followed["poisoned"]["position"] == position

    urls = ["--url", goal_url, "--url", str(scoring.base_url)]
    shown = perfledger("status", *urls)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert f"POISONED at entry {position}" in shown.stdout and "credit: position" in shown.stdout

    skipped = perfledger(
        "projections", "skip", "--url", goal_url, "--position", str(position), "--reason", "bad entry from v0.3"
    )
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert f"credit: entry {position} passed over" in skipped.stdout
    wait_for(lambda: projection(goal, "credit")["lag"] == 0)
    assert revenue(goal) == "150000.00"  # the figures of the entries after it move again
    credit = projection(goal, "credit")
    assert credit["poisoned"] is None and credit["error"] is None
    [decision] = credit["passed_over"]
    assert (decision["position"], decision["actor"], decision["reason"]) == (position, "admin", "bad entry from v0.3")
    assert metric(goal, "perfledger_projection_poisoned_position", "credit") == 0
    assert metric(goal, "perfledger_projection_passed_over_entries", "credit") == 1

    answer = scoring.post(
        "/v1/projections/ledger/skips", json={"position": position, "reason": "bad entry from v0.3"}, headers=ADMIN
    )
    assert answer.status_code == 201, answer.text
    assert (
        scoring.post(
            "/v1/projections/ledger/skips", json={"position": position, "reason": "twice"}, headers=ADMIN
        ).status_code
        == 200
    )
    wait_for(lambda: projection(scoring, "ledger")["lag"] == 0)
    assert perfledger("status", *urls).returncode == 0

    rebuilt = perfledger("projections", "rebuild", env=storage_env)  # beside the running service
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    wait_for(lambda: projection(goal, "credit")["lag"] == 0)
    assert revenue(goal) == "150000.00" and projection(goal, "credit")["passed_over"] == [decision]

    again = signed_post(goal, deal("d-4", "r-\x001", "1.00", "2026-10-15", "A"))  # and the envelope refuses it now
    assert again.status_code == 422 and again.json()["errors"][0]["pointer"] == "/data/rep_id"


def test_only_an_admin_passes_over_an_entry_and_only_a_failing_one(goal):
    body = {"position": 1, "reason": "x"}
    assert goal.post("/v1/projections/credit/skips", json=body, headers=auth("t-auditor")).status_code == 403
    assert goal.post("/v1/projections/nope/skips", json=body, headers=ADMIN).status_code == 404
    refused = goal.post("/v1/projections/credit/skips", json=body, headers=ADMIN)
    assert refused.status_code == 409 and "nothing is failing" in refused.json()["detail"]
    bad = goal.post("/v1/projections/credit/skips", json={"position": 1, "reason": "\x00"}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/reason"
