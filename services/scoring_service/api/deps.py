"""Dependencies shared by scoring_service's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.scoring_service.appraisals import Appraiser
from shared.platform.auth import Principal, Role, allow


async def get_appraiser(request: Request) -> Appraiser:
    return request.app.state.appraiser


AppraiserDep = Annotated[Appraiser, Depends(get_appraiser)]
Editor = Annotated[Principal, Depends(allow(Role.HR, Role.ADMIN))]
Rater = Annotated[Principal, Depends(allow(Role.MANAGER, Role.HR, Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(allow(*Role))]
Auditor = Annotated[Principal, Depends(allow(Role.HR, Role.AUDITOR, Role.ADMIN))]
