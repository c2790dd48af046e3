"""A delivery as a CRM made it: the raw body, the headers and the URL it was sent to, before anything is
decided about it. Adapters verify and translate it; the store keeps it as it arrived."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Headers worth keeping beside the raw body: what identifies, signs and describes a delivery.
KEPT_HEADERS = (
    "content-type",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "x-hubspot-signature-v3",
    "x-hubspot-request-timestamp",
    "x-jdy-signature",
    "x-jdy-deliverid",
    "soapaction",
)


@dataclass(frozen=True)
class Delivery:
    source: str
    method: str
    url: str  # as the CRM called it, query included
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str]
    body: bytes
    received_at: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def kept_url(self) -> str:
        """The URL without a secret token in its query (Salesforce's), which is not kept."""
        parts = urlsplit(self.url)
        query = [(k, "redacted" if k == "token" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def kept_headers(self) -> dict[str, str]:
        return {name: self.headers[name] for name in KEPT_HEADERS if name in self.headers}

    @property
    def media_type(self) -> str:
        """The content type without its parameters, lower-cased: media types are case-insensitive (RFC 9110)."""
        return self.headers.get("content-type", "").partition(";")[0].strip().lower()


@dataclass(frozen=True)
class Item:
    """One record of a delivery and what it becomes: the events it makes in the ledger (recorded together
    or not at all), nothing (`ignored`, or `unchanged` when the ledger already holds it), or a quarantine
    reason with what would release it."""

    key: str  # the provider's id for this record (event id, notification id, record id)
    raw: Any
    ref: str | None = None  # the CRM record it is about: a held record is tried again when that one changes
    events: list[dict[str, Any]] = field(default_factory=list)
    ignored: str | None = None
    unchanged_at: int | None = None  # where what the record says already stands
    reason: str | None = None
    release: str | None = None
