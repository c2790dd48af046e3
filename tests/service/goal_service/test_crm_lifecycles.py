"""One deal, one credit, whatever the CRM sends: the lifecycles real CRM records go through (won, reopened,
won again, edited, reassigned, lost, deleted, restored), HubSpot's generic subscriptions, Salesforce
re-notifications and stage names, 简道云 removals and restorations, and what a broken or hostile sender
does, over real HTTP on both databases."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request

from tests.scenarios.crm_sources import (
    FIXTURES,
    HUBSPOT,
    SALESFORCE,
    SF_ORG,
    compact,
    hubspot_post,
    jiandaoyun_post,
    ledger,
    map_user,
    salesforce_post,
    write_source,
)
from tests.scenarios.goal import HR
from tests.support import auth, serve_in_thread

DEAL = 38455412301  # the deal of fixtures/crm/hubspot/generic_deal_batch.json
AT = 1791169200000  # its occurredAt: 2026-10-05T03:00:00Z


@pytest.fixture
def crm(crm):
    """The CRM sources, with their users mapped to reps."""
    for source, user, rep in (("hubspot", "910901", "r-1"), ("hubspot", "910902", "r-2"), ("jdy", "wanglei", "r-1"),
                              ("jdy", "lina", "r-2"), ("sf", "0058a00000Jd3KpAAJ", "r-1"),
                              ("sf", "0058a00000Jd3LwAAJ", "r-2")):  # fmt: skip
        map_user(crm, source, user, rep)
    return crm


def of(goal, source: str) -> list[tuple[str, str]]:
    """(type, id) of every ledger entry from a CRM source, in order."""
    return [(e["type"], e["id"]) for e in ledger(goal) if e["source"] == f"crm://{source}"]


def change(event_id: int, at: int, name: str, value: str, deal: int = DEAL) -> dict:
    """An object.propertyChange of a deal, shaped as the generic batch's."""
    generic = json.loads((FIXTURES / "hubspot/generic_deal_batch.json").read_text())[1]
    return dict(generic, eventId=event_id, occurredAt=at, objectId=deal, propertyName=name, propertyValue=value)


def action(event_id: int, at: int, kind: str, deal: int = DEAL) -> dict:
    creation = json.loads((FIXTURES / "hubspot/generic_deal_batch.json").read_text())[0]
    return dict(creation, eventId=event_id, occurredAt=at, objectId=deal, subscriptionType=f"object.{kind}")


def test_hubspot_generic_subscriptions_give_one_deal_won_whatever_the_order(crm):
    batch = json.loads((FIXTURES / "hubspot/generic_deal_batch.json").read_text())
    for n, order in enumerate(itertools.permutations(range(len(batch)))):
        if n % 719:  # every 719th of the 5040 orders: 8 orders, the batch as sent among them
            continue
        deal = DEAL + n
        events = [dict(batch[i], objectId=deal) if batch[i].get("objectTypeId") == "0-3" else batch[i] for i in order]
        answer = hubspot_post(crm, "hubspot", events)
        assert answer.status_code == 201, answer.text
        assert sorted(r["status"] for r in answer.json()["records"]).count("recorded") == 1
    won = [e for e in ledger(crm) if e["type"] == "deal.won"]
    assert len(won) == 8 and {e["data"]["amount"] for e in won} == {"48000"}
    assert {e["data"]["rep_id"] for e in won} == {"r-1"} and won[0]["id"] == f"{DEAL}:deal.won"
    assert won[0]["occurred_at"] == "2026-10-05T03:00:00.000000Z"


