"""What a period close and a seal record, typed: the inputs a close fixes, the summary it keeps, and the seal
a signature is over. Each is kept in an event as plain JSON (`stored()`) and read back into these types;
a key that older records lack stays absent when written back (`exclude_if`), so a signature made over an
old seal still verifies and an old close is answered as it always was."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from pydantic import Field

from services.scoring_service.domain.presentation import FIRST_FORMAT
from services.scoring_service.domain.results import Honour, RepAppraisal, TeamFigures, Written
from shared.platform.canonical import to_canonical


def absent(value: object) -> bool:
    return value is None


class RuleVersionRef(Written):
    kind: Literal["scorecard", "commission_plan", "bonus_pool"]
    id: str
    version: int


Earlier = dict[str, dict[str, int]]  # earlier period -> rep id -> the revision of its appraisal that counts


class CloseInputs(Written):
    """What a close fixes when it begins, besides its cut-off: the appraisal's inputs, read again at replay."""

    rules: list[RuleVersionRef] = Field(description="The rule versions in force on the period's first day.")
    ratings_seen: int = Field(description="How many of the period's ratings the appraisal reads.")
    earlier: Earlier = Field(
        description="Closed periods of the same kind before this one (oldest first): each rep's revision that counts."
    )
    result_format: int | None = Field(
        None, exclude_if=absent, description="How figures are written; absent from closes begun before formats."
    )

    @property
    def format(self) -> int:
        """A close recorded before formats existed was sealed in the first, so its seals replay byte for byte."""
        return FIRST_FORMAT if self.result_format is None else self.result_format

    def stored(self) -> dict[str, Any]:
        return to_canonical(self.model_dump())


class PeriodSummary(Written):
    """The teams' figures and the honours of a closed period; empty while it is closing."""

    teams: dict[str, TeamFigures] | None = Field(None, exclude_if=absent)
    honours: dict[str, Honour] | None = Field(None, exclude_if=absent)

    def stored(self) -> dict[str, Any]:
        return to_canonical(self.model_dump())


class AppealDeadline(Written):
    """The appeal window a publication opened, as counted then."""

    working_days: list[str] = Field(description="The days an appeal may be filed on.")
    deadline: str = Field(description="The end of the last of them, in the company's time zone.")
    calendar_versions: dict[str, int] = Field(description="The calendar version of each year counted.")

    def stored(self) -> dict[str, Any]:
        return to_canonical(self.model_dump())


class Publication(Written):
    by: str
    at: str
    appeals: AppealDeadline | None = Field(None, exclude_if=absent, description="Absent before appeal windows.")


class AppraisalRef(Written):
    period: str
    rep_id: str
    revision: int


class LedgerRef(Written):
    position: int
    hash: str | None = Field(description="The ledger's chain hash at the position.")


class EarlierRef(Written):
    period: str
    revision: int


class Seal(Written):
    """What a signature is over: the appraisal revision, the ledger position and hash it saw, the inputs it
    read and the SHA-256 of its result's canonical JSON."""

    appraisal: AppraisalRef
    ledger: LedgerRef
    ledger_rules_position: int = Field(description="The last organisation, calendar or goal entry it saw.")
    rules: list[RuleVersionRef]
    ratings_seen: int
    earlier: list[EarlierRef]
    result_format: int | None = Field(None, exclude_if=absent, description="Absent from seals made before formats.")
    appeal: AppraisalRef | None = Field(
        None, exclude_if=absent, description="The appealed revision an adjustment answers; absent from a close's."
    )
    result_sha256: str
    algorithm: str
    key_id: str
    sealed_at: str

    def stored(self) -> dict[str, Any]:
        """The seal as signed: its canonical JSON is what the signature is over."""
        return to_canonical(self.model_dump())


@dataclass(frozen=True)
class SealedRevision:
    """One revision of an appraisal, as sealed: `text` is the canonical JSON whose SHA-256 the seal records."""

    revision: int
    text: str
    seal: Seal
    signature: str

    @cached_property
    def result(self) -> RepAppraisal:
        """The figures, read when first asked for: loading an appraisal (to count its revisions) need not."""
        return RepAppraisal.read(self.text)
