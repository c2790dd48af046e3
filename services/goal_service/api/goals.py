"""Goals: set, revised, committed to and agreed, decomposed from company to teams to reps; every version
readable, "the goal as it stood on a day" a query, and a consistency report for each parent."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import Field

from services.goal_service.api.deps import AnyRole, KnownAt, rules_at, rules_known_at
from services.goal_service.scope import goal_days, may_commit, may_see_goal, may_set
from shared.kernel.events.activities import Ref, Schema, Text
from shared.kernel.events.goals import GOAL_SCHEMAS, Owner, Target
from shared.kernel.goals import Goal, Goals, GoalVersion, quantum
from shared.kernel.ledger_views.queries import load_credits
from shared.kernel.metrics.catalogue import measures_needed
from shared.kernel.metrics.figures import metric_value, owned, show_figure, totals
from shared.kernel.money import allocate
from shared.kernel.organisation import Organisation
from shared.kernel.periods import FIRST_DAY, LAST_DAY, parse_period
from shared.platform.auth import Principal
from shared.platform.canonical import format_timestamp
from shared.platform.errors import FieldError, Forbidden, InvalidInput, NotFound
from shared.platform.openapi import request_body
from shared.platform.responses import canonical_response, query_period

router = APIRouter(prefix="/v1/goals", tags=["goals"])

ChangeBody = Annotated[dict[str, Any], Body()]


def goal_view(goal: Goal, version: GoalVersion) -> dict[str, Any]:
    def shown(value: Decimal) -> Any:
        return show_figure(goal.metric, value, goal.currency)

    return {
        "goal_id": goal.goal_id,
        "metric": goal.metric,
        "owner": {"kind": goal.owner_kind, "id": goal.owner_id},
        "period": goal.period.key,
        "currency": goal.currency,
        "parent_goal_id": goal.parent_goal_id,
        "allocation": goal.allocation,
        "version": version.version,
        "recorded_at": version.recorded_at,
        "actor": version.actor,
        "reason": version.reason,
        "basis": version.basis,
        "target": shown(version.target),
        "description": version.description,
        "sub_targets": list(version.sub_targets),
        "status": version.status,
        "commitments": [
            {"value": shown(c.value), "actor": c.actor, "position": c.position, "recorded_at": c.recorded_at}
            for c in goal.commitments
            if c.position <= version.version or version is goal.current
        ],
    }


async def _rules(request: Request, known_at: int | None = None) -> tuple[Organisation, Goals, int]:
    position = await rules_known_at(request, known_at)
    organisation, goals, _ = await rules_at(request, position)
    return organisation, goals, position


async def _visible_goal(
    request: Request, goal_id: str, principal: Principal, known_at: int | None = None
) -> tuple[Goal, Organisation, Goals, int]:
    organisation, goals, position = await _rules(request, known_at)
    goal = goals.goals.get(goal_id)
    if goal is None or not may_see_goal(principal, organisation, goal):
        raise NotFound(f"no goal {goal_id} is visible to you")
    return goal, organisation, goals, position


async def _record(request: Request, kind: str, body: dict[str, Any], principal: Principal) -> Response:
    recorded = await request.app.state.rule_changes.record(
        kind, body, principal=principal, idempotency_key=request.headers.get("idempotency-key")
    )
    _, goals, _ = await _rules(request)
    goal = goals.goals[body["goal_id"]]
    return canonical_response(request, goal_view(goal, goal.current), status_code=200 if recorded.duplicate else 201)


@router.post(
    "",
    openapi_extra=request_body(GOAL_SCHEMAS["goal.set"], without=("actor",)),
)
async def set_goal(request: Request, principal: AnyRole, body: ChangeBody) -> Response:
    """Set a goal for the company, a unit or a rep. HR and admins set any; a manager those they lead."""
    body = {"goal_id": uuid.uuid4().hex, **body}
    owner = body.get("owner") if isinstance(body.get("owner"), dict) else {}
    organisation, _, _ = await _rules(request)
    try:
        chosen = parse_period(str(body.get("period", "")))
    except ValueError as error:
        raise InvalidInput(str(error), errors=[FieldError("/period", str(error))]) from None
    if not may_set(
        principal, organisation, str(owner.get("kind")), str(owner.get("id")), (chosen.first_day, chosen.last_day)
    ):
        raise Forbidden("you may set goals only for the units and reps you lead")
    return await _record(request, "goal.set", body, principal)


@router.post("/{goal_id}/revisions")
async def revise_goal(request: Request, goal_id: str, principal: AnyRole, body: ChangeBody) -> Response:
    """A new version: target, description, sub-targets or status, with a `reason`."""
    goal, organisation, _, _ = await _visible_goal(request, goal_id, principal)
    if not may_set(principal, organisation, goal.owner_kind, goal.owner_id, goal_days(goal)):
        raise Forbidden("you may revise goals only for the units and reps you lead")
    return await _record(request, "goal.revised", {**body, "goal_id": goal_id}, principal)


@router.post("/{goal_id}/commitments")
async def commit_to_goal(request: Request, goal_id: str, principal: AnyRole, body: ChangeBody) -> Response:
    """The owner's own figure (bottom-up). It changes no version until it is agreed."""
    goal, organisation, _, _ = await _visible_goal(request, goal_id, principal)
    if not may_commit(principal, organisation, goal.owner_kind, goal.owner_id, goal_days(goal)):
        raise Forbidden("a commitment comes from the goal's owner")
    return await _record(request, "goal.committed", {**body, "goal_id": goal_id}, principal)


