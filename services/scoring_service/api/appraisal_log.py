"""The log of sealed appraisals, for services that follow scoring_service (alert_service's score rules):
each revision as it was sealed, in order, by the id of its event in scoring_service's event store."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.scoring_service.api.deps import LogReader, SealedDep
from services.scoring_service.api.schemas import SealedEventOut, SealedEventsOut
from shared.platform.canonical import INT64_MAX
from shared.platform.long_poll import long_poll
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1/log", tags=["log"])
MAX_WAIT_SECONDS = 30


@router.get(
    "/appraisals",
    response_model=SealedEventsOut,
    summary="Sealed appraisal revisions after an event id, oldest first",
)
async def sealed_appraisals(
    request: Request,
    sealed: SealedDep,
    _: LogReader,
    after: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    wait: Annotated[
        float, Query(ge=0, le=MAX_WAIT_SECONDS, description="Seconds to wait for a first seal when none is there yet.")
    ] = 0,
) -> Response:
    """Followed as the ledger is: by long poll, answered as soon as something is sealed after `after`."""
    found = await long_poll(lambda: sealed.since(after, limit), sealed.next_save, wait)
    return canonical_response(request, SealedEventsOut(events=[SealedEventOut.of(i, a) for i, a in found]))
