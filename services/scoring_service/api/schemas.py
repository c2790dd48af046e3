"""What scoring_service's routes read and answer. Requests are checked here, at the edge; answers are the
domain's typed results (domain/results.py, domain/records.py) under the names the API has always used, so
OpenAPI describes every body and the canonical bytes stay as they were."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date
from decimal import Decimal
from typing import Generic, Literal, Self, TypeVar

import orjson
from pydantic import BaseModel, Field, model_validator

from services.scoring_service.appraisals.live import Ranking, Scores
from services.scoring_service.appraisals.replay import Diff, Lineage, Replay, WhatIf
from services.scoring_service.domain.aggregates import Appraisal, PeriodClose, PeriodState, Rule
from services.scoring_service.domain.appeals import Appeal, AppealState, Outcome
from services.scoring_service.domain.definitions import (
    AppealPolicy,
    BonusPool,
    CommissionPlan,
    Key,
    Quantity,
    Scorecard,
)
from services.scoring_service.domain.diff import FigureChange
from services.scoring_service.domain.records import CloseInputs, PeriodSummary, Publication, Seal, SealedRevision
from services.scoring_service.domain.results import (
    BonusLine,
    CommissionStatement,
    Honour,
    Ranks,
    RepAppraisal,
    TeamFigures,
)
from services.scoring_service.domain.scoring import GivenRating
from shared.kernel.events.activities import Ref, Schema, Text

D = TypeVar("D", Scorecard, CommissionPlan, BonusPool, AppealPolicy)

# --- requests ----------------------------------------------------------------------------------------------


class RuleVersionIn(Schema):
    effective_from: date = Field(description="The first day this version is in force.")
    reason: Text | None = None


class ScorecardVersionIn(RuleVersionIn):
    definition: Scorecard


class CommissionPlanVersionIn(RuleVersionIn):
    definition: CommissionPlan


class BonusPoolVersionIn(RuleVersionIn):
    definition: BonusPool


class AppealPolicyVersionIn(RuleVersionIn):
    definition: AppealPolicy


class RatingIn(Schema):
    """A manager's or a 360 reviewer's rating of a rep on a rated KPI, with who rated and why."""

    rep_id: Ref
    kpi: Key
    value: Quantity
    reason: Text


# --- answers -----------------------------------------------------------------------------------------------


class RuleVersionOut(BaseModel, Generic[D]):
    version: int
    definition: D = Field(description="As it was stored: a version keeps the names it was defined under.")
    effective_from: date
    actor: str
    reason: str | None
    recorded_at: str


class RuleOut(BaseModel, Generic[D]):
    """A rule with every version. Answered as stored (`of`), never re-written by today's definition model."""

    kind: str
    id: str
    versions: list[RuleVersionOut[D]]

    @staticmethod
    def of(rule: Rule) -> dict[str, object]:
        return {"kind": rule.kind, "id": rule.rule_id, "versions": rule.versions}


class RatingOut(BaseModel):
    period: str
    rep_id: str
    kpi: str
    value: Decimal
    reason: str
    rater: str
    version: int = Field(description="The version of the period's ratings that recorded it.")

    @classmethod
    def of(cls, period: str, given: GivenRating) -> RatingOut:
        return cls(
            period=period,
            rep_id=given.rep_id,
            kpi=given.kpi,
            value=given.value,
            reason=given.reason,
            rater=given.rater,
            version=given.version,
        )


class ScoresOut(BaseModel):
    period: str
    known_at: int = Field(description="The ledger position the figures are as known at.")
    scores: dict[str, RepAppraisal]
    teams: dict[str, TeamFigures]
    honours: dict[str, Honour]

    @staticmethod
    def of(scores: Scores) -> dict[str, object]:
        """The answer as this model writes it, from the canonical texts the live results keep."""
        return {
            "period": scores.period,
            "known_at": scores.known_at,
            "scores": {rep_id: orjson.Fragment(text) for rep_id, text in scores.scores.items()},
            "teams": scores.teams,
            "honours": orjson.Fragment(scores.honours),
        }


class RankedOut(BaseModel):
    rep_id: str
    team_id: str
    score: Decimal
    rank: int
    of: int
    percentile: Decimal


