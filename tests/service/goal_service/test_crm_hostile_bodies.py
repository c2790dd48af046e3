"""Every CRM JSON body is read by the same bounded JSON reader as the generic webhook: a body nested past
Python's recursion limit or holding a number past its digit limit is answered (held with the reason, or a
4xx problem), never a 500, and records nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from tests.scenarios.crm_sources import HUBSPOT, HUBSPOT_SECRET, JIANDAOYUN, jiandaoyun_post, write_source
from tests.support import auth, sign

INHOUSE = """
provider: json
signature: {scheme: standard_webhooks, secret: whsec_aW5ob3VzZS1jcm0tc2VjcmV0LTEyMzQ1Njc4OTA=}
mapping:
  records: items
  id: record_id
  time: at
  rep: owner
  type: {constant: visit.completed}
  fields: {customer_id: client}
"""
INHOUSE_KEY = b"inhouse-crm-secret-1234567890"
DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE_NUMBER = b'{"items": [{"record_id": ' + b"9" * 5000 + b"}]}"


@pytest.fixture
def sources(goal, goal_settings):
    write_source(goal_settings.crm_sources, "inhouse", INHOUSE)
    write_source(goal_settings.crm_sources, "jdy", JIANDAOYUN)
    write_source(goal_settings.crm_sources, "hubspot", HUBSPOT)
    return goal


def head(goal) -> int:
    return goal.get("/v1/ledger/head", headers=auth("t-auditor")).json()["position"]


def answered_without_recording(goal, response, says: str) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert says in response.json()["detail"]
    else:
        records = response.json()["records"]
        assert [r["status"] for r in records] == ["quarantined"] and says in records[0]["reason"]
    assert head(goal) == 0


@pytest.mark.parametrize(
    ("body", "says"), [(DEEP, "nests deeper than 64 levels"), (HUGE_NUMBER, "a number of 5000 digits")]
)
def test_a_json_source_holds_a_hostile_body_with_the_reason(sources, body, says):
    response = sources.post(
        "/v1/webhooks/crm/inhouse",
        content=body,
        headers={"content-type": "application/json", **sign(body, key=INHOUSE_KEY)},
    )
    answered_without_recording(sources, response, says)


@pytest.mark.parametrize(
    ("body", "says"), [(DEEP, "nests deeper than 64 levels"), (HUGE_NUMBER, "a number of 5000 digits")]
)
def test_jiandaoyun_answers_a_hostile_body(sources, body, says):
    answered_without_recording(sources, jiandaoyun_post(sources, "jdy", body, "deliver-1"), says)


def hubspot_raw(client, body: bytes):
    """Signed as HubSpot signs (v3), whatever the body."""
    timestamp = str(int(time.time() * 1000))
    url = str(client.base_url).rstrip("/") + "/v1/webhooks/crm/hubspot"
    mac = hmac.new(HUBSPOT_SECRET.encode(), b"POST" + url.encode() + body + timestamp.encode(), hashlib.sha256)
    headers = {
        "content-type": "application/json",
        "X-HubSpot-Signature-v3": base64.b64encode(mac.digest()).decode(),
        "X-HubSpot-Request-Timestamp": timestamp,
    }
    return client.post("/v1/webhooks/crm/hubspot", content=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "says"),
    [(DEEP, "nests deeper than 64 levels"), (b'[{"eventId": ' + b"9" * 5000 + b"}]", "a number of 5000 digits")],
)
def test_hubspot_answers_a_hostile_body(sources, body, says):
    answered_without_recording(sources, hubspot_raw(sources, body), says)
