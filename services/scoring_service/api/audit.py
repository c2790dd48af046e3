"""Audit bundles: one sealed appraisal revision with everything it was computed from, for an auditor to
verify offline with `perfledger audit verify` and the public keys alone."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from services.scoring_service.api.deps import AuditExporterDep, Examiner
from shared.platform.responses import canonical_response, query_period

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/appraisals/{period}/{rep_id}/audit-bundle", response_model=dict[str, Any])
async def audit_bundle(
    request: Request,
    period: str,
    rep_id: str,
    principal: Examiner,
    exporter: AuditExporterDep,
    revision: Annotated[int | None, Query(ge=1, le=10_000, description="The latest unless named.")] = None,
) -> Response:
    """The revision's audit bundle (`perfledger.audit-bundle.v1`): its seal, signature and figures; goal_service's
    ledger entries it stands on, each with its RFC 9162 inclusion proof against a signed checkpoint at or after
    the cut-off; its rule versions; and the inputs read from the ledger. `perfledger audit verify FILE --key
    SEAL_KEY --key CHECKPOINT_KEY` checks all of it and recomputes the figures, needing no database."""
    key = query_period(period).key
    found = await asyncio.to_thread(exporter.export, key, rep_id, revision, principal)
    response = canonical_response(request, found)
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"audit-{key}-{rep_id}.json")  # never a quote or a path in a header
    response.headers["content-disposition"] = f'attachment; filename="{name}"'
    return response
