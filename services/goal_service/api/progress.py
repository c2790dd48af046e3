"""Goal progress and leaderboards, on two time axes: `as_of` (the business day: what had occurred by its
end) and `known_at` (the ledger position: what had been recorded by then). Every answer names the
position it reflects, which is never past what the projections hold."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from services.goal_service.api.deps import AnyRole, KnownAt, rules_at, today
from services.goal_service.domain.progress import progress
from services.goal_service.scope import may_see_goal
from shared.kernel.goals import Goal
from shared.kernel.ledger_views.queries import load_credits
from shared.kernel.metrics.catalogue import counts_money, is_metric, measures_needed
from shared.kernel.metrics.figures import Credit, metric_value, owned, show_figure, totals
from shared.kernel.periods import FIRST_DAY, LAST_DAY, day_start, growth_spans
from shared.kernel.workdays import CalendarYearMissing
from shared.platform.auth import Principal, Role
from shared.platform.errors import FieldError, InvalidInput, NotFound
from shared.platform.problems import problem_of
from shared.platform.responses import canonical_response, query_period

router = APIRouter(tags=["progress"])

FRESHNESS_WAIT_SECONDS = 2.0

AsOf = Annotated[
    date | None,
    Query(ge=FIRST_DAY, le=LAST_DAY, description="Business day: activity that occurred by its end (default today)."),
]
Drill = Annotated[Literal["rep", "team", "region", "product"] | None, Query(description="Break the actual down.")]


async def figures_known_at(request: Request, known_at: int | None) -> int:
    """The position an answer reflects: the one asked for (by default the ledger head), once both projections
    hold it; after a short wait for them, the furthest they both hold."""
    wanted = known_at if known_at is not None else (await asyncio.to_thread(request.app.state.ledger.head)).position
    return min(await request.app.state.projections.reach(wanted, FRESHNESS_WAIT_SECONDS), wanted)


async def goal_progress(
    request: Request, goal: Goal, position: int, as_of: date, drill: str | None, organisation: Any, calendar: Any
) -> dict[str, Any]:
    version = goal.current
    measures = set(measures_needed(goal.metric))
    measures |= {s[k]["measure"] for s in version.sub_targets for k in ("part", "whole")}
    zone = request.app.state.settings.zone

    async def credits_between(first: date, last: date) -> list[Credit]:
        return await asyncio.to_thread(
            load_credits,
            request.app.state.projections.engine,
            measures,
            day_start(first, zone),
            day_start(last + timedelta(days=1), zone),
            position,
            zone,
        )

    last_day = min(as_of, goal.period.last_day)
    credits = await credits_between(min(goal.period.first_day, as_of - timedelta(days=13)), last_day)
    spans = growth_spans(goal.period, as_of)
    earlier = {}
    if spans is not None:
        earlier = {
            "previous_period": await credits_between(spans.previous_period.first, spans.previous_period.last),
            "a_year_before": await credits_between(spans.a_year_before.first, spans.a_year_before.last),
        }
    return progress(goal, version, credits, organisation, calendar, as_of, drill, earlier)


async def progress_lines(
    request: Request, goals: list[Goal], position: int, as_of: date, organisation: Any, calendar: Any
) -> list[dict[str, Any]]:
    """Each goal's progress; a goal whose figures cannot be computed (its year has no published calendar)
    gets a problem entry in its place and spoils no other line."""
    lines = []
    for goal in goals:
        try:
            lines.append(await goal_progress(request, goal, position, as_of, None, organisation, calendar))
        except CalendarYearMissing as missing:
            lines.append(
                {
                    "goal_id": goal.goal_id,
                    "metric": goal.metric,
                    "owner": {"kind": goal.owner_kind, "id": goal.owner_id},
                    "period": goal.period.key,
                    "problem": problem_of(missing, f"/v1/goals/{goal.goal_id}/progress"),
                }
            )
    return lines


@router.get("/v1/goals/{goal_id}/progress")
async def read_goal_progress(
    request: Request,
    goal_id: str,
    principal: AnyRole,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    drill: Drill = None,
    children: Annotated[bool, Query(description="Include each child goal's progress.")] = False,
) -> Response:
    """Actual, target, completion, pace, forecast, trend and sub-targets of a goal; with `children`, the
    progress of the goals it was decomposed into (the roll-up); with `drill`, the actual by rep, team,
    region or product."""
    position = await figures_known_at(request, known_at)
    organisation, goals, calendar = await rules_at(request, position)
    goal = goals.goals.get(goal_id)
    if goal is None or not may_see_goal(principal, organisation, goal):
        raise NotFound(f"no goal {goal_id} is visible to you as known at position {position}")
    day = as_of or today(request)
    body = {"known_at": position, **await goal_progress(request, goal, position, day, drill, organisation, calendar)}
    if children:
        visible = [child for child in goals.children(goal_id) if may_see_goal(principal, organisation, child)]
        body["children"] = await progress_lines(request, visible, position, day, organisation, calendar)
    return canonical_response(request, body)


@router.get("/v1/progress")
async def list_progress(
    request: Request,
    principal: AnyRole,
    owner_kind: Annotated[Literal["company", "unit", "rep"] | None, Query()] = None,
    owner_id: str | None = None,
    period: str | None = None,
    metric: str | None = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The progress of every active goal visible to you for an owner, a period and a metric (each filter
    optional), in goal id order; `next_offset` pages on. A goal whose figures cannot be computed (no
    working-day calendar for its year) is listed with a `problem` (RFC 9457) instead of figures."""
    if period is not None:
        period = query_period(period).key
    position = await figures_known_at(request, known_at)
    organisation, goals, calendar = await rules_at(request, position)
    found = [
        g
        for g in sorted(goals.goals.values(), key=lambda g: g.goal_id)
        if g.current.status == "active"
        and (owner_kind is None or g.owner_kind == owner_kind)
        and (owner_id is None or g.owner_id == owner_id)
        and (period is None or g.period.key == period)
        and (metric is None or g.metric == metric)
        and may_see_goal(principal, organisation, g)
    ]
    day = as_of or today(request)
    page = await progress_lines(request, found[offset : offset + limit], position, day, organisation, calendar)
    return canonical_response(
        request,
        {
            "known_at": position,
            "as_of": day,
            "progress": page,
            "next_offset": offset + limit if offset + limit < len(found) else None,
        },
    )


