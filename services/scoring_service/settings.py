"""scoring_service's settings: the shared ones plus where goal_service's ledger is followed from."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings

SERVICE_NAME = "scoring_service"
DEFAULT_PORT = 8002


class ScoringSettings(ServiceSettings):
    goal_service_url: str = Field(
        "http://127.0.0.1:8001", description="goal_service, whose ledger this service follows."
    )
