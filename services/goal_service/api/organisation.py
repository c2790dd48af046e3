"""The organisation: changes by HR and admins (each one a ledger entry), CSV import of the whole tree, and
reads as of a business day and as known at a ledger position, scoped to what the caller may see."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response

from services.goal_service.api.deps import (
    AnyRole,
    Editor,
    KnownAt,
    read_body,
    rules_known_at,
    today,
)
from services.goal_service.api.schemas import RecordedEventOut
from services.goal_service.domain.organisation_import import COLUMNS
from shared.kernel.events.organisation import ORG_SCHEMAS
from shared.kernel.organisation import Organisation
from shared.kernel.periods import FIRST_DAY, LAST_DAY
from shared.kernel.scope import may_see
from shared.platform.auth import Principal
from shared.platform.errors import FieldError, InvalidInput, NotFound
from shared.platform.openapi import request_body
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1/org", tags=["organisation"])

AsOf = Annotated[
    date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Business day the answer holds for (default: today).")
]
ChangeBody = Annotated[dict[str, Any], Body()]


def _documented(kind: str, *from_path: str) -> dict[str, Any]:
    return request_body(ORG_SCHEMAS[kind], without=("actor", *from_path))


async def _record(request: Request, kind: str, body: dict[str, Any], principal: Principal) -> JSONResponse:
    recorded = await request.app.state.rule_changes.record(
        kind, body, principal=principal, idempotency_key=request.headers.get("idempotency-key")
    )
    return JSONResponse(RecordedEventOut.of(recorded).model_dump(), status_code=200 if recorded.duplicate else 201)


@router.post("/units", openapi_extra=_documented("org.unit.created"))
async def create_unit(request: Request, principal: Editor, body: ChangeBody) -> JSONResponse:
    """Create the company, a region, a product line or a team."""
    return await _record(request, "org.unit.created", body, principal)


@router.post("/units/{unit_id}/renames", openapi_extra=_documented("org.unit.renamed", "unit_id"))
async def rename_unit(request: Request, unit_id: str, principal: Editor, body: ChangeBody) -> JSONResponse:
    return await _record(request, "org.unit.renamed", {**body, "unit_id": unit_id}, principal)


@router.post("/units/{unit_id}/moves", openapi_extra=_documented("org.unit.moved", "unit_id"))
async def move_unit(request: Request, unit_id: str, principal: Editor, body: ChangeBody) -> JSONResponse:
    return await _record(request, "org.unit.moved", {**body, "unit_id": unit_id}, principal)


@router.post("/reps", openapi_extra=_documented("org.rep.hired"))
async def hire_rep(request: Request, principal: Editor, body: ChangeBody) -> JSONResponse:
    return await _record(request, "org.rep.hired", body, principal)


@router.post("/reps/{rep_id}/moves", openapi_extra=_documented("org.rep.moved", "rep_id"))
async def move_rep(request: Request, rep_id: str, principal: Editor, body: ChangeBody) -> JSONResponse:
    """Move a rep to another team from `effective_from` on, also in the past: activity from that day is
    credited to the new team."""
    return await _record(request, "org.rep.moved", {**body, "rep_id": rep_id}, principal)


@router.post("/reps/{rep_id}/departures", openapi_extra=_documented("org.rep.left", "rep_id"))
async def rep_leaves(request: Request, rep_id: str, principal: Editor, body: ChangeBody) -> JSONResponse:
    return await _record(request, "org.rep.left", {**body, "rep_id": rep_id}, principal)


@router.post(
    "/import",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string", "description": "columns: kind, id, name, parent, effective_from"}
                }
            },
        }
    },
)
async def import_organisation(request: Request, principal: Editor) -> dict[str, Any]:
    """Bring the organisation to what a CSV says (a header row, then one unit or rep a row; see
    domain/organisation_import.py). Rows that already hold change nothing, so importing a file twice
    records nothing the second time; each refused row is named by its line and reason."""
    text = (await read_body(request)).decode("utf-8-sig", errors="replace")  # Excel writes a BOM
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            f"the header row lacks {', '.join(missing)}", errors=[FieldError("/1", f"columns are {', '.join(COLUMNS)}")]
        )
    rows = [(reader.line_num, row) for row in reader]
    plan, recorded = await request.app.state.rule_changes.import_organisation(rows, principal=principal)
    return {
        "lines": len(rows),
        "changes": len(recorded),
        "unchanged": plan.unchanged,
        "rejected": [{"line": line, "reason": reason} for line, reason in plan.rejected],
    }


# --- reading ----------------------------------------------------------------------------------------------


async def _organisation(request: Request, known_at: int | None) -> tuple[Organisation, int]:
    position = await rules_known_at(request, known_at)
    return await asyncio.to_thread(request.app.state.rulebook.organisation, position), position


@router.get("/units")
async def list_units(request: Request, principal: AnyRole, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Every unit on a day with its name and parent on that day."""
    organisation, position = await _organisation(request, known_at)
    day = as_of or today(request)
    units = [
        {"unit_id": u.unit_id, "kind": u.kind, "name": u.names.at(day), "parent_id": u.parents.at(day)}
        for u in organisation.units.values()
        if organisation.exists(u.unit_id, day) and may_see(principal, organisation, "unit", u.unit_id, (day,))
    ]
    return canonical_response(
        request, {"as_of": day, "known_at": position, "units": sorted(units, key=lambda u: u["unit_id"])}
    )


@router.get("/reps")
async def list_reps(
    request: Request,
    principal: AnyRole,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    unit_id: Annotated[str | None, Query(description="Only reps in this unit's subtree.")] = None,
) -> Response:
    """The reps employed on a day, with the team each belonged to that day."""
    organisation, position = await _organisation(request, known_at)
    day = as_of or today(request)
    reps = []
    for rep in organisation.reps.values():
        team = rep.units.at(day)
        if team is None or not may_see(principal, organisation, "rep", rep.rep_id, (day,)):
            continue
        if unit_id is None or organisation.within(team, unit_id, day):
            reps.append({"rep_id": rep.rep_id, "name": rep.name, "unit_id": team})
    return canonical_response(
        request, {"as_of": day, "known_at": position, "reps": sorted(reps, key=lambda r: r["rep_id"])}
    )


@router.get("/reps/{rep_id}")
async def rep_history(request: Request, rep_id: str, principal: AnyRole, known_at: KnownAt = None) -> Response:
    """A rep's teams over time: each membership with the day it started and the day it ended."""
    organisation, position = await _organisation(request, known_at)
    rep = organisation.reps.get(rep_id)
    if rep is None or not may_see(
        principal, organisation, "rep", rep_id, tuple(s.valid_from for s in rep.units.segments())
    ):
        raise NotFound(f"no rep {rep_id} is visible to you")
    memberships = [
        {"unit_id": s.value, "valid_from": s.valid_from, "valid_to": s.valid_to}
        for s in rep.units.segments()
        if s.value is not None
    ]
    return canonical_response(
        request, {"rep_id": rep_id, "name": rep.name, "known_at": position, "memberships": memberships}
    )
