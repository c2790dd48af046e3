"""Wakes this process's projections when another goal_service process commits to the ledger (one records,
another projects: deploy/README.md). On PostgreSQL, eventsourcing's recorder sends NOTIFY on a channel with
every insert. This LISTENs on that channel, so a projecting process starts its next page at once rather than
at its next poll. Its own commits wake it through the group-commit writer already."""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable

import psycopg
import structlog
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql
from psycopg.pq.abc import PGconn

from services.goal_service.application import LedgerApplication
from services.goal_service.settings import SERVICE_NAME
from shared.platform.eventstore import database_url, psycopg_conninfo
from shared.platform.settings import ServiceSettings

log = structlog.get_logger("commit_listener")

RETRY_SECONDS = 1.0  # after the database went away: listen again after this pause


class CommitListener:
    def __init__(self, conninfo: str, channel: str, on_commit: Callable[[], None]):
        self.conninfo = conninfo
        self.channel = channel
        self.on_commit = on_commit
        self._stop = threading.Event()
        self._stopping_read, self._stopping_write = os.pipe()  # ends the wait on the socket at once
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="commit-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        os.write(self._stopping_write, b"x")
        if self._thread is not None:
            self._thread.join(5)
        os.close(self._stopping_read)
        os.close(self._stopping_write)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as connection:
                    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self._wake_on_notifications(connection.pgconn)
            except psycopg.Error as error:  # the projections still poll meanwhile
                log.warning("not listening for ledger commits", error=str(error))
                self._stop.wait(RETRY_SECONDS)

    def _wake_on_notifications(self, pgconn: PGconn) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([pgconn.socket, self._stopping_read], [], [])
            if pgconn.socket not in readable:
                return
            pgconn.consume_input()  # raises once the server has gone
            if pgconn.notifies() is None:
                continue
            while pgconn.notifies() is not None:  # one wake for all that arrived together
                pass
            self.on_commit()


def listen_for_commits(
    settings: ServiceSettings, ledger: LedgerApplication, on_commit: Callable[[], None]
) -> CommitListener | None:
    """A listener for the ledger's commits on PostgreSQL (not yet started); None on SQLite, which has one
    process."""
    if not isinstance(ledger.recorder, PostgresApplicationRecorder):
        return None
    conninfo = psycopg_conninfo(database_url(settings, SERVICE_NAME))
    return CommitListener(conninfo, ledger.recorder.channel_name, on_commit)
