"""Salesforce: Outbound Messaging (SOAP) and the JSON of our Flow HTTP callout contract."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException, ElementTree
from fastapi.responses import Response

from services.goal_service.crm.base import DISMISS, REPROCESS, UNPLACED, Context, Held, decode_json
from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.mapping import plausible_time, read_time
from services.goal_service.crm.reconcile import NoActivity, Wanted, activity
from services.goal_service.crm.sources import Source
from shared.platform.errors import InvalidInput, Unauthenticated

SF_OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SF_ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    "</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)
SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
SELECT_FIELDS = (
    "Id, OwnerId, AccountId, Amount, CurrencyIsoCode, StageName, IsWon, IsClosed, CloseDate, LastModifiedDate"
)
ADD_FIELD = f"add it to the outbound message's fields ({SELECT_FIELDS}), then {REPROCESS}"


def organisation_id(given: object) -> str | None:
    """An organisation id in its 15-character form: the 18-character form is the 15 plus a checksum of
    where its capitals are, so both name the same organisation; None when it is no id."""
    text = str(given or "")
    if len(text) not in (15, 18) or not text.isascii() or not text.isalnum():
        return None
    base = text[:15]
    if len(text) == 18:
        chunks = (base[i : i + 5] for i in range(0, 15, 5))
        suffix = "".join(SUFFIX_ALPHABET[sum(1 << i for i, ch in enumerate(chunk) if ch.isupper())] for chunk in chunks)
        if text[15:] != suffix:
            return None
    return base


class Salesforce:
    """Outbound Messaging (SOAP, up to 100 notifications, acknowledged with Ack true) and the JSON our Flow
    HTTP callout contract posts. Each notification is deduplicated on its own id; each opportunity is a CRM
    record whose latest state (won, lost, open) decides what stands in the ledger."""

    def delivery_id(self, source: Source, delivery: Delivery, found: list[Any]) -> str:
        ids = sorted({str(r["notification_id"]) for r in found if isinstance(r, dict) and r.get("notification_id")})
        if not ids:
            return f"sha256:{delivery.digest}"
        return "sf:" + hashlib.sha256("\n".join(ids).encode()).hexdigest()  # the whole set, however many

    def records(self, source: Source, delivery: Delivery) -> list[Any]:
        if delivery.media_type == "application/json":
            return [self._flow_record(source, decode_json(delivery.body))]
        try:
            root = ElementTree.fromstring(delivery.body)
        except (ElementTree.ParseError, DefusedXmlException) as error:
            raise InvalidInput(f"the body is neither a SOAP outbound message nor JSON ({error})") from None
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

    def _flow_record(self, source: Source, body: Any) -> dict[str, Any]:
        opportunity = body.get("opportunity") if isinstance(body, dict) else None
        if not isinstance(opportunity, dict) or not all(isinstance(key, str) and key for key in opportunity):
            raise InvalidInput("the Flow JSON has no opportunity object")
        self._check_organisation(source, body.get("organizationId"))
        fields = {key[0].upper() + key[1:]: value for key, value in opportunity.items()}
        event_id = body.get("eventId")
        return {"notification_id": str(event_id) if event_id else None, "type": "Opportunity", **fields}

    @staticmethod
    def _check_organisation(source: Source, organisation: object) -> None:
        if source.organization_id and organisation_id(organisation) != organisation_id(source.organization_id):
            raise Unauthenticated("the message comes from another Salesforce organisation")

    def record_key(self, record: Any) -> str | None:
        key = record.get("notification_id") if isinstance(record, dict) else None
        return str(key) if key else None

    def translate(self, source: Source, found: list[Any], context: Context) -> list[Item]:
        return [self._item(source, record, context) for record in found]

    def _item(self, source: Source, record: Any, context: Context) -> Item:
        key = self.record_key(record) or ""
        if not isinstance(record, dict) or UNPLACED in record:
            reason = record.get("reason") if isinstance(record, dict) else None
            return Item(key, record, reason=str(reason or "not a notification"), release=DISMISS)
        ref = str(record.get("Id") or "") or None
        try:
            if record.get("type") != "Opportunity":
                raise Held(f"no mapping for Salesforce {record.get('type') or 'unknown'} records",
                           f"only opportunities are activities: {DISMISS}")  # fmt: skip
            if ref is None:
                raise Held("the opportunity has no Id (deleted before it was sent?)", ADD_FIELD)
            return context.settle(key, record, ref, self._wanted(source, ref, record, context))
        except Held as held:
            return Item(key, record, ref, reason=held.reason, release=held.release)

    def _wanted(self, source: Source, ref: str, record: dict[str, Any], context: Context) -> Wanted:
        stage = record.get("StageName")
        if record.get("IsWon") is not None or record.get("IsClosed") is not None:
            won = str(record.get("IsWon")).lower() == "true"
            closed = won or str(record.get("IsClosed")).lower() == "true"
        elif stage:
            won, closed = stage in source.won_stages, stage in (*source.won_stages, *source.lost_stages)
        else:
            raise Held("the message says neither IsWon and IsClosed nor StageName: won, lost or open?", ADD_FIELD)
        if not closed:
            return NoActivity(f"opportunity {ref} at stage {stage!r} is open")
        owner = record.get("OwnerId")
        if not owner:
            raise Held("the opportunity has no OwnerId", ADD_FIELD)
        data: dict[str, Any] = {"rep_id": context.rep_for(str(owner)), "crm_ref": ref,
                                "customer_id": str(record.get("AccountId") or ref), "deal_id": ref}  # fmt: skip
        amount = record.get("Amount")
        if won and amount in (None, ""):
            raise Held("the won opportunity has no Amount", ADD_FIELD)
        if amount not in (None, ""):
            currency = record.get("CurrencyIsoCode") or source.default_currency
            if not currency:
                raise Held("the opportunity has no CurrencyIsoCode and the source names no default_currency",
                           f"default_currency in the source file, then {REPROCESS}")  # fmt: skip
            try:
                data.update(amount=str(Decimal(str(amount))), currency=str(currency))
            except InvalidOperation:
                raise Held(f"the amount {amount!r} is not a number") from None
        modified = record.get("LastModifiedDate") or record.get("SystemModstamp") or record.get("CloseDate")
        if not modified:
            raise Held("the opportunity has no LastModifiedDate", ADD_FIELD)
        when = plausible_time(read_time(modified, "iso8601", context.zone), context)
        try:
            return activity("deal.won" if won else "deal.lost", when, data, when)
        except ValueError as refused:
            raise Held(f"the ledger would refuse it: {refused}") from None

    def answer(self) -> Response | None:
        return Response(SF_ACK, media_type="text/xml")
