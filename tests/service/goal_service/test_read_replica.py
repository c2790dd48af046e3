"""Figures may read a PostgreSQL replica (`read_database_url`): only what it holds at the position asked for,
everything else from the primary. The replica here is a second database holding a copy of the read model as
it stood at one position, with its sums doubled, so the test can tell which database answered."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine, insert, inspect, select, update
from sqlalchemy.engine import make_url

from services.goal_service.projections import MIGRATIONS
from shared.kernel.ledger_views.tables import day_sums as company_sums
from shared.kernel.ledger_views.tables import metadata, rep_day_sums, unit_day_sums
from shared.platform.readmodel import migrate
from tests.scenarios.goal import deal
from tests.support import auth, signed_post

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def replica_url(backend, storage_env, monkeypatch) -> Iterator[str]:
    if backend != "postgres":
        pytest.skip("a read replica is PostgreSQL's")
    name = f"perfledger_replica_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = str(make_url(storage_env["PERFLEDGER_DATABASE_URL"]).set(database=name))
    monkeypatch.setenv("PERFLEDGER_READ_DATABASE_URL", url)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def engine_on(url: str, schema: str):
    return create_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def copy_read_model(primary_url: str, replica_url: str, schema: str) -> None:
    """The replica as the primary's read model stands now, its sums doubled."""
    primary, replica = engine_on(primary_url, schema), engine_on(replica_url, schema)
    with replica.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    migrate(replica, MIGRATIONS)
    present = set(inspect(primary).get_table_names())
    with primary.connect() as source, replica.begin() as target:
        for table in (t for t in metadata.sorted_tables if t.name in present):
            if rows := [row._asdict() for row in source.execute(select(table))]:
                target.execute(insert(table), rows)
        for sums in (rep_day_sums, company_sums, unit_day_sums):
            target.execute(update(sums).values(units=sums.c.units * 2))
    primary.dispose()
    replica.dispose()


def actual(goal, **params) -> tuple[str, int]:
    answer = goal.get("/v1/goals/q4/progress", params={"as_of": "2026-12-31", **params}, headers=auth("t-hr"))
    assert answer.status_code == 200, answer.text
    return answer.json()["actual"], answer.json()["known_at"]


def test_figures_read_the_replica_only_where_it_holds_them(replica_url, storage_env, company_goal):
    goal = company_goal
    assert goal.post("/v1/calendars/2026/seed", headers=auth("t-hr")).status_code == 201
    assert signed_post(goal, [deal("d-1", "r-1", "100", "2026-11-03", "A")]).status_code in (200, 201)
    first = actual(goal, as_of="2026-12-30")  # not the answer asked below, which would then be kept
    copy_read_model(storage_env["PERFLEDGER_DATABASE_URL"], replica_url, storage_env["PERFLEDGER_DATABASE_SCHEMA"])
    assert actual(goal) == ("200.00", first[1])  # the replica holds the head: it answers (doubled)

    assert signed_post(goal, [deal("d-2", "r-2", "50", "2026-11-04", "A")]).status_code in (200, 201)
    assert actual(goal)[0] == "150.00"  # past what the replica holds: the primary answers
    assert actual(goal, known_at=first[1]) == ("200.00", first[1])  # at what it holds: the replica again
