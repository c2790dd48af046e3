"""The working-day calendar: HR publishes each year (or seeds it from chinese-calendar, for the years that
package knows); each publication is a new version, and any version stays readable."""

from __future__ import annotations

import asyncio
from datetime import date
from importlib.metadata import version
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import JSONResponse, Response

from services.goal_service.api.deps import AnyRole, Editor, KnownAt, rules_known_at
from services.goal_service.api.schemas import RecordedEventOut
from shared.kernel.workdays import seed_year
from shared.platform.auth import Principal
from shared.platform.errors import InvalidInput, NotFound
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1/calendars", tags=["calendars"])

Year = Annotated[int, Path(ge=1900, le=2200)]


async def _publish(request: Request, principal: Principal, body: dict[str, Any]) -> JSONResponse:
    recorded = await request.app.state.rule_changes.record("calendar.year.published", body, principal=principal)
    return JSONResponse(RecordedEventOut.of(recorded).model_dump(), status_code=201)


@router.put("/{year}")
async def publish_year(
    request: Request, year: Year, principal: Editor, body: Annotated[dict[str, Any], Body()]
) -> JSONResponse:
    """Publish a year: `holidays` (days off) and `workdays` (make-up working days on weekends), with a
    `reason`. The answer's position is the new version."""
    return await _publish(request, principal, {**body, "year": year, "source": "hr"})


@router.post("/{year}/seed")
async def seed(request: Request, year: Year, principal: Editor) -> JSONResponse:
    """Publish a year from the chinese-calendar package, when it knows the year."""
    try:
        holidays, workdays = seed_year(year)
    except LookupError as error:
        raise InvalidInput(str(error)) from None
    return await _publish(
        request,
        principal,
        {
            "year": year,
            "holidays": [d.isoformat() for d in holidays],
            "workdays": [d.isoformat() for d in workdays],
            "source": f"chinese-calendar {version('chinese-calendar')}",
            "reason": "seeded from chinese-calendar",
        },
    )


@router.get("/{year}")
async def read_year(request: Request, year: Year, _: AnyRole, known_at: KnownAt = None) -> Response:
    position = await rules_known_at(request, known_at)
    calendar = await asyncio.to_thread(request.app.state.rulebook.calendar, position)
    published = calendar.years.get(year)
    if published is None:
        raise NotFound(f"no calendar is published for {year} as known at position {position}")
    return canonical_response(
        request,
        {
            "year": year,
            "version": published.version,
            "known_at": position,
            "holidays": sorted(published.holidays),
            "workdays": sorted(published.workdays),
            "working_days": calendar.working_days(date(year, 1, 1), date(year, 12, 31)),
        },
    )