@router.get("/v1/leaderboards/{metric}")
async def leaderboard(
    request: Request,
    metric: str,
    principal: AnyRole,
    period: Annotated[str, Query(description="e.g. 2026-Q4, 2026-10, 2026-W41")],
    as_of: AsOf = None,
    known_at: KnownAt = None,
    unit_id: Annotated[str | None, Query(description="Rank the reps of this unit's subtree (default: all).")] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "CNY",
) -> Response:
    """Reps ranked by a metric over a period: highest first, ties broken by rep id. A rep sees their own
    team's board, a manager the subtree they lead."""
    if not is_metric(metric):
        raise InvalidInput(f"unknown metric {metric}", errors=[FieldError("path:metric", "see the metric catalogue")])
    chosen = query_period(period)
    position = await figures_known_at(request, known_at)
    organisation, _, _ = await rules_at(request, position)
    day = min(as_of or today(request), chosen.last_day)
    root = _board_root(principal, organisation, unit_id, day)
    zone = request.app.state.settings.zone
    credits = await asyncio.to_thread(
        load_credits,
        request.app.state.projections.engine,
        measures_needed(metric),
        chosen.start(zone),
        day_start(day + timedelta(days=1), zone),
        position,
        zone,
    )
    if root is not None:
        credits = owned(credits, organisation, "unit", root)
    by_rep: dict[str, list] = {}
    for credit in credits:
        by_rep.setdefault(credit.rep_id, []).append(credit)
    money = counts_money(metric)
    in_money = currency if money else None
    scored = [(rep, metric_value(metric, totals(rows, in_money, chosen.first_day))) for rep, rows in by_rep.items()]
    ranked = sorted(((rep, value) for rep, value in scored if value is not None), key=lambda r: (-r[1], r[0]))
    return canonical_response(
        request,
        {
            "metric": metric,
            "period": chosen.key,
            "as_of": day,
            "known_at": position,
            "unit_id": root,
            **({"currency": currency} if money else {}),
            "ranking": [
                {"rank": i + 1, "rep_id": rep, "value": show_figure(metric, value, in_money)}
                for i, (rep, value) in enumerate(ranked)
            ],
        },
    )


def _board_root(principal: Principal, organisation: Any, unit_id: str | None, day: date) -> str | None:
    if principal.role is Role.REP:
        team = organisation.unit_of(principal.scope or "", day)
        if team is None:
            raise NotFound("you belong to no team on that day")
        return team
    if principal.role is Role.MANAGER:
        if unit_id is not None and not organisation.within(unit_id, principal.scope or "", day):
            raise NotFound(f"no unit {unit_id} is visible to you")
        return unit_id or principal.scope
    return unit_id
