"""One adapter per kind of CRM, behind one small interface: where a delivery's id is, what records it
holds, what each record becomes, and how the CRM wants to be answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from defusedxml import ElementTree
from fastapi.responses import Response

from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.mapping import Unmappable, occurred_at, records, to_event
from services.goal_service.crm.sources import Source
from shared.errors import InvalidInput, Unauthenticated

UNPLACED = "unplaced_body"  # a JSON source's body, whose records the mapping places when translating
SF_OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SF_ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    "</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


@dataclass
class Context:
    """What translating needs beyond the records: the source's name and event source, CRM users to reps,
    and the last known properties of CRM objects (read and kept by the HubSpot adapter)."""

    source: str
    rep_of: Callable[[str], str | None]
    zone: ZoneInfo
    properties: Callable[[str, str], dict[str, Any]]
    save_properties: Callable[[str, str, dict[str, Any]], None]
    touched: set[str] = field(default_factory=set)  # object refs whose properties changed

    @property
    def source_uri(self) -> str:
        return f"crm://{self.source}"


class Adapter(Protocol):
    def delivery_id(self, source: Source, delivery: Delivery, found: list[Any]) -> str: ...

    def records(self, source: Source, delivery: Delivery) -> list[Any]: ...

    def translate(self, source: Source, found: list[Any], context: Context) -> list[Item]: ...

    def object_ref(self, record: Any) -> str | None: ...

    def answer(self) -> Response | None: ...


def decode_json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_float=Decimal)  # amounts stay exact
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("the body is not JSON") from None


class JsonRecords:
    """简道云 data push and any JSON source: records placed by the source's mapping."""

    def delivery_id(self, source: Source, delivery: Delivery, found: list[Any]) -> str:
        if source.delivery_id_header:
            given = delivery.headers.get(source.delivery_id_header.lower())
            if not given:
                raise InvalidInput(f"the {source.delivery_id_header} header is missing")
            return given
        return f"sha256:{delivery.digest}"

    def records(self, source: Source, delivery: Delivery) -> list[Any]:
        return [{UNPLACED: delivery.text}]  # placed when translated, so a fixed mapping places it again

    def translate(self, source: Source, found: list[Any], context: Context) -> list[Item]:
        assert source.mapping is not None
        items = []
        for entry in found:
            placed = [entry]  # a record held in quarantine comes back placed
            if isinstance(entry, dict) and UNPLACED in entry:
                try:
                    placed = records(decode_json(entry[UNPLACED].encode()), source.mapping)
                except (Unmappable, InvalidInput) as error:
                    items.append(Item("", {UNPLACED: entry[UNPLACED]}, reason=getattr(error, "detail", str(error))))
                    continue
            items += [to_event(r, source.mapping, context.source_uri, context.rep_of, context.zone) for r in placed]
        return items

    def object_ref(self, record: Any) -> str | None:
        return None

    def answer(self) -> Response | None:
        return None


def _deal_event(event_id: str, kind: str, when: str, data: dict[str, Any], context: Context) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": context.source_uri,
        "type": kind,
        "time": when,
        "data": data,
    }


