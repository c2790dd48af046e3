"""The ledger application: records submissions of CRM events in the activity ledger and reads it back.
Commands run in one transaction each; `record` is called by one writer at a time (see ingest.py). With
checkpoints (as goal_service runs it), every commit group first checks that the stored ledger continues
the latest signed checkpoint, and saves a new signed checkpoint with the group when one is due."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, EventSourcedLog, LRUCache
from eventsourcing.persistence import IntegrityError

from services.goal_service.checkpoints import LedgerCheckpoints
from services.goal_service.domain.checkpoints import CHECKPOINT_LOG_ID, LedgerCheckpointSigned, LedgerDiscontinued
from services.goal_service.domain.ledger import (
    EMPTY_HEAD,
    LEDGER_ID,
    Claim,
    EventIdentity,
    LedgerBatch,
    LedgerEntryRecorded,
    Submission,
    SubmissionOutcome,
)
from shared.platform.canonical import format_timestamp
from shared.platform.chain import ChainBreak, ChainedEntry, ChainHead, verify_chain
from shared.platform.checkpoints import Checkpoint, contradicted, ledger_leaf, signed_prefix
from shared.platform.errors import Unavailable
from shared.platform.merkle import Frontier
from shared.platform.projection import LedgerTampered

# Several writers on one database only happen when several processes ingest; one of them wins every round,
# so a loser retries (after a short jittered pause, to stop losing in lockstep) until this deadline.
CONFLICT_DEADLINE_SECONDS = 30.0
# The claims of the most recent events, for telling re-deliveries apart without a query. A claim held here
# costs about 1.6 KB: with 50,000 goal_service levels off near 200 MB however long it ingests (measured:
# 204 MB after 200,000 events), where 200,000 took it past 370 MB. An older re-delivery costs one refused
# commit and a lookup instead.
IDENTITY_CACHE_SIZE = 50_000
# Entries at scattered positions (those re-delivered events' claims name, those a proof is asked for) are read a
# run of positions at a time; a gap this small between two of them is cheaper read through than asked for twice.
READ_THROUGH_GAP = 64


class LedgerApplication(Application):
    def __init__(self, env: dict[str, str] | None = None, checkpoints: LedgerCheckpoints | None = None):
        super().__init__(env)
        self.ledger: EventSourcedLog[LedgerEntryRecorded] = EventSourcedLog(self.events, LEDGER_ID, LedgerEntryRecorded)
        self.checkpoint_log: EventSourcedLog[LedgerCheckpointSigned] = EventSourcedLog(
            self.events, CHECKPOINT_LOG_ID, LedgerCheckpointSigned
        )
        self.checkpoints = checkpoints
        self._write_lock = threading.Lock()
        # Identities this process claimed or looked up; they never change once claimed.
        self._identities: LRUCache[UUID, Claim] = LRUCache(maxsize=IDENTITY_CACHE_SIZE)
        self._head = self.head()
        self._tree: Frontier | None = None  # the Merkle tree's right edge at `_head`, once a commit needed it
        if checkpoints is not None:  # fail closed from the start: a refusal shows in /ready and every ingest
            checkpoints.remember_witness()
            with contextlib.suppress(LedgerDiscontinued):
                self.continuing_head()

    def close(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.close()
        super().close()

    def head(self) -> ChainHead:
        """The last committed position and the hash that covers every entry up to it."""
        last = self.ledger.get_last()
        return ChainHead(last.originator_version, last.hash) if last else EMPTY_HEAD

    def head_position(self) -> int:
        """The last committed position, without decoding its entry: what a read as known now asks first."""
        last = self.recorder.select_events(LEDGER_ID, desc=True, limit=1)
        return last[0].originator_version if last else 0

    def entries(self, after: int, limit: int) -> list[ChainedEntry]:
        return [ChainedEntry(e.originator_version, e.entry, e.hash) for e in self.ledger.get(gt=after, limit=limit)]

    def hash_at(self, position: int) -> str:
        if position == 0:
            return EMPTY_HEAD.hash
        found = list(self.ledger.get(gt=position - 1, lte=position))
        return found[0].hash if found else ""

    def latest_checkpoint(self) -> Checkpoint | None:
        """The newest checkpoint goal_service trusts: the one it signed last, even if the database lost it."""
        if self.checkpoints is not None and (latest := self.checkpoints.latest()):
            return latest
        return self.stored_latest_checkpoint()

    def stored_latest_checkpoint(self) -> Checkpoint | None:
        last = self.checkpoint_log.get_last()
        return last.checkpoint() if last else None

    def checkpoint_at_or_below(self, position: int) -> Checkpoint | None:
        """The newest stored checkpoint at or below a position, as stored (unchecked)."""
        found = next(self.checkpoint_log.get(lte=position, desc=True, limit=1), None)
        return found.checkpoint() if found else None

    def signed_entries(self, after: int, limit: int) -> list[ChainedEntry]:
        """Entries for this service's own projections, held against the checkpoints as a follower holds them
        (see shared.platform.checkpoints.signed_prefix), so that a rebuild never absorbs a rewritten stretch."""
        entries = self.entries(after, limit)
        if self.checkpoints is None or not entries:
            return entries
        latest = self.checkpoints.latest()
        if latest is None or entries[-1].position >= latest.position:  # caught up: the latest covers the page
            covering = None
        else:
            covering = self.checkpoint_at_or_below(entries[-1].position)
        if covering is not None and covering != latest and (problem := self.checkpoints.keys.problem(covering)):
            raise LedgerTampered(f"the checkpoint stored at position {covering.position} is refused: {problem}")
        if reason := contradicted({entry.position: entry.hash for entry in entries}, (latest, covering)):
            raise LedgerTampered(f"ledger {reason}")
        return list(signed_prefix(entries, covering, latest))

    def stored_checkpoints(self, after: int, limit: int) -> list[Checkpoint]:
        """The checkpoints the database holds after a position, in position order, as stored (unchecked)."""
        return [signed.checkpoint() for signed in self.checkpoint_log.get(gt=after, limit=limit)]

    def continuing_head(self) -> ChainHead:
        """The stored head, once it is known to continue the latest trusted checkpoint and what this process
        recorded; otherwise LedgerDiscontinued. Without checkpoints, the head this process holds."""
        if self.checkpoints is None:
            return self._head
        snapshot = self.checkpoints.snapshot()  # before the reads: see LedgerCheckpoints
        stored = self.head()
        self.checkpoints.check(snapshot, stored, self.stored_latest_checkpoint, self.hash_at)
        return stored

    def record(self, submissions: list[Submission]) -> list[SubmissionOutcome]:
        """Record each submission whole or refuse it, all in one transaction.

        A new event is not looked up first: the cache knows this process's recent claims, and an older
        claim makes the store's unique key refuse the commit, after which the group is decided again with
        every identity looked up. Re-deliveries of recent events, and first deliveries, cost no query.
        A re-delivery is answered only once the entry its claim names is read back and is that event."""
        with self._write_lock:
            deadline = time.monotonic() + CONFLICT_DEADLINE_SECONDS
            trust_cache = True
            while time.monotonic() < deadline:
                self._head = self.continuing_head()
                seen = self._cached_identity if trust_cache else self._stored_identity
                recorded_at = datetime.now(UTC)
                batch = LedgerBatch(self._head, recorded_at, seen=seen, find=self._stored_identity)
                outcomes = [batch.add(submission) for submission in submissions]
                self._check_redeliveries(outcomes, below=self._head.position)
                if not batch.entries:
                    return outcomes
                checkpoint, tree = None, None
                if self.checkpoints is not None:
                    tree = self._tree_at(self._head).copy()
                    for recorded in batch.entries:
                        tree.append(ledger_leaf(recorded.hash))
                    checkpoint = self.checkpoints.due(
                        self.checkpoints.latest(), batch.head, tree, format_timestamp(recorded_at)
                    )
                signed = [self._checkpoint_event(checkpoint, tree, recorded_at)] if checkpoint and tree else []
                try:
                    # Straight into the event store: `save` would ask each of thousands of events whether it is an
                    # aggregate, a check that cost a tenth of a bulk import.
                    self.events.put([*batch.entries, *batch.claims.values(), *signed])
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
                self._head, self._tree = batch.head, tree
                if self.checkpoints is not None:
                    self.checkpoints.committed(batch.head, checkpoint)
                return outcomes
        raise Unavailable("the ledger is contended by other writers; retry")

    def _checkpoint_event(
        self, checkpoint: Checkpoint, tree: Frontier, recorded_at: datetime
    ) -> LedgerCheckpointSigned:
        return LedgerCheckpointSigned(
            originator_id=CHECKPOINT_LOG_ID,
            originator_version=checkpoint.position,
            timestamp=recorded_at,
            hash=checkpoint.hash,
            tree_root=checkpoint.tree_root,
            frontier=[h.hex() for h in tree.hashes],
            every=checkpoint.every,
            key_id=checkpoint.key_id,
            signed_at=checkpoint.signed_at,
            signature=checkpoint.signature,
        )

    def _tree_at(self, head: ChainHead) -> Frontier:
        """The Merkle tree's right edge over the entries up to `head`: the one held, brought forward over what
        other writers added; after a restart, resumed from the newest stored checkpoint whose signature and
        stored edge hold, and from zero when none does."""
        tree = self._tree
        if tree is None or tree.size > head.position:
            tree = self._stored_tree(head.position)
        tree = tree.copy()
        while tree.size < head.position:
            for entry in self.entries(tree.size, min(1000, head.position - tree.size)):
                tree.append(ledger_leaf(entry.hash))
        self._tree = tree
        return tree

    def _stored_tree(self, at_most: int) -> Frontier:
        found = next(self.checkpoint_log.get(lte=at_most, desc=True, limit=1), None)
        if found is None or self.checkpoints is None or self.checkpoints.keys.problem(found.checkpoint()):
            return Frontier()
        try:
            tree = Frontier(found.originator_version, [bytes.fromhex(h) for h in found.frontier])
        except ValueError:
            return Frontier()
        return tree if tree.root().hex() == found.tree_root else Frontier()

    def _check_redeliveries(self, outcomes: list[SubmissionOutcome], below: int) -> None:
        """An identity claim outlives its entry if someone deletes the entry: answering "duplicate" with the
        claim's position would then name a position that holds nothing, or (once rewritten) another event.
        So each re-delivery of an event recorded before this group is checked against the stored entry."""
        redelivered = sorted(
            {(r.position, r.source, r.id) for o in outcomes for r in o.recorded if r.duplicate and r.position <= below}
        )
        if not redelivered:
            return
        stored = self.identities_at([position for position, _, _ in redelivered])
        for position, source, event_id in redelivered:
            if (found := stored.get(position)) != (source, event_id):
                holds = f"holds event {found[1]!r} from {found[0]!r}" if found else "holds no entry"
                reason = f"event {event_id!r} from {source!r} is claimed at position {position}, which {holds}"
                if self.checkpoints is not None:
                    raise self.checkpoints.latch(reason)
                raise LedgerDiscontinued(f"the ledger was altered: {reason}; run `perfledger ledger verify`")

    def identities_at(self, positions: list[int]) -> dict[int, tuple[str, str]]:
        """(source, id) of the stored entries at these positions."""
        return {p: (e.entry["source"], e.entry["id"]) for p, e in self.entries_at(positions).items()}

    def entries_at(self, positions: list[int]) -> dict[int, ChainedEntry]:
        """The stored entries at these positions (sorted), read in runs of neighbouring positions."""
        runs: list[list[int]] = []
        for position in positions:
            if runs and position - runs[-1][-1] <= READ_THROUGH_GAP:
                runs[-1].append(position)
            else:
                runs.append([position])
        found: dict[int, ChainedEntry] = {}
        for run in runs:
            found.update((e.position, e) for e in self.entries(run[0] - 1, run[-1] - run[0] + 1))
        return found

    def identity(self, source: str, event_id: str) -> Claim | None:
        """Where an event of this identity was recorded, if it was."""
        return self._stored_identity(EventIdentity.create_id(source, event_id))

    def _cached_identity(self, identity_id: UUID) -> Claim | None:
        try:
            return self._identities.get(identity_id)
        except KeyError:
            return None

    def _stored_identity(self, identity_id: UUID) -> Claim | None:
        if cached := self._cached_identity(identity_id):
            return cached
        try:
            identity: EventIdentity = self.repository.get(identity_id)
        except AggregateNotFoundError:
            return None
        self._identities.put(identity_id, identity)
        return identity

    def verify(self, page_size: int = 1000) -> ChainHead | ChainBreak:
        """Recompute the chain from the stored rows, reading each row on its own so that a row too
        damaged to decode is reported at its position."""
        return verify_chain(self.stored_entries(page_size))

    def stored_entries(self, page_size: int = 1000) -> Iterator[ChainedEntry]:
        """Every stored entry, row by row, so that a row too damaged to decode is reported at its position."""
        after = 0
        while rows := self.recorder.select_events(LEDGER_ID, gt=after, limit=page_size):
            for row in rows:
                try:
                    recorded = self.mapper.to_domain_event(row)
                    if not isinstance(recorded, LedgerEntryRecorded):
                        raise TypeError(f"a {type(recorded).__name__} in the ledger's log")
                    yield ChainedEntry(row.originator_version, recorded.entry, recorded.hash)
                except Exception:  # a damaged row: anything it says is untrustworthy
                    yield ChainedEntry(row.originator_version, {"unreadable": True}, "")
            after = rows[-1].originator_version
