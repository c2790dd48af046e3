"""What scoring_service's routes read and answer. Requests are checked here, at the edge; answers are the
domain's typed results (domain/results.py, domain/records.py) under the names the API has always used, so
OpenAPI describes every body and the canonical bytes stay as they were."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Generic, Literal, TypeVar

import orjson
from pydantic import BaseModel, Field

from services.scoring_service.appraisals.live import Ranking, Scores
from services.scoring_service.appraisals.replay import Replay
from services.scoring_service.domain.aggregates import Appraisal, PeriodClose, PeriodState, Rule
from services.scoring_service.domain.definitions import (
    AppealPolicy,
    BonusPool,
    CommissionPlan,
    Key,
    Quantity,
    Scorecard,
)
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
    def of(cls, closing: PeriodClose, summary: PeriodSummary | None = None) -> PeriodOut:
        """`summary`: the close's as far as the reader's scope reaches (the whole of it by default)."""
        return cls(
            period=closing.period,
            state=closing.state,
            cutoff_position=closing.cutoff,
            ledger_hash=closing.ledger_hash,
            closed_by=closing.closed_by,
            requested_at=closing.requested_at,
            inputs=closing.inputs,
            appraisals=len(closing.reps),
            summary=closing.summary if summary is None else summary,
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
