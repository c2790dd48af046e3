"""The logs other services follow (alert_service's score rules and its appeal events): each revision as it was
sealed, and each step of an appeal as it was taken, in order, by the id of its event in scoring_service's
event store, answered by long poll."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.scoring_service.api.deps import AppealsDep, LogReader, SealedDep
from services.scoring_service.api.log_schemas import AppealEventOut, AppealEventsOut
from services.scoring_service.api.schemas import SealedEventOut, SealedEventsOut
from shared.platform.canonical import INT64_MAX
from shared.platform.long_poll import long_poll
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1/log", tags=["log"])
MAX_WAIT_SECONDS = 30

After = Annotated[int, Query(ge=0, le=INT64_MAX)]
Limit = Annotated[int, Query(ge=1, le=500)]
Wait = Annotated[
    float, Query(ge=0, le=MAX_WAIT_SECONDS, description="Seconds to wait for a first event when none is there yet.")
]


@router.get(
    "/appraisals",
    response_model=SealedEventsOut,
    summary="Sealed appraisal revisions after an event id, oldest first",
)
async def sealed_appraisals(
    request: Request, sealed: SealedDep, _: LogReader, after: After = 0, limit: Limit = 100, wait: Wait = 0
) -> Response:
    """Followed as the ledger is: by long poll, answered as soon as something is sealed after `after`."""
    found = await long_poll(lambda: sealed.since(after, limit), sealed.next_save, wait)
    return canonical_response(request, SealedEventsOut(events=[SealedEventOut.of(i, a) for i, a in found]))


@router.get("/appeals", response_model=AppealEventsOut, summary="Appeal steps after an event id, oldest first")
async def appeal_steps(
    request: Request, appeals: AppealsDep, _: LogReader, after: After = 0, limit: Limit = 100, wait: Wait = 0
) -> Response:
    """Every step of every appeal (filed, reviewers assigned, commented, information requested, answered,
    decided) with who, when and why, and the units whose managers may read the appeal; by long poll."""
    found = await long_poll(lambda: appeals.steps_since(after, limit), appeals.next_save, wait)
    return canonical_response(request, AppealEventsOut(events=[AppealEventOut.of(step) for step in found]))
