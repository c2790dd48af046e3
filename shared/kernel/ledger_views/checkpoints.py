"""A follower's hold on goal_service's signed checkpoints: each page of the ledger carries goal_service's
latest checkpoint (and, when the page stops short of it, the newest one inside the page); the follower
verifies them with the key it pinned, keeps the newest in its own database, refuses any page that
contradicts one, and absorbs a page only up to a signed position while it is behind the latest. So a
follower never absorbs a rewritten stretch or builds on a forged one, even when goal_service's database
has lost its checkpoints since.

The key is trusted on first use: the first time a checkpoint arrives, the key goal_service lists with that
key id is pinned beside the held checkpoint; later checkpoints must verify with it. A deployment that wants
no first use sets PERFLEDGER_LEDGER_CHECKPOINT_KEYS instead.
"""

from __future__ import annotations

import httpx
import structlog
from sqlalchemy import Engine, insert, select, update

from shared.kernel.ledger_views.tables import held_checkpoint
from shared.platform.chain import ChainedEntry
from shared.platform.checkpoints import Checkpoint, CheckpointKeys, PublicKey, contradicted, public_key, signed_prefix
from shared.platform.log_client import ChainMismatch, FollowedPage, LedgerFollower

log = structlog.get_logger("ledger_views")
UPSTREAM = "goal_service"


class CheckpointRefused(ChainMismatch):
    """A page of the ledger contradicts a signed checkpoint this follower holds; nothing of it is absorbed."""


class CheckpointWatch:
    def __init__(self, engine: Engine, follower: LedgerFollower, pinned_keys: list[str], service: str):
        self.engine = engine
        self.follower = follower
        self.configured = [public_key(key) for key in pinned_keys]
        self.service = service

    def held(self) -> tuple[Checkpoint, PublicKey] | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(held_checkpoint).where(held_checkpoint.c.upstream == UPSTREAM)).first()
        if row is None:
            return None
        checkpoint = Checkpoint(
            row.position, row.hash, row.tree_root, row.every, row.key_id, row.signed_at, row.signature
        )
        return checkpoint, public_key(row.public_key)

    def read_page(self, after: int, wait: float) -> list[ChainedEntry]:
        """The entries after `after` that the checkpoints vouch for, once the page agrees with them."""
        page = self.follower.read(after, wait=wait)
        held = self._hold(page.checkpoint)
        if held is None:
            return page.entries
        covering = self._verified(page.covering, held)
        self._check(page, after, held, covering)
        return list(signed_prefix(page.entries, covering, held))

    def _hold(self, shown: Checkpoint | None) -> Checkpoint | None:
        found = self.held()
        held, pinned = found if found else (None, None)
        if shown is None or (held is not None and shown.position < held.position):
            return held
        if held is not None and shown.position == held.position:
            if shown.hash != held.hash:
                raise self._refuse(
                    f"goal_service now shows a checkpoint at position {held.position} with hash {shown.hash[:16]}…, "
                    f"where the one it signed and {self.service} holds says {held.hash[:16]}…"
                )
            return held
        key = self._key_for(shown, pinned)
        if problem := CheckpointKeys([key]).problem(shown):
            raise self._refuse(f"goal_service's checkpoint at position {shown.position} is refused: {problem}")
        self._keep(shown, key, replacing=held)
        return shown

    def _verified(self, covering: Checkpoint | None, held: Checkpoint) -> Checkpoint | None:
        """The checkpoint inside a page, once it verifies with the key the held one was verified with."""
        if covering is None or covering == held:
            return covering
        found = self.held()
        key = self._key_for(covering, found[1] if found else None)
        if problem := CheckpointKeys([key]).problem(covering):
            raise self._refuse(f"goal_service's checkpoint at position {covering.position} is refused: {problem}")
        return covering

    def _key_for(self, shown: Checkpoint, pinned: PublicKey | None) -> PublicKey:
        if self.configured:
            trusted = {key.key_id: key for key in self.configured}
            if shown.key_id not in trusted:
                raise self._refuse(
                    f"goal_service's checkpoint at position {shown.position} is signed by key {shown.key_id}, "
                    "which PERFLEDGER_LEDGER_CHECKPOINT_KEYS does not list"
                )
            return trusted[shown.key_id]
        if pinned is not None:
            if pinned.key_id != shown.key_id:
                raise self._refuse(
                    f"goal_service's checkpoint at position {shown.position} is signed by key {shown.key_id}, not "
                    f"by key {pinned.key_id} that {self.service} pinned; if goal_service's key was rotated, list "
                    "the new one in PERFLEDGER_LEDGER_CHECKPOINT_KEYS"
                )
            return pinned
        try:
            listed = {key.key_id: key for key in self.follower.checkpoint_keys()}
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as error:
            raise ChainMismatch(f"goal_service's checkpoint keys could not be read: {error}") from None
        if shown.key_id not in listed:
            raise self._refuse(f"goal_service does not list key {shown.key_id} of its checkpoint at {shown.position}")
        log.info("pinned goal_service's checkpoint key", key_id=shown.key_id, service=self.service)
        return listed[shown.key_id]

    def _keep(self, checkpoint: Checkpoint, key: PublicKey, replacing: Checkpoint | None) -> None:
        values = {
            "position": checkpoint.position,
            "hash": checkpoint.hash,
            "tree_root": checkpoint.tree_root,
            "every": checkpoint.every,
            "key_id": checkpoint.key_id,
            "signed_at": checkpoint.signed_at,
            "signature": checkpoint.signature,
            "public_key": key.public_key,
        }
        with self.engine.begin() as connection:
            if replacing is None:
                connection.execute(insert(held_checkpoint).values(upstream=UPSTREAM, **values))
            else:  # only forward: another runner may have moved it further meanwhile
                connection.execute(
                    update(held_checkpoint)
                    .where(held_checkpoint.c.upstream == UPSTREAM, held_checkpoint.c.position < checkpoint.position)
                    .values(**values)
                )

    def _check(self, page: FollowedPage, after: int, held: Checkpoint, covering: Checkpoint | None) -> None:
        if page.head.position < held.position:
            raise self._refuse(
                f"goal_service's ledger ends at {page.head.position}, below its checkpoint signed at position "
                f"{held.position} that {self.service} holds: entries {page.head.position + 1}-{held.position} "
                "are missing"
            )
        shown = {after: page.previous_hash} | {entry.position: entry.hash for entry in page.entries}
        if reason := contradicted(shown, (held, covering)):
            raise self._refuse(f"goal_service's {reason}, which {self.service} holds")

    def _refuse(self, reason: str) -> CheckpointRefused:
        return CheckpointRefused(f"{reason}; nothing of this page is absorbed")