class HubSpot:
    """Webhook v3 batches of subscription events. Property changes are kept per object (a later
    `occurredAt` wins, so out-of-order events settle the same); a deal stage change to a won or lost
    stage becomes deal.won or deal.lost with the deal's amount and owner as known then."""

    def delivery_id(self, source: Source, delivery: Delivery, found: list[Any]) -> str:
        # HubSpot names no delivery; each attempt is kept, and events dedupe on their eventId.
        return f"{delivery.headers.get('x-hubspot-request-timestamp', '')}:{delivery.digest[:32]}"

    def records(self, source: Source, delivery: Delivery) -> list[Any]:
        found = decode_json(delivery.body)
        return found if isinstance(found, list) else [found]

    def object_ref(self, record: Any) -> str | None:
        if not isinstance(record, dict):
            return None
        kind = str(record.get("subscriptionType") or record.get("eventType") or "").partition(".")[0]
        return f"{kind}:{record.get('objectId')}" if kind else None

    def translate(self, source: Source, found: list[Any], context: Context) -> list[Item]:
        changes = sorted(
            (
                r
                for r in found
                if isinstance(r, dict) and r.get("propertyName") and isinstance(r.get("occurredAt"), int)
            ),
            key=lambda r: r["occurredAt"],
        )
        for change in changes:
            ref = self.object_ref(change) or ""
            kind, _, object_id = ref.partition(":")
            known = context.properties(kind, object_id)
            name, at = str(change["propertyName"]), change["occurredAt"]
            if at >= known.get(name, {}).get("at", -1):
                known[name] = {"value": change.get("propertyValue"), "at": at}
                context.save_properties(kind, object_id, known)
                context.touched.add(ref)
        return [self._item(source, record, context) for record in found]

    def _item(self, source: Source, record: Any, context: Context) -> Item:
        try:
            return self._deal_item(source, record, context)
        except (Unmappable, InvalidOperation, TypeError) as error:
            return Item(str(record.get("eventId", "")), record, reason=f"the deal cannot be read: {error}")

    def _deal_item(self, source: Source, record: Any, context: Context) -> Item:
        if not isinstance(record, dict) or "eventId" not in record:
            unread = isinstance(record, dict) and UNPLACED in record
            return Item("", record, reason=record["reason"] if unread else "not a HubSpot subscription event")
        key = str(record["eventId"])
        stage = record.get("propertyValue") if record.get("propertyName") == "dealstage" else None
        if stage not in (*source.won_stages, *source.lost_stages):
            return Item(key, record, ignored="kept in the object's last known properties")
        properties = context.properties("deal", str(record.get("objectId")))
        value = {name: known.get("value") for name, known in properties.items()}
        owner = value.get("hubspot_owner_id")
        if not owner:
            return Item(key, record, reason=f"deal {record.get('objectId')}: its owner is not known yet")
        rep_id = context.rep_of(str(owner))
        if rep_id is None:
            return Item(key, record, reason=f"CRM user {owner!r} is not mapped to a rep; map it with PUT /v1/crm/users")
        data: dict[str, Any] = {"rep_id": rep_id, "customer_id": f"deal-{record['objectId']}",
                                "deal_id": str(record["objectId"]), "crm_ref": str(record["objectId"])}  # fmt: skip
        kind = "deal.won" if stage in source.won_stages else "deal.lost"
        if kind == "deal.won":
            if value.get("amount") in (None, ""):
                return Item(key, record, reason=f"deal {record['objectId']}: its amount is not known yet")
            currency = value.get("deal_currency_code") or source.default_currency
            if not currency:
                return Item(key, record, reason="the deal has no currency and the source names no default_currency")
            data.update(amount=str(Decimal(str(value["amount"]))), currency=currency)
        when = occurred_at(record.get("occurredAt"), context.zone)
        return Item(key, record, event=_deal_event(key, kind, when, data, context))

    def answer(self) -> Response | None:
        return None


