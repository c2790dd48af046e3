"""Poisoned entries: a ledger entry that a projection cannot apply however often it tries (a value its
tables refuse, a fold that raises on it), told apart from a transient failure, reported, and passed over
only by an operator's recorded decision.

How the runner tells them apart. A page that fails is projected again entry by entry, each in its own
transaction, so the entries before the bad one are kept and the bad one fails alone. A failure counts
against that entry only when it is not transient and the database answers a probe right after it; a
transient failure (the database away, a lock or statement timeout, a serialisation failure, a dropped
connection: SQLAlchemy's OperationalError, InterfaceError, DisconnectionError and pool TimeoutError) is
retried at the next poll for as long as it lasts and never poisons anything. An entry that fails alone
POISON_STRIKES times in a row is poisoned: the projection holds every entry before it, stops at it, says so
in GET /v1/projections, in the `perfledger_projection_poisoned_position` metric and in `perfledger status`,
and tries it again every POISONED_RETRY_SECONDS in case what refused it has been fixed.

How an operator gets past one without editing the ledger: `perfledger projections skip` (or POST
/v1/projections/{name}/skips) records, in that service's read model, a decision to pass over that one
entry (named by position and chain hash) in that one projection, with who decided and why. The entry then
reaches the projection as a placeholder of type PASSED_OVER, carrying only its position and hash, so the
projection writes nothing for it (a follower still keeps its hash, so seals can name the chain) and goes
on. The decision is never deleted: /v1/projections lists it for ever, and a rebuild honours it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exc

from shared.platform.chain import ChainedEntry

PASSED_OVER = "projection.passed_over"
POISON_STRIKES = 3
POISONED_RETRY_SECONDS = 30.0
TRANSIENT_ERRORS = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError)


def is_transient(error: BaseException) -> bool:
    """Whether a failure says the database could not do the work now, rather than that the work is wrong."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, TRANSIENT_ERRORS)


def describe(error: BaseException) -> str:
    """A failure in one line for /v1/projections, without the SQL and parameters SQLAlchemy appends. A failure
    to reach the database is named, not quoted: the driver's words name the host, port and user (the service
    logs them)."""
    cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig is not None else error
    if isinstance(error, exc.OperationalError) or isinstance(cause, ConnectionError):
        return f"{type(cause).__name__}: the database did not answer"
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line}"[:500]


@dataclass(frozen=True)
class FailingEntry:
    """An entry that failed on its own, and how many times in a row; poisoned from POISON_STRIKES."""

    position: int
    hash: str
    reason: str
    strikes: int
    since: str  # when it first failed

    @property
    def poisoned(self) -> bool:
        return self.strikes >= POISON_STRIKES


@dataclass(frozen=True)
class PassedOver:
    """An operator's decision that one projection passes over one entry."""

    position: int
    hash: str
    reason: str
    actor: str
    failure: str | None  # what the entry failed with when the decision was made
    decided_at: str


def placeholder(entry: ChainedEntry) -> ChainedEntry:
    """What a projection receives for a passed-over entry: its position and hash, nothing it says."""
    return ChainedEntry(entry.position, {"position": entry.position, "type": PASSED_OVER}, entry.hash)


def with_decisions(entries: Sequence[ChainedEntry], passed_over: dict[int, str]) -> list[ChainedEntry]:
    """The page as the projection sees it: each entry an operator passed over (the same entry: position and
    hash) replaced by its placeholder."""
    return [placeholder(e) if passed_over.get(e.position) == e.hash else e for e in entries]
