"""scoring_service's own event-sourced state: rule definitions and their versions, ratings, period closes
and sealed appraisals. Events only add: a rule change is a new version, a sealed appraisal is never
edited (a correction will be a new revision)."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

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


class PeriodRatings(Aggregate):
    """The ratings given for one period; a close records how many it saw."""

    @staticmethod
    def create_id(period: str) -> UUID:
        return uuid5(NAMESPACE, f"ratings:{period}")

    @event("Opened")
    def __init__(self, period: str) -> None:
        self.period = period
        self.ratings: list[dict[str, Any]] = []

    @event("Given")
    def give(self, rating: dict[str, Any]) -> None:
        self.ratings.append({**rating, "version": len(self.ratings) + 1})


class PeriodClose(Aggregate):
    """open → closing (the cut-off and the inputs are fixed) → closed (appraisals sealed) → published."""

    @staticmethod
    def create_id(period: str) -> UUID:
        return uuid5(NAMESPACE, f"period:{period}")

    @event("Closing")
    def __init__(self, period: str, cutoff: int, inputs: dict[str, Any], actor: str, requested_at: str) -> None:
        self.period = period
        self.cutoff = cutoff
        self.inputs = inputs  # rule versions in force, ratings seen, earlier periods' appraisals
        self.closed_by = actor
        self.requested_at = requested_at
        self.state = "closing"
        self.ledger_hash: str | None = None
        self.reps: list[str] = []
        self.summary: dict[str, Any] = {}
        self.published: dict[str, Any] | None = None

    @event("Closed")
    def close(self, ledger_hash: str, reps: list[str], summary: dict[str, Any]) -> None:
        self.ledger_hash = ledger_hash
        self.reps = reps
        self.summary = summary
        self.state = "closed"

    @event("Published")
    def publish(self, actor: str, published_at: str) -> None:
        self.published = {"by": actor, "at": published_at}
        self.state = "published"


class Appraisal(Aggregate):
    """One rep's appraisal for one period: revisions of a sealed result, each kept forever."""

    @staticmethod
    def create_id(period: str, rep_id: str) -> UUID:
        return uuid5(NAMESPACE, f"appraisal:{period}:{rep_id}")

    @event("Opened")
    def __init__(self, period: str, rep_id: str) -> None:
        self.period = period
        self.rep_id = rep_id
        self.revisions: list[dict[str, Any]] = []

    @event("Sealed")
    def seal(self, result: str, seal: dict[str, Any], signature: str) -> None:
        """`result` is the canonical JSON text whose SHA-256 the seal records."""
        self.revisions.append(
            {"revision": len(self.revisions) + 1, "result": result, "seal": seal, "signature": signature}
        )

    @property
    def current(self) -> dict[str, Any]:
        return self.revisions[-1]
