"""The ledger application: records submissions of CRM events in the activity ledger and reads it back.
Commands run in one transaction each; `record` is called by one writer at a time (see ingest.py)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, EventSourcedLog, LRUCache
from eventsourcing.persistence import IntegrityError

from services.goal_service.domain.ledger import (
    EMPTY_HEAD,
    LEDGER_ID,
    EventIdentity,
    LedgerBatch,
    LedgerEntryRecorded,
    Submission,
    SubmissionOutcome,
)
from shared.chain import ChainBreak, ChainedEntry, ChainHead, verify_chain
from shared.errors import Unavailable

# Several writers on one database only happen when several processes ingest; one of them wins every round,
# so a loser retries (after a short jittered pause, to stop losing in lockstep) until this deadline.
CONFLICT_DEADLINE_SECONDS = 30.0
IDENTITY_CACHE_SIZE = 200_000


class LedgerApplication(Application):
    def __init__(self, env: dict[str, str] | None = None):
        super().__init__(env)
        self.ledger: EventSourcedLog[LedgerEntryRecorded] = EventSourcedLog(self.events, LEDGER_ID, LedgerEntryRecorded)
        self._write_lock = threading.Lock()
        # Identities this process claimed or looked up; they never change once claimed.
        self._identities: LRUCache[UUID, EventIdentity] = LRUCache(maxsize=IDENTITY_CACHE_SIZE)
        self._head = self.head()

    def head(self) -> ChainHead:
        """The last committed position and the hash that covers every entry up to it."""
        last = self.ledger.get_last()
        return ChainHead(last.originator_version, last.hash) if last else EMPTY_HEAD

    def entries(self, after: int, limit: int) -> list[ChainedEntry]:
        return [ChainedEntry(e.originator_version, e.entry, e.hash) for e in self.ledger.get(gt=after, limit=limit)]

    def hash_at(self, position: int) -> str:
        if position == 0:
            return EMPTY_HEAD.hash
        found = list(self.ledger.get(gt=position - 1, lte=position))
        return found[0].hash if found else ""

    def record(self, submissions: list[Submission]) -> list[SubmissionOutcome]:
        """Record each submission whole or refuse it, all in one transaction.

        A new event is not looked up first: the cache knows this process's recent claims, and an older
        claim makes the store's unique key refuse the commit, after which the group is decided again with
        every identity looked up. Re-deliveries of recent events, and first deliveries, cost no query."""
        with self._write_lock:
            deadline = time.monotonic() + CONFLICT_DEADLINE_SECONDS
            trust_cache = True
            while time.monotonic() < deadline:
                seen = self._cached_identity if trust_cache else self._stored_identity
                batch = LedgerBatch(self._head, datetime.now(UTC), seen=seen, find=self._stored_identity)
                outcomes = [batch.add(submission) for submission in submissions]
                if not batch.entries:
                    return outcomes
                try:
                    self.save(*batch.entries, *batch.claims.values())
                except IntegrityError:
                    # An identity claimed before this process saw it, or another writer took these
                    # positions first: decide again from the committed state.
                    if not trust_cache:
                        time.sleep(random.uniform(0, 0.01))  # writers contending: stop losing in lockstep
                    trust_cache = False
                    self._head = self.head()
                    continue
                for identity_id, claim in batch.claims.items():
                    self._identities.put(identity_id, claim)
                self._head = batch.head
                return outcomes
        raise Unavailable("the ledger is contended by other writers; retry")

    def identity(self, source: str, event_id: str) -> EventIdentity | None:
        """Where an event of this identity was recorded, if it was."""
        return self._stored_identity(EventIdentity.create_id(source, event_id))

    def _cached_identity(self, identity_id: UUID) -> EventIdentity | None:
        try:
            return self._identities.get(identity_id)
        except KeyError:
            return None

    def _stored_identity(self, identity_id: UUID) -> EventIdentity | None:
        if cached := self._cached_identity(identity_id):
            return cached
        try:
            identity = self.repository.get(identity_id)
        except AggregateNotFoundError:
            return None
        self._identities.put(identity_id, identity)
        return identity

    def verify(self, page_size: int = 1000) -> ChainHead | ChainBreak:
        """Recompute the chain from the stored rows, reading each row on its own so that a row too
        damaged to decode is reported at its position."""
        return verify_chain(self._stored_entries(page_size))

    def _stored_entries(self, page_size: int) -> Iterator[ChainedEntry]:
        after = 0
        while rows := self.recorder.select_events(LEDGER_ID, gt=after, limit=page_size):
            for row in rows:
                try:
                    recorded = self.mapper.to_domain_event(row)
                    yield ChainedEntry(row.originator_version, recorded.entry, recorded.hash)
                except Exception:  # a damaged row: anything it says is untrustworthy
                    yield ChainedEntry(row.originator_version, {"unreadable": True}, "")
            after = rows[-1].originator_version
