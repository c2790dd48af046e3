"""goal_service's checkpoints: the key that signs them, the witness file that keeps the latest outside the
database, and what the writer trusts between commit groups.

Whoever can rewrite the database can delete checkpoints too, so goal_service trusts, at any moment, the
newest of: the checkpoint it last signed (in memory), the witness file in its data directory (written after
every checkpoint, so a restart remembers it), and the newest stored checkpoint whose signature verifies.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import structlog

from services.goal_service.domain.checkpoints import Cadence, LedgerDiscontinued, discontinuity, refusal
from services.goal_service.domain.ledger import EMPTY_HEAD
from services.goal_service.settings import SERVICE_NAME, LedgerSettings
from shared.platform.chain import ChainHead
from shared.platform.checkpoints import Checkpoint, CheckpointKeys, PublicKey, public_key
from shared.platform.merkle import Frontier
from shared.platform.signing import Signer

log = structlog.get_logger("checkpoints")


def key_file(settings: LedgerSettings) -> Path:
    return settings.data_dir / f"{SERVICE_NAME}.checkpoint-key"


def witness_file(settings: LedgerSettings) -> Path:
    return settings.data_dir / f"{SERVICE_NAME}.ledger-witness.json"


def checkpoint_signer(settings: LedgerSettings) -> Signer:
    """PERFLEDGER_CHECKPOINT_KEY, or the key made once in the data directory (as scoring_service's seal key)."""
    if settings.checkpoint_key is not None:
        return Signer.from_base64(settings.checkpoint_key.get_secret_value())
    return Signer.kept_in(key_file(settings))


def trusted_keys(settings: LedgerSettings, signer: Signer | None) -> CheckpointKeys:
    """The signer's key and the earlier keys PERFLEDGER_CHECKPOINT_TRUSTED_KEYS still trusts (after a rotation)."""
    keys = [public_key(text) for text in settings.checkpoint_trusted_keys]
    if signer is not None:
        keys.insert(0, public_key(signer.public()["public_key"]))
    return CheckpointKeys(keys)


def existing_signer(settings: LedgerSettings) -> Signer | None:
    """The checkpoint key if one is configured or was made, without making one (for `ledger verify`)."""
    if settings.checkpoint_key is not None or key_file(settings).exists():
        return checkpoint_signer(settings)
    return None


class WitnessUnreadable(Exception):
    pass


class Witness:
    """The latest checkpoint as a small JSON file, overwritten in place after every checkpoint: one write of
    one 512-byte record at offset 0 into the page cache costs about a microsecond, where creating a file and
    renaming it over the old one cost more than the commit itself. Not fsynced, and a record that a power cut
    tears reads as unreadable and is ignored: either way the witness may lag, never lead, so what it names is
    a true lower bound, and the database's checkpoints remain."""

    RECORD_BYTES = 512  # a checkpoint's JSON is about 330 bytes; padded with spaces, which JSON ignores

    def __init__(self, path: Path):
        self.path = path
        self._descriptor: int | None = None
        self._lock = threading.Lock()

    def read(self) -> Checkpoint | None:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise WitnessUnreadable(f"{self.path}: {error}") from None
        try:
            return Checkpoint.from_json(json.loads(text))
        except ValueError as error:
            raise WitnessUnreadable(f"{self.path}: {error}") from None

    def write(self, checkpoint: Checkpoint) -> None:
        record = (json.dumps(checkpoint.to_json(), sort_keys=True) + "\n").encode().ljust(self.RECORD_BYTES)
        try:
            with self._lock:
                if self._descriptor is not None and not self._still_there(self._descriptor):
                    os.close(self._descriptor)  # the file was removed or replaced: write where it is looked for
                    self._descriptor = None
                if self._descriptor is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o644)
                os.pwrite(self._descriptor, record, 0)
                if len(record) > self.RECORD_BYTES:  # a longer record than any yet: drop what followed
                    os.ftruncate(self._descriptor, len(record))
        except OSError as error:  # the database holds the checkpoint; the witness is a second copy
            log.error("the ledger witness file could not be written", error=str(error))

    def _still_there(self, descriptor: int) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(descriptor).st_ino
        except FileNotFoundError:
            return False

    def close(self) -> None:
        with self._lock:
            if self._descriptor is not None:
                os.close(self._descriptor)
                self._descriptor = None


