"""HubSpot: webhook v3 batches of subscription events, legacy (`deal.propertyChange`) and generic
(`object.propertyChange` with `objectTypeId` 0-3) alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi.responses import Response

from services.goal_service.crm.base import DISMISS, REPROCESS, UNPLACED, Context, Held, decode_json
from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.mapping import plausible_time
from services.goal_service.crm.reconcile import NoActivity, Removal, Wanted, activity
from services.goal_service.crm.sources import Source

# objectTypeId of HubSpot's standard objects (custom objects are 2-<n>); only deals make activities.
OBJECT_TYPES = {"0-1": "contact", "0-2": "company", "0-3": "deal", "0-5": "ticket", "0-7": "product"}
DELETED = "@deleted"  # kept beside the deal's properties: no HubSpot property name starts with @
DELETES = {"creation": False, "restore": False, "deletion": True}  # what each of these actions makes DELETED
DEAL_PROPERTIES = ("dealstage", "amount", "hubspot_owner_id", "deal_currency_code")
OWNER_RELEASE = (
    "HubSpot sending the deal's hubspot_owner_id (subscribe the app to its changes), or access_token_env on "
    "the source so that it is fetched; the deal's next change releases it by itself"
)


@dataclass(frozen=True)
class Notice:
    """One subscription event, read."""

    key: str
    action: str  # creation, propertyChange, deletion, restore, merge, associationChange, ...
    object_type: str  # deal, contact, company, ... or a custom object's objectTypeId
    object_id: str
    at: int  # occurredAt, epoch milliseconds
    name: str | None
    value: Any


def read_notice(record: Any) -> Notice | str:
    """The event, or why it is no change of a deal's properties (an association change, a merge)."""
    if not isinstance(record, dict) or "eventId" not in record:
        raise Held("not a HubSpot subscription event", DISMISS)
    kind = record.get("subscriptionType") or record.get("eventType")
    prefix, _, action = str(kind).partition(".")
    if action not in (*DELETES, "propertyChange"):
        return f"a {kind} event changes no credit"
    object_type = OBJECT_TYPES.get(str(record.get("objectTypeId")), str(record.get("objectTypeId")))
    at, object_id = record.get("occurredAt"), record.get("objectId")
    if prefix == "object" and "objectTypeId" not in record:
        raise Held(f"the {kind} event names no objectTypeId", DISMISS)
    if not isinstance(at, int) or isinstance(at, bool) or not 0 <= at < 10**14:
        raise Held(f"occurredAt {at!r} is not epoch milliseconds", DISMISS)
    if not isinstance(object_id, int | str) or isinstance(object_id, bool) or not str(object_id).isascii():
        raise Held(f"objectId {object_id!r} is not an id", DISMISS)
    name = record.get("propertyName")
    return Notice(
        str(record["eventId"]),
        action,
        object_type if prefix == "object" else prefix,
        str(object_id),
        at,
        str(name) if name is not None else None,
        record.get("propertyValue"),
    )


