"""The bodies alert_service answers with, as the OpenAPI document describes them. Routes answer with the
canonical JSON the domain writes (`to_json`), byte for byte, and declare these models for it; the HTTP tests
read real answers back into them, so a model that drifts from its body fails there."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.alert_service.domain.definitions import WarningRuleDefinition
from services.alert_service.domain.delivery import DeliveryState
from services.alert_service.domain.diagnosis import Gap, Remedy
from services.alert_service.domain.lifecycle import ActionKind, WarningEventType, WarningState

DecimalText = str  # a decimal written exactly, never a float


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Empty(Out):
    """Nothing: a warning raised without a diagnosis."""


# --- warning rules ---------------------------------------------------------------------------------------


class RuleVersionOut(Out):
    version: int = Field(description="The n-th definition of the rule, never changed.")
    definition: WarningRuleDefinition
    effective_from: date = Field(description="The first business day it is in force.")
    actor: str
    reason: str | None
    recorded_at: str


class WarningRuleOut(Out):
    id: str
    versions: list[RuleVersionOut]


# --- warnings --------------------------------------------------------------------------------------------


class RuleRefOut(Out):
    id: str
    version: int
    kind: str


class SubjectOut(Out):
    kind: Literal["rep", "unit"]
    id: str


class JudgedAtOut(Out):
    day: date = Field(description="The business day judged.")
    position: int = Field(description="The ledger position it was judged as known at.")
    scoring_event: int | None = Field(None, description="For a sealed appraisal, its event in scoring_service's log.")


class PerRepFiguresOut(Out):
    visits: DecimalText
    leads_created: DecimalText
    lead_conversion_rate: DecimalText | None
    win_rate: DecimalText | None


class DiagnosisFiguresOut(Out):
    subject: PerRepFiguresOut
    peers: PerRepFiguresOut
    peer_reps: int


class DiagnosisOut(Out):
    gap: Gap
    action: Remedy = Field(description="What the gap calls for.")
    reason: str
    figures: DiagnosisFiguresOut


class ActionPlanOut(Out):
    kind: ActionKind
    owner: str
    due: date


class TransitionOut(Out):
    """A person's move (with `at`, and for a plan `action`), or the watcher's auto-resolve (with where it was
    judged and the `evidence` that cleared it)."""

    model_config = ConfigDict(populate_by_name=True)

    from_state: WarningState = Field(alias="from")
    to_state: WarningState = Field(alias="to")
    actor: str
    reason: str | None
    at: str | None = Field(None, description="When a person moved it.")
    action: ActionPlanOut | None = None
    day: date | None = None
    position: int | None = None
    scoring_event: int | None = None
    evidence: dict[str, Any] | None = None


class WarningOut(Out):
    id: str
    rule: RuleRefOut
    subject: SubjectOut
    period: str
    occurrence: int = Field(
        description="How many warnings its rule, subject and period have raised, this one included."
    )
    state: WarningState
    raised: JudgedAtOut
    evidence: dict[str, Any] = Field(
        description="The figures judged, written as every answer writes them (decimals as strings), the working "
        "days and calendar versions used, and the ledger `positions` of the entries behind them."
    )
    diagnosis: DiagnosisOut | Empty
    action: ActionPlanOut | None
    history: list[TransitionOut]
    version: int


class WaitingForOut(Out):
    day: date
    calendar_years: list[int]
    detail: str
    since_position: int


class BusinessClockOut(Out):
    position: int = Field(description="The ledger position judged through.")
    held: int = Field(description="The ledger position the read model holds.")
    lag: int
    clock: date | None = Field(description="The business day of the latest activity recorded.")
    judged_through: date | None
    waiting_for: WaitingForOut | None
    scores_position: int = Field(description="scoring_service's sealed appraisals judged through this event id.")


# --- outbound notifications ------------------------------------------------------------------------------


class SubscriptionChangeOut(Out):
    change: Literal["registered", "disabled"]
    actor: str
    at: str


class SubscriptionOut(Out):
    id: str
    url: str
    events: list[WarningEventType] = Field(description="The event types sent; all when empty.")
    active: bool
    history: list[SubscriptionChangeOut]


class RegisteredSubscriptionOut(SubscriptionOut):
    secret: str = Field(description="The Standard Webhooks secret deliveries are signed with, shown only here.")


class DeliveryOut(Out):
    id: str = Field(description="Also the webhook-id, the same on every attempt.")
    subscription_id: str
    notification_id: int
    event_type: WarningEventType
    state: DeliveryState
    attempts: int
    next_attempt_at: str
    last_status: int | None
    last_error: str | None
    created_at: str
    delivered_at: str | None


def answers(model: Any, *statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that answers `model` with these statuses (200 when none given)."""
    return {status: {"model": model} for status in statuses or (200,)}


SSE_FEED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A Server-Sent Events stream: each event has `id` (resume after it with Last-Event-ID), "
        "`event` (a warning event type) and `data`, the warning as that event left it (a Warning).",
        "content": {"text/event-stream": {"schema": {"type": "string", "format": "event-stream"}}},
    }
}
