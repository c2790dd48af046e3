"""Standard Webhooks verification (webhook-id, webhook-timestamp, webhook-signature: v1,<base64
HMAC-SHA256>; timestamps more than 5 minutes off are refused) with several secrets, so a secret can be
rotated: the new one is added, senders move over, the old one is removed."""

from __future__ import annotations

import binascii
from collections.abc import Mapping

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from shared.platform.errors import InvalidInput, Unauthenticated


def parse_secrets(text: str) -> list[str]:
    secrets = [part.strip() for part in text.split(",") if part.strip()]
    if not secrets:
        raise ValueError("give at least one secret, whsec_ followed by base64")
    for secret in secrets:
        if not secret.startswith("whsec_"):
            raise ValueError("each secret starts with whsec_ followed by base64")
        try:
            Webhook(secret)
        except (binascii.Error, ValueError, Exception) as error:
            raise ValueError(f"a secret is not valid base64 after whsec_ ({type(error).__name__})") from None
    return secrets


class WebhookVerifier:
    def __init__(self, secrets: list[str]):
        self._hooks = [Webhook(secret) for secret in secrets]

    def verify(self, body: bytes, headers: Mapping[str, str]) -> str:
        """The delivery's webhook-id when one of the secrets signed it; Unauthenticated otherwise."""
        try:
            text = body.decode()
        except UnicodeDecodeError:
            raise InvalidInput("the body is not UTF-8") from None
        reason = "no secret matches the signature"
        for hook in self._hooks:
            try:
                hook.verify(text, dict(headers), json_parse=False)
                return headers["webhook-id"]
            except WebhookVerificationError as error:
                reason = str(error)
                if reason != "No matching signature found":
                    break  # missing headers or a stale timestamp: no other secret changes that
            except (ValueError, binascii.Error):
                reason = "webhook-signature is not `v1,<base64>`"
                break
        raise Unauthenticated(f"webhook signature rejected: {reason}")