class RankingOut(BaseModel):
    period: str
    known_at: int
    scope: Literal["company", "team"]
    ranking: list[RankedOut]

    @classmethod
    def of(cls, ranking: Ranking) -> RankingOut:
        return cls(
            period=ranking.period,
            known_at=ranking.known_at,
            scope=ranking.scope,
            ranking=[
                RankedOut(
                    rep_id=r.rep_id, team_id=r.team_id, score=r.score, rank=r.rank, of=r.of, percentile=r.percentile
                )
                for r in ranking.ranking
            ],
        )


class StatementOut(BaseModel):
    known_at: int
    period: str
    rep_id: str
    team_id: str
    score: Decimal
    commission: CommissionStatement | None
    bonus: BonusLine | None

    @classmethod
    def of(cls, known_at: int, appraisal: RepAppraisal) -> StatementOut:
        return cls(
            known_at=known_at,
            period=appraisal.period,
            rep_id=appraisal.rep_id,
            team_id=appraisal.team_id,
            score=appraisal.score,
            commission=appraisal.commission,
            bonus=appraisal.bonus,
        )


class PeriodOut(BaseModel):
    period: str
    state: PeriodState
    cutoff_position: int
    ledger_hash: str | None
    closed_by: str
    requested_at: str
    inputs: CloseInputs
    appraisals: int = Field(description="How many appraisals the close sealed.")
    summary: PeriodSummary
    published: Publication | None
    paid: Publication | None

    @classmethod
    def of(cls, closing: PeriodClose) -> PeriodOut:
        return cls(
            period=closing.period,
            state=closing.state,
            cutoff_position=closing.cutoff,
            ledger_hash=closing.ledger_hash,
            closed_by=closing.closed_by,
            requested_at=closing.requested_at,
            inputs=closing.inputs,
            appraisals=len(closing.reps),
            summary=closing.summary,
            published=closing.published,
            paid=closing.paid,
        )


class RevisionOut(BaseModel):
    revision: int
    state: PeriodState
    published: Publication | None
    result: RepAppraisal = Field(description="The seal's result_sha256 is the SHA-256 of its canonical JSON.")
    seal: Seal
    signature: str = Field(description="Base64 Ed25519 signature over the seal's canonical JSON.")

    @classmethod
    def of(cls, closing: PeriodClose, revision: SealedRevision) -> RevisionOut:
        return cls(
            revision=revision.revision,
            state=closing.state,
            published=closing.published,
            result=revision.result,
            seal=revision.seal,
            signature=revision.signature,
        )


class AppraisalOut(BaseModel):
    period: str
    rep_id: str
    revisions: list[RevisionOut] = Field(description="Every revision, the latest last.")

    @classmethod
    def of(cls, closing: PeriodClose, appraisal: Appraisal) -> AppraisalOut:
        return cls(
            period=closing.period,
            rep_id=appraisal.rep_id,
            revisions=[RevisionOut.of(closing, r) for r in appraisal.revisions],
        )


class AppraisalListed(BaseModel):
    rep_id: str
    revision: int
    score: Decimal


class AppraisalListOut(BaseModel):
    period: str
    state: PeriodState
    appraisals: list[AppraisalListed]

    @classmethod
    def of(cls, closing: PeriodClose, revisions: list[SealedRevision]) -> AppraisalListOut:
        return cls(
            period=closing.period,
            state=closing.state,
            appraisals=[
                AppraisalListed(rep_id=r.result.rep_id, revision=r.revision, score=r.result.score) for r in revisions
            ],
        )


class ReplayOut(BaseModel):
    period: str
    rep_id: str
    revision: int
    sealed_sha256: str
    recomputed_sha256: str
    result_matches: bool
    ledger_hash_matches: bool
    signature_valid: bool | None = Field(description="null when another key signed it.")

    @classmethod
    def of(cls, replay: Replay) -> ReplayOut:
        return cls(**replay.__dict__)


class SealKeyOut(BaseModel):
    key_id: str
    algorithm: str
    public_key: str = Field(description="Base64 of the raw 32-byte Ed25519 public key.")


class SealKeysOut(BaseModel):
    keys: list[SealKeyOut]


class SealedEventOut(BaseModel):
    id: int = Field(description="The event's id in scoring_service's store: read on with `after` set to it.")
    type: Literal["appraisal.sealed"]
    period: str
    rep_id: str
    revision: int
    score: Decimal
    rank: Ranks
    result_sha256: str
    ledger_position: int

    @classmethod
    def of(cls, event_id: int, appraisal: Appraisal) -> SealedEventOut:
        revision = appraisal.current
        return cls(
            id=event_id,
            type="appraisal.sealed",
            period=appraisal.period,
            rep_id=appraisal.rep_id,
            revision=revision.revision,
            score=revision.result.score,
            rank=revision.result.rank,
            result_sha256=revision.seal.result_sha256,
            ledger_position=revision.seal.ledger.position,
        )