class Agreement(Schema):
    reason: Text
    target: Target | None = Field(None, description="Default: the owner's latest commitment.")


@router.post("/{goal_id}/agreement")
async def agree_goal(request: Request, goal_id: str, principal: AnyRole, body: Agreement) -> Response:
    """The consensus version: the agreed target (by default the latest commitment)."""
    goal, organisation, _, _ = await _visible_goal(request, goal_id, principal)
    if not may_set(principal, organisation, goal.owner_kind, goal.owner_id, goal_days(goal)):
        raise Forbidden("you may agree goals only for the units and reps you lead")
    target = body.target if body.target is not None else (goal.commitments[-1].value if goal.commitments else None)
    if target is None:
        raise InvalidInput(
            "there is no commitment to agree on; give a target",
            errors=[FieldError("/target", "required while the owner has made no commitment")],
        )
    return await _record(
        request,
        "goal.revised",
        {"goal_id": goal_id, "target": str(target), "basis": "consensus", "reason": body.reason},
        principal,
    )


# Finite, never negative and bounded, so that target * weight can never overflow (1e999999 did).
Weight = Annotated[Decimal, Field(ge=0, lt=Decimal(10) ** 15, decimal_places=6)]


class Child(Schema):
    owner: Owner
    goal_id: Ref | None = None
    weight: Weight | None = None


class Decomposition(Schema):
    method: Literal["even", "weights", "history"]
    children: Annotated[list[Child], Field(min_length=1, max_length=500)]
    history_period: str | None = Field(None, description="For `history`: split by each child's actual then.")
    reason: Text | None = None


async def history_weights(
    request: Request, goal: Goal, body: Decomposition, organisation: Organisation
) -> list[Decimal]:
    """Each child's actual of the goal's metric over the history period, as known now."""
    try:
        then = parse_period(body.history_period or "")
    except ValueError as error:
        raise InvalidInput(str(error), errors=[FieldError("/history_period", str(error))]) from None
    zone = request.app.state.settings.zone
    credits = await asyncio.to_thread(
        load_credits,
        request.app.state.projections.engine,
        measures_needed(goal.metric),
        then.start(zone),
        then.end(zone),
        (await asyncio.to_thread(request.app.state.ledger.head)).position,
        zone,
    )
    weights = [
        metric_value(
            goal.metric, totals(owned(credits, organisation, c.owner.kind, c.owner.id), goal.currency, then.first_day)
        )
        or Decimal(0)
        for c in body.children
    ]
    if not any(weights):
        raise InvalidInput(
            f"the children had no {goal.metric} in {then}; split evenly or by weights",
            errors=[FieldError("/history_period", "nothing to split by")],
        )
    return weights


