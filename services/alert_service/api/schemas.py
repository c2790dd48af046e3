"""The bodies alert_service answers with: each route declares one of these as its response model, so the
OpenAPI document describes it, and answers with it (shared/platform/responses.py's pattern). The same
Warning (or, for a step of an appeal, AppealEvent) is the data of each feed event and of each outbound
delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, RootModel

from services.alert_service.application import PublishedEvent, WarningEvent
from services.alert_service.domain.aggregates import PerformanceWarning, Subscription, WarningRule
from services.alert_service.domain.appeals import AppealEventType, AppealStep
from services.alert_service.domain.clock import BusinessClock, WaitingFor
from services.alert_service.domain.definitions import WarningRuleDefinition
from services.alert_service.domain.delivery import Delivery, DeliveryState
from services.alert_service.domain.diagnosis import Diagnosis, Gap, Remedy
from services.alert_service.domain.lifecycle import (
    ActionKind,
    ActionPlan,
    JudgedAt,
    RuleRef,
    Transition,
    WarningEventType,
    WarningState,
)
from shared.platform.responses import is_none

DecimalText = str  # a decimal written exactly, as recorded; never a float
EventType = WarningEventType | AppealEventType  # what a subscription asks for and a delivery sends


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


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

    @classmethod
    def of(cls, rule: WarningRule) -> WarningRuleOut:
        return cls(id=rule.rule_id, versions=[RuleVersionOut.model_validate(v) for v in rule.versions])


class WarningRulesOut(RootModel[list[WarningRuleOut]]):
    """Every warning rule, by id."""

    @classmethod
    def of(cls, rules: Sequence[WarningRule]) -> WarningRulesOut:
        return cls([WarningRuleOut.of(r) for r in rules])


# --- warnings --------------------------------------------------------------------------------------------


class RuleRefOut(Out):
    id: str
    version: int
    kind: str

    @classmethod
    def of(cls, rule: RuleRef) -> RuleRefOut:
        return cls(id=rule.id, version=rule.version, kind=rule.kind)


class SubjectOut(Out):
    kind: Literal["rep", "unit"]
    id: str


class JudgedAtOut(Out):
    day: date = Field(description="The business day judged.")
    position: int = Field(description="The ledger position it was judged as known at.")
    scoring_event: int | None = Field(
        None, exclude_if=is_none, description="For a sealed appraisal, its event in scoring_service's log."
    )

    @classmethod
    def of(cls, at: JudgedAt) -> JudgedAtOut:
        return cls(day=at.day, position=at.position, scoring_event=at.scoring_event)


class PerRepFiguresOut(BaseModel):
    model_config = ConfigDict(extra="allow")  # as recorded: a figure added later passes through

    visits: DecimalText
    leads_created: DecimalText
    lead_conversion_rate: DecimalText | None
    win_rate: DecimalText | None


class DiagnosisFiguresOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    subject: PerRepFiguresOut
    peers: PerRepFiguresOut
    peer_reps: int


class DiagnosisOut(Out):
    gap: Gap
    action: Remedy = Field(description="What the gap calls for.")
    reason: str
    figures: DiagnosisFiguresOut = Field(description="Per rep over the warning's window, the subject's and peers'.")

    @classmethod
    def of(cls, diagnosis: Diagnosis) -> DiagnosisOut:
        figures = DiagnosisFiguresOut.model_validate(diagnosis.figures)
        return cls(gap=diagnosis.gap, action=diagnosis.action, reason=diagnosis.reason, figures=figures)


class NoDiagnosis(Out):
    """An empty object: a warning raised without a diagnosis."""


class ActionPlanOut(Out):
    kind: ActionKind
    owner: str
    due: date

    @classmethod
    def of(cls, plan: ActionPlan) -> ActionPlanOut:
        return cls(kind=plan.kind, owner=plan.owner, due=plan.due)


class TransitionOut(Out):
    """A person's move (with `at`, and for a plan `action`), or the watcher's auto-resolve (with the `day`
    and `position` it was judged at and the `evidence` that cleared it)."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)

    from_: WarningState = Field(alias="from")
    to: WarningState
    actor: str
    reason: str | None
    at: str | None = Field(None, exclude_if=is_none, description="When a person moved it.")
    action: ActionPlanOut | None = Field(None, exclude_if=is_none)
    day: date | None = Field(None, exclude_if=is_none)
    position: int | None = Field(None, exclude_if=is_none)
    scoring_event: int | None = Field(None, exclude_if=is_none)
    evidence: dict[str, Any] | None = Field(None, exclude_if=is_none)

    @classmethod
    def of(cls, move: Transition) -> TransitionOut:
        cleared = move.cleared
        return cls(
            from_=move.from_state,
            to=move.to_state,
            actor=move.actor,
            reason=move.reason,
            at=move.at,
            action=ActionPlanOut.of(move.action) if move.action else None,
            day=cleared.day if cleared else None,
            position=cleared.position if cleared else None,
            scoring_event=cleared.scoring_event if cleared else None,
            evidence=move.evidence,
        )


