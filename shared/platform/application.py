"""What the eventsourcing Applications of the following services share: a readiness ping, a lookup by
an aggregate's key, one lock for commands, because one process writes, so the aggregates' optimistic
version checks never trip between our own requests (a second writing process fails, it never doubles), and
a signal after each save for the long polls of the logs others follow."""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording

from shared.platform.long_poll import SavedSignal

A = TypeVar("A", bound=Aggregate)


class ServiceApplication(Application):
    def __init__(self, env: dict[str, str] | None = None):
        super().__init__(env)
        self.writing = threading.Lock()
        self.saved = SavedSignal()

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[Any]]:
        recordings = super().save(*objs, **kwargs)
        self.saved.notify()
        return recordings

    def ping(self) -> None:
        self.recorder.max_notification_id()

    def find(self, cls: type[A], *key: Any) -> A | None:
        """The aggregate of `cls` whose id `cls.create_id(*key)` makes, or None."""
        try:
            return self.repository.get(cls.create_id(*key))
        except AggregateNotFoundError:
            return None
