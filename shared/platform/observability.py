"""Every request is observed once: it gets an id (the caller's X-Request-ID, or a new one) that is bound to
every log line written while it runs and echoed in the response, one log line when it ends (at DEBUG for
the routine polls of followers and probes), and its
count and latency by route in the service's Prometheus registry, served at `/metrics`."""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
# What followers, probes and scrapers ask every second or so: one line each at DEBUG, so an idle system is quiet.
ROUTINE_PATHS = frozenset({"/v1/ledger/events", "/v1/ledger/head", "/v1/log/appraisals", "/health", "/ready"})


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.requests = Counter(
            "http_requests_total", "HTTP requests answered", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds", "HTTP request latency", ["method", "route"], registry=registry
        )


class ObservedRequests:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics):
        self.app = app
        self.metrics = metrics
        self.log = structlog.get_logger("http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        caller_id = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")[:64]
        request_id = caller_id or uuid.uuid4().hex
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((REQUEST_ID_HEADER.encode(), request_id.encode()))
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                elapsed = time.perf_counter() - started
                route = getattr(scope.get("route"), "path", "unmatched")
                self.metrics.requests.labels(scope["method"], route, str(status)).inc()
                self.metrics.latency.labels(scope["method"], route).observe(elapsed)
                log = self.log.debug if scope["path"] in ROUTINE_PATHS and status < 400 else self.log.info
                log(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )


def install_observability(app: FastAPI) -> None:
    registry = CollectorRegistry()  # one per app: several apps may share a test process
    app.state.metrics_registry = registry  # where other parts of the service add their own collectors
    app.add_middleware(ObservedRequests, metrics=HttpMetrics(registry))

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
