"""Reading and writing goal_service's CRM tables (tables.py): every query about deliveries, the
quarantine, CRM users and CRM objects is here."""

from __future__ import annotations

import json
from typing import Any, Literal

from sqlalchemy import Engine, Table, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.reconcile import Standing
from services.goal_service.crm.tables import (
    crm_deliveries,
    crm_entries,
    crm_objects,
    crm_quarantine,
    crm_records,
    crm_seen,
    crm_users,
)
from services.goal_service.projections.crm_records import standing_of
from shared.platform.canonical import canonical_json

Kept = Literal["new", "kept"]


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

    def keep(self, delivery: Delivery, delivery_id: str, verification: str) -> Kept:
        """Keep a delivery as it arrived: "new", or "kept" before (whether its records were settled then is
        in its outcome)."""
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
            return "kept"
        return "new"

    def forget_unsettled(self, source: str, delivery_id: str) -> None:
        """Drop what an unfinished attempt at a delivery held: it was never answered, and is decided again."""
        q = crm_quarantine.c
        with self.engine.begin() as connection:
            connection.execute(delete(crm_quarantine).where(q.source == source, q.delivery_id == delivery_id))

    def record_outcome(self, source: str, delivery_id: str, outcome: list[dict[str, Any]]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(crm_deliveries)
                .where(crm_deliveries.c.source == source, crm_deliveries.c.delivery_id == delivery_id)
                .values(outcome=_json(outcome))
            )
        made = [p for r in outcome if r["status"] in ("recorded", "duplicate") for p in r.get("positions", [])]
        self.link(made, source, delivery_id)

    def link(self, positions: list[int], source: str, delivery_id: str) -> None:
        """Remember that these ledger entries came from this delivery (entries linked before stay linked to
        the delivery that first made them)."""
        if not positions:
            return
        with self.engine.begin() as connection:
            query = select(crm_entries.c.position).where(crm_entries.c.position.in_(positions))
            linked = set(connection.execute(query).scalars())
            rows = [{"position": p, "source": source, "delivery_id": delivery_id} for p in positions if p not in linked]
            if rows:
                connection.execute(insert(crm_entries), rows)

    def delivery_of(self, position: int) -> tuple[str, str] | None:
        """(source, delivery id) of the delivery a ledger entry came from."""
        query = select(crm_entries.c.source, crm_entries.c.delivery_id).where(crm_entries.c.position == position)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return (row.source, row.delivery_id) if row else None

    # --- quarantine --------------------------------------------------------------------------------------

    def hold(self, source: str, delivery_id: str, item: Item, at: str) -> int:
        row = {
            "source": source,
            "delivery_id": delivery_id,
            "record_key": item.key,
            "object_ref": item.ref,
            "record": _json(item.raw),
            "reason": item.reason,
            "release": item.release,
            "state": "held",
            "held_at": at,
        }
        with self.engine.begin() as connection:
            key = connection.execute(insert(crm_quarantine).values(**row)).inserted_primary_key
        if key is None:  # every database we run on returns the key it made
            raise RuntimeError("the database made no quarantine id")
        return int(key[0])

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
                    "release": row.release,
                    "dismissal": json.loads(row.dismissal) if row.dismissal else None,
                    "state": row.state,
                    "held_at": row.held_at,
                    "released_at": row.released_at,
                    "positions": json.loads(row.positions) if row.positions else None,
                }
                for row in connection.execute(query)
            ]

    def settle(
        self, quarantine_id: int, reason: str | None, release: str | None, positions: list[int] | None, at: str
    ) -> None:
        """Release a held record (recorded at `positions`, or not an activity after all), or hold it with
        a new reason."""
        changes: dict[str, Any] = {"reason": reason} if reason else {}
        if release:
            changes["release"] = release
        if reason is None:
            changes.update(state="released", released_at=at, positions=_json(positions or []))
        with self.engine.begin() as connection:
            connection.execute(update(crm_quarantine).where(crm_quarantine.c.id == quarantine_id).values(**changes))

    def dismiss(self, quarantine_id: int, actor: str, reason: str, at: str) -> bool:
        """Set aside a held record nothing can place, saying who and why; False when it is not held."""
        q = crm_quarantine.c
        with self.engine.begin() as connection:
            done = connection.execute(
                update(crm_quarantine)
                .where(q.id == quarantine_id, q.state == "held")
                .values(state="dismissed", released_at=at, dismissal=_json({"by": actor, "reason": reason}))
            )
        return done.rowcount == 1

    # --- records ---------------------------------------------------------------------------------------

    def standing(self, source_uri: str, record_ref: str) -> Standing:
        """What a CRM record has made in the ledger, as far as the crm_records projection holds."""
        query = select(crm_records).where(crm_records.c.source == source_uri, crm_records.c.record_ref == record_ref)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return standing_of(row) if row else Standing()

    def seen(self, source: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Of these records, those settled before in some delivery: what became of each then."""
        if not keys:
            return {}
        query = select(crm_seen.c.record_key, crm_seen.c.outcome).where(
            crm_seen.c.source == source, crm_seen.c.record_key.in_(keys)
        )
        with self.engine.connect() as connection:
            return {row.record_key: json.loads(row.outcome) for row in connection.execute(query)}

    def remember_seen(self, source: str, delivery_id: str, outcomes: list[dict[str, Any]]) -> None:
        fresh = [o for o in outcomes if o.get("key") and o["status"] in ("recorded", "duplicate", "ignored")]
        known = self.seen(source, [o["key"] for o in fresh])
        rows = {
            o["key"]: {"source": source, "record_key": o["key"], "delivery_id": delivery_id, "outcome": _json(o)}
            for o in fresh
            if o["key"] not in known
        }
        if rows:
            with self.engine.begin() as connection:
                connection.execute(insert(crm_seen), list(rows.values()))

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
