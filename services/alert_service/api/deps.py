"""Dependencies shared by alert_service's routes: what the composition root (app.py) built, and who may call.
Only here is `request.app.state` read, so a route names what it needs and its type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.alert_service.application import AlertApplication
from services.alert_service.delivery import Dispatcher
from services.alert_service.in_scope import WarningsInScope
from services.alert_service.watcher import Watcher
from shared.platform.auth import Principal, Role, allow


async def get_application(request: Request) -> AlertApplication:
    application: AlertApplication = request.app.state.application
    return application


async def get_warnings(request: Request) -> WarningsInScope:
    warnings: WarningsInScope = request.app.state.warnings
    return warnings


async def get_watcher(request: Request) -> Watcher:
    watcher: Watcher = request.app.state.watcher
    return watcher


async def get_dispatcher(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.dispatcher
    return dispatcher


ApplicationDep = Annotated[AlertApplication, Depends(get_application)]
WarningsDep = Annotated[WarningsInScope, Depends(get_warnings)]
WatcherDep = Annotated[Watcher, Depends(get_watcher)]
DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]
Editor = Annotated[Principal, Depends(allow(Role.HR, Role.ADMIN))]
Actor = Annotated[Principal, Depends(allow(Role.MANAGER, Role.HR, Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(allow(*Role))]
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]
