"""Signed CloudEvents from CRMs: one event or a batch, recorded whole or not at all."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.goal_service.api.deps import ByPeer, LedgerOpen, RawBody, VerifierDep, WriterDep
from services.goal_service.api.schemas import BatchReceipt, RecordedEventOut
from services.goal_service.domain.ledger import Submission
from shared.kernel.events.envelope import BATCH_MEDIA_TYPE, SINGLE_MEDIA_TYPE, parse_events

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], dependencies=[LedgerOpen, ByPeer])

CLOUDEVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            SINGLE_MEDIA_TYPE: {"schema": {"type": "object"}},
            BATCH_MEDIA_TYPE: {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    },
    "parameters": [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    ],
}


@router.post(
    "/generic",
    openapi_extra=CLOUDEVENTS_BODY,
    status_code=201,
    response_model=RecordedEventOut | BatchReceipt,
    responses={
        200: {
            "model": RecordedEventOut | BatchReceipt,
            "description": "every event was already recorded (re-delivery)",
        },
        201: {"description": "new events recorded: one event's receipt, or a batch's"},
    },
)
async def receive_cloudevents(
    request: Request, writer: WriterDep, verifier: VerifierDep, body: RawBody
) -> JSONResponse:
    """Record one CloudEvent (`application/cloudevents+json`) or a batch
    (`application/cloudevents-batch+json`), signed per Standard Webhooks. Re-delivered events answer
    with their original positions and `duplicate: true`."""
    verifier.verify(body, request.headers)
    # one of the two media types CLOUDEVENTS_BODY declares: another is a 415 before the body is read
    batch = request.headers.get("content-type", "").split(";")[0].strip().lower() == BATCH_MEDIA_TYPE
    events = parse_events(body, batch=batch)
    pointers: list[list[str | int]] = [[index] for index in range(len(events))] if batch else [[]]
    (outcome,) = await writer.submit([Submission(events, pointers)])
    if outcome.error:
        raise outcome.error
    results = [RecordedEventOut.of(recorded) for recorded in outcome.recorded]
    status = 200 if all(r.duplicate for r in results) else 201
    if not batch:
        return JSONResponse(results[0].model_dump(), status_code=status)
    receipt = BatchReceipt(
        recorded=sum(not r.duplicate for r in results), duplicates=sum(r.duplicate for r in results), events=results
    )
    return JSONResponse(receipt.model_dump(), status_code=status)
