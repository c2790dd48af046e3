"""Scorecards, commission plans and bonus pools: each change is a new version, effective from a day."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from services.scoring_service.api.deps import AnyRole, AppraiserDep, Editor
from services.scoring_service.domain.aggregates import Rule
from services.scoring_service.domain.definitions import BonusPool, CommissionPlan, RuleVersionIn, Scorecard
from shared.platform.canonical import timestamp_now
from shared.platform.errors import NotFound
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1", tags=["rules"])
RuleId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class ScorecardVersionIn(RuleVersionIn):
    definition: Scorecard


class CommissionPlanVersionIn(RuleVersionIn):
    definition: CommissionPlan


class BonusPoolVersionIn(RuleVersionIn):
    definition: BonusPool


def rule_out(rule: Rule) -> dict[str, Any]:
    return {"kind": rule.kind, "id": rule.rule_id, "versions": rule.versions}


def _routes(kind: str, path: str, body_model: type[RuleVersionIn]) -> None:
    async def define(
        request: Request, rule_id: RuleId, body: body_model, principal: Editor, appraiser: AppraiserDep
    ) -> Response:  # type: ignore[valid-type]
        rule = await asyncio.to_thread(
            appraiser.app.define_rule,
            kind,
            rule_id,
            body.model_dump(mode="json")["definition"],  # type: ignore[attr-defined]
            body.effective_from.isoformat(),  # type: ignore[attr-defined]
            principal.actor,
            body.reason,  # type: ignore[attr-defined]
            timestamp_now(),
        )
        return canonical_response(request, rule_out(rule), 201 if len(rule.versions) == 1 else 200)

    async def read(request: Request, rule_id: RuleId, _: AnyRole, appraiser: AppraiserDep) -> Response:
        rule = await asyncio.to_thread(appraiser.app.rule, kind, rule_id)
        if rule is None:
            raise NotFound(f"no {kind.replace('_', ' ')} {rule_id}")
        return canonical_response(request, rule_out(rule))

    async def listing(request: Request, _: AnyRole, appraiser: AppraiserDep) -> Response:
        rules = await asyncio.to_thread(appraiser.app.rules, kind)
        return canonical_response(request, [rule_out(r) for r in rules])

    noun = kind.replace("_", " ")
    router.add_api_route(
        f"/{path}/{{rule_id}}", define, methods=["PUT"], summary=f"Define a {noun}, or add a version to it"
    )
    router.add_api_route(f"/{path}/{{rule_id}}", read, methods=["GET"], summary=f"A {noun} with all its versions")
    router.add_api_route(f"/{path}", listing, methods=["GET"], summary=f"Every {noun}")


_routes("scorecard", "scorecards", ScorecardVersionIn)
_routes("commission_plan", "commission-plans", CommissionPlanVersionIn)
_routes("bonus_pool", "bonus-pools", BonusPoolVersionIn)
