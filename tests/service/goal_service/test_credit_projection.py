"""The credit projection follows the ledger into SQL on both stores: its rows equal the from-scratch fold
whatever the page sizes and restarts, a failed page leaves no trace, a rewritten ledger stops it, a rebuild
gives the same rows, and the live service reports it caught up."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from services.goal_service.domain.ledger import EMPTY_HEAD, LedgerBatch, Submission
from services.goal_service.projections import MIGRATIONS
from services.goal_service.settings import SERVICE_NAME
from shared.kernel.events.envelope import IncomingEvent
from shared.kernel.ledger_views.credit import CreditProjection
from shared.kernel.ledger_views.tables import contributions, tracking
from shared.kernel.metrics.credit import fold
from shared.platform.chain import ChainedEntry
from shared.platform.projection import EntryFailed, LedgerTampered, ProjectionRunner
from shared.platform.readmodel import create_read_model_engine, migrate
from tests.support import SOURCE, ZONE, auth, cloudevent, deal_won, perfledger, signed_post

AT = datetime(2026, 10, 5, 3, tzinfo=UTC)


def deal(n: int, rep: str = "r-1", amount: str = "100.00") -> IncomingEvent:
    return IncomingEvent(
        SOURCE,
        f"d-{n}",
        "deal.won",
        AT,
        None,
        {"rep_id": rep, "customer_id": "c", "deal_id": f"d-{n}", "amount": amount, "currency": "CNY"},
    )


def correction(n: int, kind: str, target: int, **data) -> IncomingEvent:
    return IncomingEvent(
        SOURCE, f"x-{n}", kind, AT, None, {"target": {"source": SOURCE, "id": f"d-{target}"}, "reason": "r", **data}
    )


def ledger_of(events: list[IncomingEvent]) -> list[ChainedEntry]:
    """Real chained entries, as the ledger would record these events (refused ones left out)."""
    batch = LedgerBatch(EMPTY_HEAD, AT, seen=lambda _: None, find=lambda _: None)
    for incoming in events:
        batch.add(Submission([incoming], [[]]))
    return [ChainedEntry(e.originator_version, e.entry, e.hash) for e in batch.entries]


def reader(entries: list[ChainedEntry]):
    return lambda after, limit: entries[after : after + limit]


def projected_rows(engine) -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(select(contributions).order_by(contributions.c.id)).all()
    return [(r.position, r.activity_id, r.measure, r.rep_id, Decimal(r.value)) for r in rows]


def folded_rows(entries: list[ChainedEntry]) -> list[tuple]:
    _, found = fold(e.entry for e in entries)
    return [(c.position, c.activity[1], c.measure, c.rep_id, c.value) for c in found]


@pytest.fixture
def engine(goal_settings):
    engine = create_read_model_engine(goal_settings, SERVICE_NAME)
    migrate(engine, MIGRATIONS)
    yield engine
    engine.dispose()


def new_runner(engine, entries, page_size=500) -> ProjectionRunner:
    return ProjectionRunner(CreditProjection(ZONE), engine, tracking, reader(entries), page_size=page_size)


def reset(engine) -> None:
    with engine.begin() as connection:
        for table in (contributions, tracking):
            connection.execute(table.delete())
        connection.exec_driver_sql("DELETE FROM activity_records")


events = st.lists(
    st.one_of(
        st.tuples(
            st.just("deal"), st.integers(0, 5), st.sampled_from(["r-1", "r-2"]), st.sampled_from(["100.00", "7.5"])
        ),
        st.tuples(
            st.sampled_from(["activity.voided", "activity.reassigned", "activity.amended", "activity.split"]),
            st.integers(0, 5),
            st.integers(0, 10**6),
            st.none(),
        ),
    ),
    max_size=25,
)


def build(spec) -> list[IncomingEvent]:
    built = []
    for n, (kind, target, a, b) in enumerate(spec):
        if kind == "deal":
            built.append(deal(target, rep=a, amount=b))
        elif kind == "activity.voided":
            built.append(correction(n, kind, target))
        elif kind == "activity.reassigned":
            built.append(correction(n, kind, target, to_rep_id="r-3"))
        elif kind == "activity.amended":
            built.append(correction(n, kind, target, amount=f"{a % 1000}.25"))
        else:
            built.append(
                correction(
                    n, kind, target, shares=[{"rep_id": "r-1", "percent": "25"}, {"rep_id": "r-4", "percent": "75"}]
                )
            )
    return built


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=events, page_sizes=st.lists(st.integers(1, 7), min_size=1, max_size=6))
def test_projecting_in_any_pages_with_restarts_equals_the_fold_from_scratch(engine, spec, page_sizes):
    reset(engine)
    entries = ledger_of(build(spec))
    for page_size in page_sizes:  # a new runner each time: as after a restart
        new_runner(engine, entries, page_size).run_once()
    new_runner(engine, entries, page_size=3).catch_up()
    assert projected_rows(engine) == folded_rows(entries)


def test_a_page_that_fails_leaves_nothing_and_is_projected_again(engine):
    entries = ledger_of([deal(1), deal(2), correction(3, "activity.voided", 1)])

    class Failing(CreditProjection):
        def apply(self, session, page):
            super().apply(session, page)
            raise RuntimeError("disk full")

    with pytest.raises(EntryFailed, match="disk full"):
        ProjectionRunner(Failing(ZONE), engine, tracking, reader(entries)).run_once()
    assert projected_rows(engine) == []
    runner = new_runner(engine, entries)
    assert runner.tracked().position == 0
    assert runner.catch_up() == 3
    assert projected_rows(engine) == folded_rows(entries)


def test_a_ledger_that_does_not_chain_stops_the_projection(engine):
    entries = ledger_of([deal(1), deal(2)])
    forged = [entries[0], ChainedEntry(2, {**entries[1].entry, "data": {"amount": "1"}}, entries[1].hash)]
    with pytest.raises(LedgerTampered, match="entry 2"):
        new_runner(engine, forged).run_once()
    assert projected_rows(engine) == []


def test_a_rebuild_gives_the_same_rows(engine):
    entries = ledger_of([deal(1), deal(2, rep="r-2"), correction(3, "activity.reassigned", 1, to_rep_id="r-2")])
    runner = new_runner(engine, entries, page_size=2)
    runner.catch_up()
    before = projected_rows(engine)
    assert runner.rebuild() == 3
    assert projected_rows(engine) == before == folded_rows(entries)


def test_two_runners_on_one_read_model_never_project_a_page_twice(engine):
    # As when `perfledger projections rebuild` runs beside the service: whichever moves tracking first wins
    # each page, the other's page is rolled back, and both end caught up with every row written once.
    entries = ledger_of([deal(n, rep=f"r-{n % 3}") for n in range(40)] + [correction(41, "activity.voided", 3)])
    runners = [new_runner(engine, entries, page_size=3), new_runner(engine, entries, page_size=5)]
    errors: list[BaseException] = []

    def run(runner: ProjectionRunner) -> None:
        try:
            runner.catch_up()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(runner,)) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert projected_rows(engine) == folded_rows(entries)
    assert runners[0].tracked().position == len(entries)


class CountedPages(CreditProjection):
    def __init__(self) -> None:
        super().__init__(ZONE)
        self.pages: list[int] = []

    def apply(self, session, entries) -> None:
        self.pages.append(len(entries))
        super().apply(session, entries)


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    return condition()


def test_a_stream_of_commits_is_projected_in_a_few_pages_and_a_waiting_reader_is_not_kept_waiting(engine):
    # Forty commits 10 ms apart, each poking the runner, as the group-commit writer does: the runner lets
    # what commits in the next 100 ms join its page, so it pays for far fewer pages than commits.
    entries = ledger_of([deal(n) for n in range(41)])
    committed = [0]
    projection = CountedPages()
    runner = ProjectionRunner(
        projection, engine, tracking, lambda after, limit: entries[after : min(after + limit, committed[0])]
    )
    runner.start()
    try:
        for _ in range(40):
            committed[0] += 1
            runner.poke()
            time.sleep(0.01)
        assert wait_until(lambda: runner.committed == 40, 10)
        assert sum(projection.pages) == 40 and len(projection.pages) <= 10, projection.pages
        # A reader waiting for the last commit hurries the runner past even a long gathering.
        runner.gather_seconds = 30
        time.sleep(0.3)  # the runner finds nothing more and waits for a commit
        committed[0] += 1
        runner.poke()
        time.sleep(0.05)
        runner.hurry()
        assert wait_until(lambda: runner.committed == 41, 5), "the reader waited for the gathering"
    finally:
        runner.stop()
    assert projected_rows(engine) == folded_rows(entries)


def test_the_running_service_projects_what_it_records_and_reports_its_lag(goal):
    signed_post(goal, [deal_won(id_="big", amount="5000.00"), deal_won(rep="r-2", amount="20.00")])
    signed_post(goal, cloudevent("activity.voided", {"target": {"source": SOURCE, "id": "big"}, "reason": "test"}))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = {s["name"]: s for s in goal.get("/v1/projections", headers=auth("t-auditor")).json()}["credit"]
        if status["lag"] == 0:
            break
        time.sleep(0.05)
    assert status["name"] == "credit" and status["position"] == status["head"] == 3
    assert status["error"] is None and status["updated_at"].endswith("Z")
    assert json.loads(json.dumps(status))  # plain JSON


def test_one_command_rebuilds_the_read_model_from_position_zero(goal, storage_env):
    signed_post(goal, [deal_won(), deal_won(rep="r-2")])
    result = perfledger("projections", "rebuild", env=storage_env, timeout=60)
    assert result.returncode == 0, result.stderr
    # The running service may re-project what the command reset before the command does: either way, each
    # projection stands at the ledger's head again.
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["credit", "rules", "crm_records", "units", "ledger_tree"]
    assert all(re.fullmatch(r"\w+: projected [02] entries, now at 2", line) for line in lines), lines
