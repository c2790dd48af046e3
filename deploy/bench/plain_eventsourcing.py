"""Baseline A: the straightforward way to store webhook events with eventsourcing, with no HTTP in front.
Each event becomes its own tiny aggregate, saved in its own transaction by whichever of N threads picked
it up, so every event pays a full commit; nothing is grouped, chained or de-duplicated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from shared.platform.eventstore import eventsourcing_env
from shared.platform.settings import ServiceSettings

SCHEMA = "baseline_a"


class WonDeal(Aggregate):
    """One received CloudEvent, kept as it arrived."""

    @event("Received")
    def __init__(self, source: str, event_id: str, event_type: str, time: str, data: dict[str, Any]):
        self.source = source
        self.event_id = event_id
        self.event_type = event_type
        self.time = time
        self.data = data


class PlainApplication(Application):
    name = "BenchBaselineA"


def open_application(database_url: str, connections: int, data_dir: Path) -> PlainApplication:
    """The same keys goal_service gets from shared.platform.eventstore: on PostgreSQL (PERSISTENCE_MODULE=
    eventsourcing.postgres, POSTGRES_*) in this baseline's own schema, with one pooled connection per thread
    so threads wait on the database, not on the pool; with no database URL, a SQLite file in `data_dir`."""
    settings = ServiceSettings(database_url=database_url or None, database_schema=SCHEMA, data_dir=data_dir)
    env = eventsourcing_env(settings, "bench_baseline_a")  # also creates the schema
    env.update(POSTGRES_POOL_SIZE=str(connections), POSTGRES_MAX_OVERFLOW="0")
    return PlainApplication(env=env)


def save_one(app: PlainApplication, body: bytes) -> None:
    """What one request costs this baseline: decode the event, make its aggregate, commit it."""
    raw = json.loads(body)
    app.save(WonDeal(raw["source"], raw["id"], raw["type"], raw["time"], raw["data"]))
