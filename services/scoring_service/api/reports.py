"""An appraisal report for people: one sealed revision as print-ready HTML (print it, or save it as PDF, from
any browser), and its statement lines as CSV; read as far as reading the appraisal reaches."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from services.scoring_service.api.deps import AnyRole, ScoringDep
from services.scoring_service.domain.payroll import COLUMNS
from services.scoring_service.domain.report import report_html, statement_csv
from shared.platform.responses import query_period

router = APIRouter(prefix="/v1/appraisals", tags=["periods and appraisals"])
Revision = Annotated[int | None, Query(ge=1, le=10_000, description="A revision; the latest unless named.")]


@router.get(
    "/{period}/{rep_id}/report",
    response_class=HTMLResponse,
    responses={
        200: {
            "description": "Print-ready HTML: inline styles and SVG, no script, nothing external.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
async def appraisal_report(
    period: str, rep_id: str, principal: AnyRole, parts: ScoringDep, revision: Revision = None
) -> HTMLResponse:
    """One revision for people: its figures, the rep's progress against target through the period, each
    figure's ledger entries, the seal with its replay and signature checked, and the appeals with their steps."""
    found = await asyncio.to_thread(parts.reports.report, query_period(period).key, rep_id, revision, principal)
    return HTMLResponse(report_html(found), headers={"cache-control": "private, no-store"})


@router.get(
    "/{period}/{rep_id}/statement.csv",
    response_class=Response,
    responses={
        200: {
            "description": "The revision's statement lines, its bonus and what it pays, as in the payroll file.",
            "content": {"text/csv": {"schema": {"type": "string", "description": "columns: " + ", ".join(COLUMNS)}}},
        }
    },
)
async def statement(
    period: str, rep_id: str, principal: AnyRole, parts: ScoringDep, revision: Revision = None
) -> Response:
    key = query_period(period).key
    sealed = await asyncio.to_thread(parts.reports.revision, key, rep_id, revision, principal)
    # quoted in a header: nothing may break out of the quotes
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"statement-{key}-{rep_id}-r{sealed.revision}")
    disposition = f'attachment; filename="{name}.csv"'
    return Response(
        statement_csv(sealed.revision, sealed.result),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": disposition, "cache-control": "private, no-store"},
    )