def test_a_hubspot_deal_counts_once_through_reopening_edits_loss_deletion_and_restoration(crm):
    deal = f"{DEAL}"
    hubspot_post(crm, "hubspot", json.loads((FIXTURES / "hubspot/generic_deal_batch.json").read_text()))
    # Reopened, then won again: the same win, no second credit and no void.
    hubspot_post(crm, "hubspot", [change(11, AT + 1000, "dealstage", "contractsent")])
    again = hubspot_post(crm, "hubspot", [change(12, AT + 2000, "dealstage", "closedwon")])
    assert [r["status"] for r in again.json()["records"]] == ["duplicate"]
    assert of(crm, "hubspot") == [("deal.won", f"{deal}:deal.won")]
    # The amount and the owner change after the win: corrections of it.
    hubspot_post(crm, "hubspot", [change(13, AT + 3000, "amount", "52000.50")])
    hubspot_post(crm, "hubspot", [change(14, AT + 4000, "hubspot_owner_id", "910902")])
    corrections = [e for e in ledger(crm) if e["type"].startswith("activity.")]
    assert [(e["type"], e["id"]) for e in corrections] == [
        ("activity.amended", f"{deal}:deal.won:amended:1"),
        ("activity.reassigned", f"{deal}:deal.won:reassigned:2"),
    ]
    assert corrections[0]["data"] | {"target": None} == {
        "target": None, "amount": "52000.50", "currency": "CNY", "reason": "changed in the CRM"}  # fmt: skip
    assert corrections[1]["data"]["to_rep_id"] == "r-2"
    # HubSpot retries the older amount change: it is older than what is known, so nothing moves.
    retried = hubspot_post(crm, "hubspot", [change(13, AT + 2500, "amount", "48000")])
    assert [r["status"] for r in retried.json()["records"]] == ["duplicate"]
    # Lost: the win is voided and the loss recorded. Won again: the loss voided, a second win.
    hubspot_post(crm, "hubspot", [change(15, AT + 5000, "dealstage", "closedlost")])
    hubspot_post(crm, "hubspot", [change(16, AT + 6000, "dealstage", "closedwon")])
    # Deleted, then restored in HubSpot.
    hubspot_post(crm, "hubspot", [action(17, AT + 7000, "deletion")])
    hubspot_post(crm, "hubspot", [action(18, AT + 8000, "restore")])
    assert of(crm, "hubspot")[3:] == [
        ("activity.voided", f"{deal}:deal.won:voided"),
        ("deal.lost", f"{deal}:deal.lost:2"),
        ("activity.voided", f"{deal}:deal.lost:2:voided"),
        ("deal.won", f"{deal}:deal.won:3"),
        ("activity.voided", f"{deal}:deal.won:3:voided"),
        ("deal.won", f"{deal}:deal.won:4"),
    ]
    last = ledger(crm)[-1]["data"]
    assert (last["amount"], last["rep_id"]) == ("52000.50", "r-2")  # the deal as HubSpot knows it now


@pytest.fixture
def hubspot_api(crm, goal_settings, monkeypatch) -> Iterator[list[str]]:
    """A local stand-in for HubSpot's CRM objects API (GET /crm/v3/objects/deals/{id}), as documented."""
    stand_in, asked = FastAPI(), []

    @stand_in.get("/crm/v3/objects/deals/{deal_id}")
    def deal(deal_id: str, request: Request) -> dict:
        asked.append(f"{deal_id} {request.headers['authorization']} {request.query_params['properties']}")
        return {"id": deal_id, "archived": False, "createdAt": "2026-10-01T02:00:00.000Z",
                "updatedAt": "2026-10-05T02:59:59.000Z",
                "properties": {"amount": "61000", "dealstage": "closedwon", "hubspot_owner_id": "910902",
                               "hs_object_id": deal_id}}  # fmt: skip

    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-eu1-test")
    with serve_in_thread(stand_in) as url:
        write_source(
            goal_settings.crm_sources, "hubspot", HUBSPOT + f"access_token_env: HUBSPOT_TOKEN\napi_base_url: {url}\n"
        )
        yield asked


def test_a_won_deal_missing_its_owner_is_fetched_from_hubspot_when_a_token_is_configured(crm, hubspot_api):
    answer = hubspot_post(crm, "hubspot", [change(21, AT, "dealstage", "closedwon")])
    assert [r["status"] for r in answer.json()["records"]] == ["recorded"]
    (won,) = [e for e in ledger(crm) if e["type"] == "deal.won"]
    assert (won["data"]["rep_id"], won["data"]["amount"]) == ("r-2", "61000")
    assert hubspot_api == [f"{DEAL} Bearer pat-eu1-test dealstage,amount,hubspot_owner_id,deal_currency_code"]


