"""scoring_service's own event-sourced state: rule definitions and their versions, ratings, period closes
and sealed appraisals. Events only add: a rule change is a new version, a sealed appraisal is never
edited (a correction will be a new revision).

Each aggregate refuses a wrong transition in its command method, whoever calls it (the way eventsourcing's
BankAccount refuses a debit on a closed account); the events keep the payloads they always had, plain JSON,
and are read back into typed state, so every event ever stored still loads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.scoring_service.domain.definitions import RULE_KINDS, STORED, RuleDefinition
from services.scoring_service.domain.errors import (
    CutoffAlreadyFixed,
    CutoffBeyondLedger,
    PeriodAlreadyClosed,
    PeriodNotClosed,
    PeriodNotPublished,
    RevisionAlreadySealed,
    WrongRuleKind,
)
from services.scoring_service.domain.records import (
    AppealDeadline,
    AppraisalRef,
    CloseInputs,
    PeriodSummary,
    Publication,
    Seal,
    SealedRevision,
)
from services.scoring_service.domain.results import RepAppraisal
from services.scoring_service.domain.scoring import GivenRating
from shared.kernel.rule_versions import VersionedRule

NAMESPACE = uuid5(NAMESPACE_URL, "https://perfledger.example/scoring")


class Catalogue(Aggregate):
    """What exists, so it can be listed: every rule and every period that began to close."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "catalogue")

    @event("Created")
    def __init__(self) -> None:
        self.rules: list[tuple[str, str]] = []
        self.periods: list[str] = []

    @event("RuleAdded")
    def add_rule(self, kind: str, rule_id: str) -> None:
        self.rules.append((kind, rule_id))

    @event("PeriodAdded")
    def add_period(self, period: str) -> None:
        self.periods.append(period)

    @event("AppealAdded")
    def add_appeal(self, period: str, rep_id: str, revision: int) -> None:
        if not hasattr(self, "appeals"):  # a catalogue created before appeals
            self.appeals: list[tuple[str, str, int]] = []
        self.appeals.append((period, rep_id, revision))

    def appeals_filed(self) -> list[tuple[str, str, int]]:
        return list(getattr(self, "appeals", []))


class Rule(VersionedRule):
    """One scorecard, commission plan or bonus pool; version n is the n-th definition, never changed."""

    @staticmethod
    def create_id(kind: str, rule_id: str) -> UUID:
        return uuid5(NAMESPACE, f"rule:{kind}:{rule_id}")

    @event("Defined")
    def __init__(self, kind: str, rule_id: str) -> None:
        self.kind = kind
        self.rule_id = rule_id
        self.versions: list[dict[str, Any]] = []

    def define(
        self, definition: RuleDefinition, effective_from: date, actor: str, reason: str | None, recorded_at: str
    ) -> None:
        """Add the next version; it must be of the rule's kind."""
        if not isinstance(definition, RULE_KINDS[self.kind]):
            raise WrongRuleKind(self.kind, self.rule_id, type(definition).__name__)
        self.add_version(definition.model_dump(mode="json"), effective_from.isoformat(), actor, reason, recorded_at)

    def definition(self, version: int) -> RuleDefinition:
        """Version n's definition, read by the names it was stored under."""
        return RULE_KINDS[self.kind].model_validate(self.versions[version - 1]["definition"], context=STORED)

    def version_in_force(self, day: date) -> int | None:
        found = self.in_force(day.isoformat())
        return None if found is None else int(found["version"])


class PeriodRatings(Aggregate):
    """The ratings given for one period; a close records how many it saw."""

    @staticmethod
    def create_id(period: str) -> UUID:
        return uuid5(NAMESPACE, f"ratings:{period}")

    @event("Opened")
    def __init__(self, period: str) -> None:
        self.period = period
        self.ratings: list[GivenRating] = []

    def give(self, rep_id: str, kpi: str, value: Decimal, reason: str, rater: str) -> GivenRating:
        self._give({"rep_id": rep_id, "kpi": kpi, "value": str(value), "reason": reason, "rater": rater})
        return self.ratings[-1]

    @event("Given")
    def _give(self, rating: dict[str, Any]) -> None:
        self.ratings.append(
            GivenRating(
                rep_id=rating["rep_id"],
                kpi=rating["kpi"],
                value=Decimal(rating["value"]),
                rater=rating["rater"],
                reason=rating["reason"],
                version=len(self.ratings) + 1,
            )
        )


class PeriodState(StrEnum):
    """A period is open until it begins to close; it has no PeriodClose until then."""

    CLOSING = "closing"  # the cut-off and the inputs are fixed; the appraisals wait for the read model
    CLOSED = "closed"  # every rep's appraisal is sealed
    PUBLISHED = "published"  # the reps may read their appraisals; the appeal window runs
    PAID = "paid"  # hr exported the payroll file and the period was paid


