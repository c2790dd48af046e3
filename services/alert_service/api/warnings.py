"""Warnings: the list and each warning with its evidence and diagnosis, the lifecycle moves (a manager on
their subtree; hr and admin on all), the business clock the rules run on, and the live feed over
Server-Sent Events, resumable with Last-Event-ID. A rep sees their own warnings; outside scope is a 404."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from services.alert_service.api.deps import Actor, AnyRole, ApplicationDep, WatcherDep
from services.alert_service.domain.aggregates import ACTIVE, PerformanceWarning
from shared.kernel.events.activities import Ref, Schema, Text
from shared.kernel.organisation import Organisation
from shared.kernel.scope import may_see
from shared.platform.auth import Principal
from shared.platform.canonical import INT64_MAX, canonical_json, timestamp_now
from shared.platform.errors import NotFound
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1", tags=["warnings"])
FEED_POLL_SECONDS = 0.5
FEED_PING_SECONDS = 15


class Acknowledgement(Schema):
    reason: Text | None = None


class ActionPlan(Schema):
    kind: Literal["coaching", "resource"] = Field(
        description="Coaching for a capability gap; more leads or time for a resource gap."
    )
    owner: Ref = Field(description="Who carries the action out.")
    due: date
    reason: Text | None = None


class Resolution(Schema):
    reason: Text


def visible(principal: Principal, organisation: Organisation, warning: PerformanceWarning) -> bool:
    day = date.fromisoformat(warning.raised["day"])
    return may_see(principal, organisation, warning.subject["kind"], warning.subject["id"], (day,))


def _found(app: Any, organisation: Organisation, principal: Principal, warning_id: UUID) -> PerformanceWarning:
    warning = app.warning(warning_id)
    if not isinstance(warning, PerformanceWarning) or not visible(principal, organisation, warning):
        raise NotFound(f"no warning {warning_id}")
    return warning


@router.get("/warnings", summary="Warnings in scope, newest raised first")
async def listing(
    request: Request,
    principal: AnyRole,
    app: ApplicationDep,
    watcher: WatcherDep,
    state: Annotated[
        Literal["open", "acknowledged", "action_planned", "resolved", "auto_resolved", "active"] | None,
        Query(description="`active` is open, acknowledged or action planned."),
    ] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=128, description="A rep or unit id.")] = None,
    period: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    def found() -> list[dict[str, Any]]:
        organisation = watcher.rulebook.organisation()
        warnings = [w for w in app.warnings() if visible(principal, organisation, w)]
        chosen = [
            w.as_dict()
            for w in warnings
            if (state is None or w.state == state or (state == "active" and w.state in ACTIVE))
            and rule in (None, w.rule["id"])
            and subject in (None, w.subject["id"])
            and period in (None, w.period)
        ]
        return sorted(chosen, key=lambda w: (-w["raised"]["position"], w["id"]))

    return canonical_response(request, await asyncio.to_thread(found))


@router.get("/warnings/feed", summary="Warning events as they happen (Server-Sent Events)")
async def feed(
    request: Request,
    principal: AnyRole,
    app: ApplicationDep,
    watcher: WatcherDep,
    after: Annotated[
        int | None, Query(ge=0, le=INT64_MAX, description="Start after this event id (as Last-Event-ID).")
    ] = None,
    last_event_id: Annotated[str | None, Header(pattern=r"^\d{1,18}$")] = None,
) -> EventSourceResponse:
    """Each event is `id: <event id>`, `event: warning.raised` (or acknowledged, action_planned, resolved,
    auto_resolved) and the warning as that event left it. Reconnect with Last-Event-ID to resume."""
    start = int(last_event_id) if last_event_id is not None else (after or 0)

    async def events() -> AsyncIterator[ServerSentEvent]:
        position = start
        while True:
            found = await asyncio.to_thread(app.warning_events, position)
            organisation = await asyncio.to_thread(watcher.rulebook.organisation) if found else None
            for notification_id, event_type, warning in found:
                position = notification_id
                if organisation is not None and visible(principal, organisation, warning):
                    data = canonical_json(warning.as_dict()).decode()
                    yield ServerSentEvent(data=data, id=str(notification_id), event=event_type)
            if not found:
                await asyncio.sleep(FEED_POLL_SECONDS)

    return EventSourceResponse(events(), ping=FEED_PING_SECONDS)


@router.get("/warnings/{warning_id}", summary="One warning with its evidence, diagnosis and history")
async def read(
    request: Request, warning_id: UUID, principal: AnyRole, app: ApplicationDep, watcher: WatcherDep
) -> Response:
    def found() -> dict[str, Any]:
        return _found(app, watcher.rulebook.organisation(), principal, warning_id).as_dict()

    return canonical_response(request, await asyncio.to_thread(found))


async def _move(
    request: Request,
    app: Any,
    watcher: Any,
    principal: Principal,
    warning_id: UUID,
    to: str,
    reason: str | None,
    **details: Any,
) -> Response:
    def moved() -> dict[str, Any]:
        _found(app, watcher.rulebook.organisation(), principal, warning_id)
        return app.move(warning_id, to, principal.actor, reason, timestamp_now(), **details).as_dict()

    return canonical_response(request, await asyncio.to_thread(moved))


@router.post("/warnings/{warning_id}/acknowledge", summary="Acknowledge an open warning")
async def acknowledge(
    request: Request,
    warning_id: UUID,
    body: Acknowledgement,
    principal: Actor,
    app: ApplicationDep,
    watcher: WatcherDep,
) -> Response:
    return await _move(request, app, watcher, principal, warning_id, "acknowledged", body.reason)


@router.post("/warnings/{warning_id}/action", summary="Plan a coaching or resource action (again, to re-plan)")
async def plan_action(
    request: Request, warning_id: UUID, body: ActionPlan, principal: Actor, app: ApplicationDep, watcher: WatcherDep
) -> Response:
    action = json.loads(canonical_json({"kind": body.kind, "owner": body.owner, "due": body.due}))
    return await _move(request, app, watcher, principal, warning_id, "action_planned", body.reason, action=action)


@router.post("/warnings/{warning_id}/resolve", summary="Resolve a warning, saying why")
async def resolve(
    request: Request, warning_id: UUID, body: Resolution, principal: Actor, app: ApplicationDep, watcher: WatcherDep
) -> Response:
    return await _move(request, app, watcher, principal, warning_id, "resolved", body.reason)


@router.get("/business-clock", summary="How far the ledger has been judged, in ledger positions and business days")
async def business_clock(request: Request, _: AnyRole, app: ApplicationDep, watcher: WatcherDep) -> Response:
    """`position`: judged through; `held`: what the read model holds, so `lag` is what is left to judge;
    `clock`: the business day of the latest activity; `judged_through`: the last business day judged;
    `waiting_for`: null, or the day judging waits at because a calendar year it needs is not published
    (`day`, `calendar_years`, `detail` naming how HR publishes them, `since_position`): those days are
    judged where HR publishes the year; `scores_position`: scoring_service's sealed appraisals judged
    through this event id."""
    watch = await asyncio.to_thread(app.watch)
    held = await asyncio.to_thread(watcher.projections.held)
    return canonical_response(
        request,
        {
            "position": watch.position,
            "held": held,
            "lag": max(held - watch.position, 0),
            "clock": watch.clock,
            "judged_through": watch.judged_through,
            "waiting_for": watch.waiting_for,
            "scores_position": watch.scores_position,
        },
    )
