"""Salesforce: Outbound Messaging (SOAP) and the JSON of our Flow HTTP callout contract."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import ElementTree
from fastapi.responses import Response

from services.goal_service.crm.base import UNPLACED, Context, deal_event, decode_json
from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.mapping import Unmappable, occurred_at, rep_for
from services.goal_service.crm.sources import Source
from shared.errors import InvalidInput, Unauthenticated

SF_OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SF_ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    "</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


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
            rep_id = rep_for(context.rep_of, str(record["OwnerId"]))
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
        return Item(key, record, event=deal_event(f"{record['Id']}:{kind}", kind, when, data, context))

    def answer(self) -> Response | None:
        return Response(SF_ACK, media_type="text/xml")