def test_hubspot_signatures_behind_a_proxy_and_in_an_older_scheme(crm, goal_settings):
    public = "https://hooks.acme.example/perfledger/v1/webhooks/crm/hubspot"
    events = [change(31, AT, "dealname", "x")]
    assert hubspot_post(crm, "hubspot", events, url=public).status_code == 401  # signed for another URL
    write_source(goal_settings.crm_sources, "hubspot", HUBSPOT + f"public_url: {public}\n")
    assert hubspot_post(crm, "hubspot", events, url=public).status_code == 201
    v1 = {"content-type": "application/json", "X-HubSpot-Signature": "a" * 64, "X-HubSpot-Signature-Version": "v1"}
    old = crm.post("/v1/webhooks/crm/hubspot", content=b"[]", headers=v1)
    assert old.status_code == 401 and "expects X-HubSpot-Signature-v3" in old.json()["detail"]
    assert "v1" in old.json()["detail"]
    for hostile in ("1791169200000²", "9" * 400, "١٧٩١١٦٩٢٠٠٠٠٠"):  # a superscript, 400 digits, Arabic-Indic digits
        headers = {"content-type": "application/json", "X-HubSpot-Signature-v3": "x", "X-HubSpot-Request-Timestamp": ""}
        headers["X-HubSpot-Request-Timestamp"] = hostile.encode()  # type: ignore[assignment]
        answer = crm.post("/v1/webhooks/crm/hubspot", content=b"[]", headers=headers)
        assert answer.status_code == 401, answer.text
    jdy = compact("jiandaoyun/data_update.json")
    for hostile in ("²", "9" * 500):
        answer = crm.post("/v1/webhooks/crm/jdy", params={"timestamp": hostile, "nonce": "n"}, content=jdy,
                          headers={"X-JDY-Signature": "0" * 40, "X-JDY-DeliverId": "d"})  # fmt: skip
        assert answer.status_code == 401, answer.text


def notification(
    ids: tuple[str, str], *, opportunity: str = "0068a00000Rz4TqAAJ", replace: dict | None = None
) -> bytes:
    """The outbound message fixture with other notification ids, opportunity and field values."""
    body = (FIXTURES / "salesforce/outbound_message.xml").read_text()
    body = body.replace("04l8a00000BvY2cAAF", ids[0]).replace("04l8a00000BvY2dAAF", ids[1])
    body = body.replace("0068a00000Rz4TqAAJ", opportunity)
    for old, new in (replace or {}).items():
        body = body.replace(old, new)
    return body.encode()


def test_salesforce_notifications_dedupe_on_their_own_ids_and_re_notifications_correct_the_deal(crm):
    assert "<Ack>true</Ack>" in salesforce_post(crm, "sf", notification(("04lA", "04lB"))).text
    # A message mixing an old notification with a new one: the new one is recorded, the old one is not.
    later = {"<sf:Amount>48000.0": "<sf:Amount>50000.0", "2026-10-05T03:00:00.000Z": "2026-10-06T03:00:00.000Z"}
    mixed = salesforce_post(crm, "sf", notification(("04lC", "04lB"), replace=later))
    assert "<Ack>true</Ack>" in mixed.text
    assert of(crm, "sf") == [("deal.won", "0068a00000Rz4TqAAJ:deal.won"),
                             ("activity.amended", "0068a00000Rz4TqAAJ:deal.won:amended:1")]  # fmt: skip
    # A new owner, then Closed Lost (StageName alone, IsWon and IsClosed not selected).
    owner = later | {"0058a00000Jd3KpAAJ": "0058a00000Jd3LwAAJ", "2026-10-06T03": "2026-10-07T03"}
    salesforce_post(crm, "sf", notification(("04lD", "04lE"), replace=owner))
    lost = owner | {"2026-10-07T03": "2026-10-08T03", "<sf:StageName>Closed Won": "<sf:StageName>Closed Lost",
                    "<sf:IsClosed>true</sf:IsClosed>": "", "<sf:IsWon>true</sf:IsWon>": ""}  # fmt: skip
    salesforce_post(crm, "sf", notification(("04lF", "04lG"), replace=lost))
    assert of(crm, "sf")[2:] == [
        ("activity.reassigned", "0068a00000Rz4TqAAJ:deal.won:reassigned:2"),
        ("activity.voided", "0068a00000Rz4TqAAJ:deal.won:voided"),
        ("deal.lost", "0068a00000Rz4TqAAJ:deal.lost:2"),
    ]
    # An older message arriving late (Salesforce retries out of order) changes nothing.
    stale = salesforce_post(crm, "sf", notification(("04lH", "04lI"), replace=later))
    assert "<Ack>true</Ack>" in stale.text and len(of(crm, "sf")) == 5


