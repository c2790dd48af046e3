"""CRM adapters over real HTTP, on both databases: each CRM's documented payload (fixtures/crm, with its
NOTES), signed as that CRM signs, lands in the ledger as canonical activity events exactly once; the raw
delivery is kept beside it; what cannot be placed is quarantined with the reason and released once fixed."""

from __future__ import annotations

import hashlib
import json

import pytest

from services.goal_service.crm.signatures import hubspot_v3, jiandaoyun
from tests.scenarios.crm_sources import (
    FIXTURES,
    SF_ORG,
    SF_TOKEN,
    compact,
    hubspot_post,
    jiandaoyun_post,
    ledger,
    map_user,
    write_source,
)
from tests.scenarios.goal import HR
from tests.support import auth, sign


def answered_id(goal, position: int) -> str:
    return goal.get(f"/v1/crm/entries/{position}", headers=auth("t-auditor")).json()["delivery_id"]


def test_the_signatures_reproduce_the_crms_own_worked_examples():
    # HubSpot's SDK test vector, and 简道云's algorithm over the fixture (fixtures/crm/*/NOTES.md).
    body = b"{'example_field':'example_value'}"
    assert hubspot_v3("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", "POST", "https://www.example.com/webhook_uri", body,
                      "15000000") == "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="  # fmt: skip
    uri = "https://hooks.perfledger.example/v1/webhooks/hubspot?tenant=acme%3Aeu&region=a%2Fb%20c"
    signed = hubspot_v3("6f8b1f2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "POST", uri, compact("hubspot/deal_batch.json"),
                        "1791169201234")  # fmt: skip
    assert signed == "RKP2BPVWIfHJW4sy5whnXMDneeMATbl7freOmiHs7Hc="  # %3A and %2F decoded, %20 kept
    assert (
        jiandaoyun("jdy-test-secret-not-real", "3b9f1c", compact("jiandaoyun/data_create.json"), "1791105151")
        == "cdbf11b18832805e8a1281b9608c7b457ea5093d"
    )


def test_a_jiandaoyun_push_lands_once_and_an_unknown_user_waits_in_quarantine(crm):
    map_user(crm, "jdy", "wanglei", "r-1")
    negotiating = jiandaoyun_post(crm, "jdy", compact("jiandaoyun/data_create.json"), "deliver-1")
    assert negotiating.status_code == 201, negotiating.text
    assert [r["status"] for r in negotiating.json()["records"]] == ["ignored"]  # 谈判中 is no activity yet

    won = jiandaoyun_post(crm, "jdy", compact("jiandaoyun/data_update.json"), "deliver-2")
    (record,) = won.json()["records"]
    assert record["status"] == "recorded"
    entry = ledger(crm)[-1]
    assert entry["type"] == "deal.won" and [entry["position"]] == record["positions"]
    assert (entry["source"], entry["id"]) == ("crm://jdy", "6700acb0f1e2d30008c4e5f6:deal.won")
    assert entry["data"]["amount"] == "48000" and entry["data"]["rep_id"] == "r-1"

    again = jiandaoyun_post(crm, "jdy", compact("jiandaoyun/data_update.json"), "deliver-2")
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["records"] == won.json()["records"]
    kept = crm.get("/v1/crm/deliveries/jdy/deliver-2", headers=auth("t-auditor")).json()
    assert crm.get(f"/v1/crm/entries/{entry['position']}", headers=auth("t-auditor")).json() == kept
    assert kept["body"].encode() == compact("jiandaoyun/data_update.json")
    assert kept["verification"] == "jiandaoyun signature" and "x-jdy-signature" in kept["headers"]

    assert jiandaoyun_post(crm, "jdy", compact("jiandaoyun/data_update.json"), "d-3", secret="wrong").status_code == 401
    stale = jiandaoyun_post(crm, "jdy", compact("jiandaoyun/data_update.json"), "d-4", ts=1791105151 - 10**6)
    assert stale.status_code == 401 and "timestamp" in stale.json()["detail"]

    stranger = json.loads(compact("jiandaoyun/data_update.json"))
    stranger["data"]["_id"] = "6700acb0f1e2d30008c4ffff"
    stranger["data"]["_widget_1727078400104"]["username"] = "zhaoliu"
    held = jiandaoyun_post(crm, "jdy", json.dumps(stranger, ensure_ascii=False).encode(), "deliver-5").json()
    (record,) = held["records"]
    assert record["status"] == "quarantined" and "zhaoliu" in record["reason"]
    assert [q["id"] for q in crm.get("/v1/crm/quarantine", params={"state": "held"}, headers=HR).json()] == [
        record["quarantine_id"]
    ]
    map_user(crm, "jdy", "zhaoliu", "r-2")
    released = crm.post(f"/v1/crm/quarantine/{record['quarantine_id']}/reprocess", headers=HR).json()
    assert released["state"] == "released" and released["positions"] == [ledger(crm)[-1]["position"]]
    assert "PUT /v1/crm/users/jdy/zhaoliu" in record["release"]
    source_of = crm.get(f"/v1/crm/entries/{released['positions'][0]}", headers=auth("t-auditor")).json()
    assert source_of["delivery_id"] == "deliver-5" and "zhaoliu" in source_of["body"]
    assert crm.get(f"/v1/crm/entries/{record['quarantine_id'] + 10**6}", headers=HR).status_code == 404
    assert ledger(crm)[-1]["data"]["rep_id"] == "r-2"
    assert crm.put("/v1/crm/users/jdy/x", json={"rep_id": "r-404"}, headers=HR).status_code == 422

    # The won record is deleted in 简道云: its deal.won is voided, once.
    removed = json.loads(compact("jiandaoyun/data_update.json")) | {"op": "data_remove"}
    body = json.dumps(removed, ensure_ascii=False).encode()
    (voided,) = jiandaoyun_post(crm, "jdy", body, "deliver-6").json()["records"]
    assert voided["status"] == "recorded", voided
    correction = ledger(crm)[-1]
    assert correction["type"] == "activity.voided"
    assert correction["data"]["target"] == {"source": "crm://jdy", "id": "6700acb0f1e2d30008c4e5f6:deal.won"}
    (again,) = jiandaoyun_post(crm, "jdy", body, "deliver-7").json()["records"]
    assert again["status"] == "duplicate"


