"""What every CRM adapter shares: the one small interface each implements (where a delivery's id is, what
records it holds, what each record becomes, how the CRM wants to be answered), the context a translation
needs, and reading a JSON body exactly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fastapi.responses import Response

from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.sources import Source
from shared.json_input import decode_json as decode_exact_json

UNPLACED = "unplaced_body"  # a body kept whole: placed into records when translated, or held with the reason


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
    # Exact amounts, and bounded depth and number length: a hostile body is a 4xx, never a 500.
    return decode_exact_json(body)


def deal_event(event_id: str, kind: str, when: str, data: dict[str, Any], context: Context) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": context.source_uri,
        "type": kind,
        "time": when,
        "data": data,
    }