def test_salesforce_stages_the_organisation_id_forms_and_messages_that_cannot_be_decided(crm, goal_settings):
    write_source(goal_settings.crm_sources, "sf", SALESFORCE.replace(SF_ORG, SF_ORG[:15]) + "won_stages: [Signed]\n")
    no_flags = {"<sf:IsClosed>true</sf:IsClosed>": "", "<sf:IsWon>true</sf:IsWon>": ""}
    signed = salesforce_post(crm, "sf", notification(("04lA", "04lB"), replace=no_flags | {"Closed Won": "Signed"}))
    assert "<Ack>true</Ack>" in signed.text  # the 18-character id of the same organisation
    assert of(crm, "sf") == [("deal.won", "0068a00000Rz4TqAAJ:deal.won")]
    blind = no_flags | {"<sf:StageName>Closed Won</sf:StageName>": ""}
    salesforce_post(crm, "sf", notification(("04lC", "04lD"), opportunity="0068a00000Rz4ZzAAJ", replace=blind))
    (held,) = crm.get("/v1/crm/quarantine", params={"state": "held", "source": "sf"}, headers=HR).json()
    assert "neither IsWon and IsClosed nor StageName" in held["reason"] and "IsWon" in held["release"]
    for body in (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>',
                 b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'):  # fmt: skip
        answer = salesforce_post(crm, "sf", body)
        assert answer.status_code == 200, answer.text  # kept and held, never a server error
    flows = [[], {"opportunity": []}, {"opportunity": {"": 1}}, {"organizationId": 7, "opportunity": "x"}]
    for flow in flows:
        answer = salesforce_post(crm, "sf", json.dumps(flow).encode(), "Application/JSON; Charset=UTF-8")
        assert answer.status_code == 200, answer.text
    kept = crm.get("/v1/crm/quarantine", params={"state": "held", "source": "sf"}, headers=HR).json()
    assert len(kept) == 7 and all(q["release"] for q in kept)
    flow = (FIXTURES / "salesforce/flow_callout.json").read_bytes()  # the media type in any case
    assert "<Ack>true</Ack>" in salesforce_post(crm, "sf", flow, "APPLICATION/json;charset=utf-8").text
    assert ("activity.amended", "0068a00000Rz4TqAAJ:deal.won:amended:1") in of(crm, "sf")  # EUR, as the Flow says


def jdy_update(**fields) -> bytes:
    record = json.loads(compact("jiandaoyun/data_update.json"))
    op = fields.pop("op", "data_update")
    record["data"].update(fields)
    return json.dumps(record | {"op": op}, ensure_ascii=False, separators=(",", ":")).encode()


def test_jiandaoyun_edits_removals_restorations_and_message_pushes(crm):
    record = "6700acb0f1e2d30008c4e5f6"
    jiandaoyun_post(crm, "jdy", compact("jiandaoyun/data_update.json"), "d-1")
    jiandaoyun_post(crm, "jdy", jdy_update(updateTime="2026-10-06T03:00:00.000Z", _widget_1727078400103=50000), "d-2")
    lina = {"name": "李娜", "username": "lina"}
    jiandaoyun_post(crm, "jdy", jdy_update(updateTime="2026-10-07T03:00:00.000Z", _widget_1727078400103=50000,
                                           _widget_1727078400104=[lina]), "d-3")  # fmt: skip
    # An older edit sent again under a new delivery id is superseded, never a conflict.
    late = jiandaoyun_post(crm, "jdy", jdy_update(updateTime="2026-10-06T03:00:00.000Z"), "d-4")
    assert [r["status"] for r in late.json()["records"]] == ["duplicate"]
    assert "superseded" in late.json()["records"][0]["reason"]
    # Removed with nothing but its _id: its win is voided. Restored: recorded again.
    jiandaoyun_post(crm, "jdy", compact("jiandaoyun/data_remove_id_only.json"), "d-5")
    restored = dict(json.loads(compact("jiandaoyun/data_remove_id_only.json")), op="data_recover")
    jiandaoyun_post(crm, "jdy", json.dumps(restored).encode(), "d-6")
    assert of(crm, "jdy") == [
        ("deal.won", f"{record}:deal.won"),
        ("activity.amended", f"{record}:deal.won:amended:1"),
        ("activity.reassigned", f"{record}:deal.won:reassigned:2"),
        ("activity.voided", f"{record}:deal.won:voided"),
        ("deal.won", f"{record}:deal.won:2"),
    ]
    again = ledger(crm)[-1]["data"]
    assert (again["amount"], again["rep_id"], ledger(crm)[-1]["occurred_at"]) == (
        "50000", "r-2", "2026-10-05T03:00:00.000000Z")  # fmt: skip
    # A message push (消息推送) shares the envelope: no data change, nothing recorded.
    (message,) = jiandaoyun_post(crm, "jdy", compact("jiandaoyun/flow_message.json"), "d-7").json()["records"]
    assert message["status"] == "ignored" and "flow_message" in message["reason"]
    # Two members in the owner field: a readable reason, and released once the CRM names one.
    both = jdy_update(
        _id="6700acb0f1e2d30008c4ffff", _widget_1727078400104=[lina, {"name": "王磊", "username": "wanglei"}]
    )
    (held,) = jiandaoyun_post(crm, "jdy", both, "d-8").json()["records"]
    assert held["status"] == "quarantined" and "2 members (李娜, 王磊)" in held["reason"]
    one = jdy_update(
        _id="6700acb0f1e2d30008c4ffff", updateTime="2026-10-05T04:00:00.000Z", _widget_1727078400104=[lina]
    )
    assert [r["status"] for r in jiandaoyun_post(crm, "jdy", one, "d-9").json()["records"]] == ["recorded"]
    released = crm.get("/v1/crm/quarantine", params={"source": "jdy"}, headers=HR).json()
    assert [q["state"] for q in released] == ["released"]  # by the record's next change, by itself


WESCRM = """
provider: json
signature: {scheme: standard_webhooks, secret: whsec_aW5ob3VzZS1jcm0tc2VjcmV0LTEyMzQ1Njc4OTA=}
mapping:
  records: data
  id: content.visit_id
  time: content.visited_at
  time_unit: epoch_seconds
  rep: content.user_id
  type: {constant: visit.completed}
  fields: {customer_id: content.customer_id}
"""


def test_a_json_source_reads_time_units_and_json_inside_strings_and_holds_impossible_times(crm, goal_settings):
    from tests.support import sign

    write_source(goal_settings.crm_sources, "wescrm", WESCRM)
    map_user(crm, "wescrm", "u-9", "r-1")

    def visit(visit_id: str, at: object) -> dict:
        return {"type": "visit", "content": json.dumps({"visit_id": visit_id, "visited_at": at, "user_id": "u-9",
                                                        "customer_id": "c-3"})}  # fmt: skip

    visits = [visit("v1", 1791169200), visit("v2", 17911692000), visit("v3", 946684799), visit("v4", 1791169200000)]
    body = json.dumps({"data": visits})
    key = b"inhouse-crm-secret-1234567890"
    answer = crm.post("/v1/webhooks/crm/wescrm", content=body.encode(), headers=sign(body.encode(), key=key))
    records = answer.json()["records"]
    assert [r["status"] for r in records] == ["recorded", "quarantined", "quarantined", "quarantined"]
    assert "more than a day after the delivery" in records[1]["reason"] and "time_unit" in records[1]["release"]
    assert "before 2000" in records[2]["reason"] and "beyond any date" in records[3]["reason"]  # milliseconds
    (entry,) = [e for e in ledger(crm) if e["source"] == "crm://wescrm"]
    assert (entry["occurred_at"], entry["data"]["customer_id"]) == ("2026-10-05T03:00:00.000000Z", "c-3")
    # Nothing can place a body that is no JSON: an operator reads it and dismisses it.
    garbled = b"<html>\x00 not json</html>"
    posted = crm.post("/v1/webhooks/crm/wescrm", content=garbled, headers=sign(garbled, key=key))
    assert posted.status_code == 201, posted.text
    (held,) = posted.json()["records"]
    assert "dismiss" in held["release"]
    dismissed = crm.post(f"/v1/crm/quarantine/{held['quarantine_id']}/dismiss", json={"reason": "a test ping"},
                         headers=HR).json()  # fmt: skip
    assert dismissed["state"] == "dismissed" and dismissed["dismissal"] == {"by": "wang.fang", "reason": "a test ping"}
    again = crm.post(f"/v1/crm/quarantine/{held['quarantine_id']}/dismiss", json={"reason": "x"}, headers=HR)
    assert again.status_code == 409


def test_a_delivery_whose_processing_stopped_short_is_processed_again_when_retried(crm, goal_settings):
    from sqlalchemy import create_engine, text

    from shared.platform.eventstore import database_url

    def stop_short(delivery_id: str) -> None:
        """What a crash leaves between keeping a delivery and keeping its outcome."""
        url = database_url(goal_settings, "goal_service")
        options = (
            {"options": f"-csearch_path={goal_settings.database_schema}"} if url.get_backend_name() != "sqlite" else {}
        )
        engine = create_engine(url.set(drivername="postgresql+psycopg") if options else url, connect_args=options)
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE crm_deliveries SET outcome = NULL WHERE delivery_id = :d"), {"d": delivery_id}
            )
            connection.execute(text("DELETE FROM crm_entries"))
        engine.dispose()

    first = jiandaoyun_post(crm, "jdy", compact("jiandaoyun/data_update.json"), "d-1")
    stop_short("d-1")  # the events were recorded, the outcome was not
    retry = jiandaoyun_post(crm, "jdy", compact("jiandaoyun/data_update.json"), "d-1")
    assert retry.status_code == 201 and not retry.json()["duplicate"]
    assert retry.json()["records"][0]["positions"] == first.json()["records"][0]["positions"]
    assert len(of(crm, "jdy")) == 1
    position = first.json()["records"][0]["positions"][0]
    assert crm.get(f"/v1/crm/entries/{position}", headers=auth("t-auditor")).json()["delivery_id"] == "d-1"
    # Kept but nothing recorded (stopped before the ledger): recorded now; a done delivery stays done.
    body = jdy_update(_id="6700acb0f1e2d30008c4aaaa")
    jiandaoyun_post(crm, "jdy", body, "d-2")
    stop_short("d-2")
    assert jiandaoyun_post(crm, "jdy", body, "d-2").json()["records"][0]["status"] == "duplicate"
    assert jiandaoyun_post(crm, "jdy", body, "d-2").json()["duplicate"] is True


def test_a_record_whose_translation_fails_is_held_and_the_others_of_its_delivery_recorded():
    from zoneinfo import ZoneInfo

    from services.goal_service.crm.base import Context
    from services.goal_service.crm.delivery import Item
    from services.goal_service.crm.intake import CrmIntake
    from services.goal_service.crm.reconcile import Standing

    class Brittle:  # an adapter that fails on one record, as a bug would
        def translate(self, source, found, context):
            if "bad" in found:
                raise KeyError("bad")
            return [Item(str(record), record, ignored="fine") for record in found]

    context = Context("s", lambda _: None, ZoneInfo("UTC"), "2026-10-05T03:00:00.000000Z", lambda *_: {},
                      lambda *_: None, lambda _: Standing())  # fmt: skip
    items = CrmIntake._translate(Brittle(), None, ["a", "bad", "c"], context)  # type: ignore[arg-type]
    assert [(i.key, i.ignored is not None, i.reason) for i in items] == [
        ("a", True, None), ("", False, "it could not be translated (KeyError: 'bad')"), ("c", True, None)]  # fmt: skip
