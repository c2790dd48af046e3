"""简道云 data push and any other JSON source: records placed by the source's declarative mapping, each a
CRM record whose latest state decides what stands in the ledger (reconcile.py)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from services.goal_service.crm.base import DISMISS, REPROCESS, UNPLACED, Context, Held, decode_json
from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.mapping import MISSING, at_path, change_time, record_key, records, wanted_activity
from services.goal_service.crm.reconcile import Removal, Restoration, Wanted
from services.goal_service.crm.sources import Mapping, Source
from shared.platform.errors import InvalidInput

PLACED = "placed_record"  # one record of a body, with what the body said happened to it (op)


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

    def record_key(self, record: Any) -> str | None:
        return None

    def translate(self, source: Source, found: list[Any], context: Context) -> list[Item]:
        mapping = source.mapping
        if mapping is None:  # a source file without one is refused when read; this holds what came meanwhile
            raise Held(f"the source {context.source} names no mapping", f"a mapping in its file, then {REPROCESS}")
        items: list[Item] = []
        for entry in found:
            if isinstance(entry, dict) and UNPLACED in entry:
                items.extend(self._placed(str(entry[UNPLACED]), mapping, context))
            elif isinstance(entry, dict) and PLACED in entry:  # held before, placed then
                items.append(self._item(entry, mapping, context))
        return items

    def _placed(self, text: str, mapping: Mapping, context: Context) -> list[Item]:
        try:
            body = decode_json(text.encode())
            placed = records(body, mapping)
        except InvalidInput as error:
            return [Item("", {UNPLACED: text}, reason=error.detail, release=DISMISS)]
        except Held as held:
            return [Item("", {UNPLACED: text}, reason=held.reason, release=held.release)]
        op = at_path(body, mapping.op) if mapping.op else None
        op = None if op is MISSING else op
        if mapping.changes and op not in mapping.changes:
            return [Item("", {UNPLACED: text}, ignored=f"op {op!r} is not a change of records (a message push)")]
        return [self._item({PLACED: record, "op": op}, mapping, context) for record in placed]

    def _item(self, raw: dict[str, Any], mapping: Mapping, context: Context) -> Item:
        record, op = raw[PLACED], raw.get("op")
        key = record_key(record, mapping)
        try:
            if not key:
                raise Held(f"the record's id ({mapping.id}) is missing", f"fix mapping.id, then {REPROCESS}")
            wanted: Wanted
            if op in mapping.removals:
                wanted = Removal(change_time(record, mapping, context))
            elif op in mapping.restorations and at_path(record, mapping.rep) is MISSING:
                wanted = Restoration(change_time(record, mapping, context))  # restored, and named by its id alone
            else:
                wanted = wanted_activity(record, mapping, context)
            return context.settle(key, raw, key, wanted)
        except Held as held:
            return Item(key, raw, key or None, reason=held.reason, release=held.release)

    def answer(self) -> Response | None:
        return None
