"""Request and response bodies of goal_service's CRM routes. What became of a record is an open object (its
keys depend on the outcome), kept and answered as it was first decided."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, RootModel

from shared.kernel.events.activities import Ref, Schema, Text

RecordOutcome = dict[str, Any]
OUTCOMES = (
    "What became of each record: `key` and `status` (recorded, duplicate, ignored or quarantined), with its "
    "ledger `positions`, or the `reason`, and for a quarantined one what would `release` it and its "
    "`quarantine_id`."
)


class CrmUserIn(Schema):
    rep_id: Ref


class DismissalIn(Schema):
    reason: Text


class CrmReceiptOut(BaseModel):
    delivery_id: str = Field(description="The provider's own delivery id (or the body's SHA-256).")
    duplicate: bool = Field(description="Re-delivered: answered as it was first decided.")
    records: list[RecordOutcome] = Field(description=OUTCOMES)


DRY_RUN = (
    "What each record of a sample payload would become: `key` and `status` (would record, with its `events`; "
    "would quarantine, with the `reason` and what would `release` it; unchanged or ignored, with the `reason`)."
)


class QuarantinedRecordOut(BaseModel):
    id: int
    source: str
    delivery_id: str
    record_key: str
    object_ref: str | None = Field(description="The CRM record it is about: a change of it is tried again.")
    record: Any = Field(description="The record as it arrived.")
    reason: str | None
    release: str | None = Field(description="What would release it.")
    dismissal: dict[str, str] | None = Field(description="Who set it aside, and why.")
    state: str = Field(description="held, released or dismissed")
    held_at: str
    released_at: str | None
    positions: list[int] | None = Field(description="The ledger entries it made once released.")


class QuarantineOut(RootModel[list[QuarantinedRecordOut]]):
    """Quarantined records in the order they were held."""


class DeliveryOut(BaseModel):
    """A delivery as it arrived, and what it became."""

    source: str
    delivery_id: str
    received_at: str
    method: str
    url: str = Field(description="As the CRM called it, a secret token in its query redacted.")
    headers: dict[str, str] = Field(description="Those that identify, sign and describe a delivery.")
    body: str
    verification: str
    outcome: list[RecordOutcome] | None = Field(description=OUTCOMES)


class CrmUserOut(BaseModel):
    source: str
    crm_user_id: str
    rep_id: str
    actor: str
    updated_at: str


class CrmUserMappedOut(BaseModel):
    source: str
    crm_user_id: str
    rep_id: str


class CrmUsersOut(RootModel[list[CrmUserOut]]):
    """The CRM users of a source, in CRM user id order."""
