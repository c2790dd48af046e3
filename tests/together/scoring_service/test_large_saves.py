"""A save as large as a period close at a million events (every rep's sealed appraisal in one transaction,
tens of megabytes) is recorded on PostgreSQL, in order, and refused whole when it conflicts: psycopg 3.2's
pipeline mode, which eventsourcing sends every save through, hung past about 8 MB
(shared/platform/postgres_recorder.py)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, StoredEvent

from shared.platform.eventstore import eventsourcing_env
from shared.platform.settings import ServiceSettings

SAVE_SECONDS = 60  # a few seconds when it works; without the fix it never returns


class Sealed(Aggregate):
    @event("Sealed")
    def __init__(self, text: str):
        self.text = text


def test_a_save_of_tens_of_megabytes_is_recorded_in_order(backend: str, request: pytest.FixtureRequest, tmp_path: Path):
    if backend != "postgres":
        pytest.skip("SQLite has no pipeline mode")
    pg_database = request.getfixturevalue("pg_database")
    settings = ServiceSettings(
        database_url=pg_database, database_schema=f"t_{uuid.uuid4().hex[:12]}", data_dir=tmp_path
    )
    application = Application(env=eventsourcing_env(settings, "large_saves"))
    big = [Sealed("x" * 20_000) for _ in range(600)]  # 12 MB
    saving = threading.Thread(target=application.save, args=big, daemon=True)
    saving.start()
    saving.join(SAVE_SECONDS)
    assert not saving.is_alive(), f"a 12 MB save did not return within {SAVE_SECONDS} s"

    recorded = application.recorder.select_notifications(start=1, limit=1_000)
    assert [n.originator_id for n in recorded] == [aggregate.id for aggregate in big]
    assert [n.id for n in recorded] == list(range(1, 601))
    # a large save that repeats a recorded event is refused whole: nothing of it is kept
    (again,) = application.recorder.select_events(big[0].id)
    fresh = StoredEvent(uuid.uuid4(), 1, again.topic, b"y" * 2_000_000)
    with pytest.raises(IntegrityError):
        application.recorder.insert_events([fresh, again])
    assert application.recorder.max_notification_id() == 600
    assert application.recorder.select_events(fresh.originator_id) == []
    application.close()