class WarningOut(Out):
    id: str
    rule: RuleRefOut
    subject: SubjectOut
    period: str
    occurrence: int = Field(description="The how-many-th warning of its rule, subject and period.")
    state: WarningState
    raised: JudgedAtOut
    evidence: dict[str, Any] = Field(
        description="The figures judged, written as every answer writes them (decimals as strings), the working "
        "days and calendar versions used, and the ledger `positions` of the entries behind them."
    )
    diagnosis: DiagnosisOut | NoDiagnosis
    action: ActionPlanOut | None
    history: list[TransitionOut]
    version: int

    @classmethod
    def of(cls, warning: PerformanceWarning) -> WarningOut:
        return cls(
            id=str(warning.id),
            rule=RuleRefOut.of(warning.rule),
            subject=SubjectOut.model_validate({"kind": warning.subject.kind, "id": warning.subject.id}),
            period=warning.period,
            occurrence=warning.occurrence,
            state=warning.state,
            raised=JudgedAtOut.of(warning.raised),
            evidence=warning.evidence,
            diagnosis=DiagnosisOut.of(warning.diagnosis) if warning.diagnosis else NoDiagnosis(),
            action=ActionPlanOut.of(warning.action) if warning.action else None,
            history=[TransitionOut.of(move) for move in warning.history],
            version=warning.version,
        )


class AppealEventOut(Out):
    """A step of a rep's appeal, as scoring_service took it."""

    appeal_id: str = Field(description="`period/rep_id/revision`, as scoring_service's `/v1/appeals/...` names it.")
    period: str
    rep_id: str
    revision: int = Field(description="The revision of the appraisal appealed.")
    step: str = Field(description="filed, reviewers_assigned, commented, information_requested, answered or decided.")
    by: str = Field(description="Who took the step.")
    at: str
    text: str = Field(description="Why: the reason, the comment, question or answer, the decision's reasons.")
    reviewers: list[str] | None = Field(description="The reviewers assigned (reviewers_assigned only).")
    outcome: str | None = Field(description="The decision, upheld or adjusted (decided only).")
    adjusted_revision: int | None = Field(description="The revision an adjustment sealed (adjusted only).")
    manager_units: list[str] = Field(description="The units whose managers are told: the rep's and those above it.")
    scoring_event: int = Field(description="The step's event id in scoring_service's log of appeal steps.")

    @classmethod
    def of(cls, step: AppealStep) -> AppealEventOut:
        return cls(
            appeal_id=step.appeal_id,
            period=step.period,
            rep_id=step.rep_id,
            revision=step.revision,
            step=step.step,
            by=step.by,
            at=step.at,
            text=step.text,
            reviewers=step.reviewers,
            outcome=step.outcome,
            adjusted_revision=step.adjusted_revision,
            manager_units=step.manager_units,
            scoring_event=step.scoring_event_id,
        )


def event_data(event: PublishedEvent) -> dict[str, Any]:
    """The data of a feed event or a delivery: the warning as its event left it, or the appeal step."""
    if isinstance(event, WarningEvent):
        return WarningOut.of(event.warning).model_dump(by_alias=True)
    return AppealEventOut.of(event.step).model_dump(by_alias=True)


