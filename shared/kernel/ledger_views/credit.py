"""The credit projection: each activity's current record, the contributions the ledger credits to reps,
written by shared.kernel.metrics.credit's fold, page by page, and their day sums (day_sums.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from shared.kernel.ledger_views.day_sums import DaySums
from shared.kernel.ledger_views.tables import activity_records, contributions
from shared.kernel.metrics.credit import (
    ActivityKey,
    ActivityRecord,
    Contribution,
    credit,
    record_from_json,
    record_to_json,
)
from shared.platform.canonical import canonical_json
from shared.platform.chain import ChainedEntry
from shared.platform.readmodel import upsert


class CreditProjection:
    name = "credit"

    def __init__(self, zone: ZoneInfo):
        self.day_sums = DaySums(zone)

    def apply(self, session: Session, entries: Sequence[ChainedEntry]) -> None:
        self.day_sums.rebuild_for_zone(session)  # only the first time, or after the company's zone changed
        records: dict[ActivityKey, ActivityRecord | None] = {}

        def find(key: ActivityKey) -> ActivityRecord | None:
            if key not in records:
                row = session.execute(
                    select(activity_records.c.record).where(
                        activity_records.c.source == key[0], activity_records.c.id == key[1]
                    )
                ).first()
                records[key] = record_from_json(json.loads(row.record)) if row else None
            return records[key]

        changed: dict[ActivityKey, ActivityRecord] = {}
        added: list[Contribution] = []
        for item in entries:
            record, credited = credit(item.entry, find)
            if record is not None:
                records[record.key] = changed[record.key] = record
            added.extend(credited)
        rows = [
            {
                "position": c.position,
                "activity_source": c.activity[0],
                "activity_id": c.activity[1],
                "measure": c.measure,
                "rep_id": c.rep_id,
                "occurred_at": c.occurred_at,
                "value": str(c.value),
                "currency": c.currency,
                "customer_id": c.customer_id,
                "product": c.product,
                "region": c.region,
            }
            for c in added
        ]
        if changed:
            # One upsert: a DELETE naming hundreds of keys costs PostgreSQL more to plan than to run.
            replacing = upsert(session, activity_records)
            replacing = replacing.on_conflict_do_update(
                index_elements=["source", "id"],
                set_={name: replacing.excluded[name] for name in ("type", "occurred_at", "record")},
            )
            session.execute(
                replacing,
                [
                    {
                        "source": r.key[0],
                        "id": r.key[1],
                        "type": r.type,
                        "occurred_at": r.occurred_at,
                        "record": canonical_json(record_to_json(r)).decode(),
                    }
                    for r in changed.values()
                ],
            )
        if rows:
            session.execute(insert(contributions), rows)
            self.day_sums.add(session, added)

    def reset(self, session: Session) -> None:
        self.day_sums.reset(session)
        session.execute(delete(contributions))
        session.execute(delete(activity_records))
