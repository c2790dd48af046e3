"""Scorecards, commission plans and bonus pools: each change is a new version, effective from a day."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from services.scoring_service.api.deps import AnyRole, ApplicationDep, Editor
from services.scoring_service.api.schemas import (
    AppealPolicyVersionIn,
    BonusPoolVersionIn,
    CommissionPlanVersionIn,
    RuleOut,
    RuleVersionIn,
    ScorecardVersionIn,
)
from services.scoring_service.domain.definitions import (
    AppealPolicy,
    BonusPool,
    CommissionPlan,
    RuleDefinition,
    Scorecard,
)
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1", tags=["rules"])
RuleId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


def first_version(answer: Any) -> dict[int | str, dict[str, Any]]:
    return {201: {"model": answer, "description": "The rule is new: this is its first version."}}


async def _define(
    request: Request,
    app: ApplicationDep,
    kind: str,
    rule_id: str,
    version: RuleVersionIn,
    definition: RuleDefinition,
    actor: str,
) -> Response:
    rule = await asyncio.to_thread(
        app.define_rule, kind, rule_id, definition, version.effective_from, actor, version.reason
    )
    return canonical_response(request, RuleOut.of(rule), 201 if len(rule.versions) == 1 else 200)


@router.put(
    "/scorecards/{rule_id}",
    response_model=RuleOut[Scorecard],
    responses=first_version(RuleOut[Scorecard]),
    summary="Define a scorecard, or add a version to it",
)
async def define_scorecard(
    request: Request, rule_id: RuleId, body: ScorecardVersionIn, principal: Editor, app: ApplicationDep
) -> Response:
    return await _define(request, app, "scorecard", rule_id, body, body.definition, principal.actor)


@router.put(
    "/commission-plans/{rule_id}",
    response_model=RuleOut[CommissionPlan],
    responses=first_version(RuleOut[CommissionPlan]),
    summary="Define a commission plan, or add a version to it",
)
async def define_commission_plan(
    request: Request, rule_id: RuleId, body: CommissionPlanVersionIn, principal: Editor, app: ApplicationDep
) -> Response:
    return await _define(request, app, "commission_plan", rule_id, body, body.definition, principal.actor)


@router.put(
    "/bonus-pools/{rule_id}",
    response_model=RuleOut[BonusPool],
    responses=first_version(RuleOut[BonusPool]),
    summary="Define a bonus pool, or add a version to it",
)
async def define_bonus_pool(
    request: Request, rule_id: RuleId, body: BonusPoolVersionIn, principal: Editor, app: ApplicationDep
) -> Response:
    return await _define(request, app, "bonus_pool", rule_id, body, body.definition, principal.actor)


@router.put(
    "/appeal-policies/{rule_id}",
    response_model=RuleOut[AppealPolicy],
    responses=first_version(RuleOut[AppealPolicy]),
    summary="Define the appeal policy (the working days a rep has to appeal), or add a version to it",
)
async def define_appeal_policy(
    request: Request, rule_id: RuleId, body: AppealPolicyVersionIn, principal: Editor, app: ApplicationDep
) -> Response:
    """The window a publication opens is counted with the version in force on the day of publication; with
    none, 3 working days. Of several policies, the lowest id counts."""
    return await _define(request, app, "appeal_policy", rule_id, body, body.definition, principal.actor)


def _reads(kind: str, path: str, answer: Any, listed: Any) -> None:
    """The read routes of one kind; `answer` and `listed` are the models of one rule and of the list."""

    async def read(request: Request, rule_id: RuleId, _: AnyRole, app: ApplicationDep) -> Response:
        return canonical_response(request, RuleOut.of(await asyncio.to_thread(app.rule, kind, rule_id)))

    async def listing(request: Request, _: AnyRole, app: ApplicationDep) -> Response:
        rules = await asyncio.to_thread(app.rules, kind)
        return canonical_response(request, [RuleOut.of(r) for r in rules])

    noun = kind.replace("_", " ")
    router.add_api_route(
        f"/{path}/{{rule_id}}", read, methods=["GET"], response_model=answer, summary=f"A {noun} with all its versions"
    )
    router.add_api_route(f"/{path}", listing, methods=["GET"], response_model=listed, summary=f"Every {noun}")


_reads("scorecard", "scorecards", RuleOut[Scorecard], list[RuleOut[Scorecard]])
_reads("commission_plan", "commission-plans", RuleOut[CommissionPlan], list[RuleOut[CommissionPlan]])
_reads("bonus_pool", "bonus-pools", RuleOut[BonusPool], list[RuleOut[BonusPool]])
_reads("appeal_policy", "appeal-policies", RuleOut[AppealPolicy], list[RuleOut[AppealPolicy]])
