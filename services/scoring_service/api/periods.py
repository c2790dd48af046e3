"""Period close (open → closing → closed) and publication; sealed appraisals, their replay, and the
public keys that verify their seals."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from services.scoring_service.api.deps import AnyRole, AppraiserDep, Auditor, Editor
from services.scoring_service.api.scores import visible
from services.scoring_service.domain.aggregates import PeriodClose
from shared.kernel.organisation import Organisation
from shared.platform.auth import Principal, Role
from shared.platform.canonical import timestamp_now
from shared.platform.errors import Conflict, NotFound
from shared.platform.responses import canonical_response, query_period

router = APIRouter(prefix="/v1", tags=["periods and appraisals"])
CLOSE_WAIT_SECONDS = 10.0


def period_out(closing: PeriodClose) -> dict[str, Any]:
    return {
        "period": closing.period,
        "state": closing.state,
        "cutoff_position": closing.cutoff,
        "ledger_hash": closing.ledger_hash,
        "closed_by": closing.closed_by,
        "requested_at": closing.requested_at,
        "inputs": closing.inputs,
        "appraisals": len(closing.reps),
        "summary": closing.summary,
        "published": closing.published,
    }


def _known(closing: PeriodClose | None, key: str) -> PeriodClose:
    if closing is None:
        raise NotFound(f"period {key} is open: it has not begun to close")
    return closing


@router.post("/periods/{period}/close")
async def close_period(
    request: Request,
    period: str,
    principal: Editor,
    appraiser: AppraiserDep,
    cutoff_position: Annotated[int | None, Body(embed=True, ge=0)] = None,
) -> Response:
    """Fix the cut-off (the ledger head now, unless given) and seal every rep's appraisal once this service
    holds the ledger up to it: 200 when sealed, 202 while still catching up (it finishes by itself)."""
    chosen = query_period(period)
    closing = await asyncio.to_thread(appraiser.begin_close, chosen, cutoff_position, principal.actor)
    await appraiser.projections.reach(closing.cutoff, CLOSE_WAIT_SECONDS)
    closing = await asyncio.to_thread(appraiser.complete, chosen.key)
    return canonical_response(request, period_out(closing), 202 if closing.state == "closing" else 200)


@router.get("/periods/{period}")
async def read_period(request: Request, period: str, _: AnyRole, appraiser: AppraiserDep) -> Response:
    key = query_period(period).key
    return canonical_response(request, period_out(_known(await asyncio.to_thread(appraiser.app.period, key), key)))


@router.post("/periods/{period}/publish")
async def publish_period(request: Request, period: str, principal: Editor, appraiser: AppraiserDep) -> Response:
    """Make the sealed appraisals visible to their reps; the appeal window starts now."""
    key = query_period(period).key
    closing = _known(await asyncio.to_thread(appraiser.app.period, key), key)
    if closing.state == "closing":
        raise Conflict(f"{key} is still closing; publish once its appraisals are sealed")
    closing = await asyncio.to_thread(appraiser.app.publish, key, principal.actor, timestamp_now())
    return canonical_response(request, period_out(closing))


def _may_read(principal: Principal, closing: PeriodClose, organisation: Organisation, rep_id: str) -> bool:
    """A rep reads their own appraisal once it is published; others as far as their scope reaches."""
    if principal.role is Role.REP and closing.state != "published":
        return False
    return visible(principal, organisation, query_period(closing.period), rep_id)


async def _sealed(appraiser: AppraiserDep, principal: Principal, key: str, rep_id: str) -> tuple[PeriodClose, Any]:
    closing = await asyncio.to_thread(appraiser.app.period, key)
    appraisal = await asyncio.to_thread(appraiser.app.appraisal, key, rep_id) if closing else None
    if appraisal is None:
        raise NotFound(f"no sealed appraisal for rep {rep_id} in {key}")
    organisation = await asyncio.to_thread(appraiser.rulebook.organisation, closing.cutoff)
    if not _may_read(principal, closing, organisation, rep_id):
        raise NotFound(f"no sealed appraisal for rep {rep_id} in {key}")
    return closing, appraisal


def revision_out(closing: PeriodClose, revision: dict[str, Any]) -> dict[str, Any]:
    return {
        "revision": revision["revision"],
        "state": closing.state,
        "published": closing.published,
        "result": json.loads(revision["result"]),
        "seal": revision["seal"],
        "signature": revision["signature"],
    }


@router.get("/appraisals/{period}/{rep_id}")
async def read_appraisal(
    request: Request, period: str, rep_id: str, principal: AnyRole, appraiser: AppraiserDep
) -> Response:
    """The sealed appraisal (every revision, the latest last): its figures, seal and signature. The seal's
    result_sha256 is the SHA-256 of the canonical JSON of `result`."""
    key = query_period(period).key
    closing, appraisal = await _sealed(appraiser, principal, key, rep_id)
    return canonical_response(
        request, {"period": key, "rep_id": rep_id, "revisions": [revision_out(closing, r) for r in appraisal.revisions]}
    )


@router.get("/appraisals/{period}")
async def list_appraisals(request: Request, period: str, principal: AnyRole, appraiser: AppraiserDep) -> Response:
    key = query_period(period).key
    closing = _known(await asyncio.to_thread(appraiser.app.period, key), key)
    organisation = await asyncio.to_thread(appraiser.rulebook.organisation, closing.cutoff)
    found = []
    for rep_id in closing.reps:
        if not _may_read(principal, closing, organisation, rep_id):
            continue
        appraisal = await asyncio.to_thread(appraiser.app.appraisal, key, rep_id)
        result = json.loads(appraisal.current["result"])
        found.append({"rep_id": rep_id, "revision": appraisal.current["revision"], "score": result["score"]})
    return canonical_response(request, {"period": key, "state": closing.state, "appraisals": found})


@router.post("/appraisals/{period}/{rep_id}/replay")
async def replay_appraisal(
    request: Request, period: str, rep_id: str, principal: Auditor, appraiser: AppraiserDep
) -> Response:
    """Recompute the latest revision from the inputs its seal records and compare it byte for byte."""
    key = query_period(period).key
    _, appraisal = await _sealed(appraiser, principal, key, rep_id)
    return canonical_response(request, await asyncio.to_thread(appraiser.replay, key, rep_id, appraisal.current))


@router.get("/seal-keys")
async def seal_keys(request: Request, appraiser: AppraiserDep) -> Response:
    """The public keys that verify seals: Ed25519 over the canonical JSON of the seal. Public, like any
    verification key."""
    return canonical_response(request, {"keys": [appraiser.signer.public()]})
