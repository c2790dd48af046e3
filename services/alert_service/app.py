"""alert_service's composition root: settings, its event store, the read model following goal_service's
ledger, the watcher that judges it (and scoring_service's sealed appraisals, when configured), the follower
of scoring_service's appeal steps (when configured), the dispatcher that delivers both, routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.alert_service.api import rules, subscriptions, warnings
from services.alert_service.appeal_follower import AppealFollower
from services.alert_service.application import AlertApplication, store_env
from services.alert_service.delivery import Dispatcher
from services.alert_service.in_scope import WarningsInScope
from services.alert_service.projections import open_projections
from services.alert_service.score_follower import ScoreFollower
from services.alert_service.settings import SERVICE_NAME, AlertSettings
from services.alert_service.watcher import Watcher
from shared.platform.background import keep_doing, stop
from shared.platform.projection_routes import install_projection_routes
from shared.platform.rate_limit import StreamLimit
from shared.platform.settings import load_settings
from shared.platform.web import create_service_app

POLL_SECONDS = 0.5


def deliver(dispatcher: Dispatcher) -> None:
    while dispatcher.enqueue():
        pass
    dispatcher.send_due()


def create_app(settings: AlertSettings | None = None) -> FastAPI:
    settings = settings or load_settings(AlertSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.application = application = AlertApplication(store_env(settings))
        application.carry_over_positions()
        projections, follower = open_projections(settings)
        app.state.projections = projections
        app.state.watcher = watcher = Watcher(application, projections, settings.zone)
        app.state.warnings = WarningsInScope(application, watcher.rulebook)
        app.state.dispatcher = dispatcher = Dispatcher(
            application, projections.engine, settings.delivery_retry_seconds, settings.delivery_attempts
        )
        scores, appeals = None, None
        if settings.scoring_service_url:
            token = settings.service_credential(SERVICE_NAME)
            scores = ScoreFollower(application, watcher, settings.scoring_service_url, token)
            appeals = AppealFollower(application, settings.scoring_service_url, token)
        if settings.run_projections:
            projections.start()

        def leading(work: Callable[[], bool | None]) -> Callable[[], bool | None]:
            """Judging and delivering are the projection leader's, like the projections (shared/platform/lease.py)."""
            return lambda: work() if projections.leading else None

        loops = [
            asyncio.create_task(keep_doing("judging the ledger", leading(watcher.catch_up), POLL_SECONDS)),
            asyncio.create_task(keep_doing("delivering warnings", leading(lambda: deliver(dispatcher)), POLL_SECONDS)),
        ]
        if scores is not None and appeals is not None:
            loops += [
                asyncio.create_task(keep_doing("judging sealed appraisals", leading(scores.catch_up), POLL_SECONDS)),
                asyncio.create_task(keep_doing("following appeals", leading(appeals.catch_up), POLL_SECONDS)),
            ]
        try:
            yield
        finally:
            for upstream in (scores, appeals):
                if upstream is not None:
                    upstream.close()  # ends its long poll at once
            await stop(loops)
            projections.stop()
            follower.close()
            dispatcher.close()
            application.close()

    app = create_service_app(
        service=SERVICE_NAME,
        settings=settings,
        lifespan=lifespan,
        readiness=lambda app: app.state.application.ping(),
        description="Warning rules, the warning lifecycle, live feed and signed outbound notifications.",
    )
    app.state.feed_streams = StreamLimit(settings.feed_streams_per_token)
    app.include_router(rules.router)
    app.include_router(warnings.router)
    app.include_router(subscriptions.router)
    install_projection_routes(app)
    return app
