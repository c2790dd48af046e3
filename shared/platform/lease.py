"""Exactly one process runs a read model's projections. Several processes of a service may serve reads
from one PostgreSQL read model; the one that holds a session-level advisory lock (keyed by the schema and
the projections' names) runs the projections, and the others stand by. The lock is held by a connection of
its own, so a process that dies, or loses that connection, frees it, and a standby takes over at its next
try, within seconds. SQLite is one process's file: there the projections simply run."""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog
from sqlalchemy import Connection, Engine, text

log = structlog.get_logger("lease")
TRY_EVERY_SECONDS = 1.0  # a standby asks for the lease, and the leader checks it still holds it, this often


class ProjectionLease:
    def __init__(self, engine: Engine, label: str, lead: Callable[[], None], stand_down: Callable[[], None]):
        self.engine = engine
        self.label = label  # what is led: the projections' names, within the connection's schema
        self.lead = lead
        self.stand_down = stand_down
        self.leading = False
        self.backend_pid: int | None = None  # the PostgreSQL session holding the lease, while leading
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._hold, name="projection-lease", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)

    def _hold(self) -> None:
        while not self._stop.is_set():
            try:
                with self.engine.connect() as connection:
                    if self._acquire(connection):
                        self._lead_while_held(connection)
            except Exception as error:  # the database went away: whatever we held is gone with the connection
                log.warning("projection lease lost or not reachable", label=self.label, error=str(error))
            finally:
                self._step_down()
            self._stop.wait(TRY_EVERY_SECONDS)

    def _acquire(self, connection: Connection) -> bool:
        key = "select hashtextextended(current_schema() || ':' || :label, 0)"
        acquired = connection.execute(text(f"select pg_try_advisory_lock(({key}))"), {"label": self.label}).scalar()
        connection.commit()  # the lock is the session's, not the transaction's
        return bool(acquired)

    def _lead_while_held(self, connection: Connection) -> None:
        self.backend_pid = connection.execute(text("select pg_backend_pid()")).scalar()
        log.info("leading the projections", label=self.label, backend_pid=self.backend_pid)
        self.leading = True
        self.lead()
        while not self._stop.wait(TRY_EVERY_SECONDS):
            connection.execute(text("select 1"))  # raises when the connection, and so the lock, is gone
            connection.commit()

    def _step_down(self) -> None:
        if self.leading:
            self.leading, self.backend_pid = False, None
            self.stand_down()
