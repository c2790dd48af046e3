"""The benchmark's workload: distinct deal.won CloudEvents, encoded and Standard-Webhooks-signed up front,
so the timed loops only send bytes that already exist."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass

MEDIA_TYPE = "application/cloudevents+json"
SOURCE = "crm://bench"


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


def new_secret() -> tuple[bytes, str]:
    """A random signing key and its `whsec_` form for PERFLEDGER_WEBHOOK_SECRET."""
    key = secrets.token_bytes(24)
    return key, "whsec_" + base64.b64encode(key).decode()


def deal_won_bodies(count: int) -> list[bytes]:
    """`count` distinct deal.won events; ids differ so every one is a new ledger entry, never a re-delivery."""
    run = uuid.uuid4().hex[:8]
    return [
        json.dumps(
            {
                "specversion": "1.0",
                "id": f"bench-{run}-{n:07d}",
                "source": SOURCE,
                "type": "deal.won",
                "time": "2026-10-05T03:00:00Z",
                "datacontenttype": "application/json",
                "data": {
                    "rep_id": f"r-{n % 50}",
                    "customer_id": f"c-{n}",
                    "deal_id": f"d-{run}-{n}",
                    "amount": f"{1000 + n % 9000}.00",
                    "currency": "CNY",
                },
            },
            separators=(",", ":"),
        ).encode()
        for n in range(count)
    ]


def sign_all(bodies: list[bytes], key: bytes, media_type: str = MEDIA_TYPE, first: int = 0) -> list[SignedRequest]:
    """Sign per the Standard Webhooks spec: HMAC-SHA256 over `{msg_id}.{timestamp}.{body}` with the secret's
    bytes. Call it just before a run: receivers refuse timestamps more than five minutes old."""
    timestamp = str(int(time.time()))
    signed = []
    for n, body in enumerate(bodies, start=first):
        msg_id = f"msg_bench_{n:07d}"
        mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        headers = {
            "content-type": media_type,
            "webhook-id": msg_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": "v1," + base64.b64encode(mac).decode(),
        }
        signed.append(SignedRequest(body, headers))
    return signed
