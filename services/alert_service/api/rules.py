"""Warning rules: each change is a new version, effective from a business day."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field

from services.alert_service.api.deps import AnyRole, ApplicationDep, Editor
from services.alert_service.api.schemas import WarningRuleOut, WarningRulesOut
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
    response_model=WarningRuleOut,
    responses={201: {"model": WarningRuleOut, "description": "The rule is new: this is its first version."}},
    summary="Define a warning rule, or add a version to it",
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
    return canonical_response(request, WarningRuleOut.of(rule), 201 if len(rule.versions) == 1 else 200)


@router.get("/{rule_id}", response_model=WarningRuleOut, summary="A warning rule with all its versions")
async def read(request: Request, rule_id: RuleId, _: AnyRole, app: ApplicationDep) -> Response:
    return canonical_response(request, WarningRuleOut.of(await asyncio.to_thread(app.rule, rule_id)))


@router.get("", response_model=WarningRulesOut, summary="Every warning rule")
async def listing(request: Request, _: AnyRole, app: ApplicationDep) -> Response:
    return canonical_response(request, WarningRulesOut.of(await asyncio.to_thread(app.rules)))