def _moment(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


class HubSpot:
    """Webhook v3 batches of subscription events. Every change is kept in its deal's last known properties
    (a later `occurredAt` wins, so events in any order settle the same); then each deal the batch touched
    is decided once, on what is known of it: won or lost (its stage among the source's won or lost stages),
    deleted, or open, and reconciled with what it made before."""

    def delivery_id(self, source: Source, delivery: Delivery, found: list[Any]) -> str:
        # HubSpot names no delivery; each attempt is kept, and each deal decides what stands.
        return f"{delivery.headers.get('x-hubspot-request-timestamp', '')[:16]}:{delivery.digest[:32]}"

    def records(self, source: Source, delivery: Delivery) -> list[Any]:
        found = decode_json(delivery.body)
        return found if isinstance(found, list) else [found]

    def record_key(self, record: Any) -> str | None:
        return None  # HubSpot's eventId is not unique (its docs say so): deals, not events, are deduplicated

    def translate(self, source: Source, found: list[Any], context: Context) -> list[Item]:
        items: list[Item | None] = [None] * len(found)
        notices: list[tuple[int, Notice]] = []
        for index, record in enumerate(found):
            try:
                notice = read_notice(record)
            except Held as held:
                unread = isinstance(record, dict) and UNPLACED in record
                reason = str(record.get("reason")) if unread else held.reason
                items[index] = Item("", record, reason=reason, release=held.release)
                continue
            if isinstance(notice, str):
                items[index] = Item(str(record["eventId"]), record, ignored=notice)
            else:
                notices.append((index, notice))
        for _, notice in sorted(notices, key=lambda pair: pair[1].at):
            self._keep(notice, context)
        deciding = {n.object_id: i for i, n in notices if n.object_type == "deal"}
        for index, notice in notices:
            ref = notice.object_id if notice.object_type == "deal" else None
            if ref is not None and deciding[ref] == index:
                items[index] = self._deal(source, found[index], notice, context)
            elif ref is not None:
                items[index] = Item(notice.key, found[index], ignored=f"kept in deal {ref}'s properties")
            else:
                items[index] = Item(notice.key, found[index], ignored=f"a {notice.object_type} change is no activity")
        return [item for item in items if item is not None]

    @staticmethod
    def _keep(notice: Notice, context: Context) -> None:
        """Lay one change over the deal's last known properties, unless a later one is known."""
        if notice.object_type != "deal":
            return
        if notice.action == "propertyChange" and notice.name:
            name, value = notice.name, notice.value
        elif notice.action in DELETES:
            name, value = DELETED, DELETES[notice.action]
        else:
            return
        known = context.properties("deal", notice.object_id)
        if notice.at >= known.get(name, {}).get("at", -1):
            known[name] = {"value": value, "at": notice.at}
            context.save_properties("deal", notice.object_id, known)

    def _deal(self, source: Source, raw: Any, notice: Notice, context: Context) -> Item:
        ref = notice.object_id
        try:
            return context.settle(notice.key, raw, ref, self._wanted(source, ref, context))
        except Held as held:
            return Item(notice.key, raw, ref, reason=held.reason, release=held.release)

    def _wanted(self, source: Source, ref: str, context: Context) -> Wanted:
        known = context.properties("deal", ref)
        if known.get(DELETED, {}).get("value"):
            return Removal(plausible_time(_moment(known[DELETED]["at"]), context))
        stage = known.get("dealstage", {}).get("value")
        if stage not in (*source.won_stages, *source.lost_stages):
            return NoActivity(f"deal {ref} is open at stage {stage!r}" if stage else f"deal {ref} has no stage yet")
        won = stage in source.won_stages
        missing = [n for n in ("hubspot_owner_id", *(["amount"] if won else [])) if not known.get(n, {}).get("value")]
        if missing and (fetch := context.fetch_deal) is not None:
            known = self._fetched(ref, known, fetch, context)
            missing = [n for n in missing if not known.get(n, {}).get("value")]
        if missing:
            raise Held(f"deal {ref} is {stage} but its {' and '.join(missing)} is not known yet", OWNER_RELEASE)
        value = {name: known[name]["value"] for name in known}
        data: dict[str, Any] = {"rep_id": context.rep_for(str(value["hubspot_owner_id"])), "crm_ref": ref,
                                "customer_id": f"deal-{ref}", "deal_id": ref}  # fmt: skip
        if value.get("amount") not in (None, ""):
            currency = value.get("deal_currency_code") or source.default_currency
            if not currency:
                raise Held("the deal has no currency and the source names no default_currency",
                           f"default_currency in the source file, then {REPROCESS}")  # fmt: skip
            try:
                data.update(amount=str(Decimal(str(value["amount"]))), currency=str(currency))
            except InvalidOperation:
                raise Held(f"the amount {value['amount']!r} is not a number") from None
        changed = max(known[name]["at"] for name in (*DEAL_PROPERTIES, DELETED) if name in known)
        when = plausible_time(_moment(known["dealstage"]["at"]), context)
        try:
            return activity("deal.won" if won else "deal.lost", when, data, plausible_time(_moment(changed), context))
        except ValueError as refused:
            raise Held(f"the ledger would refuse it: {refused}") from None

    @staticmethod
    def _fetched(
        ref: str, known: dict[str, Any], fetch: Callable[[str], dict[str, Any]], context: Context
    ) -> dict[str, Any]:
        """Fill what the events did not bring from HubSpot's CRM objects API; what is known stays."""
        fetched = fetch(ref)
        filled = dict(known)
        for name, value in fetched["properties"].items():
            if name in DEAL_PROPERTIES and value not in (None, "") and name not in known:
                filled[name] = {"value": value, "at": fetched["at"]}
        if filled != known:
            context.save_properties("deal", ref, filled)
        return filled

    def answer(self) -> Response | None:
        return None
