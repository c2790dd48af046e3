"""The ledger as a log for followers and auditors: its head, its entries in position order, and the signed
checkpoints of its head with the public keys that verify them."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query

from services.goal_service.api.deps import LedgerDep, LedgerReader, ProofsDep, WriterDep
from services.goal_service.api.schemas import (
    CheckpointKeyOut,
    CheckpointListing,
    CheckpointOut,
    ConsistencyOut,
    InclusionOut,
    InclusionRequest,
    LedgerEntryOut,
    LedgerHeadOut,
    LedgerPage,
    ProvedEntryOut,
    TreeHeadOut,
)
from shared.platform.canonical import INT64_MAX
from shared.platform.long_poll import long_poll

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])

MAX_WAIT_SECONDS = 30.0


@router.get("/head")
async def ledger_head(ledger: LedgerDep, _: LedgerReader) -> LedgerHeadOut:
    """The last position and the chain hash that covers every entry up to it."""
    head = await asyncio.to_thread(ledger.head)
    return LedgerHeadOut(position=head.position, hash=head.hash)


@router.get("/events")
async def ledger_events(
    ledger: LedgerDep,
    writer: WriterDep,
    _: LedgerReader,
    after: Annotated[int, Query(ge=0, le=INT64_MAX, description="Return entries after this position.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[
        float, Query(ge=0, le=MAX_WAIT_SECONDS, description="Seconds to wait for a first entry when none is there yet.")
    ] = 0,
) -> LedgerPage:
    """Entries after `after`, in position order, with the hash chain. Positions are gapless and an entry
    becomes readable only after every lower position has committed, so a follower that asks from the last
    position it processed never skips an entry (see domain/ledger.py)."""
    entries = await long_poll(lambda: ledger.entries(after, limit), writer.wait_for_commit, wait)
    # The checkpoint before the head: it is signed after its group commits, so it never lies above `head`.
    checkpoint, previous_hash, head = await asyncio.to_thread(
        lambda: (ledger.latest_checkpoint(), ledger.hash_at(after), ledger.head())
    )
    covering = None
    if entries and (checkpoint is None or entries[-1].position < checkpoint.position):
        covering = await asyncio.to_thread(ledger.checkpoint_at_or_below, entries[-1].position)
    return LedgerPage(
        previous_hash=previous_hash,
        events=[LedgerEntryOut(position=e.position, hash=e.hash, entry=dict(e.entry)) for e in entries],
        head=LedgerHeadOut(position=head.position, hash=head.hash),
        checkpoint=CheckpointOut.of(checkpoint),
        covering_checkpoint=CheckpointOut.of(covering),
    )


@router.get("/checkpoints")
async def ledger_checkpoints(
    ledger: LedgerDep,
    _: LedgerReader,
    after: Annotated[int, Query(ge=0, le=INT64_MAX, description="Checkpoints of positions after this one.")] = 0,
    limit: Annotated[int, Query(ge=0, le=1000)] = 100,
) -> CheckpointListing:
    """Signed checkpoints of the ledger's head, and the public keys that verify them: Ed25519 over the
    canonical JSON (keys sorted, no white space) of each checkpoint without its `signature`. Keep them
    outside PerfLedger's database: `perfledger ledger verify --checkpoints FILE` checks the ledger against
    them, and a deleted tail or a rewritten stretch then shows at its position."""
    checkpoints, latest = await asyncio.to_thread(
        lambda: (ledger.stored_checkpoints(after, limit), ledger.latest_checkpoint())
    )
    keys = ledger.checkpoints.public_keys() if ledger.checkpoints else []
    return CheckpointListing(
        keys=[CheckpointKeyOut.of(key) for key in keys],
        checkpoints=[CheckpointOut(**c.to_json()) for c in checkpoints],
        latest=CheckpointOut.of(latest),
    )


@router.get("/consistency")
async def ledger_consistency(
    proofs: ProofsDep,
    _: LedgerReader,
    old: Annotated[int, Query(alias="from", ge=0, le=INT64_MAX, description="The earlier tree size.")],
    new: Annotated[
        int | None, Query(alias="to", ge=0, le=INT64_MAX, description="The later size; the latest checkpoint's.")
    ] = None,
) -> ConsistencyOut:
    """A consistency proof (RFC 9162 2.1.4) between the Merkle tree heads at two sizes: an auditor who kept
    an earlier checkpoint verifies that a later one only appended to it, without reading the entries."""
    old_head, new_head, proof = await proofs.consistency(old, new)
    return ConsistencyOut(old=TreeHeadOut.of(old_head), new=TreeHeadOut.of(new_head), proof=[h.hex() for h in proof])


@router.post("/inclusion-proofs")
async def ledger_inclusion_proofs(proofs: ProofsDep, _: LedgerReader, body: InclusionRequest) -> InclusionOut:
    """Entries with their inclusion proofs (RFC 9162 2.1.3) in the tree of `tree_size` entries: what an audit
    bundle carries for each entry an appraisal read."""
    head, proved = await proofs.inclusion(body.positions, body.tree_size)
    return InclusionOut(tree=TreeHeadOut.of(head), entries=[ProvedEntryOut.of(p) for p in proved])