class PeriodClose(Aggregate):
    """closing (the cut-off and the inputs are fixed) → closed (appraisals sealed) → published."""

    @staticmethod
    def create_id(period: str) -> UUID:
        return uuid5(NAMESPACE, f"period:{period}")

    @classmethod
    def begin(
        cls, period: str, cutoff: int | None, ledger_head: int, inputs: CloseInputs, actor: str, requested_at: str
    ) -> PeriodClose:
        """Begin closing at `cutoff`, or at the ledger's head when none is asked; never beyond the head."""
        if cutoff is not None and cutoff > ledger_head:
            raise CutoffBeyondLedger(ledger_head)
        return cls(period, ledger_head if cutoff is None else cutoff, inputs.stored(), actor, requested_at)

    @event("Closing")
    def __init__(self, period: str, cutoff: int, inputs: dict[str, Any], actor: str, requested_at: str) -> None:
        self.period = period
        self.cutoff = cutoff
        self.inputs = CloseInputs.model_validate(inputs)
        self.closed_by = actor
        self.requested_at = requested_at
        self.state = PeriodState.CLOSING
        self.ledger_hash: str | None = None
        self.reps: list[str] = []
        self.summary = PeriodSummary()
        self.published: Publication | None = None
        self.paid: Publication | None = None

    def agree_to_cutoff(self, cutoff: int | None) -> None:
        """Asking again to close is answered with this close, unless it names another cut-off."""
        if cutoff is not None and cutoff != self.cutoff:
            raise CutoffAlreadyFixed(self.period, self.state, self.cutoff)

    @property
    def awaiting_seal(self) -> bool:
        return self.state is PeriodState.CLOSING

    def close(self, ledger_hash: str, reps: list[str], summary: PeriodSummary) -> None:
        """Record that every rep's appraisal is sealed."""
        if not self.awaiting_seal:
            raise PeriodAlreadyClosed(self.period, self.state)
        self._close(ledger_hash, reps, summary.stored())

    @event("Closed")
    def _close(self, ledger_hash: str, reps: list[str], summary: dict[str, Any]) -> None:
        self.ledger_hash = ledger_hash
        self.reps = reps
        self.summary = PeriodSummary.model_validate(summary)
        self.state = PeriodState.CLOSED

    def publish(self, actor: str, published_at: str, appeals: AppealDeadline) -> None:
        """Make the sealed appraisals readable by their reps, opening the appeal window. Publishing again changes
        nothing, so a publish retried after a lost answer is answered as the first was."""
        if self.state is PeriodState.CLOSING:
            raise PeriodNotClosed(self.period)
        if self.state is PeriodState.CLOSED:
            self._publish(actor, published_at, appeals.stored())

    @event("Published")
    def _publish(self, actor: str, published_at: str, appeals: dict[str, Any] | None = None) -> None:
        self.published = Publication(by=actor, at=published_at, appeals=appeals)
        self.state = PeriodState.PUBLISHED

    def mark_paid(self, actor: str, paid_at: str) -> None:
        """Record that the period's payroll was paid. Only a published period is paid; marking it again changes
        nothing. A later correction is paid as an adjustment or clawback in a later period's statement."""
        if self.state in (PeriodState.CLOSING, PeriodState.CLOSED):
            raise PeriodNotPublished(self.period, self.state)
        if self.state is PeriodState.PUBLISHED:
            self._mark_paid(actor, paid_at)

    @event("Paid")
    def _mark_paid(self, actor: str, paid_at: str) -> None:
        self.paid = Publication(by=actor, at=paid_at)
        self.state = PeriodState.PAID


class Appraisal(Aggregate):
    """One rep's appraisal for one period: revisions of a sealed result, each kept forever."""

    @staticmethod
    def create_id(period: str, rep_id: str) -> UUID:
        return uuid5(NAMESPACE, f"appraisal:{period}:{rep_id}")

    @event("Opened")
    def __init__(self, period: str, rep_id: str) -> None:
        self.period = period
        self.rep_id = rep_id
        self.revisions: list[SealedRevision] = []

    def seal(self, result: RepAppraisal, seal: Seal, signature: str) -> None:
        """Seal the next revision; the seal must name it."""
        next_revision = AppraisalRef(period=self.period, rep_id=self.rep_id, revision=len(self.revisions) + 1)
        if seal.appraisal != next_revision:
            raise RevisionAlreadySealed(self.period, self.rep_id, seal.appraisal.revision, next_revision.revision)
        self._seal(result.canonical().decode(), seal.stored(), signature)

    @event("Sealed")
    def _seal(self, result: str, seal: dict[str, Any], signature: str) -> None:
        """`result` is the canonical JSON text whose SHA-256 the seal records."""
        self.revisions.append(
            SealedRevision(
                revision=len(self.revisions) + 1,
                text=result,
                seal=Seal.model_validate(seal),
                signature=signature,
            )
        )

    @property
    def current(self) -> SealedRevision:
        return self.revisions[-1]
