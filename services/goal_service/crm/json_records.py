"""简道云 data push and any other JSON source: records placed by the source's declarative mapping."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from services.goal_service.crm.base import UNPLACED, Context, decode_json
from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.mapping import REMOVED, Unmappable, at_path, records, to_event, to_void
from services.goal_service.crm.sources import Source
from shared.errors import InvalidInput


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
        mapping, uri, zone = source.mapping, context.source_uri, context.zone
        for entry in found:
            placed = [entry]  # a record held in quarantine comes back placed
            if isinstance(entry, dict) and UNPLACED in entry:
                try:
                    body = decode_json(entry[UNPLACED].encode())
                    placed = records(body, mapping)
                except (Unmappable, InvalidInput) as error:
                    items.append(Item("", {UNPLACED: entry[UNPLACED]}, reason=getattr(error, "detail", str(error))))
                    continue
                if mapping.op and at_path(body, mapping.op) in mapping.removals:
                    placed = [{REMOVED: record} for record in placed]
            for record in placed:
                if isinstance(record, dict) and REMOVED in record:
                    items.append(to_void(record[REMOVED], mapping, uri, zone))
                else:
                    items.append(to_event(record, mapping, uri, context.rep_of, zone))
        return items

    def object_ref(self, record: Any) -> str | None:
        return None

    def answer(self) -> Response | None:
        return None
