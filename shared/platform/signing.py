"""Ed25519 signatures over canonical JSON, so an auditor can check a seal with the public key alone. A key
is named by its id: the first 16 hex digits of the SHA-256 of its raw public key. Keys are kept as the
base64 of their 32-byte raw private form (PERFLEDGER_SIGNING_KEY), or made once and kept in the data
directory when none is configured."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from shared.platform.canonical import canonical_json, sha256_hex
from shared.platform.kept import kept

ALGORITHM = "Ed25519"


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: bytes) -> str:
    return sha256_hex(public_key)[:16]


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey):
        self._key = private_key
        self.public_key = _raw_public(private_key.public_key())
        self.key_id = key_id(self.public_key)

    @classmethod
    def from_base64(cls, text: str) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True)))

    @classmethod
    def kept_in(cls, path: Path) -> Signer:
        """The key stored at `path`, made there (readable by its owner only) on first use."""
        return cls.from_base64(kept(path, _new_private_key))

    def sign(self, value: Any) -> str:
        return base64.b64encode(self._key.sign(canonical_json(value))).decode()

    def public(self) -> dict[str, str]:
        return {"key_id": self.key_id, "algorithm": ALGORITHM, "public_key": base64.b64encode(self.public_key).decode()}


def verify(public_key_base64: str, signature_base64: str, value: Any) -> bool:
    """Whether the signature is the key's over the canonical JSON of `value`."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_base64, validate=True))
        key.verify(base64.b64decode(signature_base64, validate=True), canonical_json(value))
    except (InvalidSignature, ValueError):
        return False
    return True


def _new_private_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode()
