"""What the logs other services follow answer with, beside the seal log's items (schemas.py): each step of an
appeal as it was taken, for alert_service to publish to the rep, their managers and its subscribers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from services.scoring_service.appraisals.appeals import LoggedAppealStep

AppealStepKind = Literal["filed", "reviewers_assigned", "commented", "information_requested", "answered", "decided"]


class AppealEventOut(BaseModel):
    id: int = Field(description="The event's id in scoring_service's store: read on with `after` set to it.")
    type: str = Field(description="`appeal.` and the step, e.g. `appeal.filed`, `appeal.decided`.")
    appeal_id: str = Field(description="`period/rep_id/revision`, as `/v1/appeals/...` names the appeal.")
    period: str
    rep_id: str
    revision: int = Field(description="The revision of the appraisal appealed.")
    step: AppealStepKind
    by: str = Field(description="Who took the step (their token's subject).")
    at: str
    text: str = Field(description="Why: the rep's reason, hr's, the comment, question, answer or decision's reasons.")
    reviewers: list[str] | None = Field(description="The reviewers hr assigned (reviewers_assigned only).")
    outcome: Literal["upheld", "adjusted"] | None = Field(description="The decision (decided only).")
    adjusted_revision: int | None = Field(description="The revision an adjustment sealed (adjusted only).")
    manager_units: list[str] = Field(
        description="The rep's unit on the period's last day and those above it, in the organisation as the close "
        "knew it: their managers may read the appeal."
    )

    @classmethod
    def of(cls, logged: LoggedAppealStep) -> AppealEventOut:
        step = logged.step
        return cls(
            id=logged.event_id,
            type=f"appeal.{step['step']}",
            appeal_id=f"{logged.period}/{logged.rep_id}/{logged.revision}",
            period=logged.period,
            rep_id=logged.rep_id,
            revision=logged.revision,
            step=step["step"],
            by=step["by"],
            at=step["at"],
            text=step["text"],
            reviewers=step.get("reviewers"),
            outcome=step.get("outcome"),
            adjusted_revision=step.get("revision"),
            manager_units=list(logged.manager_units),
        )


class AppealEventsOut(BaseModel):
    events: list[AppealEventOut]
