"""goal_service's settings: the shared ones, how its ledger is checkpointed, the webhook secrets and where
the CRM sources are described."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from shared.platform.checkpoints import parse_public_keys
from shared.platform.settings import ServiceSettings
from shared.platform.signing import Signer
from shared.platform.webhooks import parse_secrets

SERVICE_NAME = "goal_service"
DEFAULT_PORT = 8001


class LedgerSettings(ServiceSettings):
    """What the ledger needs, and `perfledger ledger verify` with it: no webhook secret."""

    checkpoint_every: int = Field(
        1,
        ge=1,
        description="Sign a checkpoint of the ledger's head after a commit group once this many entries have "
        "passed since the last one (1: after every commit group).",
    )
    checkpoint_seconds: float = Field(
        1.0, gt=0, description="Or once the last checkpoint is this many seconds old (checked after each group)."
    )
    checkpoint_key: SecretStr | None = Field(
        None,
        description="Base64 of the raw 32-byte Ed25519 private key that signs ledger checkpoints; made once in "
        "the data directory when unset.",
    )
    checkpoint_trusted_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Base64 Ed25519 public keys of earlier checkpoint keys, comma-separated: their checkpoints "
        "stay trusted after the key is rotated.",
    )

    @field_validator("checkpoint_key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                Signer.from_base64(value.get_secret_value())
            except ValueError:
                raise ValueError("is not the base64 of a raw 32-byte Ed25519 private key") from None
        return value

    @field_validator("checkpoint_trusted_keys", mode="before")
    @classmethod
    def _parse_public_keys(cls, value: object) -> object:
        return parse_public_keys(value) if isinstance(value, str) else value


class GoalSettings(LedgerSettings):
    webhook_secret: Annotated[list[str], NoDecode] = Field(
        description="Standard Webhooks secrets (whsec_ + base64), comma-separated to rotate them."
    )
    rate_limit_per_second: float = Field(
        1000,
        gt=0,
        description="Requests a second each sender (a CRM source, a webhook peer, an import token) may sustain.",
    )
    rate_limit_burst: int = Field(2000, ge=1, description="How many requests a sender may send at once.")
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
