"""Warnings: the list, a page at a time, and each warning with its evidence and diagnosis, the lifecycle
moves (a manager on their subtree; hr and admin on all), the business clock the rules run on, and the live
feed over Server-Sent Events, resumable with Last-Event-ID, which also carries the steps of appeals. A rep
sees their own warnings; outside scope is a 404."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import Field
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from services.alert_service.api.deps import Actor, AnyRole, WarningsDep, WatcherDep
from services.alert_service.api.schemas import SSE_FEED, BusinessClockOut, WarningOut, WarningsOut, event_data
from services.alert_service.domain.lifecycle import ActionKind, ActionPlan, WarningState
from services.alert_service.projections.warning_list import Cursor, WarningCriteria
from shared.kernel.events.activities import Ref, Schema, Text
from shared.platform.auth import token_key
from shared.platform.canonical import INT64_MAX, canonical_json
from shared.platform.errors import FieldError, InvalidInput
from shared.platform.rate_limit import StreamLimit
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1", tags=["warnings"])
FEED_POLL_SECONDS = 0.5
FEED_PING_SECONDS = 15
ACTIVE = frozenset(state for state in WarningState if state.active)
StateAsked = Literal["open", "acknowledged", "action_planned", "resolved", "auto_resolved", "active"]


class Acknowledgement(Schema):
    reason: Text | None = None


class ActionPlanIn(Schema):
    kind: ActionKind = Field(description="Coaching for a capability gap; more leads or time for a resource gap.")
    owner: Ref = Field(description="Who carries the action out.")
    due: date
    reason: Text | None = None


class Resolution(Schema):
    reason: Text


@router.get("/warnings", summary="Warnings in scope, newest raised first", response_model=WarningsOut)
async def listing(
    request: Request,
    principal: AnyRole,
    warnings: WarningsDep,
    state: Annotated[StateAsked | None, Query(description="`active` is open, acknowledged or action planned.")] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=128, description="A rep or unit id.")] = None,
    period: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Warnings a page holds at most.")] = 100,
    cursor: Annotated[str | None, Query(max_length=64, description="A page's `next`, for the page after it.")] = None,
) -> Response:
    states = None if state is None else ACTIVE if state == "active" else frozenset({WarningState(state)})
    criteria = WarningCriteria(states, rule, subject, period)
    page = await asyncio.to_thread(warnings.listing, principal, criteria, query_cursor(cursor), limit)
    return canonical_response(request, WarningsOut.of(page.warnings, None if page.next is None else str(page.next)))


def query_cursor(text: str | None) -> Cursor | None:
    """A cursor given as a query parameter, or a 422 naming it."""
    try:
        return None if text is None else Cursor.parse(text)
    except ValueError as error:
        raise InvalidInput(f"cursor: {error}", errors=[FieldError("query:cursor", str(error))]) from None


@router.get(
    "/warnings/feed",
    summary="Warning events as they happen (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses=SSE_FEED,
)
async def feed(
    request: Request,
    principal: AnyRole,
    warnings: WarningsDep,
    after: Annotated[
        int | None, Query(ge=0, le=INT64_MAX, description="Start after this event id (as Last-Event-ID).")
    ] = None,
    last_event_id: Annotated[str | None, Header(pattern=r"^\d{1,18}$")] = None,
) -> EventSourceResponse:
    """Each event is `id: <event id>`, `event: warning.raised` (or acknowledged, action_planned, resolved,
    auto_resolved) and the warning as that event left it; or `event: appeal.filed` (or reviewers_assigned,
    commented, information_requested, answered, decided) and the step, sent to the rep who appealed, the
    managers of their units and those who see everything. Reconnect with Last-Event-ID to resume."""
    start = int(last_event_id) if last_event_id is not None else (after or 0)
    streams: StreamLimit = request.app.state.feed_streams
    release = streams.acquire(token_key(request.headers.get("authorization", "")))  # 429 past the limit

    async def events() -> AsyncIterator[ServerSentEvent]:
        position = start
        try:
            while True:
                reached, found = await asyncio.to_thread(warnings.events_after, principal, position)
                for event in found:
                    data = canonical_json(event_data(event)).decode()
                    yield ServerSentEvent(data=data, id=str(event.notification_id), event=event.type.value)
                if reached == position:
                    await asyncio.sleep(FEED_POLL_SECONDS)
                position = reached
        finally:
            release()

    return EventSourceResponse(events(), ping=FEED_PING_SECONDS, background=BackgroundTask(release))


@router.get(
    "/warnings/{warning_id}",
    summary="One warning with its evidence, diagnosis and history",
    response_model=WarningOut,
)
async def read(request: Request, warning_id: UUID, principal: AnyRole, warnings: WarningsDep) -> Response:
    return canonical_response(request, WarningOut.of(await asyncio.to_thread(warnings.read, principal, warning_id)))


@router.post("/warnings/{warning_id}/acknowledge", summary="Acknowledge an open warning", response_model=WarningOut)
async def acknowledge(
    request: Request, warning_id: UUID, body: Acknowledgement, principal: Actor, warnings: WarningsDep
) -> Response:
    warning = await asyncio.to_thread(warnings.acknowledge, principal, warning_id, body.reason)
    return canonical_response(request, WarningOut.of(warning))


@router.post(
    "/warnings/{warning_id}/action",
    summary="Plan a coaching or resource action (again, to re-plan)",
    response_model=WarningOut,
)
async def plan_action(
    request: Request, warning_id: UUID, body: ActionPlanIn, principal: Actor, warnings: WarningsDep
) -> Response:
    plan = ActionPlan(body.kind, body.owner, body.due)
    warning = await asyncio.to_thread(warnings.plan_action, principal, warning_id, plan, body.reason)
    return canonical_response(request, WarningOut.of(warning))


@router.post("/warnings/{warning_id}/resolve", summary="Resolve a warning, saying why", response_model=WarningOut)
async def resolve(
    request: Request, warning_id: UUID, body: Resolution, principal: Actor, warnings: WarningsDep
) -> Response:
    warning = await asyncio.to_thread(warnings.resolve, principal, warning_id, body.reason)
    return canonical_response(request, WarningOut.of(warning))


@router.get(
    "/business-clock",
    summary="How far the ledger has been judged, in ledger positions and business days",
    response_model=BusinessClockOut,
)
async def business_clock(request: Request, _: AnyRole, watcher: WatcherDep) -> Response:
    """`position`: judged through; `held`: what the read model holds, so `lag` is what is left to judge;
    `clock`: the business day of the latest activity; `judged_through`: the last business day judged;
    `waiting_for`: null, or the day judging waits at because a calendar year it needs is not published
    (`day`, `calendar_years`, `detail` naming how HR publishes them, `since_position`): those days are
    judged where HR publishes the year; `scores_position`: scoring_service's sealed appraisals judged
    through this event id."""
    return canonical_response(request, BusinessClockOut.of(await asyncio.to_thread(watcher.business_clock)))
