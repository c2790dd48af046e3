"""The reads behind `perfledger ledger verify`: every stored entry, checkpoint and identity claim, row by row,
so that a damaged row is reported where it is instead of stopping the audit (the rules are domain/audit.py)."""

from __future__ import annotations

from collections.abc import Iterator

from eventsourcing.utils import get_topic

from services.goal_service.application import LedgerApplication
from services.goal_service.domain.audit import Claim, Finding, LedgerAudit, audit_ledger
from services.goal_service.domain.checkpoints import CHECKPOINT_LOG_ID, LedgerCheckpointSigned
from services.goal_service.domain.ledger import EventIdentity
from shared.platform.checkpoints import Checkpoint, CheckpointKeys

CLAIM_TOPIC = get_topic(EventIdentity.Claimed)
PAGE_SIZE = 1000


def audit_stored_ledger(
    ledger: LedgerApplication, checkpoints: list[tuple[str, Checkpoint]], keys: CheckpointKeys
) -> LedgerAudit:
    """The whole stored ledger held against its chain, these checkpoints with the database's own, and its
    identity claims."""
    unreadable: list[Finding] = []
    stored = [("database", checkpoint) for checkpoint in _stored_checkpoints(ledger, unreadable)]
    audit = audit_ledger(
        ledger.stored_entries(PAGE_SIZE),
        stored + checkpoints,
        keys,
        _stored_claims(ledger, unreadable),
        lambda position: _identity_at(ledger, position),
    )
    audit.findings += unreadable
    return audit


def _stored_checkpoints(ledger: LedgerApplication, unreadable: list[Finding]) -> Iterator[Checkpoint]:
    after = 0
    while rows := ledger.recorder.select_events(CHECKPOINT_LOG_ID, gt=after, limit=PAGE_SIZE):
        for row in rows:
            try:
                signed = ledger.mapper.to_domain_event(row)
                if not isinstance(signed, LedgerCheckpointSigned):
                    raise TypeError(f"a {type(signed).__name__} in the checkpoint log")
                yield signed.checkpoint()
            except Exception:  # a damaged row proves nothing; say where it is
                at = row.originator_version
                unreadable.append(Finding("CHECKPOINT", at, f"CHECKPOINT at position {at} (database) is unreadable"))
        after = rows[-1].originator_version


def _stored_claims(ledger: LedgerApplication, unreadable: list[Finding]) -> Iterator[Claim]:
    start = 1
    while notifications := ledger.recorder.select_notifications(start, PAGE_SIZE, topics=[CLAIM_TOPIC]):
        for notification in notifications:
            try:
                claimed = ledger.mapper.to_domain_event(notification)
                if not isinstance(claimed, EventIdentity.Claimed):
                    raise TypeError(f"a {type(claimed).__name__} under the claim topic")
                yield Claim(claimed.originator_id, claimed.source, claimed.event_id, claimed.position)
            except Exception:  # as above
                unreadable.append(Finding("CLAIM", 0, f"CLAIM {notification.originator_id} is unreadable"))
        start = notifications[-1].id + 1


def _identity_at(ledger: LedgerApplication, position: int) -> tuple[str, str] | None:
    try:
        return ledger.identities_at([position]).get(position)
    except Exception:  # a damaged row: the chain check reports it
        return None
