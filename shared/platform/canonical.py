"""Canonical JSON and SHA-256: the one byte form of anything that is hashed or sealed.

Rules: object keys sorted, no insignificant white space, UTF-8, Decimal as its string, datetimes in UTC
as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fraction digits), dates as `YYYY-MM-DD`, UUIDs in lower-case
hyphenated form. Floats are refused: they have no single decimal spelling, so they never reach a hash.
Integers must fit in 64 bits (larger ones are not read alike by every JSON parser): write them as Decimal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson

GENESIS_HASH = "0" * 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def format_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime has no defined instant; give it a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timestamp_now() -> str:
    """When something was recorded, in the canonical form (never an input to a figure)."""
    return format_timestamp(datetime.now(UTC))


def to_canonical(value: Any) -> Any:
    """Reduce a value to JSON primitives (str, int, bool, None, list, dict) by the rules above."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValueError(f"{value} does not fit in 64 bits; write it as a Decimal")
        return value
    if isinstance(value, float):
        raise TypeError("floats are not canonical; use Decimal")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite decimal")
        return str(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_canonical(v) for v in value]
    if isinstance(value, orjson.Fragment):  # canonical JSON already, as a read model keeps it
        return value
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> bytes:
    return orjson.dumps(to_canonical(value), option=orjson.OPT_SORT_KEYS)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_hash(value: Any) -> str:
    return sha256_hex(canonical_json(value))
