"""Dependencies shared by alert_service's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.alert_service.application import AlertApplication
from services.alert_service.delivery import Dispatcher
from services.alert_service.watcher import Watcher
from shared.platform.auth import Principal, Role, allow


async def get_application(request: Request) -> AlertApplication:
    return request.app.state.application


async def get_watcher(request: Request) -> Watcher:
    return request.app.state.watcher


async def get_dispatcher(request: Request) -> Dispatcher:
    return request.app.state.dispatcher


ApplicationDep = Annotated[AlertApplication, Depends(get_application)]
WatcherDep = Annotated[Watcher, Depends(get_watcher)]
DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]
Editor = Annotated[Principal, Depends(allow(Role.HR, Role.ADMIN))]
Actor = Annotated[Principal, Depends(allow(Role.MANAGER, Role.HR, Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(allow(*Role))]
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]
