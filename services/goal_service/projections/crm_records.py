"""What each CRM record has made in the ledger: every activity carrying a `crm_ref`, and every correction
of one, folded into one row per (source, record). The CRM adapters read it to decide what a record's next
change makes (crm/reconcile.py); kept from the ledger itself, it can never disagree with what the ledger
holds, even when goal_service stopped between recording an entry and anything else."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from services.goal_service.crm.reconcile import AMENDABLE, Standing
from services.goal_service.crm.tables import crm_records
from shared.kernel.events.activities import ACTIVITY_SCHEMAS, CORRECTION_SCHEMAS
from shared.platform.canonical import canonical_json
from shared.platform.chain import ChainedEntry

c = crm_records.c


def standing_of(row: Any) -> Standing:
    return Standing(
        activity_id=row.activity_id,
        kind=row.kind,
        occurred_at=row.occurred_at,
        data=json.loads(row.data),
        active=row.active,
        voided_by_hand=row.voided_by_hand,
        split=row.split,
        made=row.made,
        corrections=row.corrections,
        changed_at=row.changed_at,
        position=row.position,
    )


def _corrected(data: Mapping[str, Any], kind: str, change: Mapping[str, Any]) -> dict[str, Any]:
    credited = dict(data)
    if kind == "activity.reassigned":
        credited["rep_id"] = change["to_rep_id"]
    elif kind == "activity.amended":
        credited.update({name: change[name] for name in ("amount", "currency", *AMENDABLE) if name in change})
    return credited


class CrmRecordProjection:
    name = "crm_records"

    def apply(self, session: Session, entries: Sequence[ChainedEntry]) -> None:
        for chained in entries:
            entry = chained.entry
            if entry["type"] in CORRECTION_SCHEMAS:
                self._correct(session, chained.position, entry)
            elif entry["type"] in ACTIVITY_SCHEMAS and isinstance(entry["data"].get("crm_ref"), str):
                self._make(session, chained.position, entry)

    def _make(self, session: Session, position: int, entry: Mapping[str, Any]) -> None:
        key = {"source": entry["source"], "record_ref": entry["data"]["crm_ref"]}
        found = session.execute(select(c.made, c.changed_at).filter_by(**key)).first()
        values = {
            "activity_id": entry["id"],
            "kind": entry["type"],
            "occurred_at": entry["occurred_at"],
            "data": canonical_json(entry["data"]).decode(),
            "active": True,
            "voided_by_hand": False,
            "split": False,
            "corrections": 0,
            "changed_at": max(entry["occurred_at"], found.changed_at) if found else entry["occurred_at"],
            "position": position,
        }
        if found is None:
            session.execute(insert(crm_records).values(**key, **values, made=1))
        else:
            session.execute(update(crm_records).filter_by(**key).values(**values, made=found.made + 1))

    def _correct(self, session: Session, position: int, entry: Mapping[str, Any]) -> None:
        target = entry["data"]["target"]
        row = session.execute(
            select(crm_records).where(c.source == target["source"], c.activity_id == target["id"])
        ).first()
        if row is None:
            return  # a correction of an activity no CRM record made
        kind, by_hand = entry["type"], entry["source"] != row.source
        changes: dict[str, Any] = {
            "corrections": row.corrections + 1,
            "changed_at": max(entry["occurred_at"], row.changed_at),
            "position": position,
            "data": canonical_json(_corrected(json.loads(row.data), kind, entry["data"])).decode(),
        }
        if kind == "activity.voided":
            changes.update(active=False, voided_by_hand=by_hand)
        elif kind == "activity.split":
            changes["split"] = True
        session.execute(
            update(crm_records).where(c.source == row.source, c.record_ref == row.record_ref).values(**changes)
        )

    def reset(self, session: Session) -> None:
        session.execute(delete(crm_records))
