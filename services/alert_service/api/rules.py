"""Warning rules: each change is a new version, effective from a business day."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from services.alert_service.api.deps import AnyRole, ApplicationDep, Editor
from services.alert_service.domain.aggregates import WarningRule
from services.alert_service.domain.definitions import WarningRuleVersionIn
from shared.platform.canonical import timestamp_now
from shared.platform.errors import NotFound
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1/warning-rules", tags=["warning rules"])
RuleId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


def rule_out(rule: WarningRule) -> dict[str, Any]:
    return {"id": rule.rule_id, "versions": rule.versions}


@router.put("/{rule_id}", summary="Define a warning rule, or add a version to it")
async def define(
    request: Request, rule_id: RuleId, body: WarningRuleVersionIn, principal: Editor, app: ApplicationDep
) -> Response:
    rule = await asyncio.to_thread(
        app.define_rule,
        rule_id,
        body.model_dump(mode="json")["definition"],
        body.effective_from.isoformat(),
        principal.actor,
        body.reason,
        timestamp_now(),
    )
    return canonical_response(request, rule_out(rule), 201 if len(rule.versions) == 1 else 200)


@router.get("/{rule_id}", summary="A warning rule with all its versions")
async def read(request: Request, rule_id: RuleId, _: AnyRole, app: ApplicationDep) -> Response:
    rule = await asyncio.to_thread(app.rule, rule_id)
    if rule is None:
        raise NotFound(f"no warning rule {rule_id}")
    return canonical_response(request, rule_out(rule))


@router.get("", summary="Every warning rule")
async def listing(request: Request, _: AnyRole, app: ApplicationDep) -> Response:
    return canonical_response(request, [rule_out(r) for r in await asyncio.to_thread(app.rules)])
