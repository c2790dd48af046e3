"""Live figures, as known now (or at a ledger position): scores with every KPI line, rankings, commission
statements, ratings. Everyone sees what their scope holds: a rep their own, a manager their subtree. Scores
and rankings are kept for the next caller asking the same of the same state (shared.platform.answer_cache)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.scoring_service.api.deps import AnswersDep, AnyRole, LiveDep, Rater
from services.scoring_service.api.schemas import RankingOut, RatingIn, RatingOut, ScoresOut, StatementOut
from shared.platform.canonical import INT64_MAX
from shared.platform.responses import canonical_response, query_period

router = APIRouter(prefix="/v1", tags=["scores"])
KnownAt = Annotated[int | None, Query(ge=0, le=INT64_MAX, description="Answer as known at this ledger position.")]
PeriodQuery = Annotated[str, Query(description="A period: 2026-11, 2026-Q4, 2026, 2026-W48.")]


@router.get("/scores", response_model=ScoresOut)
async def scores(
    request: Request,
    principal: AnyRole,
    live: LiveDep,
    answers: AnswersDep,
    period: PeriodQuery,
    known_at: KnownAt = None,
) -> Response:
    """Every visible rep's score with its KPI lines, ranks and percentile; team aggregates."""
    chosen = query_period(period)

    async def answer() -> object:
        return ScoresOut.of(await asyncio.to_thread(live.scores, chosen, known_at, principal))

    return await answers.respond(request, answer, principal, await asyncio.to_thread(live.state, chosen, known_at))


@router.get("/rankings", response_model=RankingOut)
async def rankings(
    request: Request,
    principal: AnyRole,
    live: LiveDep,
    answers: AnswersDep,
    period: PeriodQuery,
    team: Annotated[str | None, Query(description="Rank within this team instead of the company.")] = None,
    known_at: KnownAt = None,
) -> Response:
    """Reps in rank order with score and percentile; ties are broken as the scoring rules document."""
    chosen = query_period(period)

    async def answer() -> RankingOut:
        return RankingOut.of(await asyncio.to_thread(live.ranking, chosen, team, known_at, principal))

    return await answers.respond(request, answer, principal, await asyncio.to_thread(live.state, chosen, known_at))


@router.get("/statements/{rep_id}", response_model=StatementOut)
async def statement(
    request: Request, rep_id: str, principal: AnyRole, live: LiveDep, period: PeriodQuery, known_at: KnownAt = None
) -> Response:
    """A rep's commission statement and bonus: each line, and the ledger events behind it."""
    position, appraisal = await asyncio.to_thread(live.statement, query_period(period), rep_id, known_at, principal)
    return canonical_response(request, StatementOut.of(position, appraisal))


@router.post("/ratings", status_code=201, response_model=RatingOut)
async def give_rating(
    request: Request, rating: RatingIn, principal: Rater, live: LiveDep, period: PeriodQuery
) -> Response:
    """A rating for a rated KPI, with who rated and why; a manager rates reps in their own subtree."""
    chosen = query_period(period)
    given = await asyncio.to_thread(
        live.give_rating, chosen, rating.rep_id, rating.kpi, rating.value, rating.reason, principal
    )
    return canonical_response(request, RatingOut.of(chosen.key, given), 201)