@router.post("/{goal_id}/decomposition")
async def decompose_goal(request: Request, goal_id: str, principal: AnyRole, body: Decomposition) -> Response:
    """Allocate the goal's current target to child goals for units or reps under its owner: evenly, by
    weights, or by each child's share of a past period (`history`). The children add up to the parent
    exactly and each records how it was allocated. A rate is not split: each child carries the parent's."""
    goal, organisation, _, _ = await _visible_goal(request, goal_id, principal)
    if not may_set(principal, organisation, goal.owner_kind, goal.owner_id, goal_days(goal)):
        raise Forbidden("you may decompose goals only for the units you lead")
    if body.method == "history":
        weights: list[Decimal | None] = await history_weights(request, goal, body, organisation)
    else:
        weights = [Decimal(1) if body.method == "even" else child.weight for child in body.children]
    if any(w is None for w in weights):
        raise InvalidInput(
            "the weights method needs a weight for every child",
            errors=[FieldError(f"/children/{i}/weight", "required") for i, w in enumerate(weights) if w is None],
        )
    if goal.additive and not any(weights):
        raise InvalidInput(
            "the weights are all zero, so they split nothing",
            errors=[FieldError(f"/children/{i}/weight", "all weights are zero") for i in range(len(weights))],
        )
    target = goal.current.target
    targets = (
        allocate(target, weights, quantum(goal.metric, goal.currency)) if goal.additive else [target] * len(weights)
    )
    children = []
    for index, (child, child_target) in enumerate(zip(body.children, targets, strict=True)):
        children.append(
            (
                "goal.set",
                {
                    "goal_id": child.goal_id or f"{goal_id}.{index + 1}",
                    "metric": goal.metric,
                    "owner": child.owner.model_dump(),
                    "period": goal.period.key,
                    "target": str(child_target),
                    "currency": goal.currency,
                    "parent_goal_id": goal_id,
                    "basis": "top_down",
                    "description": f"{goal.current.description} ({child.owner.kind} {child.owner.id})",
                    "allocation": {
                        "method": body.method,
                        "weight": str(weights[index]),
                        "of_target": str(target),
                        "of_version": str(goal.current.version),
                        **({"history_period": body.history_period} if body.method == "history" else {}),
                    },
                    **({"reason": body.reason} if body.reason else {}),
                },
            )
        )
    ids = [c[1]["goal_id"] for c in children]
    if len(set(ids)) != len(ids):
        raise InvalidInput(
            "child goal ids repeat", errors=[FieldError("/children", "each child needs its own goal_id")]
        )
    await request.app.state.rule_changes.record_together(children, principal=principal)
    return await consistency(request, goal_id, principal)


@router.get("/{goal_id}/consistency")
async def consistency(request: Request, goal_id: str, principal: AnyRole, known_at: KnownAt = None) -> Response:
    """Where the children's current targets do not add up to the parent's, and by how much."""
    goal, _, goals, position = await _visible_goal(request, goal_id, principal, known_at)
    report = goals.consistency(goal_id)

    def shown(value: Decimal | None) -> Any:
        return show_figure(goal.metric, value, goal.currency)

    for child in report["children"]:
        child["target"], child["committed"] = shown(child["target"]), shown(child["committed"])
    for key in ("target", "children_total", "difference"):
        if key in report:
            report[key] = shown(report[key])
    return canonical_response(request, {**report, "known_at": position})


@router.get("")
async def list_goals(
    request: Request,
    principal: AnyRole,
    known_at: KnownAt = None,
    owner_kind: Annotated[Literal["company", "unit", "rep"] | None, Query()] = None,
    owner_id: str | None = None,
    period: str | None = None,
    metric: str | None = None,
    status: Literal["active", "paused", "cancelled"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Goals visible to you, current versions, in goal id order; `next_offset` pages on."""
    organisation, goals, position = await _rules(request, known_at)
    if period is not None:
        period = query_period(period).key
    found = [
        g
        for g in sorted(goals.goals.values(), key=lambda g: g.goal_id)
        if (owner_kind is None or g.owner_kind == owner_kind)
        and (owner_id is None or g.owner_id == owner_id)
        and (period is None or g.period.key == period)
        and (metric is None or g.metric == metric)
        and (status is None or g.current.status == status)
        and may_see_goal(principal, organisation, g)
    ]
    page = found[offset : offset + limit]
    return canonical_response(
        request,
        {
            "known_at": position,
            "goals": [goal_view(g, g.current) for g in page],
            "next_offset": offset + limit if offset + limit < len(found) else None,
        },
    )


@router.get("/{goal_id}")
async def read_goal(
    request: Request,
    goal_id: str,
    principal: AnyRole,
    known_at: KnownAt = None,
    on: Annotated[
        date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="The goal as it stood at the end of this day.")
    ] = None,
) -> Response:
    goal, _, _, position = await _visible_goal(request, goal_id, principal, known_at)
    version = goal.current
    if on is not None:
        next_midnight = datetime.combine(on + timedelta(days=1), time(0), tzinfo=request.app.state.settings.zone)
        version = goal.as_recorded_by(format_timestamp(next_midnight - timedelta(microseconds=1)))
        if version is None:
            raise NotFound(f"goal {goal_id} was not yet set on {on}")
    return canonical_response(request, {**goal_view(goal, version), "known_at": position})


@router.get("/{goal_id}/versions")
async def goal_versions(request: Request, goal_id: str, principal: AnyRole, known_at: KnownAt = None) -> Response:
    goal, _, _, position = await _visible_goal(request, goal_id, principal, known_at)
    return canonical_response(request, {"known_at": position, "versions": [goal_view(goal, v) for v in goal.versions]})