def hubspot_event(event_id: int, at: int, name: str, value: str, deal: int = 21977364101) -> dict:
    """A deal.propertyChange shaped as HubSpot documents it (fixtures/crm/hubspot/deal_batch.json)."""
    return {"eventId": event_id, "subscriptionId": 2871104, "portalId": 20480917, "appId": 3140521,
            "occurredAt": at, "subscriptionType": "deal.propertyChange", "attemptNumber": 0, "objectId": deal,
            "propertyName": name, "propertyValue": value, "changeSource": "CRM_UI",
            "sourceId": "userId:61234567"}  # fmt: skip


def test_hubspot_property_changes_out_of_order_make_one_deal_won_with_its_amount_and_owner(crm):
    batch = json.loads((FIXTURES / "hubspot/deal_batch.json").read_text())
    map_user(crm, "hubspot", "910901", "r-1")
    # The stage change arrives before anyone told us the owner: held, not credited to a wrong rep.
    first = hubspot_post(crm, "hubspot", batch)
    assert first.status_code == 201, first.text
    statuses = {r["key"]: r["status"] for r in first.json()["records"]}
    assert statuses == {"1804557213": "ignored", "2950381477": "ignored", "3120944958": "quarantined"}
    (held,) = [r for r in first.json()["records"] if r["status"] == "quarantined"]
    assert "hubspot_owner_id" in held["reason"] and "access_token_env" in held["release"]
    assert not [e for e in ledger(crm) if e["type"] == "deal.won"]

    # The owner arrives (even stamped earlier): the held stage change is released by itself.
    owner = hubspot_post(crm, "hubspot", [hubspot_event(4000000001, 1791169100000, "hubspot_owner_id", "910901")])
    assert owner.status_code == 201
    (won,) = [e for e in ledger(crm) if e["type"] == "deal.won"]
    assert (won["id"], won["data"]["amount"], won["data"]["rep_id"]) == ("21977364101:deal.won", "48000", "r-1")
    assert won["occurred_at"].startswith("2026-10-05T03:00:00")  # occurredAt 1791169200000 ms
    assert crm.get("/v1/crm/quarantine", params={"state": "held"}, headers=HR).json() == []

    # HubSpot retries the batch (a new attempt, a new timestamp): nothing is recorded twice.
    retry = hubspot_post(crm, "hubspot", [dict(e, attemptNumber=1) for e in batch])
    assert {r["status"] for r in retry.json()["records"]} == {"ignored", "duplicate"}
    assert len([e for e in ledger(crm) if e["type"] == "deal.won"]) == 1
    assert hubspot_post(crm, "hubspot", batch, ts_ms=1791169201234).status_code == 401  # a year-old signature


