"""What scoring_service's appeal routes read and answer (api/appeals.py)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from services.scoring_service.domain.appeals import Appeal, AppealState, Outcome
from services.scoring_service.domain.definitions import Key
from shared.kernel.events.activities import Ref, Schema, Text

DOCUMENT_BYTES = 1_000_000  # the most of a document's content an appeal keeps; larger ones are referenced


class DisputedFigure(Schema):
    kind: Literal["kpi", "commission_line", "bonus", "rank"]
    ref: Key | int | None = Field(None, description="The KPI's key, or the statement line's number from 1.")
    claim: Text | None = Field(None, description="What the rep holds the figure should be, and why.")


class AppealEvidence(Schema):
    """A CRM record by its source and id, or a document by its SHA-256, its content kept or referenced."""

    kind: Literal["crm_record", "document"]
    source: Ref | None = None
    id: Ref | None = None
    name: Text | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    content_base64: str | None = Field(None, max_length=DOCUMENT_BYTES * 4 // 3 + 4)
    url: Text | None = Field(None, description="Where the document is kept, when its content is not sent.")

    @model_validator(mode="after")
    def _names_it(self) -> Self:
        if self.kind == "crm_record" and not (self.source and self.id):
            raise ValueError("a CRM record names its source and id")
        if self.kind == "document":
            if not self.sha256:
                raise ValueError("a document names its sha256")
            if self.content_base64 is not None:
                try:
                    content = base64.b64decode(self.content_base64, validate=True)
                except binascii.Error:
                    raise ValueError("content_base64 is not base64") from None
                if hashlib.sha256(content).hexdigest() != self.sha256:
                    raise ValueError("the content's SHA-256 is not the sha256 given")
        return self


class AppealIn(Schema):
    disputed: list[DisputedFigure] = Field(min_length=1, max_length=20)
    reason: Text
    evidence: list[AppealEvidence] = Field(default_factory=list, max_length=20)


class AssignIn(Schema):
    reviewers: list[Ref] = Field(min_length=1, max_length=10, description="Members of the appeals committee.")
    reason: Text


class NoteIn(Schema):
    text: Text


class DecisionIn(Schema):
    outcome: Literal["upheld", "adjusted"] = Field(
        description="upheld: the appraisal stands; adjusted: its next revision is sealed, read at `cutoff_position`."
    )
    reasons: Text
    cutoff_position: int | None = Field(
        None, ge=0, description="adjusted: the ledger position the revision reads (default: all this service holds)."
    )


class AppealStep(BaseModel):
    step: str
    by: str
    at: str
    text: str
    reviewers: list[str] | None = None
    outcome: str | None = None
    revision: int | None = None


class AppealOut(BaseModel):
    period: str
    rep_id: str
    revision: int = Field(description="The appraisal revision appealed.")
    state: AppealState
    deadline: str = Field(description="The end of the appeal window the appeal was filed in.")
    disputed: list[DisputedFigure]
    reason: str
    evidence: list[AppealEvidence]
    reviewers: list[str]
    outcome: Outcome | None
    steps: list[AppealStep]

    @classmethod
    def of(cls, appeal: Appeal) -> AppealOut:
        return cls(
            period=appeal.period,
            rep_id=appeal.rep_id,
            revision=appeal.revision,
            state=appeal.state,
            deadline=appeal.deadline,
            disputed=[DisputedFigure.model_validate(d) for d in appeal.disputed],
            reason=appeal.reason,
            evidence=[AppealEvidence.model_validate(e) for e in appeal.evidence],
            reviewers=appeal.reviewers,
            outcome=appeal.outcome,
            steps=[AppealStep.model_validate(s) for s in appeal.steps],
        )


class AppealListOut(BaseModel):
    appeals: list[AppealOut]
