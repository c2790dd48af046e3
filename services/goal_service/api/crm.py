"""CRM deliveries as CRMs send them (POST /v1/webhooks/crm/{source}, authenticated by each CRM's own
signature), and what HR and admins manage around them: the CRM users table, the quarantine, a dry run of
a sample payload, and each delivery as it arrived, for audit."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.goal_service.api.crm_schemas import (
    DRY_RUN,
    CrmReceiptOut,
    CrmUserIn,
    CrmUserMappedOut,
    CrmUsersOut,
    DeliveryOut,
    DismissalIn,
    QuarantinedRecordOut,
    QuarantineOut,
    RecordOutcome,
)
from services.goal_service.api.deps import ByCrmSource, CrmDep, Editor, LedgerOpen, RawBody
from services.goal_service.crm.delivery import Delivery
from shared.platform.auth import Principal, Role, allow
from shared.platform.canonical import timestamp_now
from shared.platform.responses import canonical_response

router = APIRouter(tags=["CRM adapters"])
SourceName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Key = Annotated[str, Path(min_length=1, max_length=256)]
QuarantineId = Annotated[int, Path(ge=1, le=2**62)]
Overseer = Annotated[Principal, Depends(allow(Role.HR, Role.AUDITOR, Role.ADMIN))]


def delivery_of(request: Request, source: str, body: bytes) -> Delivery:
    return Delivery(
        source=source,
        method=request.method,
        url=str(request.url),
        headers={name.lower(): value for name, value in request.headers.items()},
        query=dict(request.query_params),
        body=body,
        received_at=timestamp_now(),
    )


@router.post(
    "/v1/webhooks/crm/{source}",
    status_code=201,
    response_model=CrmReceiptOut,
    responses={
        200: {
            "model": CrmReceiptOut,
            "description": "Re-delivered: answered as before; or the acknowledgement the CRM expects (Salesforce)",
            "content": {"text/xml": {"schema": {"type": "string"}}},
        },
        201: {"description": "Taken in"},
    },
    # refused before the delivery is kept, while the ledger does not continue, or its source sends too much
    dependencies=[LedgerOpen, ByCrmSource],
)
async def receive(request: Request, source: SourceName, crm: CrmDep, body: RawBody) -> Response:
    """A delivery from the CRM named by `source` (a file in the CRM sources directory), signed as that CRM
    signs: each record becomes an activity in the ledger, or is quarantined with the reason."""
    answer, receipt = await crm.receive(source, delivery_of(request, source, body))
    if answer is not None:
        return answer
    return canonical_response(request, CrmReceiptOut.model_validate(receipt), 200 if receipt["duplicate"] else 201)


@router.post(
    "/v1/crm/{source}/dry-run",
    summary="What a sample payload would become; records nothing",
    response_model=list[RecordOutcome],
    responses={200: {"description": DRY_RUN}},
)
async def dry_run(request: Request, source: SourceName, _: Editor, crm: CrmDep, body: RawBody) -> Response:
    return canonical_response(request, await asyncio.to_thread(crm.dry_run, source, delivery_of(request, source, body)))


@router.get(
    "/v1/crm/quarantine",
    summary="Quarantined records, with the reason each is held",
    response_model=QuarantineOut,
)
async def quarantine(
    request: Request,
    _: Overseer,
    crm: CrmDep,
    source: Annotated[str | None, Query(max_length=64)] = None,
    state: Literal["held", "released", "dismissed"] | None = None,
) -> Response:
    found = await crm.quarantined(source, state)
    return canonical_response(request, QuarantineOut.model_validate(found))


@router.post(
    "/v1/crm/quarantine/{quarantine_id}/reprocess",
    summary="Process a held record again",
    response_model=QuarantinedRecordOut,
)
async def reprocess(request: Request, quarantine_id: QuarantineId, _: Editor, crm: CrmDep) -> Response:
    return canonical_response(request, QuarantinedRecordOut.model_validate(await crm.reprocess(quarantine_id)))


@router.post(
    "/v1/crm/quarantine/{quarantine_id}/dismiss",
    summary="Set aside a held record nothing can place",
    response_model=QuarantinedRecordOut,
)
async def dismiss(
    request: Request, quarantine_id: QuarantineId, body: DismissalIn, principal: Editor, crm: CrmDep
) -> Response:
    dismissed = await crm.dismiss(quarantine_id, principal.actor, body.reason)
    return canonical_response(request, QuarantinedRecordOut.model_validate(dismissed))


@router.get(
    "/v1/crm/deliveries/{source}/{delivery_id}",
    summary="A delivery as it arrived, and what it became",
    response_model=DeliveryOut,
)
async def delivery(request: Request, source: SourceName, delivery_id: Key, _: Overseer, crm: CrmDep) -> Response:
    return canonical_response(request, DeliveryOut.model_validate(await crm.delivery(source, delivery_id)))


@router.get(
    "/v1/crm/entries/{position}",
    summary="The delivery a ledger entry came from, as it arrived",
    response_model=DeliveryOut | None,
)
async def entry_delivery(
    request: Request, position: Annotated[int, Path(ge=1, le=2**62)], _: Overseer, crm: CrmDep
) -> Response:
    found = await crm.delivery_of_entry(position)
    return canonical_response(request, DeliveryOut.model_validate(found) if found is not None else None)


@router.put(
    "/v1/crm/users/{source}/{crm_user_id}",
    summary="Credit a CRM user's activities to a rep",
    response_model=CrmUserMappedOut,
)
async def map_user(
    request: Request, source: SourceName, crm_user_id: Key, body: CrmUserIn, principal: Editor, crm: CrmDep
) -> Response:
    await crm.map_user(source, crm_user_id, body.rep_id, principal.actor)
    return canonical_response(request, CrmUserMappedOut(source=source, crm_user_id=crm_user_id, rep_id=body.rep_id))


@router.get("/v1/crm/users/{source}", summary="The CRM users of a source and their reps", response_model=CrmUsersOut)
async def users(request: Request, source: SourceName, _: Overseer, crm: CrmDep) -> Response:
    found = await crm.users(source)
    return canonical_response(request, CrmUsersOut.model_validate(found))