class WarningsOut(Out):
    """Warnings in scope, newest raised first, a page at a time."""

    warnings: list[WarningOut]
    next: str | None = Field(description="The `cursor` that asks for the next page; null after the last.")

    @staticmethod
    def of(warnings: Sequence[str], next_cursor: str | None) -> dict[str, object]:
        """The answer as this model writes it, from the canonical texts the warnings table keeps."""
        return {"warnings": [orjson.Fragment(text) for text in warnings], "next": next_cursor}


class WaitingForOut(Out):
    day: date = Field(description="The first day not judged.")
    calendar_years: list[int]
    detail: str = Field(description="How HR publishes them.")
    since_position: int

    @classmethod
    def of(cls, waiting: WaitingFor) -> WaitingForOut:
        return cls(
            day=waiting.day,
            calendar_years=list(waiting.calendar_years),
            detail=waiting.detail,
            since_position=waiting.since_position,
        )


class BusinessClockOut(Out):
    position: int = Field(description="The ledger position judged through.")
    held: int = Field(description="The ledger position the read model holds.")
    lag: int
    clock: date | None = Field(description="The business day of the latest activity recorded.")
    judged_through: date | None
    waiting_for: WaitingForOut | None
    scores_position: int = Field(description="scoring_service's sealed appraisals judged through this event id.")

    @classmethod
    def of(cls, clock: BusinessClock) -> BusinessClockOut:
        time = clock.time
        return cls(
            position=clock.position,
            held=clock.held,
            lag=clock.lag,
            clock=time.clock,
            judged_through=time.judged_through,
            waiting_for=WaitingForOut.of(time.waiting_for) if time.waiting_for else None,
            scores_position=clock.scores_position,
        )


# --- outbound notifications ------------------------------------------------------------------------------


class SubscriptionChangeOut(Out):
    change: Literal["registered", "disabled"]
    actor: str
    at: str


class SubscriptionOut(Out):
    id: str
    url: str
    events: list[EventType] = Field(description="The event types sent; all when empty.")
    active: bool
    history: list[SubscriptionChangeOut]

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionOut:
        return cls.model_validate(_subscription(subscription))


class RegisteredSubscriptionOut(SubscriptionOut):
    secret: str = Field(description="The Standard Webhooks secret deliveries are signed with, shown only here.")

    @classmethod
    def of(cls, subscription: Subscription) -> RegisteredSubscriptionOut:
        return cls.model_validate({**_subscription(subscription), "secret": subscription.secret})


def _subscription(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.subscription_id,
        "url": subscription.url,
        "events": subscription.events,
        "active": subscription.active,
        "history": [{"change": c.change, "actor": c.actor, "at": c.at} for c in subscription.history],
    }


class SubscriptionsOut(RootModel[list[SubscriptionOut]]):
    """Every subscription, in the order registered, without secrets."""

    @classmethod
    def of(cls, subscriptions: Sequence[Subscription]) -> SubscriptionsOut:
        return cls([SubscriptionOut.of(s) for s in subscriptions])


class DeliveryOut(Out):
    id: str = Field(description="Also the webhook-id, the same on every attempt.")
    subscription_id: str
    notification_id: int
    event_type: EventType
    state: DeliveryState
    attempts: int
    next_attempt_at: str
    last_status: int | None
    last_error: str | None
    created_at: str
    delivered_at: str | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls.model_validate(delivery, from_attributes=True)


class DeliveriesOut(RootModel[list[DeliveryOut]]):
    """Deliveries, oldest first."""

    @classmethod
    def of(cls, deliveries: Sequence[Delivery]) -> DeliveriesOut:
        return cls([DeliveryOut.of(d) for d in deliveries])


SSE_FEED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A Server-Sent Events stream: each event has `id` (resume after it with Last-Event-ID), "
        "`event` (a warning event type, or `appeal.<step>`) and `data`: the warning as that event left it (a "
        "WarningOut), or the step of an appeal (an AppealEventOut).",
        "content": {"text/event-stream": {"schema": {"type": "string", "format": "event-stream"}}},
    }
}
