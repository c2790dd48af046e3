"""Reading and writing goal_service's CRM tables (tables.py): every query about deliveries, the
quarantine, CRM users and CRM objects is here."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, Table, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.tables import crm_deliveries, crm_entries, crm_objects, crm_quarantine, crm_users
from shared.canonical import canonical_json


def _json(value: Any) -> str:
    return canonical_json(value).decode()


class CrmStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    # --- deliveries --------------------------------------------------------------------------------------

    def delivery(self, source: str, delivery_id: str) -> dict[str, Any] | None:
        query = select(crm_deliveries).where(
            crm_deliveries.c.source == source, crm_deliveries.c.delivery_id == delivery_id
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        return {
            "source": row.source,
            "delivery_id": row.delivery_id,
            "received_at": row.received_at,
            "method": row.method,
            "url": row.url,
            "headers": json.loads(row.headers),
            "body": row.body.decode("utf-8", errors="replace"),
            "verification": row.verification,
            "outcome": json.loads(row.outcome) if row.outcome else None,
        }

    def keep(self, delivery: Delivery, delivery_id: str, verification: str) -> bool:
        """Keep a delivery as it arrived; False when this delivery id was kept before (a re-delivery)."""
        row = {
            "source": delivery.source,
            "delivery_id": delivery_id,
            "received_at": delivery.received_at,
            "method": delivery.method,
            "url": delivery.kept_url,
            "headers": _json(delivery.kept_headers()),
            "body": delivery.body,
            "verification": verification,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(crm_deliveries).values(**row))
        except IntegrityError:
            return False
        return True

    def record_outcome(self, source: str, delivery_id: str, outcome: list[dict[str, Any]]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(crm_deliveries)
                .where(crm_deliveries.c.source == source, crm_deliveries.c.delivery_id == delivery_id)
                .values(outcome=_json(outcome))
            )
        self.link([r["position"] for r in outcome if r.get("status") == "recorded"], source, delivery_id)

    def link(self, positions: list[int], source: str, delivery_id: str) -> None:
        """Remember that these ledger entries came from this delivery."""
        if positions:
            rows = [{"position": p, "source": source, "delivery_id": delivery_id} for p in positions]
            with self.engine.begin() as connection:
                connection.execute(insert(crm_entries), rows)

    def delivery_of(self, position: int) -> tuple[str, str] | None:
        """(source, delivery id) of the delivery a ledger entry came from."""
        query = select(crm_entries.c.source, crm_entries.c.delivery_id).where(crm_entries.c.position == position)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return (row.source, row.delivery_id) if row else None

    # --- quarantine --------------------------------------------------------------------------------------

    def hold(self, source: str, delivery_id: str, item: Item, object_ref: str | None, at: str) -> int:
        row = {
            "source": source,
            "delivery_id": delivery_id,
            "record_key": item.key,
            "object_ref": object_ref,
            "record": _json(item.raw),
            "reason": item.reason,
            "state": "held",
            "held_at": at,
        }
        with self.engine.begin() as connection:
            return connection.execute(insert(crm_quarantine).values(**row)).inserted_primary_key[0]

    def quarantined(
        self,
        source: str | None = None,
        state: str | None = None,
        object_ref: str | None = None,
        quarantine_id: int | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        q = crm_quarantine.c
        query = select(crm_quarantine).order_by(q.id).limit(limit)
        for column, value in ((q.source, source), (q.state, state), (q.object_ref, object_ref), (q.id, quarantine_id)):
            if value is not None:
                query = query.where(column == value)
        with self.engine.connect() as connection:
            return [
                {
                    "id": row.id,
                    "source": row.source,
                    "delivery_id": row.delivery_id,
                    "record_key": row.record_key,
                    "object_ref": row.object_ref,
                    "record": json.loads(row.record),
                    "reason": row.reason,
                    "state": row.state,
                    "held_at": row.held_at,
                    "released_at": row.released_at,
                    "positions": json.loads(row.positions) if row.positions else None,
                }
                for row in connection.execute(query)
            ]

    def settle(self, quarantine_id: int, reason: str | None, positions: list[int] | None, at: str) -> None:
        """Release a held record (recorded at `positions`, or not an activity after all), or hold it with
        a new reason."""
        changes: dict[str, Any] = {"reason": reason} if reason else {}
        if reason is None:
            changes.update(state="released", released_at=at, positions=_json(positions or []))
        with self.engine.begin() as connection:
            connection.execute(update(crm_quarantine).where(crm_quarantine.c.id == quarantine_id).values(**changes))

    # --- CRM users -----------------------------------------------------------------------------------------

    def reps(self, source: str) -> dict[str, str]:
        query = select(crm_users.c.crm_user_id, crm_users.c.rep_id).where(crm_users.c.source == source)
        with self.engine.connect() as connection:
            return {row.crm_user_id: row.rep_id for row in connection.execute(query)}

    def users(self, source: str) -> list[dict[str, Any]]:
        query = select(crm_users).where(crm_users.c.source == source).order_by(crm_users.c.crm_user_id)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def map_user(self, source: str, crm_user_id: str, rep_id: str, actor: str, at: str) -> None:
        self._upsert(
            crm_users,
            {"source": source, "crm_user_id": crm_user_id},
            {"rep_id": rep_id, "actor": actor, "updated_at": at},
        )

    # --- CRM objects -------------------------------------------------------------------------------------

    def properties(self, source: str, object_type: str, object_id: str) -> dict[str, dict[str, Any]]:
        o = crm_objects.c
        query = select(o.properties).where(o.source == source, o.object_type == object_type, o.object_id == object_id)
        with self.engine.connect() as connection:
            found = connection.execute(query).scalar()
        return json.loads(found) if found else {}

    def save_properties(self, source: str, object_type: str, object_id: str, properties: dict[str, Any]) -> None:
        key = {"source": source, "object_type": object_type, "object_id": object_id}
        self._upsert(crm_objects, key, {"properties": _json(properties)})

    def _upsert(self, table: Table, key: dict[str, Any], values: dict[str, Any]) -> None:
        """Set `values` on the row with this primary key, making the row when there is none."""
        where = and_(*(table.c[name] == value for name, value in key.items()))
        with self.engine.begin() as connection:
            if connection.execute(update(table).where(where).values(**values)).rowcount == 0:
                connection.execute(insert(table).values(**key, **values))
