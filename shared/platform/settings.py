"""Settings every service shares, read from PERFLEDGER_* environment variables (pydantic-settings).
A missing or malformed setting stops start-up with one line naming the variable."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shared.platform.auth import Principal, Role, parse_api_tokens, service_token
from shared.platform.checkpoints import parse_public_keys
from shared.platform.kept import kept
from shared.platform.tokens import issue, public_verification_key

ENV_PREFIX = "PERFLEDGER_"
SERVICE_TOKEN_SECONDS = 10 * 365 * 24 * 3600  # held in memory, for as long as the process runs
JWT_SECRET_FILE = "perfledger.jwt-secret"  # shared by the services of one data directory, as perfledger run has it


class JwtPublicKey(BaseModel):
    kid: str = Field(min_length=1, max_length=200)
    alg: Literal["RS256", "EdDSA"]
    pem: str

    @model_validator(mode="after")
    def _is_a_public_key(self) -> JwtPublicKey:
        public_verification_key(self.kid, self.alg, self.pem)  # ValueError naming what is wrong
        return self


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Field(Path("./var"), description="Where the embedded SQLite files live.")
    database_url: str | None = Field(
        None,
        description="Overrides SQLite, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/perfledger_goal.",
    )
    read_database_url: str | None = Field(
        None,
        description="A read-only PostgreSQL replica of database_url for the figures' reads; a read the replica "
        "does not hold yet goes to database_url.",
    )
    run_projections: bool = Field(
        True,
        description="false: this process serves requests but never projects; another process of the service "
        "(on PostgreSQL, whichever holds the projections' lease) does, so ingest and projection get a core each.",
    )
    database_schema: str | None = Field(
        None, description="PostgreSQL schema for this service's tables, when services share a database."
    )
    database_pool_size: int = Field(
        10,
        ge=1,
        le=100,
        description="PostgreSQL connections each of the service's pools keeps (events, read model), and as many "
        "again at peaks.",
    )
    api_tokens: Annotated[dict[str, Principal], NoDecode] = Field(
        default_factory=dict,
        description="Static development tokens: comma-separated token=role or token=role:scope; honoured only "
        "with PERFLEDGER_ALLOW_STATIC_TOKENS.",
    )
    allow_static_tokens: bool | None = Field(
        None,
        description="Honour PERFLEDGER_API_TOKENS beside JWTs. Unset: honoured on the embedded SQLite default "
        "(development, zero configuration), refused with a PERFLEDGER_DATABASE_URL (production).",
    )
    jwt_issuer: str = Field("perfledger", description="The `iss` every token must carry.")
    jwt_audience: str = Field("perfledger", description="The `aud` every token must carry.")
    jwt_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="HS256 secrets, comma-separated: the first signs (perfledger token issue), all verify, so a "
        "secret is rotated by listing the new one first; unset: one made once in the data directory.",
    )
    jwt_public_keys: list[JwtPublicKey] = Field(
        default_factory=list,
        description='An identity provider\'s RS256 or EdDSA public keys, as JSON: [{"kid": "…", "alg": "RS256", '
        '"pem": "-----BEGIN PUBLIC KEY-----…"}]; several at once while it rotates them.',
    )
    cipher_key: SecretStr | None = Field(
        None,
        description="Base64 AES key (16, 24 or 32 bytes) for a service whose events hold secrets (alert_service); "
        "unset: one made once in the data directory.",
    )
    max_body_bytes: int = Field(
        10 * 1024 * 1024,
        gt=0,
        description="Largest request body accepted by any route but the streamed import (413 beyond it).",
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="console: readable coloured lines; json: one object a line; auto: console on a terminal."
    )
    timezone: str = Field("Asia/Shanghai", description="The company's time zone: periods and dates are local to it.")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _parse_tokens(cls, value: object) -> object:
        return parse_api_tokens(value) if isinstance(value, str) else value

    @field_validator("jwt_secrets", mode="before")
    @classmethod
    def _split_secrets(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @property
    def static_tokens_allowed(self) -> bool:
        """Static tokens are for development: on by default on the embedded SQLite, off on a configured database."""
        return self.allow_static_tokens if self.allow_static_tokens is not None else self.database_url is None

    @model_validator(mode="after")
    def _static_tokens_only_when_allowed(self) -> ServiceSettings:
        if self.api_tokens and not self.static_tokens_allowed:
            raise ValueError(
                "PERFLEDGER_API_TOKENS holds static development tokens, refused on a configured database unless "
                "PERFLEDGER_ALLOW_STATIC_TOKENS=true; issue JWTs with `perfledger token issue`"
            )
        return self

    def jwt_signing_secret(self) -> str:
        """The HS256 secret that signs: the first configured, or the one kept in the data directory."""
        if self.jwt_secrets:
            return self.jwt_secrets[0].get_secret_value()
        return kept(self.data_dir / JWT_SECRET_FILE, lambda: secrets.token_urlsafe(48))

    @field_validator("database_url", "read_database_url")
    @classmethod
    def _check_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"{value!r} is not a database URL") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only sqlite:/// and postgresql+psycopg:// URLs are supported")
        if info.field_name == "read_database_url" and url.get_backend_name() != "postgresql":
            raise ValueError("a read replica is a postgresql+psycopg:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()


S = TypeVar("S", bound=ServiceSettings)


def describe_errors(error: ValidationError) -> str:
    parts = []
    for err in error.errors():
        name = ENV_PREFIX + str(err["loc"][0]).upper() if err["loc"] else "settings"
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {'missing' if err['type'] == 'missing' else message}")
    return "; ".join(parts)


def load_settings(settings_class: type[S]) -> S:
    """Settings from the environment, or exit with one line that names what is wrong."""
    try:
        return settings_class()
    except ValidationError as error:
        sys.exit(f"configuration error: {describe_errors(error)}")


class FollowerSettings(ServiceSettings):
    """A service that follows goal_service's ledger over HTTP."""

    goal_service_url: str = Field(
        "http://127.0.0.1:8001", description="goal_service, whose ledger this service follows."
    )
    ledger_token: SecretStr | None = Field(
        None,
        description="A bearer token goal_service grants the service role, to read its ledger; by default the "
        "first service token of PERFLEDGER_API_TOKENS, else a service JWT signed with PERFLEDGER_JWT_SECRETS.",
    )
    ledger_checkpoint_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Base64 Ed25519 public keys whose signed checkpoints of goal_service's ledger are trusted, "
        "comma-separated; unset: the key goal_service lists is pinned on first use, in this service's database.",
    )

    @field_validator("ledger_checkpoint_keys", mode="before")
    @classmethod
    def _parse_checkpoint_keys(cls, value: object) -> object:
        return parse_public_keys(value) if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _service_token_by_default(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values.get("ledger_token") and isinstance(values.get("api_tokens"), str):
            return {**values, "ledger_token": service_token(values["api_tokens"])}
        return values

    def service_credential(self, service_name: str) -> str:
        """The bearer token this service reads other services with: PERFLEDGER_LEDGER_TOKEN, else a service
        JWT it signs itself with the deployment's HS256 secret, which every service of it shares."""
        if self.ledger_token is not None:
            return self.ledger_token.get_secret_value()
        return issue(
            self.jwt_signing_secret(),
            role=Role.SERVICE,
            subject=service_name,
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
            seconds=SERVICE_TOKEN_SECONDS,
        )
