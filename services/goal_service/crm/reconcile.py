"""The one rule every CRM adapter follows: what a CRM record's latest state makes in the ledger, given what
the record made before. An activity is identified by its record, not by the delivery that carried it, so a
deal counts once however often and in whatever order its CRM notifies it:

- the first time a record is an activity, that activity is recorded (`<ref>:<type>`);
- the same activity again with another rep or amount (or customer, product, region) is a correction of it
  (`activity.reassigned`, `activity.amended`); other changed fields void it and record it again;
- another activity type (won, then lost) voids what stands and records the new one;
- removed in the CRM, what stands is voided; restored, it is recorded again (`<ref>:<type>:<n>`);
- a record that is open again (reopened), or whose change is older than the latest one applied, changes
  nothing; neither does anything once the record's activity was voided by hand from another source.

Pure: what stood, and what the record says now, in; the events to record and what will stand, out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from shared.kernel.events.activities import ACTIVITY_SCHEMAS
from shared.platform.canonical import to_canonical

AMENDABLE = ("customer_id", "product", "region")  # besides amount and currency, which change together
CREDIT = ("rep_id", "amount", "currency", *AMENDABLE)


@dataclass(frozen=True)
class Standing:
    """What a CRM record has made in the ledger, as the crm_records projection keeps it."""

    activity_id: str | None = None
    kind: str | None = None
    occurred_at: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    active: bool = False
    voided_by_hand: bool = False
    split: bool = False
    made: int = 0
    corrections: int = 0
    changed_at: str | None = None
    position: int | None = None


@dataclass(frozen=True)
class Activity:
    """The record is this activity now. `changed_at` is the CRM's time of the change (canonical UTC)."""

    kind: str
    occurred_at: str
    data: dict[str, Any]
    changed_at: str


def activity(kind: str, occurred_at: str, data: dict[str, Any], changed_at: str) -> Activity:
    """An Activity whose data is in the ledger's own form (the schema's defaults, canonical decimals), so it
    compares with what stands; ValueError naming the first bad field when the schema refuses it."""
    try:
        checked = ACTIVITY_SCHEMAS[kind].model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "data"
        raise ValueError(f"{kind} {where}: {first['msg'].removeprefix('Value error, ')}") from None
    return Activity(kind, occurred_at, to_canonical(checked.model_dump(exclude_none=True)), changed_at)


@dataclass(frozen=True)
class Removal:
    changed_at: str


@dataclass(frozen=True)
class Restoration:
    """Restored in the CRM with nothing but its id: what it made before is recorded again."""

    changed_at: str


@dataclass(frozen=True)
class NoActivity:
    """The record is no activity now (a deal open again); what stands, stands."""

    reason: str


Wanted = Activity | Removal | Restoration | NoActivity


@dataclass(frozen=True)
class Reconciled:
    events: list[dict[str, Any]]
    standing: Standing  # what stands once the events are recorded
    note: str | None = None  # why nothing is recorded
    unchanged: bool = False  # the ledger already holds what the record says


def cloud_event(source_uri: str, event_id: str, kind: str, when: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"specversion": "1.0", "id": event_id, "source": source_uri, "type": kind, "time": when, "data": data}


def reconcile(source_uri: str, ref: str, standing: Standing, wanted: Wanted) -> Reconciled:
    if isinstance(wanted, NoActivity):
        return Reconciled([], standing, wanted.reason)
    if standing.voided_by_hand:
        note = f"its activity {standing.activity_id} was voided by hand; changes in the CRM no longer apply to it"
        return Reconciled([], standing, note)
    if standing.changed_at and wanted.changed_at < standing.changed_at:
        return Reconciled([], standing, f"superseded: the record changed later, at {standing.changed_at}", True)
    plan = _Plan(source_uri, ref, standing, wanted.changed_at)
    match wanted:
        case Removal():
            if not standing.active:
                return Reconciled([], standing, "nothing it made stands in the ledger", True)
            plan.void("removed in the CRM")
        case Restoration():
            if standing.active or standing.kind is None or standing.occurred_at is None:
                return Reconciled([], standing, "nothing it made was removed", True)
            plan.make(Activity(standing.kind, standing.occurred_at, dict(standing.data), wanted.changed_at))
        case Activity() if standing.active and standing.kind == wanted.kind:
            if _fixed(standing.data) != _fixed(wanted.data):
                plan.void("changed in the CRM")
                plan.make(wanted)
            else:
                plan.correct(wanted.data)
        case Activity():
            if standing.active:
                plan.void(f"now {wanted.kind} in the CRM")
            plan.make(wanted)
    if not plan.events:
        return Reconciled([], plan.standing, "the ledger already holds it", True)
    return Reconciled(plan.events, plan.standing)


def _fixed(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a correction cannot change: a change of these records the activity again."""
    return {name: value for name, value in data.items() if name not in CREDIT}


def _changed_amount(was: Mapping[str, Any], now: Mapping[str, Any]) -> bool:
    if now.get("amount") is None:
        return False  # a lost deal's amount is optional: an absent one amends nothing
    if was.get("amount") is None:
        return True
    return Decimal(str(was["amount"])) != Decimal(str(now["amount"])) or was.get("currency") != now.get("currency")


@dataclass
class _Plan:
    source_uri: str
    ref: str
    standing: Standing
    changed_at: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def _correction(self, kind: str, data: dict[str, Any], reason: str) -> None:
        activity_id = self.standing.activity_id
        if activity_id is None:  # only an active standing is corrected, and it names its activity
            raise ValueError(f"{kind} of record {self.ref}: nothing it made stands in the ledger")
        target = {"source": self.source_uri, "id": activity_id}
        number = self.standing.corrections + 1
        suffix = "voided" if kind == "activity.voided" else f"{kind.removeprefix('activity.')}:{number}"
        event_id = f"{activity_id}:{suffix}"
        self.events.append(
            cloud_event(self.source_uri, event_id, kind, self.changed_at, {"target": target, "reason": reason, **data})
        )
        self.standing = replace(self.standing, corrections=number, changed_at=self._latest())

    def _latest(self) -> str:
        return max(self.changed_at, self.standing.changed_at or self.changed_at)

    def void(self, reason: str) -> None:
        self._correction("activity.voided", {}, reason)
        self.standing = replace(self.standing, active=False)

    def make(self, activity: Activity) -> None:
        made = self.standing.made
        event_id = f"{self.ref}:{activity.kind}" if made == 0 else f"{self.ref}:{activity.kind}:{made + 1}"
        self.events.append(cloud_event(self.source_uri, event_id, activity.kind, activity.occurred_at, activity.data))
        self.standing = Standing(
            activity_id=event_id,
            kind=activity.kind,
            occurred_at=activity.occurred_at,
            data=dict(activity.data),
            active=True,
            made=made + 1,
            changed_at=self._latest(),
        )

    def correct(self, now: Mapping[str, Any]) -> None:
        was = self.standing.data
        if now.get("rep_id") != was.get("rep_id") and not self.standing.split:
            self._correction("activity.reassigned", {"to_rep_id": now["rep_id"]}, "owner changed in the CRM")
        amended = {name: now[name] for name in AMENDABLE if now.get(name) is not None and now[name] != was.get(name)}
        if _changed_amount(was, now):
            amended.update(amount=now["amount"], currency=now["currency"])
        if amended:
            self._correction("activity.amended", amended, "changed in the CRM")
        credited = {**was, **amended}
        if not self.standing.split:
            credited["rep_id"] = now["rep_id"]
        self.standing = replace(self.standing, data=credited, changed_at=self._latest())