class SealedEventsOut(BaseModel):
    events: list[SealedEventOut]


# --- appeals -----------------------------------------------------------------------------------------------

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


class FigureChangeOut(BaseModel):
    figure: str = Field(description="A JSON pointer into the appraisal, such as /kpis/revenue/actual.")
    old: str | int | list[str] | None
    new: str | int | list[str] | None
    entries_added: list[int] = Field(description="Ledger entries now behind the figure that were not.")
    entries_removed: list[int] = Field(description="Ledger entries behind it when sealed that no longer are.")


class DiffOut(BaseModel):
    period: str
    rep_id: str
    revision: int
    sealed_at: int = Field(description="The ledger position the sealed revision read.")
    known_at: int = Field(description="The ledger position the recomputation read.")
    appraised_now: bool = Field(description="False when the rep would no longer be appraised at all.")
    changes: list[FigureChangeOut]
    entries_since: list[int] = Field(description="The rep's ledger entries after the seal that the rules read.")

    @classmethod
    def of(cls, diff: Diff) -> DiffOut:
        return cls(
            period=diff.period,
            rep_id=diff.rep_id,
            revision=diff.revision,
            sealed_at=diff.sealed_at,
            known_at=diff.known_at,
            appraised_now=diff.appraised_now,
            changes=_changes(diff.changes),
            entries_since=diff.entries_since,
        )


class WhatIfIn(Schema):
    """A proposed rule, in place of the rule of its kind and id in the period's close (or beside them)."""

    kind: Literal["scorecard", "commission_plan", "bonus_pool"]
    rule_id: Key
    definition: Scorecard | CommissionPlan | BonusPool

    @model_validator(mode="after")
    def _kind_matches(self) -> Self:
        expected = {"scorecard": Scorecard, "commission_plan": CommissionPlan, "bonus_pool": BonusPool}[self.kind]
        if not isinstance(self.definition, expected):
            raise ValueError(f"the definition is not a {self.kind.replace('_', ' ')}")
        return self


class WhatIfRepOut(BaseModel):
    rep_id: str
    sealed: RepAppraisal
    proposed: RepAppraisal | None = Field(description="None when the rep would not be appraised under it.")
    changes: list[FigureChangeOut]


class WhatIfOut(BaseModel):
    period: str
    proposed: WhatIfIn = Field(description="The rule proposed; its results name it as version 0.")
    reps: list[WhatIfRepOut]

    @classmethod
    def of(cls, period: str, proposed: WhatIfIn, found: list[WhatIf]) -> WhatIfOut:
        return cls(
            period=period,
            proposed=proposed,
            reps=[
                WhatIfRepOut(rep_id=w.rep_id, sealed=w.sealed, proposed=w.proposed, changes=_changes(w.changes))
                for w in found
            ],
        )


def _changes(changes: list[FigureChange]) -> list[FigureChangeOut]:
    return [
        FigureChangeOut(
            figure=c.figure,
            old=c.old,
            new=c.new,
            entries_added=list(c.entries_added),
            entries_removed=list(c.entries_removed),
        )
        for c in changes
    ]


class LineageEntryOut(BaseModel):
    position: int
    hash: str | None = Field(description="The ledger's chain hash at the entry, as scoring_service followed it.")
    delivery: str = Field(description="Where goal_service shows the CRM delivery the entry came from, if any.")


class LineageOut(BaseModel):
    period: str
    rep_id: str
    revision: int
    figure: str
    value: str | int | list[str] | None
    entries: list[LineageEntryOut] = Field(description="The ledger entries behind the figure.")
    seal: Seal = Field(description="The revision's seal: the ledger position and hash, rule versions and inputs.")

    @classmethod
    def of(cls, lineage: Lineage) -> LineageOut:
        return cls(
            period=lineage.period,
            rep_id=lineage.rep_id,
            revision=lineage.revision,
            figure=lineage.figure,
            value=lineage.value,
            entries=[LineageEntryOut(position=p, hash=h, delivery=f"/v1/crm/entries/{p}") for p, h in lineage.entries],
            seal=lineage.seal,
        )
