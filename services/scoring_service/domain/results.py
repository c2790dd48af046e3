"""A rep's appraisal as it is written, sealed and answered: the document whose canonical JSON a seal hashes.

Written, not computed: the figures are as the close's result format writes them (presentation.py), so a
sealed text reads back into these types and writes out again to the same bytes. Figures the format
decides how to write (money, a KPI's actual and target, an honour's figure) are kept as the exact text
written (`DecimalText`), because some spellings (`"0.00000030"`) would not survive a trip through
Decimal; figures always written as computed (points, scores, rates, weights) are Decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.scoring_service.domain.scoring import Standing
from shared.platform.canonical import canonical_json

DecimalText = Annotated[str, Field(description="An exact decimal, written as the result format writes it.")]
Figure = Annotated[
    int | str,
    Field(description="A metric's figure as written: a whole count as an integer, anything else as exact text."),
]


class Written(BaseModel):
    """What was written stays as written: nothing unknown is read, every key is written back, by its alias."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True)


class RuleRef(Written):
    id: str
    version: int


class RatingGiven(Written):
    rater: str
    value: Decimal
    reason: str
    version: int = Field(description="The version of the period's ratings that recorded it.")


class RatingsEvidence(Written):
    ratings: list[RatingGiven]


class LedgerEvidence(Written):
    positions: list[int] = Field(description="The ledger entries behind the figure.")


class KpiLine(Written):
    kpi: str
    name: str
    group: Literal["result", "process"]
    metric: str | None = Field(description="None for a rated KPI.")
    weight: Decimal
    actual: Figure | None
    target: Figure | None
    completion: Decimal | None
    points: Decimal
    weighted_points: Decimal
    note: str | None = Field(description="Why the KPI has no figure, when it has none.")
    evidence: LedgerEvidence | RatingsEvidence


class BandPaid(Written):
    kind: Literal["band"]
    from_: DecimalText = Field(alias="from")
    to: DecimalText | None = Field(description="None for the top band.")
    amount_in_band: DecimalText
    rate: Decimal
    amount: DecimalText


class AcceleratorPaid(Written):
    kind: Literal["accelerator"]
    multiplier: Decimal
    amount: DecimalText


class CapApplied(Written):
    kind: Literal["cap"]
    cap: DecimalText
    amount: DecimalText


class EarlierAdjusted(Written):
    kind: Literal["adjustment", "clawback"]
    period: str
    was: DecimalText
    now: DecimalText
    amount: DecimalText
    positions: list[int] = Field(description="The ledger entries since that period's cut-off that moved it.")


StatementLine = Annotated[BandPaid | AcceleratorPaid | CapApplied | EarlierAdjusted, Field(discriminator="kind")]


class BasisEntry(Written):
    position: int
    value: DecimalText


class Basis(Written):
    measure: Literal["revenue_won", "payments_collected"]
    amount: DecimalText
    events: list[BasisEntry]


class CommissionStatement(Written):
    plan: RuleRef
    currency: str
    basis: Basis
    multiplier: Decimal
    earned: DecimalText = Field(description="The period's own lines: what a later statement settles against.")
    lines: list[StatementLine]
    total: DecimalText


class BonusLine(Written):
    pool: RuleRef
    team_id: str
    team_revenue: DecimalText
    percent_of_team_revenue: Decimal
    pool_amount: DecimalText
    split: Literal["rank_weights", "score_share"]
    weight: Decimal
    amount: DecimalText
    currency: str


class Ranks(Written):
    company: Standing
    team: Standing


class RepAppraisal(Written):
    """One rep's appraisal for one period: what a seal's result_sha256 is the hash of."""

    period: str
    rep_id: str
    name: str
    team_id: str
    scorecard: RuleRef
    kpis: list[KpiLine]
    score: Decimal
    result_points: Decimal
    process_points: Decimal
    rank: Ranks
    commission: CommissionStatement | None
    bonus: BonusLine | None
    honours: list[str]

    def canonical(self) -> bytes:
        return canonical_json(self.model_dump())

    @classmethod
    def read(cls, text: str) -> RepAppraisal:
        """A sealed text back in its types; `canonical()` gives the same bytes again."""
        return cls.model_validate_json(text)


class Honour(Written):
    rep_id: str
    figure: DecimalText = Field(description="Revenue won for the top seller, a score or a rise for the others.")


class TeamFigures(Written):
    reps: int
    mean_score: Decimal
    highest_score: Decimal
    lowest_score: Decimal
