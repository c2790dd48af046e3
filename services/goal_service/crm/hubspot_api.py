"""HubSpot's CRM objects API, read for what a won deal's webhook events did not bring (its owner, its
amount), when the source names a private app token (`access_token_env`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from services.goal_service.crm.base import REPROCESS, Held
from services.goal_service.crm.sources import Source
from shared.platform.http_client import http_client

DEAL_PROPERTIES = "dealstage,amount,hubspot_owner_id,deal_currency_code"
RETRY = f"the deal's next change, or {REPROCESS}"


def deal_fetcher(source: Source) -> Callable[[str], dict[str, Any]] | None:
    """Fetch one deal's properties: {"properties": {...}, "at": its updatedAt in epoch milliseconds}."""
    token = source.access_token()
    if not token:
        return None

    def fetch(deal_id: str) -> dict[str, Any]:
        url = f"{source.api_base_url.rstrip('/')}/crm/v3/objects/deals/{deal_id}"
        try:
            with http_client(timeout=10) as client:
                response = client.get(
                    url, params={"properties": DEAL_PROPERTIES}, headers={"authorization": f"Bearer {token}"}
                )
        except httpx.HTTPError as error:
            raise Held(f"fetching deal {deal_id} from HubSpot failed: {error}", RETRY) from None
        if response.status_code != 200:
            raise Held(f"HubSpot answered {response.status_code} for deal {deal_id}", RETRY)
        try:
            body = response.json()
            properties, at = body["properties"], datetime.fromisoformat(str(body["updatedAt"]).replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            properties, at = None, None
        if not isinstance(properties, dict) or at is None or at.tzinfo is None:
            raise Held(f"HubSpot's answer for deal {deal_id} is not a CRM object", RETRY)
        return {"properties": properties, "at": int(at.timestamp() * 1000)}

    return fetch
