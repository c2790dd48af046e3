"""The activity ledger: an append-only, gapless, hash-chained sequence of CRM events.

The ledger is one eventsourcing log (one originator id); an entry's position is its version in that log.
`EventIdentity` aggregates, saved in the same transaction, make each CRM event's (source, id) unique.

Why a follower reading "entries after N" never skips one that commits later with a lower position, on
PostgreSQL with concurrent writers:
- A database sequence would not do: it hands out numbers at insert, not at commit, so 7 can commit before
  6 (a follower at 7 then never sees 6), and a rolled-back insert leaves a gap.
- Here position n is the log version n, under the store's unique key (originator id, version). A writer
  computes entry n's hash from entry n-1's, so it either wrote n-1 in the same transaction or read it
  committed. A second writer inserting n while the first has not finished waits on the unique index, then
  fails when the first commits (and retries from the new head), or succeeds if the first rolled back.
- So n commits only once n-1 is committed or commits with it. Under READ COMMITTED each of the follower's
  statements sees a snapshot of committed transactions: any snapshot holding n holds n-1, and by
  induction every position below it. A follower that saw up to n and asks for "after n" misses nothing.
- SQLite has one writer at a time, so the same holds there trivially.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, DomainEvent, event
from eventsourcing.utils import get_topic

from shared.kernel.events.activities import SCHEMA_VERSION
from shared.kernel.events.envelope import IncomingEvent
from shared.platform.canonical import GENESIS_HASH, format_timestamp
from shared.platform.chain import ChainHead, entry_hash
from shared.platform.errors import Conflict, DomainError, FieldError, InvalidInput, json_pointer

LEDGER_NAMESPACE = UUID("6f1d3c0e-2b7a-4b8e-9a51-3c2f7d9e1a40")
LEDGER_ID = uuid5(LEDGER_NAMESPACE, "activity-ledger")
EMPTY_HEAD = ChainHead(0, GENESIS_HASH)


@dataclass(frozen=True)  # as eventsourcing's own events are: the metaclass makes it one, this says so to mypy
class LedgerEntryRecorded(DomainEvent):
    """One ledger entry; `originator_version` is its position."""

    entry: dict[str, Any]
    hash: str


class Claim(Protocol):
    """What a claimed identity says: the aggregate read back from the store, or its event as just made."""

    @property
    def source(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def position(self) -> int: ...
    @property
    def content_hash(self) -> str: ...


class EventIdentity(Aggregate):
    """Claims one CRM event identity (CloudEvent source and id) for the position that recorded it."""

    @staticmethod
    def create_id(source: str, event_id: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, json.dumps([source, event_id]))

    @staticmethod
    def claimed(identity_id: UUID, incoming: IncomingEvent, position: int, at: datetime) -> EventIdentity.Claimed:
        """The event that creates the aggregate, made directly: a batch claims thousands at a time, and building
        each aggregate to collect its one event took a sixth of a bulk import's time."""
        return EventIdentity.Claimed(
            originator_id=identity_id,
            originator_version=1,
            timestamp=at,
            originator_topic=CLAIM_AGGREGATE_TOPIC,
            source=incoming.source,
            event_id=incoming.id,
            type=incoming.type,
            position=position,
            content_hash=incoming.content_hash,
        )

    @dataclass(frozen=True)  # made one by eventsourcing's metaclass as well; this says so to mypy
    class Claimed(Aggregate.Created):
        source: str
        event_id: str
        type: str
        position: int
        content_hash: str

    @event(Claimed)
    def __init__(self, source: str, event_id: str, type: str, position: int, content_hash: str):
        self.source = source
        self.event_id = event_id
        self.type = type
        self.position = position
        self.content_hash = content_hash


CLAIM_AGGREGATE_TOPIC = get_topic(EventIdentity)


def ledger_entry(position: int, event: IncomingEvent, recorded_at: datetime) -> dict[str, Any]:
    """The canonical entry that is hashed into the chain."""
    return {
        "position": position,
        "source": event.source,
        "id": event.id,
        "type": event.type,
        "subject": event.subject,
        "occurred_at": format_timestamp(event.occurred_at),
        "recorded_at": format_timestamp(recorded_at),
        "schema_version": SCHEMA_VERSION,
        "data": event.data,
    }


