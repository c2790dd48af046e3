"""Records of any JSON source (简道云 forms, 伙伴云, WeSCRM, in-house CRMs) read through a declarative
mapping: dotted paths to the id, the time, the CRM user, the amount, and how record states map to activity
types. What a record cannot say clearly is held with the reason, never guessed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from services.goal_service.crm.base import REPROCESS, Context, Held, decode_json
from services.goal_service.crm.reconcile import Activity, NoActivity, activity
from services.goal_service.crm.sources import Mapping
from shared.platform.canonical import format_timestamp
from shared.platform.errors import InvalidInput

MISSING = object()
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no CRM record of a sale is older: an earlier time is a wrong unit
AHEAD = timedelta(days=1)  # nor is a sale recorded a day before it happens
EPOCH_DIGITS = re.compile(r"[0-9]{1,16}")  # ASCII digits only: int() would take '²' or hundreds of digits


def at_path(record: Any, path: str) -> Any:
    """The value at a dotted path (`owner.username`, `items.0.id`); MISSING when absent. A string met on
    the way that holds JSON is read as that JSON (some CRMs send `content` as a JSON string)."""
    value = record
    for part in filter(None, path.split(".")):
        if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
            try:
                value = decode_json(value.encode())
            except InvalidInput:
                return MISSING
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def record_key(record: Any, mapping: Mapping) -> str:
    """The record's id as text, "" when it has none."""
    found = at_path(record, mapping.id)
    return "" if found in (MISSING, None, "") or isinstance(found, dict | list) else str(found)


def records(body: Any, mapping: Mapping) -> list[Any]:
    found = at_path(body, mapping.records)
    if found is MISSING:
        raise Held(f"the body holds no records at {mapping.records!r}", f"fix mapping.records, then {REPROCESS}")
    return found if isinstance(found, list) else [found]


def _required(record: Any, path: str, what: str) -> Any:
    value = at_path(record, path)
    if value is MISSING or value is None or value == "":
        raise Held(f"the {what} ({path}) is missing")
    return value


def read_time(value: Any, unit: str, zone: ZoneInfo) -> datetime:
    """A time in the mapping's unit: ISO 8601 (without an offset, in the source's zone), or epoch seconds
    or milliseconds (numbers or digit strings); `auto` takes ISO strings and epoch-millisecond numbers."""
    number = isinstance(value, int | Decimal) and not isinstance(value, bool)
    if unit in ("epoch_seconds", "epoch_millis") or (unit == "auto" and number):
        text = str(value)
        if not EPOCH_DIGITS.fullmatch(text):
            raise Held(f"{value!r} is not an epoch time in {unit}", f"fix mapping.time_unit, then {REPROCESS}")
        seconds = int(text) / (1 if unit == "epoch_seconds" else 1000)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise Held(f"{value!r} is beyond any date", f"fix mapping.time_unit, then {REPROCESS}") from None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Held(f"{value!r} is not an ISO 8601 time", f"fix mapping.time_unit, then {REPROCESS}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def plausible_time(moment: datetime, context: Context, what: str = "time") -> str:
    """The time in canonical form, held when it cannot be a record's: before 2000, or more than a day after
    the delivery arrived (a wrong unit, or a typo in the CRM)."""
    received = datetime.fromisoformat(context.received_at.replace("Z", "+00:00"))
    if moment < EARLIEST or moment > received + AHEAD:
        where = "before 2000" if moment < EARLIEST else f"more than a day after the delivery ({context.received_at})"
        raise Held(
            f"the {what} {format_timestamp(moment)} is {where}",
            f"correct the time in the CRM or mapping.time_unit; the record's next change, or {REPROCESS}",
        )
    return format_timestamp(moment)


def activity_type(record: Any, mapping: Mapping, source: str) -> str | None:
    """The record's activity type; None for a state that is not an activity."""
    chosen = mapping.type
    if chosen.constant:
        return chosen.constant
    state = str(_plain(_required(record, chosen.field or "", "state")))
    if state in chosen.ignore:
        return None
    if state not in chosen.values:
        raise Held(
            f"state {state!r} maps to no activity type",
            f"add {state!r} to type.values or type.ignore in {source}'s source file, then {REPROCESS}",
        )
    return chosen.values[state]


def _plain(value: Any) -> Any:
    """A CRM member or option object read as its id."""
    if isinstance(value, dict):
        for key in ("username", "id", "value", "name"):
            if key in value:
                return value[key]
    return value


def crm_user(record: Any, path: str) -> str:
    """The CRM user a record credits: a member object or id; a multi-member field holding exactly one."""
    value = _required(record, path, "CRM user")
    if isinstance(value, list):
        if len(value) != 1:
            names = ", ".join(str(_plain(member) if not isinstance(member, dict) else member.get("name") or
                                  _plain(member)) for member in value)  # fmt: skip
            raise Held(
                f"the CRM user field ({path}) holds {len(value)} members ({names or 'none'}): one rep is credited",
                "choose one owner in the CRM, or map a single-member field; the record's next change releases it",
            )
        value = value[0]
    user = _plain(value)
    if isinstance(user, dict | list) or user in (None, ""):
        raise Held(f"the CRM user field ({path}) holds no user id")
    return str(user)


def wanted_activity(record: Any, mapping: Mapping, context: Context) -> Activity | NoActivity:
    """What a record says it is now: an activity, or a state that is none."""
    kind = activity_type(record, mapping, context.source)
    if kind is None:
        return NoActivity(f"state {_plain(at_path(record, mapping.type.field or ''))!r} is not an activity")
    key = record_key(record, mapping)
    data: dict[str, Any] = {"rep_id": context.rep_for(crm_user(record, mapping.rep)), "crm_ref": key}
    for name, path in mapping.fields.items():
        value = at_path(record, path)
        if value is not MISSING and value is not None:
            data[name] = str(_plain(value))
    if mapping.amount:
        amount = _required(record, mapping.amount, "amount")
        try:
            data["amount"] = str(Decimal(str(amount)))
        except InvalidOperation:
            raise Held(f"the amount {amount!r} is not a number") from None
        currency = at_path(record, mapping.currency) if mapping.currency else MISSING
        data["currency"] = mapping.default_currency if currency in (MISSING, None) else str(currency)
    when = plausible_time(read_time(_required(record, mapping.time, "time"), mapping.time_unit, context.zone), context)
    try:
        return activity(kind, when, data, change_time(record, mapping, context))
    except ValueError as refused:
        raise Held(f"the ledger would refuse it: {refused}") from None


def change_time(record: Any, mapping: Mapping, context: Context) -> str:
    """When the record last changed, by its `changed` path; when it carries none, when it arrived."""
    value = at_path(record, mapping.changed) if mapping.changed else MISSING
    if value is MISSING or value in (None, ""):
        return context.received_at
    return plausible_time(read_time(value, mapping.time_unit, context.zone), context, "change time")
