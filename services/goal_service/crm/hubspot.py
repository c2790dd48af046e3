"""HubSpot: webhook v3 batches of subscription events."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi.responses import Response

from services.goal_service.crm.base import UNPLACED, Context, deal_event, decode_json
from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.mapping import Unmappable, occurred_at, rep_for
from services.goal_service.crm.sources import Source


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
        try:
            rep_id = rep_for(context.rep_of, str(owner))
        except Unmappable as unmapped:
            return Item(key, record, reason=str(unmapped))
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
        return Item(key, record, event=deal_event(key, kind, when, data, context))

    def answer(self) -> Response | None:
        return None
