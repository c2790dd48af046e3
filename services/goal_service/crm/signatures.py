"""The signature schemes CRMs use, each checked on the raw body: Standard Webhooks, HubSpot's v3
(HMAC-SHA256 over method, URI, body and a millisecond timestamp), 简道云's (SHA-1 of
nonce:payload:secret:timestamp), and a secret token in the endpoint URL (Salesforce outbound messages,
which are not signed). Stale timestamps are refused; the delivery store refuses replays."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from services.goal_service.crm.delivery import Delivery
from services.goal_service.crm.sources import Signature
from shared.errors import InvalidInput, Unauthenticated
from shared.webhooks import WebhookVerifier

# HubSpot decodes exactly these escapes in the URI before signing it.
HUBSPOT_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


def _fresh(seconds: float, signature: Signature, now: float) -> None:
    if abs(now - seconds) > signature.max_age_seconds:
        raise Unauthenticated(f"the delivery's timestamp is more than {signature.max_age_seconds} s away from now")


def hubspot_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    for escaped, plain in HUBSPOT_DECODED.items():
        uri = uri.replace(escaped, plain)
    signed = method.encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()


def jiandaoyun(secret: str, nonce: str, body: bytes, timestamp: str) -> str:
    try:
        payload = body.decode()
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8") from None
    return hashlib.sha1(f"{nonce}:{payload}:{secret}:{timestamp}".encode()).hexdigest()


def _header(delivery: Delivery, name: str) -> str:
    value = delivery.headers.get(name)
    if not value:
        raise Unauthenticated(f"the {name} header is missing")
    return value


def verify(signature: Signature, delivery: Delivery, now: float | None = None) -> str:
    """How the delivery was verified, in words; Unauthenticated when it was not."""
    now = time.time() if now is None else now
    secret = signature.secret_value()
    match signature.scheme:
        case "standard_webhooks":
            WebhookVerifier([secret]).verify(delivery.body, delivery.headers)
            return "standard webhooks signature"
        case "hubspot_v3":
            timestamp = _header(delivery, "x-hubspot-request-timestamp")
            if not timestamp.isdigit():
                raise Unauthenticated("X-HubSpot-Request-Timestamp is not milliseconds")
            _fresh(int(timestamp) / 1000, signature, now)
            expected = hubspot_v3(secret, delivery.method, delivery.url, delivery.body, timestamp)
            if not hmac.compare_digest(expected, _header(delivery, "x-hubspot-signature-v3")):
                raise Unauthenticated("X-HubSpot-Signature-v3 does not match")
            return "hubspot v3 signature"
        case "jiandaoyun":
            nonce, timestamp = delivery.query.get("nonce", ""), delivery.query.get("timestamp", "")
            if not nonce or not timestamp.isdigit():
                raise Unauthenticated("the nonce and timestamp query parameters are missing")
            _fresh(int(timestamp), signature, now)
            expected = jiandaoyun(secret, nonce, delivery.body, timestamp)
            if not hmac.compare_digest(expected, _header(delivery, "x-jdy-signature")):
                raise Unauthenticated("X-JDY-Signature does not match")
            return "jiandaoyun signature"
        case "url_token":
            if not hmac.compare_digest(delivery.query.get("token", "").encode(), secret.encode()):
                raise Unauthenticated("the token in the endpoint URL is missing or wrong")
            return "token in the endpoint URL"
    raise Unauthenticated(f"unknown signature scheme {signature.scheme}")
