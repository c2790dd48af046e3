"""scoring_service's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from services.scoring_service.application import ScoringApplication
from services.scoring_service.settings import SERVICE_NAME, ScoringSettings
from shared.eventstore import eventsourcing_env
from shared.settings import load_settings
from shared.web import application_lifespan, create_service_app


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    settings = settings or load_settings(ScoringSettings)
    return create_service_app(
        service=SERVICE_NAME,
        settings=settings,
        lifespan=application_lifespan(lambda: ScoringApplication(eventsourcing_env(settings, SERVICE_NAME))),
        readiness=lambda app: app.state.application.ping(),
        description="Scorecards, KPI scores, rankings, commissions, bonus pools, appraisals, appeals, replay.",
    )