@dataclass(frozen=True)
class Submission:
    """Events that are recorded together or not at all (one webhook request, or one import line).
    `pointers[i]` locates events[i] in its request, for error answers."""

    events: list[IncomingEvent]
    pointers: list[list[str | int]]


@dataclass(frozen=True)
class RecordedEvent:
    source: str
    id: str
    type: str
    position: int
    duplicate: bool


@dataclass(frozen=True)
class SubmissionOutcome:
    recorded: list[RecordedEvent] = field(default_factory=list)
    error: DomainError | None = None


@dataclass
class LedgerBatch:
    """Decides, for a group of submissions committed in one transaction, which events are new, which are
    re-deliveries and which submissions must be refused; assigns positions and chains the new entries.
    Claims made earlier in this batch are consulted first. `seen(identity_id)` tells re-deliveries apart and
    may miss an old one, because the store's unique key refuses the commit then; `find(identity_id)` checks
    the activity a correction names and must answer from the store."""

    head: ChainHead
    recorded_at: datetime
    seen: Callable[[UUID], Claim | None]
    find: Callable[[UUID], Claim | None]
    entries: list[LedgerEntryRecorded] = field(default_factory=list)
    claims: dict[UUID, EventIdentity.Claimed] = field(default_factory=dict)

    def add(self, submission: Submission) -> SubmissionOutcome:
        head = self.head
        entries: list[LedgerEntryRecorded] = []
        claims: dict[UUID, EventIdentity.Claimed] = {}
        recorded: list[RecordedEvent] = []
        for incoming, pointer in zip(submission.events, submission.pointers, strict=True):
            identity_id = EventIdentity.create_id(incoming.source, incoming.id)
            earlier = claims.get(identity_id) or self.claims.get(identity_id) or self.seen(identity_id)
            if earlier is not None:
                if earlier.content_hash != incoming.content_hash:
                    return SubmissionOutcome(
                        error=Conflict(
                            f"event {incoming.id!r} from {incoming.source!r} was recorded at position "
                            f"{earlier.position} with different content",
                            errors=[FieldError(json_pointer([*pointer, "id"]), "already recorded with other content")],
                        )
                    )
                recorded.append(RecordedEvent(incoming.source, incoming.id, incoming.type, earlier.position, True))
                continue
            if incoming.is_correction:
                error = self._check_target(incoming, pointer, claims)
                if error:
                    return SubmissionOutcome(error=error)
            position = head.position + 1
            entry = ledger_entry(position, incoming, self.recorded_at)
            head = ChainHead(position, entry_hash(head.hash, entry))
            entries.append(
                LedgerEntryRecorded(
                    originator_id=LEDGER_ID,
                    originator_version=position,
                    timestamp=self.recorded_at,
                    entry=entry,
                    hash=head.hash,
                )
            )
            claims[identity_id] = EventIdentity.claimed(identity_id, incoming, position, self.recorded_at)
            recorded.append(RecordedEvent(incoming.source, incoming.id, incoming.type, position, False))
        self.head = head
        self.entries.extend(entries)
        self.claims.update(claims)
        return SubmissionOutcome(recorded=recorded)

    def _check_target(
        self, correction: IncomingEvent, pointer: list[str | int], claims: dict[UUID, EventIdentity.Claimed]
    ) -> DomainError | None:
        target = correction.data["target"]
        target_id = EventIdentity.create_id(target["source"], target["id"])
        found = claims.get(target_id) or self.claims.get(target_id) or self.find(target_id)
        where = json_pointer([*pointer, "data", "target"])
        if found is None:
            return InvalidInput(
                f"{correction.type} refers to an unknown activity",
                errors=[FieldError(where, f"no activity {target['id']!r} from {target['source']!r} is recorded")],
            )
        if found.type.startswith("activity."):
            return InvalidInput(
                f"{correction.type} refers to a correction",
                errors=[FieldError(where, "correct the original activity, not a correction")],
            )
        return None
