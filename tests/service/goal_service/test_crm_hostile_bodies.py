"""Every CRM JSON body is read by the same bounded JSON reader as the generic webhook: a body nested past
Python's recursion limit or holding a number past its digit limit is answered (held with the reason, or a
4xx problem), never a 500, and records nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str)
    | st.text(max_size=40)  # control characters, NUL and lone surrogates included
)
JSON_VALUES = st.recursive(
    JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
)
RECORDS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={"record_id": JSON_LEAVES, "at": JSON_LEAVES, "owner": JSON_LEAVES, "client": JSON_VALUES},
    ),
    max_size=3,
)
HEADER_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20).filter(
    lambda name: name not in ("content-length", "transfer-encoding", "host", "connection")
)
HEADER_VALUES = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60).map(str.strip)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(st.fixed_dictionaries({"items": RECORDS}), JSON_VALUES),
    extra_headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=3),
    query=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3),
    signed=st.booleans(),
)
def test_whatever_a_crm_sends_is_answered_and_nothing_but_its_activities_is_recorded(
    sources, body, extra_headers, query, signed
):
    raw = json.dumps(body).encode()
    headers = {**extra_headers, "content-type": "application/json"}
    if signed:
        headers |= sign(raw, key=INHOUSE_KEY)
    before = head(sources)
    response = sources.post("/v1/webhooks/crm/inhouse", content=raw, headers=headers, params=query)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert head(sources) == before  # a refused delivery records nothing
    else:
        assert signed  # nothing unsigned gets in
        recorded = sum(1 for r in response.json()["records"] if r["status"] == "recorded")
        assert head(sources) - before == recorded
