"""What every service's FastAPI app has in common: problem details, request ids and logs, metrics,
`/health` (the process answers) and `/ready` (its database answers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Literal

from eventsourcing.application import Application
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.platform.errors import FieldError, InvalidInput
from shared.platform.logging import configure_logging
from shared.platform.observability import install_observability
from shared.platform.problems import install_problem_handlers, problem_response
from shared.platform.settings import ServiceSettings
from shared.platform.text import control_character


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    service: str


async def printable_parameters(request: Request) -> None:
    """Path and query parameters without control characters, for every route: they are looked up in text
    columns, which on PostgreSQL refuse NUL with an error that would otherwise be a 500."""
    found = []
    for where, pairs in (("path", request.path_params.items()), ("query", request.query_params.multi_items())):
        for name, value in pairs:
            if isinstance(value, str) and (reason := control_character(name) or control_character(value)):
                shown = ascii(name)[1:-1] if control_character(name) else name  # never echo a control back
                found.append(FieldError(f"{where}:{shown}", reason))
    if found:
        raise InvalidInput("; ".join(f"{e.pointer}: {e.detail}" for e in found), errors=found)


def create_service_app(
    *,
    service: str,
    settings: ServiceSettings,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    readiness: Callable[[FastAPI], None],
    description: str,
) -> FastAPI:
    """`readiness(app)` raises when the service cannot do its work (its database does not answer)."""
    configure_logging(service, settings.log_level)
    app = FastAPI(
        title=f"PerfLedger {service}",
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(printable_parameters)],
    )
    app.state.settings = settings
    install_problem_handlers(app)
    install_observability(app)

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/ready", tags=["operations"], response_model=Readiness)
    async def ready() -> JSONResponse:
        try:
            await asyncio.to_thread(readiness, app)
        except Exception as error:  # any failure means "not ready"; say which
            return problem_response(503, "Not ready", f"{type(error).__name__}: {error}", instance="/ready")
        return JSONResponse({"status": "ready", "service": service})

    return app


def application_lifespan(
    open_application: Callable[[], Application],
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that opens the service's eventsourcing application as `app.state.application` at start-up
    and closes it at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.application = open_application()
        try:
            yield
        finally:
            app.state.application.close()

    return lifespan
