"""What every service's FastAPI app has in common: problem details, request ids and logs, metrics,
`/health` (the process answers) and `/ready` (its database answers)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Literal

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from shared.platform.errors import DomainError, FieldError, InvalidInput, UnsupportedMediaType
from shared.platform.limits import BodyLimits
from shared.platform.logging import configure_logging
from shared.platform.observability import install_observability
from shared.platform.problems import PROBLEM_RESPONSES, install_problem_handlers, problem_response
from shared.platform.settings import ServiceSettings
from shared.platform.text import control_character
from shared.platform.tokens import TokenVerifier, hmac_key, public_verification_key

log = structlog.get_logger("web")
READY_SECONDS = 1.0


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


def media_types_of(route: APIRoute) -> frozenset[str]:
    """The media types a route declares for its body (its OpenAPI request body), none when it takes none."""
    declared = (route.openapi_extra or {}).get("requestBody", {}).get("content")
    if declared:
        return frozenset(declared)
    return frozenset({"application/json"}) if route.body_field is not None else frozenset()


async def declared_media_type(request: Request) -> None:
    """A body of another media type than its route declares is a 415 naming both, before anything parses it
    (FastAPI would read a JSON body sent as text/plain and answer 422 about its fields)."""
    route = request.scope.get("route")
    if request.method in ("GET", "HEAD", "DELETE") or not isinstance(route, APIRoute):
        return
    allowed = media_types_of(route)
    sent = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if not allowed or sent in allowed or (not sent and request.headers.get("content-length") in (None, "0")):
        return
    raise UnsupportedMediaType(f"send {' or '.join(sorted(allowed))}, not {sent or 'a body without a content type'}")


def create_service_app(
    *,
    service: str,
    settings: ServiceSettings,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    readiness: Callable[[FastAPI], None],
    description: str,
    streamed: tuple[str, ...] = (),
    signed: tuple[str, ...] = (),
) -> FastAPI:
    """`readiness(app)` raises when the service cannot do its work (its database does not answer). `streamed`
    and `signed` name the path prefixes that bound their bodies their own way, or authenticate by a signature
    over the body rather than a bearer token (shared/platform/limits.py)."""
    configure_logging(service, settings.log_level, settings.log_format)
    app = FastAPI(
        title=f"PerfLedger {service}",
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(printable_parameters), Depends(declared_media_type)],
        responses=PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    install_observability(app)
    app.state.tokens = tokens = token_verifier(settings)
    if settings.api_tokens and settings.static_tokens_allowed:
        log.warning("static development tokens are honoured (PERFLEDGER_API_TOKENS); use JWTs for anything real")
    app.add_middleware(
        BodyLimits,
        max_body_bytes=settings.max_body_bytes,
        tokens=tokens,
        streamed=streamed,
        signed=signed,
    )

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    check = ReadinessCheck(lambda: readiness(app))

    @app.get("/ready", tags=["operations"], response_model=Readiness)
    async def ready() -> JSONResponse:
        if problem := await check.problem():
            return problem_response(503, "Not ready", problem, instance="/ready")
        return JSONResponse({"status": "ready", "service": service})

    return app


class ReadinessCheck:
    """`/ready` answers within READY_SECONDS, so that an orchestrator takes a pod out of rotation while its
    database does not answer (a connection attempt to a vanished host waits far longer). One check runs at a
    time: probes arriving meanwhile wait on it rather than pile threads onto a dead database."""

    def __init__(self, check: Callable[[], None]):
        self.check = check
        self._running: asyncio.Future[None] | None = None

    async def problem(self) -> str | None:
        """None when ready; otherwise what is wrong, in words fit for any caller (the detail is logged)."""
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(asyncio.to_thread(self.check))
        try:
            await asyncio.wait_for(asyncio.shield(self._running), READY_SECONDS)
        except TimeoutError:
            return f"the database did not answer within {READY_SECONDS:g} s"
        except DomainError as refusal:  # the service's own reason (a ledger that does not continue its checkpoint)
            return refusal.detail
        except Exception as error:  # a driver's message may name hosts, users or SQL: logged, not answered
            log.warning("not ready", error=f"{type(error).__name__}: {error}")
            return f"the database does not answer ({type(error).__name__})"
        return None


def token_verifier(settings: ServiceSettings) -> TokenVerifier:
    """The verifier of bearer tokens a service's settings describe (shared/platform/tokens.py)."""
    secrets_ = [s.get_secret_value() for s in settings.jwt_secrets] or [settings.jwt_signing_secret()]
    keys = [hmac_key(secret) for secret in secrets_]
    keys += [public_verification_key(k.kid, k.alg, k.pem) for k in settings.jwt_public_keys]
    return TokenVerifier(
        keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        static_tokens=settings.api_tokens if settings.static_tokens_allowed else None,
    )
