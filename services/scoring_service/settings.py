"""scoring_service's settings: the shared ones, where goal_service's ledger is followed from, and the key
that signs sealed appraisals."""

from __future__ import annotations

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings

SERVICE_NAME = "scoring_service"
DEFAULT_PORT = 8002


class ScoringSettings(ServiceSettings):
    goal_service_url: str = Field(
        "http://127.0.0.1:8001", description="goal_service, whose ledger this service follows."
    )
    ledger_token: SecretStr = Field(
        description="A bearer token goal_service grants the service role, to read its ledger."
    )
    signing_key: SecretStr | None = Field(
        None,
        description="Base64 of the raw 32-byte Ed25519 private key that signs seals; made once in the data "
        "directory when unset.",
    )
