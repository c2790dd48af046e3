"""Warning rules: each change is a new version, effective from a business day."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field

from services.alert_service.api.deps import AnyRole, ApplicationDep, Editor
from services.alert_service.api.schemas import WarningRuleOut, answers
from services.alert_service.domain.definitions import WarningRuleDefinition
from shared.kernel.events.activities import Schema, Text
from shared.platform.canonical import timestamp_now
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1/warning-rules", tags=["warning rules"])
RuleId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class WarningRuleVersionIn(Schema):
    effective_from: date = Field(description="The first business day this version is in force.")
    reason: Text | None = None
    definition: WarningRuleDefinition


@router.put(
    "/{rule_id}",
    summary="Define a warning rule (201), or add a version to it (200)",
    responses=answers(WarningRuleOut, 200, 201),
)
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
    return canonical_response(request, rule.to_json(), 201 if len(rule.versions) == 1 else 200)


@router.get("/{rule_id}", summary="A warning rule with all its versions", responses=answers(WarningRuleOut))
async def read(request: Request, rule_id: RuleId, _: AnyRole, app: ApplicationDep) -> Response:
    return canonical_response(request, (await asyncio.to_thread(app.rule, rule_id)).to_json())


@router.get("", summary="Every warning rule", responses=answers(list[WarningRuleOut]))
async def listing(request: Request, _: AnyRole, app: ApplicationDep) -> Response:
    return canonical_response(request, [r.to_json() for r in await asyncio.to_thread(app.rules)])
