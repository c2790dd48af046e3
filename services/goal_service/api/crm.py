"""CRM deliveries as CRMs send them (POST /v1/webhooks/crm/{source}, authenticated by each CRM's own
signature), and what HR and admins manage around them: the CRM users table, the quarantine, a dry run of
a sample payload, and each delivery as it arrived, for audit."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.goal_service.api.deps import Editor, LedgerOpen, read_body
from services.goal_service.crm.delivery import Delivery
from services.goal_service.crm.intake import CrmIntake
from shared.kernel.events.activities import Ref, Schema, Text
from shared.platform.auth import Principal, Role, allow
from shared.platform.canonical import timestamp_now
from shared.platform.errors import Conflict, FieldError, InvalidInput, NotFound
from shared.platform.responses import canonical_response

router = APIRouter(tags=["CRM adapters"])
SourceName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Key = Annotated[str, Path(min_length=1, max_length=256)]
Overseer = Annotated[Principal, Depends(allow(Role.HR, Role.AUDITOR, Role.ADMIN))]


class CrmUserIn(Schema):
    rep_id: Ref


class DismissalIn(Schema):
    reason: Text


def intake(request: Request) -> CrmIntake:
    return request.app.state.crm


async def delivery_of(request: Request, source: str) -> Delivery:
    return Delivery(
        source=source,
        method=request.method,
        url=str(request.url),
        headers={name.lower(): value for name, value in request.headers.items()},
        query=dict(request.query_params),
        body=await read_body(request),
        received_at=timestamp_now(),
    )


@router.post(
    "/v1/webhooks/crm/{source}",
    responses={200: {"description": "re-delivered: answered as before"}, 201: {"description": "taken in"}},
    dependencies=[LedgerOpen],  # refused before the delivery is kept, while the ledger does not continue
)
async def receive(request: Request, source: SourceName) -> Response:
    """A delivery from the CRM named by `source` (a file in the CRM sources directory), signed as that CRM
    signs: each record becomes an activity in the ledger, or is quarantined with the reason."""
    answer, receipt = await intake(request).receive(source, await delivery_of(request, source))
    if answer is not None:
        return answer
    return canonical_response(request, receipt, 200 if receipt["duplicate"] else 201)


@router.post("/v1/crm/{source}/dry-run", summary="What a sample payload would become; records nothing")
async def dry_run(request: Request, source: SourceName, _: Editor) -> Response:
    delivery = await delivery_of(request, source)
    return canonical_response(request, await asyncio.to_thread(intake(request).dry_run, source, delivery))


@router.get("/v1/crm/quarantine", summary="Quarantined records, with the reason each is held")
async def quarantine(
    request: Request,
    _: Overseer,
    source: Annotated[str | None, Query(max_length=64)] = None,
    state: Literal["held", "released", "dismissed"] | None = None,
) -> Response:
    found = await asyncio.to_thread(intake(request).store.quarantined, source, state)
    return canonical_response(request, found)


@router.post("/v1/crm/quarantine/{quarantine_id}/reprocess", summary="Process a held record again")
async def reprocess(request: Request, quarantine_id: Annotated[int, Path(ge=1, le=2**62)], _: Editor) -> Response:
    return canonical_response(request, await intake(request).reprocess(quarantine_id))


@router.post("/v1/crm/quarantine/{quarantine_id}/dismiss", summary="Set aside a held record nothing can place")
async def dismiss(
    request: Request, quarantine_id: Annotated[int, Path(ge=1, le=2**62)], body: DismissalIn, principal: Editor
) -> Response:
    store = intake(request).store
    if not await asyncio.to_thread(store.dismiss, quarantine_id, principal.actor, body.reason, timestamp_now()):
        found = await asyncio.to_thread(store.quarantined, quarantine_id=quarantine_id)
        if not found:
            raise NotFound(f"no quarantined record {quarantine_id}")
        raise Conflict(f"quarantined record {quarantine_id} is {found[0]['state']}, not held")
    return canonical_response(request, (await asyncio.to_thread(store.quarantined, quarantine_id=quarantine_id))[0])


@router.get("/v1/crm/deliveries/{source}/{delivery_id}", summary="A delivery as it arrived, and what it became")
async def delivery(request: Request, source: SourceName, delivery_id: Key, _: Overseer) -> Response:
    found = await asyncio.to_thread(intake(request).store.delivery, source, delivery_id)
    if found is None:
        raise NotFound(f"no delivery {delivery_id} from {source}")
    return canonical_response(request, found)


@router.get("/v1/crm/entries/{position}", summary="The delivery a ledger entry came from, as it arrived")
async def entry_delivery(request: Request, position: Annotated[int, Path(ge=1, le=2**62)], _: Overseer) -> Response:
    store = intake(request).store
    found = await asyncio.to_thread(store.delivery_of, position)
    if found is None:
        raise NotFound(f"ledger entry {position} came from no CRM delivery")
    return canonical_response(request, await asyncio.to_thread(store.delivery, *found))


@router.put("/v1/crm/users/{source}/{crm_user_id}", summary="Credit a CRM user's activities to a rep")
async def map_user(
    request: Request, source: SourceName, crm_user_id: Key, body: CrmUserIn, principal: Editor
) -> Response:
    organisation = await asyncio.to_thread(request.app.state.rulebook.organisation)
    if body.rep_id not in organisation.reps:
        detail = f"no rep {body.rep_id} in the organisation"
        raise InvalidInput(detail, errors=[FieldError("/rep_id", detail)])
    store = intake(request).store
    await asyncio.to_thread(store.map_user, source, crm_user_id, body.rep_id, principal.actor, timestamp_now())
    return canonical_response(request, {"source": source, "crm_user_id": crm_user_id, "rep_id": body.rep_id})


@router.get("/v1/crm/users/{source}", summary="The CRM users of a source and their reps")
async def users(request: Request, source: SourceName, _: Overseer) -> Response:
    found: list[dict[str, Any]] = await asyncio.to_thread(intake(request).store.users, source)
    return canonical_response(request, found)
