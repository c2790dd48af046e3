"""What the auditor's and the committee's routes answer besides replay: a diff of a sealed appraisal against
the ledger now, a what-if under a proposed rule, and a figure's lineage."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from services.scoring_service.appraisals.replay import Diff, Lineage, WhatIf
from services.scoring_service.domain.definitions import BonusPool, CommissionPlan, Key, Scorecard
from services.scoring_service.domain.diff import FigureChange
from services.scoring_service.domain.records import Seal
from services.scoring_service.domain.results import RepAppraisal
from shared.kernel.events.activities import Schema


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
