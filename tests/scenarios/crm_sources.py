"""The CRM sources the adapter tests configure, as an operator would: one file each in the sources
directory, and the helpers that sign deliveries exactly as each CRM does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "crm"
JDY_SECRET = "jdy-test-secret-not-real"
HUBSPOT_SECRET = "6f8b1f2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
SF_TOKEN = "sf-endpoint-token"
SF_ORG = "00D8a000001KxQzEAK"

JIANDAOYUN = f"""
provider: jiandaoyun
signature: {{scheme: jiandaoyun, secret: {JDY_SECRET}}}
delivery_id_header: X-JDY-DeliverId
mapping:
  records: data
  id: _id
  time: updateTime
  rep: _widget_1727078400104          # 销售负责人, a member field: its username
  type:
    field: _widget_1727078400105      # 阶段
    values: {{赢单: deal.won, 输单: deal.lost}}
    ignore: [谈判中]
  amount: _widget_1727078400103
  default_currency: CNY
  fields: {{customer_id: _widget_1727078400101, deal_id: _id}}
  op: op
  removals: [data_remove]             # a record deleted in 简道云 voids its activity
"""

HUBSPOT = f"""
provider: hubspot
signature: {{scheme: hubspot_v3, secret: {HUBSPOT_SECRET}}}
default_currency: CNY
"""

SALESFORCE = f"""
provider: salesforce
signature: {{scheme: url_token, secret: {SF_TOKEN}}}
organization_id: {SF_ORG}
default_currency: CNY
"""


def ledger(goal) -> list[dict]:
    return [
        e["entry"]
        for e in goal.get("/v1/ledger/events", headers={"authorization": "Bearer t-service"}).json()["events"]
    ]


def map_user(goal, source: str, crm_user: str, rep: str) -> None:
    response = goal.put(
        f"/v1/crm/users/{source}/{crm_user}", json={"rep_id": rep}, headers={"authorization": "Bearer t-hr"}
    )
    assert response.status_code == 200, response.text


def write_source(directory: Path, name: str, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.yaml").write_text(text, encoding="utf-8")


def compact(name: str) -> bytes:
    """A JSON fixture as the CRM sends it: compact UTF-8, as the NOTES' worked signatures sign it."""
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def jiandaoyun_post(
    client, source: str, body: bytes, deliver_id: str, *, secret: str = JDY_SECRET, ts: int | None = None
):
    timestamp, nonce = str(int(time.time()) if ts is None else ts), "3b9f1c"
    signature = hashlib.sha1(f"{nonce}:{body.decode()}:{secret}:{timestamp}".encode()).hexdigest()
    return client.post(
        f"/v1/webhooks/crm/{source}",
        params={"timestamp": timestamp, "nonce": nonce},
        content=body,
        headers={"content-type": "application/json", "X-JDY-Signature": signature, "X-JDY-DeliverId": deliver_id},
    )


def hubspot_post(client, source: str, events: list[dict], *, ts_ms: int | None = None, url: str | None = None):
    """Signed as HubSpot signs: over the full URL HubSpot calls (`url` when a proxy stands between)."""
    body = json.dumps(events, separators=(",", ":")).encode()
    timestamp = str(int(time.time() * 1000) if ts_ms is None else ts_ms)
    url = url or str(client.base_url).rstrip("/") + f"/v1/webhooks/crm/{source}"
    signed = b"POST" + url.encode() + body + timestamp.encode()
    signature = base64.b64encode(hmac.new(HUBSPOT_SECRET.encode(), signed, hashlib.sha256).digest()).decode()
    headers = {
        "content-type": "application/json",
        "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": timestamp,
    }
    return client.post(f"/v1/webhooks/crm/{source}", content=body, headers=headers)


def salesforce_post(client, source: str, body: bytes, content_type: str = "text/xml; charset=utf-8"):
    headers = {"content-type": content_type, "SOAPAction": '""'}
    return client.post(f"/v1/webhooks/crm/{source}", params={"token": SF_TOKEN}, content=body, headers=headers)
