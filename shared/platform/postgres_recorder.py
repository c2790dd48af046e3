"""eventsourcing's PostgreSQL recorder, except for one kind of save: a save whose events weigh more than
PIPELINED_BYTES is sent without psycopg's pipeline mode.

Why: eventsourcing sends a save as one pipelined transaction (lock, notify, insert, sync), and with psycopg
3.2 and later (3.1 did not) a pipeline whose insert message passes about 8 MB never returns: the server
waits for the rest of the message, the client for an answer. A period close seals every rep's appraisal in
one transaction, and at a million events that is tens of megabytes. Below the limit, where every webhook's
group commit is, the pipeline stays, since it saves round trips."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry

PIPELINED_BYTES = 1_000_000


class PostgresRecorder(PostgresApplicationRecorder):
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if sum(len(event.state) for event in stored_events) <= PIPELINED_BYTES:
            return super().insert_events(stored_events, **kwargs)
        return self._insert_unpipelined(stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as eventsourcing retries a save
    def _insert_unpipelined(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with (
            self.datastore.get_connection() as connection,
            connection.transaction(),
            connection.cursor() as cursor,
        ):
            self._insert_events(cursor, stored_events, **kwargs)
            self._insert_stored_events(cursor, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(cursor, stored_events, **kwargs)
