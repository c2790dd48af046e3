"""scoring_service's settings: those of a ledger follower, and the key that signs sealed appraisals."""

from __future__ import annotations

from pydantic import Field, SecretStr

from shared.platform.settings import FollowerSettings

SERVICE_NAME = "scoring_service"
DEFAULT_PORT = 8002


class ScoringSettings(FollowerSettings):
    signing_key: SecretStr | None = Field(
        None,
        description="Base64 of the raw 32-byte Ed25519 private key that signs seals; made once in the data "
        "directory when unset.",
    )
