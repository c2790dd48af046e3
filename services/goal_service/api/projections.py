"""How far each projection has followed the ledger: its position, the head, the lag, and when it moved."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from fastapi import APIRouter, Request

from services.goal_service.api.deps import LedgerReader

router = APIRouter(prefix="/v1/projections", tags=["operations"])


@router.get("")
async def projection_status(request: Request, _: LedgerReader) -> list[dict[str, Any]]:
    statuses = await asyncio.to_thread(request.app.state.projections.status)
    return [dataclasses.asdict(status) for status in statuses]
