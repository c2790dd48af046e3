"""alert_service's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from services.alert_service.application import AlertApplication
from services.alert_service.settings import SERVICE_NAME, AlertSettings
from shared.eventstore import eventsourcing_env
from shared.settings import load_settings
from shared.web import application_lifespan, create_service_app


def create_app(settings: AlertSettings | None = None) -> FastAPI:
    settings = settings or load_settings(AlertSettings)
    return create_service_app(
        service=SERVICE_NAME,
        settings=settings,
        lifespan=application_lifespan(lambda: AlertApplication(eventsourcing_env(settings, SERVICE_NAME))),
        readiness=lambda app: app.state.application.ping(),
        description="Warning rules, the warning lifecycle, live feed and signed outbound notifications.",
    )
