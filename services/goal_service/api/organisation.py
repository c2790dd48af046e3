"""The organisation: changes by HR and admins (each one a ledger entry), CSV import of the whole tree, and
reads as of a business day and as known at a ledger position, scoped to what the caller may see."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response

from services.goal_service.api.deps import (
    AnyRole,
    Editor,
    IdempotencyKey,
    KnownAt,
    OrganisationDep,
    RawBody,
)
from services.goal_service.api.organisation_schemas import OrganisationImportOut, RepHistoryOut, RepsOut, UnitsOut
from services.goal_service.api.schemas import RecordedEventOut
from services.goal_service.organisation import OrganisationService
from shared.kernel.events.organisation import ORG_SCHEMAS
from shared.kernel.periods import FIRST_DAY, LAST_DAY
from shared.platform.auth import Principal
from shared.platform.openapi import request_body
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1/org", tags=["organisation"])

AsOf = Annotated[
    date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Business day the answer holds for (default: today).")
]
ChangeBody = Annotated[dict[str, Any], Body()]


def _documented(kind: str, *from_path: str) -> dict[str, Any]:
    """How an organisation change route is documented: its request body (the change without its actor and
    what the path gives), and its answers, 201 recorded or 200 sent again with its Idempotency-Key."""
    return {
        "openapi_extra": request_body(ORG_SCHEMAS[kind], without=("actor", *from_path)),
        "status_code": 201,
        "response_model": RecordedEventOut,
        "responses": {200: {"model": RecordedEventOut, "description": "Sent again with its Idempotency-Key"}},
    }


async def _record(
    organisation: OrganisationService,
    principal: Principal,
    kind: str,
    body: dict[str, Any],
    idempotency_key: str | None,
) -> JSONResponse:
    recorded = await organisation.change(principal, kind, body, idempotency_key)
    return JSONResponse(RecordedEventOut.of(recorded).model_dump(), status_code=200 if recorded.duplicate else 201)


@router.post("/units", **_documented("org.unit.created"))
async def create_unit(
    principal: Editor, organisation: OrganisationDep, body: ChangeBody, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Create the company, a region, a product line or a team."""
    return await _record(organisation, principal, "org.unit.created", body, idempotency_key)


@router.post("/units/{unit_id}/renames", **_documented("org.unit.renamed", "unit_id"))
async def rename_unit(
    unit_id: str,
    principal: Editor,
    organisation: OrganisationDep,
    body: ChangeBody,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    change = {**body, "unit_id": unit_id}
    return await _record(organisation, principal, "org.unit.renamed", change, idempotency_key)


@router.post("/units/{unit_id}/moves", **_documented("org.unit.moved", "unit_id"))
async def move_unit(
    unit_id: str,
    principal: Editor,
    organisation: OrganisationDep,
    body: ChangeBody,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    change = {**body, "unit_id": unit_id}
    return await _record(organisation, principal, "org.unit.moved", change, idempotency_key)


@router.post("/reps", **_documented("org.rep.hired"))
async def hire_rep(
    principal: Editor, organisation: OrganisationDep, body: ChangeBody, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    return await _record(organisation, principal, "org.rep.hired", body, idempotency_key)


@router.post("/reps/{rep_id}/moves", **_documented("org.rep.moved", "rep_id"))
async def move_rep(
    rep_id: str,
    principal: Editor,
    organisation: OrganisationDep,
    body: ChangeBody,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Move a rep to another team from `effective_from` on, also in the past: activity from that day is
    credited to the new team."""
    change = {**body, "rep_id": rep_id}
    return await _record(organisation, principal, "org.rep.moved", change, idempotency_key)


@router.post("/reps/{rep_id}/departures", **_documented("org.rep.left", "rep_id"))
async def rep_leaves(
    rep_id: str,
    principal: Editor,
    organisation: OrganisationDep,
    body: ChangeBody,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    change = {**body, "rep_id": rep_id}
    return await _record(organisation, principal, "org.rep.left", change, idempotency_key)


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
async def import_organisation(principal: Editor, organisation: OrganisationDep, body: RawBody) -> OrganisationImportOut:
    """Bring the organisation to what a CSV says (a header row, then one unit or rep a row; see
    domain/organisation_import.py). Rows that already hold change nothing, so importing a file twice
    records nothing the second time; each refused row is named by its line and reason."""
    text = body.decode("utf-8-sig", errors="replace")  # Excel writes a BOM
    return OrganisationImportOut.of(await organisation.import_csv(principal, text))


# --- reading ----------------------------------------------------------------------------------------------


@router.get("/units", response_model=UnitsOut)
async def list_units(
    request: Request, principal: AnyRole, organisation: OrganisationDep, as_of: AsOf = None, known_at: KnownAt = None
) -> Response:
    """Every unit on a day with its name and parent on that day."""
    return canonical_response(request, UnitsOut.of(await organisation.units(principal, as_of, known_at)))


@router.get("/reps", response_model=RepsOut)
async def list_reps(
    request: Request,
    principal: AnyRole,
    organisation: OrganisationDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    unit_id: Annotated[str | None, Query(description="Only reps in this unit's subtree.")] = None,
) -> Response:
    """The reps employed on a day, with the team each belonged to that day."""
    return canonical_response(request, RepsOut.of(await organisation.reps(principal, as_of, known_at, unit_id)))


@router.get("/reps/{rep_id}", response_model=RepHistoryOut)
async def rep_history(
    request: Request, rep_id: str, principal: AnyRole, organisation: OrganisationDep, known_at: KnownAt = None
) -> Response:
    """A rep's teams over time: each membership with the day it started and the day it ended."""
    return canonical_response(request, RepHistoryOut.of(await organisation.rep_history(principal, rep_id, known_at)))
