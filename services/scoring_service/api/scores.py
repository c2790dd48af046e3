"""Live figures, as known now (or at a ledger position): scores with every KPI line, rankings, commission
statements, ratings. Everyone sees what their scope holds: a rep their own, a manager their subtree."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from services.scoring_service.api.deps import AnyRole, AppraiserDep, Rater
from services.scoring_service.domain.definitions import Rating
from shared.kernel.organisation import Organisation
from shared.kernel.periods import Period
from shared.kernel.scope import may_see
from shared.platform.auth import Principal
from shared.platform.canonical import INT64_MAX
from shared.platform.errors import NotFound
from shared.platform.responses import canonical_response, query_period

router = APIRouter(prefix="/v1", tags=["scores"])
KnownAt = Annotated[int | None, Query(ge=0, le=INT64_MAX, description="Answer as known at this ledger position.")]
PeriodQuery = Annotated[str, Query(description="A period: 2026-11, 2026-Q4, 2026, 2026-W48.")]


def visible(principal: Principal, organisation: Organisation, period: Period, rep_id: str) -> bool:
    return may_see(principal, organisation, "rep", rep_id, (period.last_day,))


async def live(appraiser: AppraiserDep, period: Period, known_at: int | None) -> tuple[int, Any, Organisation]:
    position, result = await asyncio.to_thread(appraiser.live, period, known_at)
    organisation = await asyncio.to_thread(appraiser.rulebook.organisation, position)
    return position, result, organisation


@router.get("/scores")
async def scores(
    request: Request, principal: AnyRole, appraiser: AppraiserDep, period: PeriodQuery, known_at: KnownAt = None
) -> Response:
    """Every visible rep's score with its KPI lines, ranks and percentile; team aggregates."""
    chosen = query_period(period)
    position, result, organisation = await live(appraiser, chosen, known_at)
    reps = {r: a for r, a in result.appraisals.items() if visible(principal, organisation, chosen, r)}
    teams = {t: f for t, f in result.teams.items() if may_see(principal, organisation, "unit", t, (chosen.last_day,))}
    return canonical_response(
        request, {"period": chosen.key, "known_at": position, "scores": reps, "teams": teams, "honours": result.honours}
    )


@router.get("/rankings")
async def rankings(
    request: Request,
    principal: AnyRole,
    appraiser: AppraiserDep,
    period: PeriodQuery,
    team: Annotated[str | None, Query(description="Rank within this team instead of the company.")] = None,
    known_at: KnownAt = None,
) -> Response:
    """Reps in rank order with score and percentile; ties are broken as the scoring rules document."""
    chosen = query_period(period)
    position, result, organisation = await live(appraiser, chosen, known_at)
    scope = "team" if team else "company"
    rows = [
        {"rep_id": r, "team_id": a["team_id"], "score": a["score"], **a["rank"][scope]}
        for r, a in result.appraisals.items()
        if (team is None or a["team_id"] == team) and visible(principal, organisation, chosen, r)
    ]
    rows.sort(key=lambda row: row["rank"])
    return canonical_response(request, {"period": chosen.key, "known_at": position, "scope": scope, "ranking": rows})


@router.get("/statements/{rep_id}")
async def statement(
    request: Request,
    rep_id: str,
    principal: AnyRole,
    appraiser: AppraiserDep,
    period: PeriodQuery,
    known_at: KnownAt = None,
) -> Response:
    """A rep's commission statement and bonus: each line, and the ledger events behind it."""
    chosen = query_period(period)
    position, result, organisation = await live(appraiser, chosen, known_at)
    appraisal = result.appraisals.get(rep_id)
    if appraisal is None or not visible(principal, organisation, chosen, rep_id):
        raise NotFound(f"no statement for rep {rep_id} in {chosen.key}")
    body = {k: appraisal[k] for k in ("period", "rep_id", "team_id", "score", "commission", "bonus")}
    return canonical_response(request, {"known_at": position, **body})


@router.post("/ratings", status_code=201)
async def give_rating(
    request: Request, rating: Rating, principal: Rater, appraiser: AppraiserDep, period: PeriodQuery
) -> Response:
    """A rating for a rated KPI, with who rated and why; a manager rates reps in their own subtree."""
    chosen = query_period(period)
    organisation = await asyncio.to_thread(appraiser.rulebook.organisation)
    if rating.rep_id not in organisation.reps or not visible(principal, organisation, chosen, rating.rep_id):
        raise NotFound(f"no rep {rating.rep_id} in your scope")
    given = await asyncio.to_thread(
        appraiser.app.give_rating, chosen.key, {**rating.model_dump(mode="json"), "rater": principal.actor}
    )
    return canonical_response(request, {"period": chosen.key, **given}, 201)
