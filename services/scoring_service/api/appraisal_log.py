"""The log of sealed appraisals, for services that follow scoring_service (alert_service's score rules):
each revision as it was sealed, in order, by the id of its event in scoring_service's event store."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.scoring_service.api.deps import AppraiserDep
from shared.platform.auth import Role, allow
from shared.platform.canonical import INT64_MAX
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1/log", tags=["log"])


@router.get("/appraisals", summary="Sealed appraisal revisions after an event id, oldest first")
async def sealed_appraisals(
    request: Request,
    appraiser: AppraiserDep,
    _: Annotated[object, Depends(allow(Role.SERVICE, Role.AUDITOR, Role.ADMIN))],
    after: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    def found() -> list[dict[str, Any]]:
        events = []
        for event_id, appraisal in appraiser.app.sealed_since(after, limit):
            revision = appraisal.current
            result = json.loads(revision["result"])
            events.append(
                {
                    "id": event_id,
                    "type": "appraisal.sealed",
                    "period": appraisal.period,
                    "rep_id": appraisal.rep_id,
                    "revision": revision["revision"],
                    "score": result["score"],
                    "rank": result["rank"],
                    "result_sha256": revision["seal"]["result_sha256"],
                    "ledger_position": revision["seal"]["ledger"]["position"],
                }
            )
        return events

    return canonical_response(request, {"events": await asyncio.to_thread(found)})
