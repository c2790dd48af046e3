"""The route every service with projections serves: how far each projection has followed the ledger: its
position, the head, the lag, and when it moved."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from fastapi import APIRouter, Depends, Request

from shared.auth import Role, allow

router = APIRouter(prefix="/v1/projections", tags=["operations"])


@router.get("")
async def projection_status(
    request: Request, _: object = Depends(allow(Role.SERVICE, Role.AUDITOR, Role.ADMIN))
) -> list[dict[str, Any]]:
    statuses = await asyncio.to_thread(request.app.state.projections.status)
    return [dataclasses.asdict(status) for status in statuses]
