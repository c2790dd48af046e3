"""The working-day calendar: HR publishes each year (or seeds it from chinese-calendar, for the years that
package knows); each publication is a new version, and any version stays readable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import JSONResponse, Response

from services.goal_service.api.deps import AnyRole, CalendarsDep, Editor, KnownAt
from services.goal_service.api.organisation_schemas import CalendarYearOut
from services.goal_service.api.schemas import RecordedEventOut
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1/calendars", tags=["calendars"])

Year = Annotated[int, Path(ge=1900, le=2200)]


@router.put("/{year}", status_code=201, response_model=RecordedEventOut)
async def publish_year(
    year: Year, principal: Editor, calendars: CalendarsDep, body: Annotated[dict[str, Any], Body()]
) -> JSONResponse:
    """Publish a year: `holidays` (days off) and `workdays` (make-up working days on weekends), with a
    `reason`. The answer's position is the new version."""
    recorded = await calendars.publish(principal, year, body)
    return JSONResponse(RecordedEventOut.of(recorded).model_dump(), status_code=201)


@router.post("/{year}/seed", status_code=201, response_model=RecordedEventOut)
async def seed(year: Year, principal: Editor, calendars: CalendarsDep) -> JSONResponse:
    """Publish a year from the chinese-calendar package, when it knows the year."""
    recorded = await calendars.seed(principal, year)
    return JSONResponse(RecordedEventOut.of(recorded).model_dump(), status_code=201)


@router.get("/{year}", response_model=CalendarYearOut)
async def read_year(
    request: Request, year: Year, _: AnyRole, calendars: CalendarsDep, known_at: KnownAt = None
) -> Response:
    return canonical_response(request, CalendarYearOut.of(await calendars.year(year, known_at)))
