"""Goals: set, revised, committed to and agreed, decomposed from company to teams to reps; every version
readable, "the goal as it stood on a day" a query, and a consistency report for each parent."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from services.goal_service.api.deps import AnyRole, GoalsDep, IdempotencyKey, KnownAt
from services.goal_service.api.goal_schemas import (
    Agreement,
    ConsistencyOut,
    Decomposition,
    GoalAtOut,
    GoalOut,
    GoalPageOut,
    GoalVersionsOut,
)
from services.goal_service.goals import GoalFilter, RecordedGoal
from shared.kernel.events.goals import GOAL_SCHEMAS, GoalStatus, OwnerKind
from shared.kernel.periods import FIRST_DAY, LAST_DAY
from shared.platform.openapi import request_body
from shared.platform.responses import canonical_response, query_period

router = APIRouter(prefix="/v1/goals", tags=["goals"])

ChangeBody = Annotated[dict[str, Any], Body()]
RECORDED: dict[str, Any] = {  # how a route that records a goal change declares its answers
    "status_code": 201,
    "response_model": GoalOut,
    "responses": {200: {"model": GoalOut, "description": "Sent again with its Idempotency-Key: answered as before"}},
}


def recorded(request: Request, found: RecordedGoal) -> Response:
    status = 200 if found.duplicate else 201
    return canonical_response(request, GoalOut.of(found.goal, found.goal.current), status)


@router.post("", openapi_extra=request_body(GOAL_SCHEMAS["goal.set"], without=("actor",)), **RECORDED)
async def set_goal(
    request: Request, principal: AnyRole, goals: GoalsDep, body: ChangeBody, idempotency_key: IdempotencyKey = None
) -> Response:
    """Set a goal for the company, a unit or a rep. HR and admins set any; a manager those they lead."""
    return recorded(request, await goals.set(principal, body, idempotency_key))


@router.post("/{goal_id}/revisions", **RECORDED)
async def revise_goal(
    request: Request,
    goal_id: str,
    principal: AnyRole,
    goals: GoalsDep,
    body: ChangeBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A new version: target, description, sub-targets or status, with a `reason`."""
    return recorded(request, await goals.revise(principal, goal_id, body, idempotency_key))


@router.post("/{goal_id}/commitments", **RECORDED)
async def commit_to_goal(
    request: Request,
    goal_id: str,
    principal: AnyRole,
    goals: GoalsDep,
    body: ChangeBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The owner's own figure (bottom-up). It changes no version until it is agreed."""
    return recorded(request, await goals.commit(principal, goal_id, body, idempotency_key))


@router.post("/{goal_id}/agreement", **RECORDED)
async def agree_goal(
    request: Request,
    goal_id: str,
    principal: AnyRole,
    goals: GoalsDep,
    body: Agreement,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The consensus version: the agreed target (by default the latest commitment)."""
    return recorded(request, await goals.agree(principal, goal_id, body.reason, body.target, idempotency_key))


@router.post("/{goal_id}/decomposition", response_model=ConsistencyOut)
async def decompose_goal(
    request: Request, goal_id: str, principal: AnyRole, goals: GoalsDep, body: Decomposition
) -> Response:
    """Allocate the goal's current target to child goals for units or reps under its owner: evenly, by
    weights, or by each child's share of a past period (`history`). The children add up to the parent
    exactly and each records how it was allocated. A rate is not split: each child carries the parent's.
    Answers the consistency report."""
    report = await goals.decompose(
        principal,
        goal_id,
        body.method,
        [child.child_goal() for child in body.children],
        history=body.history_period,
        reason=body.reason,
    )
    return canonical_response(request, ConsistencyOut.of(report))


@router.get("/{goal_id}/consistency", response_model=ConsistencyOut)
async def consistency(
    request: Request, goal_id: str, principal: AnyRole, goals: GoalsDep, known_at: KnownAt = None
) -> Response:
    """Where the children's current targets do not add up to the parent's, and by how much."""
    return canonical_response(request, ConsistencyOut.of(await goals.consistency(principal, goal_id, known_at)))


@router.get("", response_model=GoalPageOut)
async def list_goals(
    request: Request,
    principal: AnyRole,
    goals: GoalsDep,
    known_at: KnownAt = None,
    owner_kind: Annotated[OwnerKind | None, Query()] = None,
    owner_id: str | None = None,
    period: str | None = None,
    metric: str | None = None,
    status: GoalStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Goals visible to you, current versions, in goal id order; `next_offset` pages on."""
    wanted = GoalFilter(owner_kind, owner_id, query_period(period).key if period is not None else None, metric, status)
    return canonical_response(request, GoalPageOut.of(await goals.listing(principal, wanted, known_at, limit, offset)))


@router.get("/{goal_id}", response_model=GoalAtOut)
async def read_goal(
    request: Request,
    goal_id: str,
    principal: AnyRole,
    goals: GoalsDep,
    known_at: KnownAt = None,
    on: Annotated[
        date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="The goal as it stood at the end of this day.")
    ] = None,
) -> Response:
    return canonical_response(request, GoalAtOut.at(await goals.read(principal, goal_id, known_at, on)))


@router.get("/{goal_id}/versions", response_model=GoalVersionsOut)
async def goal_versions(
    request: Request, goal_id: str, principal: AnyRole, goals: GoalsDep, known_at: KnownAt = None
) -> Response:
    return canonical_response(request, GoalVersionsOut.of(await goals.read(principal, goal_id, known_at)))