def test_salesforce_outbound_messages_are_acknowledged_and_recorded_once_with_the_flow_json(crm):
    map_user(crm, "sf", "0058a00000Jd3KpAAJ", "r-1")
    body = (FIXTURES / "salesforce/outbound_message.xml").read_bytes()
    soap = {"content-type": "text/xml; charset=utf-8", "SOAPAction": '""'}
    answered = crm.post("/v1/webhooks/crm/sf", params={"token": SF_TOKEN}, content=body, headers=soap)
    assert answered.status_code == 200 and "<Ack>true</Ack>" in answered.text
    assert answered.headers["content-type"].startswith("text/xml")
    (won,) = [e for e in ledger(crm) if e["type"] == "deal.won"]
    assert (won["id"], won["data"]["amount"], won["data"]["currency"]) == (
        "0068a00000Rz4TqAAJ:deal.won",
        "48000.0",
        "CNY",
    )

    delivery_id = answered_id(crm, won["position"])
    ids = "04l8a00000BvY2cAAF\n04l8a00000BvY2dAAF"  # the whole set of notification ids, as a digest
    assert delivery_id == "sf:" + hashlib.sha256(ids.encode()).hexdigest()
    kept = crm.get(f"/v1/crm/deliveries/sf/{delivery_id}", headers=auth("t-auditor")).json()
    assert kept["url"].endswith("?token=redacted") and kept["verification"] == "token in the endpoint URL"
    recorded = len(ledger(crm))
    again = crm.post("/v1/webhooks/crm/sf", params={"token": SF_TOKEN}, content=body, headers=soap)
    assert "<Ack>true</Ack>" in again.text and len(ledger(crm)) == recorded  # a re-delivery changes nothing
    assert crm.post("/v1/webhooks/crm/sf", params={"token": "nope"}, content=body, headers=soap).status_code == 401
    foreign = body.replace(SF_ORG.encode(), b"00D000000000001AAA")
    assert crm.post("/v1/webhooks/crm/sf", params={"token": SF_TOKEN}, content=foreign, headers=soap).status_code == 401

    flow = (FIXTURES / "salesforce/flow_callout.json").read_bytes()
    posted = crm.post(
        "/v1/webhooks/crm/sf", params={"token": SF_TOKEN}, content=flow, headers={"content-type": "application/json"}
    )
    assert "<Ack>true</Ack>" in posted.text
    assert len([e for e in ledger(crm) if e["type"] == "deal.won"]) == 1  # the same opportunity, already won


def test_a_new_json_source_needs_only_a_mapping_file_and_its_quarantine_is_released_once_fixed(crm, goal_settings):
    mapping = """
provider: json
signature: {scheme: standard_webhooks, secret: whsec_aW5ob3VzZS1jcm0tc2VjcmV0LTEyMzQ1Njc4OTA=}
zone: Asia/Shanghai
mapping:
  records: items
  id: record_id
  time: at
  rep: owner
  type: {field: kind, values: {visit: visit.completed}}
  fields: {customer_id: client}
"""
    write_source(goal_settings.crm_sources, "inhouse", mapping)
    map_user(crm, "inhouse", "u-7", "r-2")
    visit = {"record_id": "a1", "at": "2026-10-05 10:00:00", "owner": "u-7", "kind": "visit", "client": "c9"}
    call = {"record_id": "a2", "at": 1791169200000, "owner": "u-7", "kind": "call", "client": "c9"}
    sample = {"items": [visit, call]}
    preview = crm.post("/v1/crm/inhouse/dry-run", json=sample, headers=HR).json()
    assert [p["status"] for p in preview] == ["would record", "would quarantine"]
    assert preview[0]["events"][0]["time"] == "2026-10-05T02:00:00.000000Z" and "call" in preview[1]["reason"]
    assert all(e["source"] != "crm://inhouse" for e in ledger(crm))  # a dry run records nothing

    body = json.dumps(sample).encode()
    key = b"inhouse-crm-secret-1234567890"
    posted = crm.post(
        "/v1/webhooks/crm/inhouse", content=body, headers={"content-type": "application/json", **sign(body, key=key)}
    )
    assert [r["status"] for r in posted.json()["records"]] == ["recorded", "quarantined"]
    held = posted.json()["records"][1]["quarantine_id"]
    write_source(
        goal_settings.crm_sources,
        "inhouse",
        mapping.replace("{visit: visit.completed}", "{visit: visit.completed, call: call.logged}"),
    )
    assert crm.post(f"/v1/crm/quarantine/{held}/reprocess", headers=HR).json()["state"] == "released"
    assert [e["type"] for e in ledger(crm) if e["source"] == "crm://inhouse"] == ["visit.completed", "call.logged"]
    assert crm.post("/v1/webhooks/crm/nowhere", content=body, headers=sign(body, key=key)).status_code == 404

    # Signed but unreadable: kept and held with the reason, not dropped.
    garbled = b"<html>oops</html>"
    (held,) = crm.post("/v1/webhooks/crm/inhouse", content=garbled, headers=sign(garbled, key=key)).json()["records"]
    assert held["status"] == "quarantined" and "not JSON" in held["reason"]


ODD_STAGE_CHANGE = {"eventId": 2, "propertyName": "dealstage", "propertyValue": "closedwon", "objectId": 5,
                    "subscriptionType": "deal.propertyChange", "occurredAt": "soon"}  # fmt: skip


@pytest.mark.parametrize("events", [[], {}, [1, "x", None], [{"eventId": 1}], [ODD_STAGE_CHANGE]])
def test_odd_hubspot_bodies_are_answered_and_held_never_a_server_error(crm, events):
    response = hubspot_post(crm, "hubspot", events)
    assert response.status_code == 201, response.text
    assert all(r["status"] in ("ignored", "quarantined") for r in response.json()["records"])
