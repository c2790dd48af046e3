"""CRM sources, one file each (`<source>.yaml` or `.json`) in the sources directory: which provider sends,
how it signs, and, for 简道云 and any other JSON source, how its records map to activity events. Files
are read again when they change, so a fixed mapping applies to the next delivery and to a re-processing
of the quarantine, with no restart and no code."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal, Self

import structlog
import yaml
from pydantic import Field, SecretStr, ValidationError, model_validator

from shared.kernel.events.activities import Schema
from shared.platform.errors import NotFound, Unavailable

log = structlog.get_logger("crm_sources")

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
    """Dotted paths into a record (`owner.username`, `items.0.id`); a path continues into JSON carried in a
    string field (`content.owner` when `content` is a JSON string, as WeSCRM sends it)."""

    records: str = Field("", description="Where the record, or the list of records, is in the body.")
    id: str = Field(description="The record's stable id: with the activity type, the canonical event's id.")
    time: str = Field(description="When it happened, in `time_unit`.")
    time_unit: Literal["iso8601", "epoch_seconds", "epoch_millis", "auto"] = Field(
        "auto", description="auto: an ISO 8601 string, or a JSON number of epoch milliseconds."
    )
    changed: str | None = Field(
        None,
        description="When the record last changed (简道云 updateTime): a change older than the latest applied is "
        "superseded. Without it, deliveries apply in the order they arrive.",
    )
    rep: str = Field(description="The CRM user credited; resolved to a rep through the CRM users table.")
    type: ActivityType
    amount: str | None = None
    currency: str | None = Field(None, description="A path to the currency; or give default_currency.")
    default_currency: str | None = None
    fields: dict[str, str] = Field(
        default_factory=dict, description="More data fields of the activity, by path: customer_id, deal_id, ..."
    )
    op: str | None = Field(None, description="Where the body says what happened to its records (简道云: op).")
    changes: list[str] = Field(
        default_factory=list, description="Operations that change records; any other is ignored. Empty: all do."
    )
    removals: list[str] = Field(
        default_factory=list, description="Operations that remove a record (data_remove): its activity is voided."
    )
    restorations: list[str] = Field(
        default_factory=list, description="Operations that restore a removed record (data_recover)."
    )


JIANDAOYUN_CHANGES = ["data_create", "data_update", "data_remove", "data_recover"]
DEFAULT_STAGES = {  # won, lost
    "hubspot": (["closedwon"], ["closedlost"]),
    "salesforce": (["Closed Won"], ["Closed Lost"]),
}


class Source(Schema):
    provider: Literal["json", "jiandaoyun", "hubspot", "salesforce"]
    signature: Signature
    mapping: Mapping | None = None
    delivery_id_header: str | None = Field(None, description="The header carrying the provider's delivery id.")
    public_url: str | None = Field(
        None, description="The URL the CRM calls, when a proxy changes it on the way (HubSpot signs it)."
    )
    organization_id: str | None = Field(None, description="Salesforce: the only organisation accepted.")
    won_stages: list[str] = Field(
        default_factory=list, description="Stages that mean won (HubSpot closedwon; Salesforce Closed Won)."
    )
    lost_stages: list[str] = Field(
        default_factory=list, description="Stages that mean lost (HubSpot closedlost; Salesforce Closed Lost)."
    )
    access_token_env: str | None = Field(
        None, description="HubSpot: a variable holding a private app token, to fetch a won deal's missing owner."
    )
    api_base_url: str = Field("https://api.hubapi.com", description="HubSpot's API, for access_token_env.")
    default_currency: str | None = Field(None, description="For amounts the CRM sends without a currency.")
    zone: str = Field("UTC", description="The zone of times the source sends without an offset.")

    @model_validator(mode="before")
    @classmethod
    def _provider_defaults(cls, raw: object) -> object:
        if not isinstance(raw, dict):
            return raw
        provider, raw = raw.get("provider"), dict(raw)
        won, lost = DEFAULT_STAGES.get(str(provider), ([], []))
        raw.setdefault("won_stages", won)
        raw.setdefault("lost_stages", lost)
        if provider == "jiandaoyun" and isinstance(raw.get("mapping"), dict):
            # 简道云 says what happened to a record in `op`; message pushes share the envelope with other ops.
            defaults = {"op": "op", "changes": JIANDAOYUN_CHANGES, "removals": ["data_remove"], "changed": "updateTime"}
            raw["mapping"] = {**defaults, "restorations": ["data_recover"], **raw["mapping"]}
        return raw

    @model_validator(mode="after")
    def _has_mapping(self) -> Self:
        if self.provider in ("json", "jiandaoyun") and self.mapping is None:
            raise ValueError(f"a {self.provider} source needs a mapping")
        return self

    def access_token(self) -> str | None:
        return os.environ.get(self.access_token_env) if self.access_token_env else None


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
        if path is None:  # where to add it is the operator's to know, not the caller's: logged, not answered
            log.info("a delivery names no CRM source", source=name, add=str(self.directory / f"{name}.yaml"))
            raise NotFound(f"no CRM source {name}")
        mtime = path.stat().st_mtime
        cached = self._cache.get(name)
        if cached and cached[0] == mtime:
            return cached[1]
        text = path.read_text(encoding="utf-8")
        try:
            raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            source = Source.model_validate(raw)
        except (ValueError, yaml.YAMLError, ValidationError) as error:
            log.error("a CRM source file is invalid", source=name, path=str(path), error=str(error))
            raise Unavailable(f"the CRM source {name} is misconfigured; the operator's log says how") from None
        self._cache[name] = (mtime, source)
        return source
