"""scoring_service's composition root: settings, its event store, the read model following goal_service's
ledger, the appraiser, the signing key, routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from services.scoring_service.api import appraisal_log, periods, rules, scores
from services.scoring_service.application import ScoringApplication
from services.scoring_service.appraisals import Appraiser
from services.scoring_service.projections import open_projections
from services.scoring_service.settings import SERVICE_NAME, ScoringSettings
from shared.platform.eventstore import eventsourcing_env
from shared.platform.projection_routes import install_projection_routes
from shared.platform.settings import load_settings
from shared.platform.signing import Signer
from shared.platform.web import create_service_app

log = structlog.get_logger("scoring_service")
CLOSER_POLL_SECONDS = 1.0


def signer_for(settings: ScoringSettings) -> Signer:
    if settings.signing_key is not None:
        return Signer.from_base64(settings.signing_key.get_secret_value())
    return Signer.kept_in(settings.data_dir / f"{SERVICE_NAME}.signing-key")


async def finish_closing_periods(appraiser: Appraiser) -> None:
    """A period left closing (the read model was behind its cut-off, or the process stopped) is sealed
    as soon as the read model holds the cut-off."""
    while True:
        try:
            await asyncio.to_thread(appraiser.complete_all)
        except Exception as error:  # a database hiccup: try again at the next poll
            log.warning("closing periods could not be finished", error=f"{type(error).__name__}: {error}")
        await asyncio.sleep(CLOSER_POLL_SECONDS)


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    settings = settings or load_settings(ScoringSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.application = application = ScoringApplication(eventsourcing_env(settings, SERVICE_NAME))
        projections, follower = open_projections(settings)
        app.state.projections = projections
        app.state.appraiser = appraiser = Appraiser(
            application, projections, follower, signer_for(settings), settings.zone
        )
        projections.start()
        closer = asyncio.create_task(finish_closing_periods(appraiser))
        try:
            yield
        finally:
            closer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await closer
            projections.stop()
            follower.close()
            application.close()

    app = create_service_app(
        service=SERVICE_NAME,
        settings=settings,
        lifespan=lifespan,
        readiness=lambda app: app.state.application.ping(),
        description="Scorecards, KPI scores, rankings, commissions, bonus pools, sealed appraisals, replay.",
    )
    app.include_router(rules.router)
    app.include_router(scores.router)
    app.include_router(periods.router)
    app.include_router(appraisal_log.router)
    install_projection_routes(app)
    return app
