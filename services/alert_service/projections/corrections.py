"""The ledger's corrections as alert_service keeps them: each entry that corrects an activity (void, amend,
reassign, split), by its own type and the activity it names, in the ledger views' transaction. The watcher
reads from them that a deal was voided, rather than guessing it from what the void did to the figures."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from services.alert_service.tables import corrections
from shared.kernel.events.activities import CORRECTION_SCHEMAS
from shared.platform.chain import ChainedEntry


class CorrectionProjection:
    name = "corrections"

    def apply(self, session: Session, entries: Sequence[ChainedEntry]) -> None:
        rows = [
            {
                "position": e.position,
                "type": e.entry["type"],
                "activity_source": e.entry["data"]["target"]["source"],
                "activity_id": e.entry["data"]["target"]["id"],
            }
            for e in entries
            if e.entry["type"] in CORRECTION_SCHEMAS
        ]
        if rows:
            session.execute(insert(corrections), rows)

    def reset(self, session: Session) -> None:
        session.execute(delete(corrections))
