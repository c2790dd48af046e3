"""goal_service's settings: the shared ones, the webhook secrets and where the CRM sources are described."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from shared.settings import ServiceSettings
from shared.webhooks import parse_secrets

SERVICE_NAME = "goal_service"
DEFAULT_PORT = 8001


class GoalSettings(ServiceSettings):
    webhook_secret: Annotated[list[str], NoDecode] = Field(
        description="Standard Webhooks secrets (whsec_ + base64), comma-separated to rotate them."
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, gt=0, description="Largest webhook body accepted.")
    crm_sources_dir: Path | None = Field(
        None, description="The CRM source files (<source>.yaml or .json); <data_dir>/crm-sources when unset."
    )

    @property
    def crm_sources(self) -> Path:
        return self.crm_sources_dir or self.data_dir / "crm-sources"

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _parse_secrets(cls, value: object) -> object:
        return parse_secrets(value) if isinstance(value, str) else value
