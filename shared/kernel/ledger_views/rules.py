"""The rule projection: the ledger's organisation, calendar and goal entries, indexed by position. They
are few beside activities, so the rules as known at any position are a fold of these rows (rulebook.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from shared.kernel.ledger_views.tables import RULE_PREFIXES, rule_entries
from shared.platform.canonical import canonical_json
from shared.platform.chain import ChainedEntry


class RuleProjection:
    name = "rules"

    def apply(self, session: Session, entries: Sequence[ChainedEntry]) -> None:
        rows = [
            {"position": e.position, "type": e.entry["type"], "entry": canonical_json(e.entry).decode()}
            for e in entries
            if e.entry["type"].startswith(RULE_PREFIXES)
        ]
        if rows:
            session.execute(insert(rule_entries), rows)

    def reset(self, session: Session) -> None:
        session.execute(delete(rule_entries))