class LedgerCheckpoints:
    """What the ledger's writer knows between commit groups: the latest trusted checkpoint, the head it last
    recorded or saw, and whether the stored ledger still continues both. Shared by the writer thread and
    readiness checks; each check reads the stored head after taking its snapshot, so a commit landing in
    between can only make the stored ledger look longer, never shorter."""

    def __init__(self, signer: Signer, keys: CheckpointKeys, cadence: Cadence, witness: Witness):
        self.signer = signer
        self.keys = keys
        self.cadence = cadence
        self.witness = witness
        self._lock = threading.Lock()
        self._latest: Checkpoint | None = None
        self._recorded: ChainHead = EMPTY_HEAD
        self._signed_at = time.monotonic()
        self._latched: LedgerDiscontinued | None = None  # evidence that does not go away by itself
        self.refused: LedgerDiscontinued | None = None  # what the last check found

    @classmethod
    def from_settings(cls, settings: LedgerSettings, signer: Signer | None = None) -> LedgerCheckpoints:
        signer = signer or checkpoint_signer(settings)
        cadence = Cadence(settings.checkpoint_every, settings.checkpoint_seconds)
        return cls(signer, trusted_keys(settings, signer), cadence, Witness(witness_file(settings)))

    @classmethod
    def existing(cls, settings: LedgerSettings) -> LedgerCheckpoints | None:
        """For tools beside goal_service: its checkpoints if it has a key, without making one."""
        signer = existing_signer(settings)
        return cls.from_settings(settings, signer) if signer else None

    def public_keys(self) -> list[PublicKey]:
        return list(self.keys.by_id.values())

    def remember_witness(self) -> None:
        """At start: the checkpoint the witness file kept, if it is goal_service's."""
        try:
            witnessed = self.witness.read()
        except WitnessUnreadable as error:  # a torn write after a crash; the database's checkpoints remain
            log.warning("the ledger witness file is unreadable; ignoring it", error=str(error))
            return
        if witnessed is None:
            return
        if problem := self.keys.problem(witnessed):
            self._latch(
                f"the witness file {self.witness.path} names a checkpoint at {witnessed.position}, but {problem}"
            )
            return
        self._remember(None, witnessed)

    def snapshot(self) -> tuple[Checkpoint | None, ChainHead]:
        with self._lock:
            return self._latest, self._recorded

    def latest(self) -> Checkpoint | None:
        return self._latest

    def check(
        self,
        snapshot: tuple[Checkpoint | None, ChainHead],
        stored_head: ChainHead,
        stored_latest: Callable[[], Checkpoint | None],
        hash_at: Callable[[int], str],
    ) -> Checkpoint | None:
        """Raise LedgerDiscontinued unless the stored ledger continues what was trusted and recorded at
        `snapshot`; otherwise remember the stored head as seen and answer the latest trusted checkpoint.

        When the stored head is the one this process last recorded or saw (position and hash), nobody wrote
        since, and the chain carries any rewrite up to the head's hash: nothing more needs reading. Otherwise
        the newest stored checkpoint is read (after the head: it commits with its group, so it covers that
        head or more) and the hash at the latest checkpoint's position compared."""
        trusted, recorded = snapshot
        try:
            if self._latched:
                raise LedgerDiscontinued(self._latched.detail)
            if stored_head == recorded:
                latest, at = trusted, trusted.hash if trusted else None
            else:
                latest, at = self._newest(trusted, stored_latest()), None
                if latest is not None:
                    at = stored_head.hash if latest.position == stored_head.position else hash_at(latest.position)
            if reason := discontinuity(stored_head, latest, at, recorded):
                raise refusal(reason, latest.position if latest else None)
        except LedgerDiscontinued as error:
            if self.refused is None or self.refused.detail != error.detail:
                log.error("ledger does not continue its checkpoint: refusing to record", reason=error.detail)
            self.refused = error
            raise
        self.refused = None
        self._remember(stored_head, latest)
        return latest

    def _newest(self, trusted: Checkpoint | None, stored: Checkpoint | None) -> Checkpoint | None:
        if stored is None or stored == trusted:
            return trusted
        if trusted is not None and stored.position < trusted.position:
            return trusted  # newer ones were deleted from the database: the trusted one still binds
        if problem := self.keys.problem(stored):
            raise refusal(f"the checkpoint stored there is not goal_service's: {problem}", stored.position)
        if trusted is not None and stored.position == trusted.position and stored.hash != trusted.hash:
            raise refusal("two checkpoints there sign different hashes", stored.position)
        return stored

    def due(self, latest: Checkpoint | None, head: ChainHead, tree: Frontier, signed_at: str) -> Checkpoint | None:
        """The checkpoint to save with a commit group that ends at `head` (and `tree`), when one is due."""
        if not self.cadence.due(latest, head.position, time.monotonic() - self._signed_at):
            return None
        return Checkpoint.signed(
            self.signer,
            position=head.position,
            hash=head.hash,
            tree_root=tree.root().hex(),
            every=self.cadence.every,
            signed_at=signed_at,
        )

    def committed(self, head: ChainHead, checkpoint: Checkpoint | None) -> None:
        """After a commit group: remember its head and checkpoint, and keep the checkpoint outside the database."""
        self._remember(head, checkpoint)
        if checkpoint is not None:
            self._signed_at = time.monotonic()
            self.witness.write(checkpoint)

    def close(self) -> None:
        self.witness.close()

    def latch(self, reason: str) -> LedgerDiscontinued:
        """Evidence that the ledger was altered which no later check would see again: refuse until restart."""
        return self._latch(reason)

    def _latch(self, reason: str) -> LedgerDiscontinued:
        self._latched = self.refused = refusal(reason, self._latest.position if self._latest else None)
        log.error("ledger altered: refusing to record", reason=reason)
        return self._latched

    def _remember(self, head: ChainHead | None, checkpoint: Checkpoint | None) -> None:
        """Both at once: a check that saw the new head with the old checkpoint would think the head unsigned."""
        with self._lock:
            if head is not None and head.position >= self._recorded.position:
                self._recorded = head
            if checkpoint is not None and (self._latest is None or checkpoint.position > self._latest.position):
                self._latest = checkpoint
