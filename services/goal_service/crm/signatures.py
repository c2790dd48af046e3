"""The signature schemes CRMs use, each checked on the raw body: Standard Webhooks, HubSpot's v3
(HMAC-SHA256 over method, URI, body and a millisecond timestamp), 简道云's (SHA-1 of
nonce:payload:secret:timestamp), and a secret token in the endpoint URL (Salesforce outbound messages,
which are not signed). Stale timestamps are refused; the delivery store refuses replays."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from urllib.parse import urlsplit

from services.goal_service.crm.delivery import Delivery
from services.goal_service.crm.sources import Signature, Source
from shared.platform.errors import InvalidInput, Unauthenticated
from shared.platform.webhooks import WebhookVerifier

# HubSpot decodes exactly these escapes in the URI before signing it.
HUBSPOT_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


TIMESTAMP = re.compile(r"[0-9]{1,16}")  # ASCII digits only: str.isdigit() also takes '²' and a thousand digits


def _timestamp(value: str, what: str) -> int:
    if not TIMESTAMP.fullmatch(value):
        raise Unauthenticated(f"{what} is not a timestamp")
    return int(value)


def signed_url(source: Source, delivery: Delivery) -> str:
    """The URL the CRM signed: the source's public URL when a proxy stands between (with the query the
    request arrived with, unless the public URL has its own), else the URL the request arrived at."""
    if not source.public_url:
        return delivery.url
    query = urlsplit(delivery.url).query
    return source.public_url if "?" in source.public_url or not query else f"{source.public_url}?{query}"


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


def verify(source: Source, delivery: Delivery, now: float | None = None) -> str:
    """How the delivery was verified, in words; Unauthenticated when it was not."""
    now = time.time() if now is None else now
    signature = source.signature
    secret = signature.secret_value()
    match signature.scheme:
        case "standard_webhooks":
            WebhookVerifier([secret]).verify(delivery.body, delivery.headers)
            return "standard webhooks signature"
        case "hubspot_v3":
            if "x-hubspot-signature-v3" not in delivery.headers and "x-hubspot-signature" in delivery.headers:
                version = delivery.headers.get("x-hubspot-signature-version", "v1 or v2")
                raise Unauthenticated(
                    f"this source expects X-HubSpot-Signature-v3; the request is signed with HubSpot's {version} "
                    "scheme only (an app on the current platform signs with v3)"
                )
            timestamp = _header(delivery, "x-hubspot-request-timestamp")
            _fresh(_timestamp(timestamp, "X-HubSpot-Request-Timestamp") / 1000, signature, now)
            expected = hubspot_v3(secret, delivery.method, signed_url(source, delivery), delivery.body, timestamp)
            if not hmac.compare_digest(expected.encode(), _header(delivery, "x-hubspot-signature-v3").encode()):
                raise Unauthenticated("X-HubSpot-Signature-v3 does not match")
            return "hubspot v3 signature"
        case "jiandaoyun":
            nonce, timestamp = delivery.query.get("nonce", ""), delivery.query.get("timestamp", "")
            if not nonce or not timestamp:
                raise Unauthenticated("the nonce and timestamp query parameters are missing")
            _fresh(_timestamp(timestamp, "the timestamp query parameter"), signature, now)
            expected = jiandaoyun(secret, nonce, delivery.body, timestamp)
            if not hmac.compare_digest(expected.encode(), _header(delivery, "x-jdy-signature").encode()):
                raise Unauthenticated("X-JDY-Signature does not match")
            return "jiandaoyun signature"
        case "url_token":
            if not hmac.compare_digest(delivery.query.get("token", "").encode(), secret.encode()):
                raise Unauthenticated("the token in the endpoint URL is missing or wrong")
            return "token in the endpoint URL"
    raise Unauthenticated(f"unknown signature scheme {signature.scheme}")
