"""Period close (open → closing → closed) and publication; sealed appraisals, their replay, and the
public keys that verify their seals."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response

from services.scoring_service.api.audit_schemas import DiffOut, LineageOut, WhatIfIn, WhatIfOut
from services.scoring_service.api.deps import (
    AnyRole,
    ApplicationDep,
    Auditor,
    CloserDep,
    Editor,
    Examiner,
    ReplayerDep,
    SealedDep,
    SignerDep,
)
from services.scoring_service.api.schemas import (
    AppraisalListOut,
    AppraisalOut,
    PeriodOut,
    ReplayOut,
    SealKeyOut,
    SealKeysOut,
)
from services.scoring_service.domain.appraisal import Proposal
from services.scoring_service.domain.payroll import COLUMNS, payroll_csv, payroll_xlsx
from shared.platform.responses import canonical_response, query_period

router = APIRouter(prefix="/v1", tags=["periods and appraisals"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STILL_CLOSING: dict[int | str, dict[str, Any]] = {
    202: {"model": PeriodOut, "description": "Still catching up to the cut-off; it seals by itself."}
}


@router.post("/periods/{period}/close", response_model=PeriodOut, responses=STILL_CLOSING)
async def close_period(
    request: Request,
    period: str,
    principal: Editor,
    closer: CloserDep,
    cutoff_position: Annotated[int | None, Body(embed=True, ge=0)] = None,
) -> Response:
    """Fix the cut-off (the ledger head now, unless given) and seal every rep's appraisal once this service
    holds the ledger up to it: 200 when sealed, 202 while still catching up (it finishes by itself)."""
    closing = await closer.close(query_period(period), cutoff_position, principal.actor)
    return canonical_response(request, PeriodOut.of(closing), 202 if closing.awaiting_seal else 200)


@router.get("/periods/{period}", response_model=PeriodOut)
async def read_period(request: Request, period: str, principal: AnyRole, sealed: SealedDep) -> Response:
    """The close; its team figures and honours as far as the caller's scope reaches."""
    closing = await asyncio.to_thread(sealed.period, query_period(period).key)
    summary = await asyncio.to_thread(sealed.summary, closing, principal)
    return canonical_response(request, PeriodOut.of(closing, summary))


@router.post("/periods/{period}/publish", response_model=PeriodOut)
async def publish_period(request: Request, period: str, principal: Editor, closer: CloserDep) -> Response:
    """Make the sealed appraisals visible to their reps; the appeal window starts now."""
    closing = await asyncio.to_thread(closer.publish, query_period(period).key, principal.actor)
    return canonical_response(request, PeriodOut.of(closing))


@router.get(
    "/periods/{period}/payroll",
    response_class=Response,
    responses={
        200: {
            "description": "The payroll file: CSV, or XLSX with `format=xlsx`.",
            "content": {
                "text/csv": {"schema": {"type": "string", "description": "columns: " + ", ".join(COLUMNS)}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def payroll(
    period: str, _: Editor, sealed: SealedDep, format: Annotated[Literal["csv", "xlsx"], Query()] = "csv"
) -> Response:
    """Every rep's commission statement line by line (an adjustment or clawback names the period it settles
    and the ledger entries that moved it), their bonus, and what the period pays them."""
    rows = await asyncio.to_thread(sealed.payroll, query_period(period).key)
    if format == "xlsx":
        content, media = await asyncio.to_thread(payroll_xlsx, rows), XLSX
    else:
        content, media = payroll_csv(rows), "text/csv; charset=utf-8"
    disposition = f'attachment; filename="payroll-{period}.{format}"'
    return Response(content, media_type=media, headers={"content-disposition": disposition})


@router.post("/periods/{period}/paid", response_model=PeriodOut)
async def mark_paid(request: Request, period: str, principal: Editor, app: ApplicationDep) -> Response:
    """Record that the published period was paid; marking it again changes nothing."""
    closing = await asyncio.to_thread(app.mark_paid, query_period(period).key, principal.actor)
    return canonical_response(request, PeriodOut.of(closing))


@router.post("/periods/{period}/what-if", response_model=WhatIfOut)
async def what_if(request: Request, period: str, body: WhatIfIn, _: Examiner, replayer: ReplayerDep) -> Response:
    """The period's close recomputed with a proposed scorecard, commission plan or bonus pool in place of the
    rule of its kind and id, every rep's sealed appraisal beside it with the figures that would move;
    nothing is recorded."""
    proposal = Proposal(body.rule_id, body.definition)
    found = await asyncio.to_thread(replayer.what_if, query_period(period).key, proposal)
    return canonical_response(request, WhatIfOut.of(query_period(period).key, body, found))


@router.get("/appraisals/{period}/{rep_id}/lineage", response_model=LineageOut)
async def lineage(
    request: Request,
    period: str,
    rep_id: str,
    principal: Examiner,
    replayer: ReplayerDep,
    figure: Annotated[str, Query(max_length=200, description="A JSON pointer, such as /kpis/revenue/actual.")],
    revision: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> Response:
    """What one figure of a revision (the latest unless named) stands on: its ledger entries, each with its
    chain hash and the goal_service route that shows the CRM delivery it came from, and the seal with its
    rule versions."""
    found = await asyncio.to_thread(replayer.lineage, query_period(period).key, rep_id, revision, figure, principal)
    return canonical_response(request, LineageOut.of(found))


@router.get("/appraisals/{period}/{rep_id}/diff", response_model=DiffOut)
async def diff_appraisal(
    request: Request, period: str, rep_id: str, principal: Examiner, replayer: ReplayerDep
) -> Response:
    """The latest sealed revision against the same appraisal recomputed with everything known now (late
    events, corrections, reassigned credit): every figure that moved, old and new, the entries added to or
    taken from it, and the rep's entries recorded since the seal."""
    diff = await asyncio.to_thread(replayer.diff, query_period(period).key, rep_id, principal)
    return canonical_response(request, DiffOut.of(diff))


@router.get("/appraisals/{period}/{rep_id}", response_model=AppraisalOut)
async def read_appraisal(request: Request, period: str, rep_id: str, principal: AnyRole, sealed: SealedDep) -> Response:
    """The sealed appraisal (every revision, the latest last): its figures, seal and signature. The seal's
    result_sha256 is the SHA-256 of the canonical JSON of `result`."""
    closing, appraisal = await asyncio.to_thread(sealed.appraisal, query_period(period).key, rep_id, principal)
    return canonical_response(request, AppraisalOut.of(closing, appraisal))


@router.get("/appraisals/{period}", response_model=AppraisalListOut)
async def list_appraisals(request: Request, period: str, principal: AnyRole, sealed: SealedDep) -> Response:
    closing, revisions = await asyncio.to_thread(sealed.listing, query_period(period).key, principal)
    return canonical_response(request, AppraisalListOut.of(closing, revisions))


@router.post("/appraisals/{period}/{rep_id}/replay", response_model=ReplayOut)
async def replay_appraisal(
    request: Request, period: str, rep_id: str, principal: Auditor, replayer: ReplayerDep
) -> Response:
    """Recompute the latest revision from the inputs its seal records and compare it byte for byte."""
    replay = await asyncio.to_thread(replayer.replay, query_period(period).key, rep_id, principal)
    return canonical_response(request, ReplayOut.of(replay))


@router.get("/seal-keys", response_model=SealKeysOut)
async def seal_keys(request: Request, signer: SignerDep) -> Response:
    """The public keys that verify seals: Ed25519 over the canonical JSON of the seal. Public, like any
    verification key."""
    return canonical_response(request, SealKeysOut(keys=[SealKeyOut(**signer.public())]))
