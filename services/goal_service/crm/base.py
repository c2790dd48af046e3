"""What every CRM adapter shares: the one small interface each implements (where a delivery's id is, what
records it holds, what each record becomes, how the CRM wants to be answered), the context a translation
needs, why a record is held and what would release it, and reading a JSON body exactly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fastapi.responses import Response

from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.reconcile import Reconciled, Standing, Wanted, reconcile
from services.goal_service.crm.sources import Source
from shared.platform.json_input import decode_json as decode_exact_json

UNPLACED = "unplaced_body"  # a body kept whole: placed into records when translated, or held with the reason
REPROCESS = "POST /v1/crm/quarantine/<id>/reprocess"
FIX_IN_CRM = f"the record's next change in the CRM, or {REPROCESS} once the mapping is fixed"
# What nothing can place (a body no mapping reads) stays held until someone who read it dismisses it.
DISMISS = "nothing can place it: read it (it is kept as it arrived) and POST /v1/crm/quarantine/<id>/dismiss"


class Held(Exception):
    """Why a record cannot become an activity now, and what would release it."""

    def __init__(self, reason: str, release: str = FIX_IN_CRM):
        super().__init__(reason)
        self.reason = reason
        self.release = release


def unmapped_user(source: str, user: str) -> Held:
    return Held(
        f"CRM user {user!r} is not mapped to a rep",
        f"PUT /v1/crm/users/{source}/{user} with its rep_id, then {REPROCESS}",
    )


@dataclass
class Context:
    """What translating needs beyond the records: the source's name and event source, when the delivery
    arrived, CRM users to reps, what each CRM record has made in the ledger (with this delivery's own
    decisions laid over it), and the last known properties of CRM objects (HubSpot's)."""

    source: str
    rep_of: Callable[[str], str | None]
    zone: ZoneInfo
    received_at: str  # canonical UTC: a record's time far ahead of it is a wrong unit, not a sale
    properties: Callable[[str, str], dict[str, Any]]
    save_properties: Callable[[str, str, dict[str, Any]], None]
    standing: Callable[[str], Standing]  # by the record's crm_ref
    fetch_deal: Callable[[str], dict[str, Any]] | None = None  # HubSpot's CRM objects API, when configured
    _decided: dict[str, Standing] = field(default_factory=dict)

    @property
    def source_uri(self) -> str:
        return f"crm://{self.source}"

    def rep_for(self, user: str) -> str:
        """The rep a CRM user's activities are credited to; an unknown user is never guessed."""
        rep_id = self.rep_of(user)
        if rep_id is None:
            raise unmapped_user(self.source, user)
        return rep_id

    def settle(self, key: str, raw: Any, ref: str, wanted: Wanted) -> Item:
        """The record's item: what its latest state makes in the ledger, given what it made before (earlier
        records of this delivery included)."""
        standing = self._decided.get(ref) or self.standing(ref)
        reconciled = reconcile(self.source_uri, ref, standing, wanted)
        self._decided[ref] = reconciled.standing
        return item_of(key, raw, ref, reconciled, standing)


def item_of(key: str, raw: Any, ref: str, reconciled: Reconciled, before: Standing) -> Item:
    if reconciled.events:
        return Item(key, raw, ref, events=reconciled.events)
    if reconciled.unchanged and before.position is not None:
        return Item(key, raw, ref, unchanged_at=before.position, ignored=reconciled.note)
    return Item(key, raw, ref, ignored=reconciled.note)


class Adapter(Protocol):
    def delivery_id(self, source: Source, delivery: Delivery, found: list[Any]) -> str: ...

    def records(self, source: Source, delivery: Delivery) -> list[Any]: ...

    def record_key(self, record: Any) -> str | None:
        """The id a record is deduplicated on by itself, whatever delivery carries it; None when records
        are deduplicated only with their delivery."""

    def translate(self, source: Source, found: list[Any], context: Context) -> list[Item]: ...

    def answer(self) -> Response | None: ...


def decode_json(body: bytes) -> Any:
    # Exact amounts, and bounded depth and number length: a hostile body is a 4xx, never a 500.
    return decode_exact_json(body)
