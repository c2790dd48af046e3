"""Goal progress and leaderboards, on two time axes: `as_of` (the business day: what had occurred by its
end) and `known_at` (the ledger position: what had been recorded by then). Every answer names the
position it reflects, which is never past what the projections hold; an answer is kept for the next caller
asking the same at the same position (shared.platform.answer_cache)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.goal_service.api.deps import AnswersDep, AnyRole, KnownAt, ProgressDep
from services.goal_service.api.goal_schemas import GoalProgressAnswerOut, LeaderboardOut, ProgressPageOut
from services.goal_service.domain.progress import Drill
from services.goal_service.goals import GoalFilter
from shared.kernel.events.goals import OwnerKind
from shared.kernel.metrics.catalogue import is_metric
from shared.kernel.periods import FIRST_DAY, LAST_DAY
from shared.platform.errors import FieldError, InvalidInput
from shared.platform.responses import query_period

router = APIRouter(tags=["progress"])

AsOf = Annotated[
    date | None,
    Query(ge=FIRST_DAY, le=LAST_DAY, description="Business day: activity that occurred by its end (default today)."),
]
DrillBy = Annotated[Drill | None, Query(description="Break the actual down.")]


@router.get("/v1/goals/{goal_id}/progress", response_model=GoalProgressAnswerOut)
async def read_goal_progress(
    request: Request,
    goal_id: str,
    principal: AnyRole,
    progress: ProgressDep,
    answers: AnswersDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    drill: DrillBy = None,
    children: Annotated[bool, Query(description="Include each child goal's progress.")] = False,
) -> Response:
    """Actual, target, completion, pace, forecast, trend and sub-targets of a goal; with `children`, the
    progress of the goals it was decomposed into (the roll-up); with `drill`, the actual by rep, team,
    region or product."""
    position, day = await progress.position(known_at), as_of or progress.today()

    async def answer() -> GoalProgressAnswerOut:
        return GoalProgressAnswerOut.answer(await progress.goal(principal, goal_id, day, position, drill, children))

    return await answers.respond(request, answer, principal, position, day)


@router.get("/v1/progress", response_model=ProgressPageOut)
async def list_progress(
    request: Request,
    principal: AnyRole,
    progress: ProgressDep,
    answers: AnswersDep,
    owner_kind: Annotated[OwnerKind | None, Query()] = None,
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
    wanted = GoalFilter(owner_kind, owner_id, query_period(period).key if period is not None else None, metric)
    position, day = await progress.position(known_at), as_of or progress.today()

    async def answer() -> ProgressPageOut:
        return ProgressPageOut.of(await progress.listing(principal, wanted, day, position, limit, offset))

    return await answers.respond(request, answer, principal, position, day)


@router.get("/v1/leaderboards/{metric}", response_model=LeaderboardOut)
async def leaderboard(
    request: Request,
    metric: str,
    principal: AnyRole,
    progress: ProgressDep,
    answers: AnswersDep,
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
    chosen, position, day = query_period(period), await progress.position(known_at), as_of or progress.today()

    async def answer() -> LeaderboardOut:
        return LeaderboardOut.of(
            await progress.leaderboard(principal, metric, chosen, day, position, unit_id, currency)
        )

    return await answers.respond(request, answer, principal, position, day)
