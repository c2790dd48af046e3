"""Signed checkpoints of the activity ledger's head: goal_service signs (position, chain hash) with Ed25519,
so that whoever keeps a checkpoint (an auditor's file, a follower's database) can later prove that the
ledger held exactly that history up to that position, even against someone who can rewrite the database.

A hash chain alone cannot show that its last entries were deleted, nor that a stretch was rewritten with
every hash recomputed; a signature over the head, kept where the database's tamperer cannot reach, can.
The signed claim is the canonical JSON of `kind, position, hash, tree_size, tree_root, every, key_id,
signed_at`:
- `kind` keeps a checkpoint signature from ever passing for a signature over anything else;
- `tree_root` is the RFC 9162 Merkle tree head over the ledger's first `tree_size` (= `position`) entries,
  each leaf an entry's chain hash (shared.platform.merkle): an entry is then proved in the ledger with a
  few dozen hashes, and a later checkpoint proved to extend an earlier one, where the chain needs every
  entry in between;
- `every` is the signer's promise to sign again within that many entries, so an entry further than that
  past the latest checkpoint was not written by the signer (a forged tail);
- `signed_at` is when it was signed: evidence for an auditor, never an input to any figure.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.platform.chain import ChainedEntry
from shared.platform.merkle import leaf_hash
from shared.platform.signing import ALGORITHM, Signer, key_id, verify

CHECKPOINT_KIND = "perfledger.ledger-checkpoint.v2"  # v2 signs the Merkle tree head too


def ledger_leaf(chain_hash: str) -> bytes:
    """The Merkle leaf hash of the ledger entry whose chain hash this is: the chain hash commits to the entry
    and to every entry before it, so an entry with its previous hash proves into the tree by this leaf."""
    return leaf_hash(bytes.fromhex(chain_hash))


@dataclass(frozen=True)
class Checkpoint:
    position: int
    hash: str
    tree_root: str  # hex
    every: int
    key_id: str
    signed_at: str
    signature: str

    @classmethod
    def signed(
        cls, signer: Signer, *, position: int, hash: str, tree_root: str, every: int, signed_at: str
    ) -> Checkpoint:
        unsigned = cls(position, hash, tree_root, every, signer.key_id, signed_at, "")
        return cls(position, hash, tree_root, every, signer.key_id, signed_at, signer.sign(unsigned.claim()))

    def claim(self) -> dict[str, Any]:
        """What the signature covers."""
        return {
            "kind": CHECKPOINT_KIND,
            "position": self.position,
            "hash": self.hash,
            "tree_size": self.position,
            "tree_root": self.tree_root,
            "every": self.every,
            "key_id": self.key_id,
            "signed_at": self.signed_at,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.claim(), "signature": self.signature}

    @classmethod
    def from_json(cls, value: Any) -> Checkpoint:
        """A checkpoint as `to_json` writes it; ValueError names what is wrong."""
        if not isinstance(value, Mapping):
            raise ValueError("a checkpoint is a JSON object")
        if value.get("kind", CHECKPOINT_KIND) != CHECKPOINT_KIND:
            raise ValueError(f"not a ledger checkpoint: kind {value.get('kind')!r}")
        if value.get("tree_size", value.get("position")) != value.get("position"):
            raise ValueError("a checkpoint's tree covers the entries up to its position")
        fields = {
            "position": int,
            "hash": str,
            "tree_root": str,
            "every": int,
            "key_id": str,
            "signed_at": str,
            "signature": str,
        }
        for name, kind in fields.items():
            if not isinstance(value.get(name), kind) or isinstance(value.get(name), bool):
                raise ValueError(f"a checkpoint's {name!r} must be a{'n integer' if kind is int else ' string'}")
        return cls(**{name: value[name] for name in fields})


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    public_key: str  # base64 of the raw 32 bytes

    def to_json(self) -> dict[str, str]:
        return {"key_id": self.key_id, "algorithm": ALGORITHM, "public_key": self.public_key}


def public_key(base64_text: str) -> PublicKey:
    """A raw Ed25519 public key given as base64; ValueError when it is not one."""
    try:
        raw = base64.b64decode(base64_text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not base64") from None
    if len(raw) != 32:
        raise ValueError(f"is {len(raw)} bytes, an Ed25519 public key is 32")
    return PublicKey(key_id(raw), base64.b64encode(raw).decode())


def parse_public_keys(text: str) -> list[str]:
    """Comma-separated base64 public keys, as a setting gives them; ValueError names the bad one."""
    keys = [part.strip() for part in text.split(",") if part.strip()]
    for key in keys:
        try:
            public_key(key)
        except ValueError as error:
            raise ValueError(f"{key[:12]}… {error}") from None
    return keys


class CheckpointKeys:
    """The public keys whose checkpoints are trusted, by key id."""

    def __init__(self, keys: Iterable[PublicKey]):
        self.by_id = {key.key_id: key for key in keys}

    def __bool__(self) -> bool:
        return bool(self.by_id)

    def problem(self, checkpoint: Checkpoint) -> str | None:
        """Why the checkpoint cannot be trusted, or None when its signature verifies with a known key."""
        key = self.by_id.get(checkpoint.key_id)
        if key is None:
            return f"it is signed by key {checkpoint.key_id}, which is not a checkpoint key of goal_service"
        if not verify(key.public_key, checkpoint.signature, checkpoint.claim()):
            return f"its signature does not verify with key {checkpoint.key_id}"
        return None

    def listing(self) -> list[dict[str, str]]:
        return [key.to_json() for key in self.by_id.values()]


def contradicted(hashes: Mapping[int, str], checkpoints: Iterable[Checkpoint | None]) -> str | None:
    """How a page's hashes (position -> hash) contradict a trusted checkpoint, if one does."""
    for checkpoint in checkpoints:
        if checkpoint is not None and checkpoint.position in hashes and hashes[checkpoint.position] != checkpoint.hash:
            return (
                f"entry at position {checkpoint.position} (hash {hashes[checkpoint.position][:16]}…) contradicts "
                f"the checkpoint signed there (hash {checkpoint.hash[:16]}…)"
            )
    return None


def signed_prefix(
    entries: Sequence[ChainedEntry], covering: Checkpoint | None, latest: Checkpoint | None
) -> Sequence[ChainedEntry]:
    """What a follower may absorb of a page: a page that stops short of the latest checkpoint ends at the
    newest checkpoint inside it, as entries past that one are vouched for only by a checkpoint the follower
    has not reached yet (a rewritten stretch would show there, after it was absorbed). A page reaching the
    latest checkpoint is whole: past it lies the unsigned tail, shorter than the checkpoint's `every`."""
    if not entries or covering is None or latest is None or entries[-1].position >= latest.position:
        return entries
    if not entries[0].position <= covering.position < entries[-1].position:
        return entries  # no checkpoint inside this page: the chain, and the next checkpoint, must do
    return [entry for entry in entries if entry.position <= covering.position]
