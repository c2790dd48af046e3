"""The ledger as a downstream service keeps it: one projection that writes the chain's hashes, the
credited contributions and the rule entries of each page in one transaction, under one tracking row, so
one long poll feeds all three and they never disagree about how far they have come. A service that keeps
more of the ledger for its own rules adds its own parts, written in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from shared.kernel.ledger_views.credit import CreditProjection
from shared.kernel.ledger_views.rules import RuleProjection
from shared.kernel.ledger_views.tables import ledger_hashes
from shared.platform.chain import ChainedEntry
from shared.platform.projection import Projection


class FollowedLedger:
    name = "ledger"

    def __init__(self, zone: ZoneInfo, *own_parts: Projection) -> None:
        self.parts: tuple[Projection, ...] = (CreditProjection(zone), RuleProjection(), *own_parts)

    def apply(self, session: Session, entries: Sequence[ChainedEntry]) -> None:
        session.execute(insert(ledger_hashes), [{"position": e.position, "hash": e.hash} for e in entries])
        for part in self.parts:
            part.apply(session, entries)

    def reset(self, session: Session) -> None:
        session.execute(delete(ledger_hashes))
        for part in self.parts:
            part.reset(session)


def hash_at(session_or_connection: Session, position: int) -> str | None:
    return session_or_connection.execute(
        select(ledger_hashes.c.hash).where(ledger_hashes.c.position == position)
    ).scalar()