class Salesforce:
    """Outbound Messaging (SOAP, up to 100 notifications, acknowledged with Ack true) and the JSON our Flow
    HTTP callout contract posts. A won opportunity becomes deal.won, a lost one deal.lost (one each per
    opportunity, however often it is notified); an open one is no activity; other objects are quarantined."""

    def delivery_id(self, source: Source, delivery: Delivery, found: list[Any]) -> str:
        ids = sorted(str(r.get("notification_id")) for r in found if isinstance(r, dict))
        return ",".join(ids)[:256] or f"sha256:{delivery.digest}"

    def records(self, source: Source, delivery: Delivery) -> list[Any]:
        if delivery.headers.get("content-type", "").startswith("application/json"):
            body = decode_json(delivery.body)
            organisation = body.get("organizationId") if isinstance(body, dict) else None
            self._check_organisation(source, organisation)
            opportunity = body.get("opportunity", {}) if isinstance(body, dict) else {}
            fields = {key[0].upper() + key[1:]: value for key, value in opportunity.items()}
            return [{"notification_id": body.get("eventId"), "type": "Opportunity", **fields}]
        try:
            root = ElementTree.fromstring(delivery.body)
        except ElementTree.ParseError:
            raise InvalidInput("the body is neither a SOAP outbound message nor JSON") from None
        notifications = root.find(f".//{SF_OUTBOUND}notifications")
        if notifications is None:
            raise InvalidInput("the SOAP body holds no notifications element")
        self._check_organisation(source, notifications.findtext(f"{SF_OUTBOUND}OrganizationId"))
        found = []
        for notification in notifications.findall(f"{SF_OUTBOUND}Notification"):
            record = notification.find(f"{SF_OUTBOUND}sObject")
            fields = {child.tag.rpartition("}")[2]: child.text for child in (record if record is not None else [])}
            kind = (record.get(XSI_TYPE) or "").rpartition(":")[2] if record is not None else ""
            found.append({"notification_id": notification.findtext(f"{SF_OUTBOUND}Id"), "type": kind, **fields})
        return found

    @staticmethod
    def _check_organisation(source: Source, organisation: str | None) -> None:
        if source.organization_id and organisation != source.organization_id:
            raise Unauthenticated("the message comes from another Salesforce organisation")

    def object_ref(self, record: Any) -> str | None:
        return f"{record.get('type')}:{record.get('Id')}" if isinstance(record, dict) else None

    def translate(self, source: Source, found: list[Any], context: Context) -> list[Item]:
        return [self._item(source, record, context) for record in found]

    def _item(self, source: Source, record: dict[str, Any], context: Context) -> Item:
        key = str(record.get("notification_id"))
        if UNPLACED in record:
            return Item("", record, reason=record.get("reason"))
        if record.get("type") != "Opportunity":
            return Item(key, record, reason=f"no mapping for Salesforce {record.get('type') or 'unknown'} records")
        won = str(record.get("IsWon")).lower() == "true"
        if not won and str(record.get("IsClosed")).lower() != "true":
            return Item(key, record, ignored=f"opportunity at stage {record.get('StageName')!r} is still open")
        try:
            owner = str(record["OwnerId"])
            rep_id = context.rep_of(owner)
            if rep_id is None:
                raise Unmappable(f"CRM user {owner!r} is not mapped to a rep; map it with PUT /v1/crm/users")
            data: dict[str, Any] = {"rep_id": rep_id, "customer_id": str(record.get("AccountId") or record["Id"]),
                                    "deal_id": str(record["Id"]), "crm_ref": str(record["Id"])}  # fmt: skip
            if won:
                currency = record.get("CurrencyIsoCode") or source.default_currency
                if not currency:
                    raise Unmappable("the opportunity has no currency and the source names no default_currency")
                data.update(amount=str(Decimal(str(record["Amount"]))), currency=currency)
            when = occurred_at(record.get("LastModifiedDate") or record["CloseDate"], context.zone)
        except KeyError as missing:
            return Item(key, record, reason=f"the opportunity has no {missing.args[0]}")
        except InvalidOperation:
            return Item(key, record, reason=f"the amount {record.get('Amount')!r} is not a number")
        except Unmappable as reason:
            return Item(key, record, reason=str(reason))
        kind = "deal.won" if won else "deal.lost"
        return Item(key, record, event=_deal_event(f"{record['Id']}:{kind}", kind, when, data, context))

    def answer(self) -> Response | None:
        return Response(SF_ACK, media_type="text/xml")


ADAPTERS: dict[str, Adapter] = {
    "json": JsonRecords(),
    "jiandaoyun": JsonRecords(),
    "hubspot": HubSpot(),
    "salesforce": Salesforce(),
}
