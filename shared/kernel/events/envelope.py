"""CloudEvents 1.0 (structured JSON mode) envelopes carrying PerfLedger events, parsed and validated
into `IncomingEvent`s, with every error located by a JSON pointer into the request body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from shared.kernel.events.activities import CORRECTION_SCHEMAS, EVENT_SCHEMAS, SCHEMA_VERSION
from shared.platform.canonical import canonical_hash, format_timestamp, to_canonical
from shared.platform.errors import FieldError, InvalidInput, PayloadTooLarge, json_pointer
from shared.platform.json_input import decode_json
from shared.platform.text import Printable

MAX_BATCH_EVENTS = 1000  # one batch is one transaction; larger loads belong to the bulk import
SINGLE_MEDIA_TYPE = "application/cloudevents+json"
BATCH_MEDIA_TYPE = "application/cloudevents-batch+json"

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=256), Printable]
SourceRef = Annotated[str, StringConstraints(min_length=1, max_length=1024), Printable]
# Business time: where the working-day calendar reaches (years 1900 to 2200), and far inside the years a
# canonical timestamp can spell, so that no offset can carry a time out of range when it is made UTC.
EARLIEST_TIME = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2201, 1, 1, tzinfo=UTC)


class CloudEvent(BaseModel):
    # Extension attributes are allowed by the spec; we keep them in the raw delivery only.
    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"]
    id: Identifier
    source: SourceRef
    type: str
    time: AwareDatetime
    subject: Identifier | None = None
    datacontenttype: Literal["application/json"] | None = None
    dataschema: str | None = None
    data: dict[str, Any]

    @field_validator("time")
    @classmethod
    def _within_business_time(cls, moment: datetime) -> datetime:
        try:
            in_range = EARLIEST_TIME <= moment.astimezone(UTC) < LATEST_TIME
        except OverflowError:  # e.g. 9999-12-31T23:59:59-23:59 has no UTC year
            in_range = False
        if not in_range:
            raise ValueError("time must fall in the years 1900 to 2200")
        return moment


@dataclass(frozen=True)
class IncomingEvent:
    """A validated event, ready to be recorded. Its identity is (source, id)."""

    source: str
    id: str
    type: str
    occurred_at: datetime
    subject: str | None
    data: dict[str, Any]  # canonical JSON primitives

    @property
    def is_correction(self) -> bool:
        return self.type in CORRECTION_SCHEMAS

    @property
    def content(self) -> dict[str, Any]:
        """What must match for a re-delivery of the same identity to count as the same event."""
        return {
            "type": self.type,
            "occurred_at": format_timestamp(self.occurred_at),
            "subject": self.subject,
            "data": self.data,
            "schema_version": SCHEMA_VERSION,
        }

    @property
    def content_hash(self) -> str:
        return canonical_hash(self.content)


def _errors_at(error: ValidationError, base: list[str | int]) -> list[FieldError]:
    return [
        FieldError(json_pointer([*base, *err["loc"]]), err["msg"].removeprefix("Value error, "))
        for err in error.errors()
    ]


def validate_event(raw: object, base: list[str | int]) -> IncomingEvent:
    """One CloudEvent from decoded JSON; `base` is where it sits in the request body."""
    try:
        envelope = CloudEvent.model_validate(raw)
    except ValidationError as error:
        raise InvalidInput("the CloudEvent envelope is invalid", errors=_errors_at(error, base)) from None
    schema = EVENT_SCHEMAS.get(envelope.type)
    if schema is None:
        known = ", ".join(sorted(EVENT_SCHEMAS))
        raise InvalidInput(
            f"unknown event type {envelope.type!r}",
            errors=[FieldError(json_pointer([*base, "type"]), f"must be one of: {known}")],
        )
    try:
        data = schema.model_validate(envelope.data)
    except ValidationError as error:
        raise InvalidInput(
            f"data does not match the {envelope.type} schema", errors=_errors_at(error, [*base, "data"])
        ) from None
    return IncomingEvent(
        source=envelope.source,
        id=envelope.id,
        type=envelope.type,
        occurred_at=envelope.time,
        subject=envelope.subject,
        data=to_canonical(data.model_dump(exclude_none=True)),
    )


def parse_events(body: bytes, *, batch: bool) -> list[IncomingEvent]:
    """All events of a request, or InvalidInput naming every bad field; never a partial list."""
    decoded = decode_json(body)
    if not batch:
        return [validate_event(decoded, [])]
    if not isinstance(decoded, list):
        raise InvalidInput("a CloudEvents batch is a JSON array", errors=[FieldError("", "expected an array")])
    if len(decoded) > MAX_BATCH_EVENTS:
        raise PayloadTooLarge(f"a batch holds at most {MAX_BATCH_EVENTS} events; use POST /v1/imports for more")
    events, problems = [], []
    for index, raw in enumerate(decoded):
        try:
            events.append(validate_event(raw, [index]))
        except InvalidInput as error:
            problems.extend(error.errors)
    if problems:
        raise InvalidInput(f"{len(problems)} field(s) invalid; nothing in this batch was recorded", errors=problems)
    return events
