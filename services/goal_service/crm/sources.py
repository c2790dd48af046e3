"""CRM sources, one file each (`<source>.yaml` or `.json`) in the sources directory: which provider sends,
how it signs, and, for 简道云 and any other JSON source, how its records map to activity events. Files
are read again when they change, so a fixed mapping applies to the next delivery and to a re-processing
of the quarantine, with no restart and no code."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Field, SecretStr, ValidationError

from shared.errors import NotFound, Unavailable
from shared.events.activities import Schema

SourceName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class Signature(Schema):
    scheme: Literal["standard_webhooks", "hubspot_v3", "jiandaoyun", "url_token"]
    secret: SecretStr | None = Field(None, description="The secret itself; better, name it in secret_env.")
    secret_env: str | None = Field(None, description="The environment variable that holds the secret.")
    max_age_seconds: int = Field(300, ge=1, le=86400, description="Deliveries signed longer ago are refused.")

    def secret_value(self) -> str:
        if self.secret_env:
            value = os.environ.get(self.secret_env)
            if not value:
                raise Unavailable(f"the CRM secret variable {self.secret_env} is not set")
            return value
        if self.secret is None:
            raise Unavailable("the CRM source names no secret")
        return self.secret.get_secret_value()


class ActivityType(Schema):
    """The activity type: a constant, or a record field whose values map to types; values listed in
    `ignore` are not activities (a deal still being negotiated); any other value is quarantined."""

    constant: str | None = None
    field: str | None = None
    values: dict[str, str] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list)


class Mapping(Schema):
    """Dotted paths into a record (`owner.username`, `items.0.id`)."""

    records: str = Field("", description="Where the record, or the list of records, is in the body.")
    id: str = Field(description="The record's id: with the activity type, the canonical event's id.")
    time: str = Field(description="When it happened: ISO 8601, or epoch milliseconds.")
    rep: str = Field(description="The CRM user credited; resolved to a rep through the CRM users table.")
    type: ActivityType
    amount: str | None = None
    currency: str | None = Field(None, description="A path to the currency; or give default_currency.")
    default_currency: str | None = None
    fields: dict[str, str] = Field(
        default_factory=dict, description="More data fields of the activity, by path: customer_id, deal_id, ..."
    )
    op: str | None = Field(None, description="Where the body says what happened to its records (简道云: op).")
    removals: list[str] = Field(
        default_factory=list, description="Operations that remove a record (data_remove): its activity is voided."
    )


class Source(Schema):
    provider: Literal["json", "jiandaoyun", "hubspot", "salesforce"]
    signature: Signature
    mapping: Mapping | None = None
    delivery_id_header: str | None = Field(None, description="The header carrying the provider's delivery id.")
    organization_id: str | None = Field(None, description="Salesforce: the only organisation accepted.")
    won_stages: list[str] = Field(["closedwon"], description="HubSpot: deal stages that mean won.")
    lost_stages: list[str] = Field(["closedlost"], description="HubSpot: deal stages that mean lost.")
    default_currency: str | None = Field(None, description="For amounts the CRM sends without a currency.")
    zone: str = Field("UTC", description="The zone of times the source sends without an offset.")


class Sources:
    def __init__(self, directory: Path):
        self.directory = directory
        self._cache: dict[str, tuple[float, Source]] = {}

    def path(self, name: str) -> Path | None:
        for suffix in (".yaml", ".yml", ".json"):
            candidate = self.directory / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
        return None

    def get(self, name: str) -> Source:
        path = self.path(name)
        if path is None:
            raise NotFound(f"no CRM source {name}: add {self.directory / name}.yaml")
        mtime = path.stat().st_mtime
        cached = self._cache.get(name)
        if cached and cached[0] == mtime:
            return cached[1]
        text = path.read_text(encoding="utf-8")
        try:
            raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            source = Source.model_validate(raw)
        except (ValueError, yaml.YAMLError, ValidationError) as error:
            raise Unavailable(f"the CRM source file {path.name} is invalid: {error}") from None
        self._cache[name] = (mtime, source)
        return source
