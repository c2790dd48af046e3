"""Records of any JSON source (简道云 forms, 伙伴云, WeSCRM, in-house CRMs) turned into activity events by a
declarative mapping: dotted paths to the id, the time, the CRM user, the amount, and how record states map
to activity types. A record the mapping cannot place is quarantined with the reason, never dropped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from services.goal_service.crm.delivery import Item
from services.goal_service.crm.sources import Mapping

MISSING = object()
REMOVED = "removed_record"  # a record its CRM removed, as kept in the quarantine
RepOf = Callable[[str], str | None]  # CRM user id -> rep id


class Unmappable(ValueError):
    """Why a record cannot become an activity."""


def at_path(record: Any, path: str) -> Any:
    """The value at a dotted path (`owner.username`, `items.0.id`); MISSING when absent."""
    value = record
    for part in filter(None, path.split(".")):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def rep_for(rep_of: RepOf, user: str) -> str:
    """The rep a CRM user's activities are credited to; an unknown user is never guessed."""
    rep_id = rep_of(user)
    if rep_id is None:
        raise Unmappable(f"CRM user {user!r} is not mapped to a rep; map it with PUT /v1/crm/users")
    return rep_id


def record_key(record: Any, mapping: Mapping) -> str:
    """The record's id as text, "" when it has none."""
    found = at_path(record, mapping.id)
    return "" if found in (MISSING, None, "") else str(_plain(found))


def records(body: Any, mapping: Mapping) -> list[Any]:
    found = at_path(body, mapping.records)
    if found is MISSING:
        raise Unmappable(f"no records at {mapping.records!r}")
    return found if isinstance(found, list) else [found]


def _required(record: Any, path: str, what: str) -> Any:
    value = at_path(record, path)
    if value is MISSING or value is None or value == "":
        raise Unmappable(f"the {what} ({path}) is missing")
    return value


def occurred_at(value: Any, zone: ZoneInfo) -> str:
    """ISO 8601 (a time without an offset is in the source's zone) or epoch milliseconds, as ISO UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value / 1000, UTC)
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise Unmappable(f"{value!r} is not a time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def activity_type(record: Any, mapping: Mapping) -> str | None:
    """The record's activity type; None for a state that is not an activity."""
    chosen = mapping.type
    if chosen.constant:
        return chosen.constant
    state = str(_required(record, chosen.field or "", "state"))
    if state in chosen.ignore:
        return None
    if state not in chosen.values:
        raise Unmappable(f"state {state!r} maps to no activity type; add it to type.values or type.ignore")
    return chosen.values[state]


def _plain(value: Any) -> Any:
    """A CRM member or option object read as its id."""
    if isinstance(value, dict):
        for key in ("username", "id", "value", "name"):
            if key in value:
                return value[key]
    return value


def to_event(record: Any, mapping: Mapping, source_uri: str, rep_of: RepOf, zone: ZoneInfo) -> Item:
    """One record as an Item: its CloudEvent, an ignored state, or the reason it is quarantined."""
    key = record_key(record, mapping)
    try:
        if not key:
            raise Unmappable(f"the id ({mapping.id}) is missing")
        kind = activity_type(record, mapping)
        if kind is None:
            return Item(key, record, ignored=f"state {at_path(record, mapping.type.field or '')!r} is not an activity")
        rep_id = rep_for(rep_of, str(_plain(_required(record, mapping.rep, "CRM user"))))
        data: dict[str, Any] = {"rep_id": rep_id, "crm_ref": key}
        for name, path in mapping.fields.items():
            value = at_path(record, path)
            if value is not MISSING and value is not None:
                data[name] = str(_plain(value))
        if mapping.amount:
            amount = _required(record, mapping.amount, "amount")
            try:
                data["amount"] = str(Decimal(str(amount)))
            except InvalidOperation:
                raise Unmappable(f"the amount {amount!r} is not a number") from None
            currency = at_path(record, mapping.currency) if mapping.currency else MISSING
            data["currency"] = mapping.default_currency if currency in (MISSING, None) else str(currency)
        event = {
            "specversion": "1.0",
            "id": f"{key}:{kind}",
            "source": source_uri,
            "type": kind,
            "time": occurred_at(_required(record, mapping.time, "time"), zone),
            "data": data,
        }
        return Item(key, record, event=event)
    except Unmappable as reason:
        return Item(key, record, reason=str(reason))


def to_void(record: Any, mapping: Mapping, source_uri: str, zone: ZoneInfo) -> Item:
    """A record removed in the CRM: the activity it made is voided (a correction that names it)."""
    key = record_key(record, mapping)
    try:
        if not key:
            raise Unmappable(f"the id ({mapping.id}) is missing")
        kind = activity_type(record, mapping)
        if kind is None:
            return Item(key, {REMOVED: record}, ignored="the removed record was no activity")
        event = {
            "specversion": "1.0",
            "id": f"{key}:{kind}:removed",
            "source": source_uri,
            "type": "activity.voided",
            "time": occurred_at(_required(record, mapping.time, "time"), zone),
            "data": {"target": {"source": source_uri, "id": f"{key}:{kind}"}, "reason": "removed in the CRM"},
        }
        return Item(key, {REMOVED: record}, event=event)
    except Unmappable as reason:
        return Item(key, {REMOVED: record}, reason=str(reason))
