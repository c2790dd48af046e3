"""A warning's life: its states, the moves a person may make between them, the action planned, and where a
judgement raised or cleared it. Each value reads back the JSON it is recorded as, so a warning's events
keep the form they were first written in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from services.alert_service.domain.errors import (
    WarningAlreadyAcknowledged,
    WarningAlreadyResolved,
    WarningMoveRefused,
    WarningNotAcknowledged,
)


class WarningState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ACTION_PLANNED = "action_planned"
    RESOLVED = "resolved"
    AUTO_RESOLVED = "auto_resolved"

    @property
    def active(self) -> bool:
        """Still calling for attention: open, acknowledged or with an action planned."""
        return self not in (WarningState.RESOLVED, WarningState.AUTO_RESOLVED)


class WarningEventType(StrEnum):
    """What the feed and outbound deliveries call each event of a warning."""

    RAISED = "warning.raised"
    ACKNOWLEDGED = "warning.acknowledged"
    ACTION_PLANNED = "warning.action_planned"
    RESOLVED = "warning.resolved"
    AUTO_RESOLVED = "warning.auto_resolved"


# state -> where a person may move a warning from it; the watcher auto-resolves from any active state
MOVES: dict[WarningState, tuple[WarningState, ...]] = {
    WarningState.OPEN: (WarningState.ACKNOWLEDGED,),
    WarningState.ACKNOWLEDGED: (WarningState.ACTION_PLANNED, WarningState.RESOLVED),
    WarningState.ACTION_PLANNED: (WarningState.ACTION_PLANNED, WarningState.RESOLVED),
}


def refused_move(state: WarningState, to: WarningState) -> WarningMoveRefused | None:
    """Why a person may not move a warning from `state` to `to`, or None when they may."""
    allowed = MOVES.get(state, ())
    if to in allowed:
        return None
    said = (
        f"a warning that is {state.replace('_', ' ')} can move to "
        f"{', '.join(allowed) or 'nothing: it is over'}, not {to}"
    )
    if not state.active:
        return WarningAlreadyResolved(said)
    if state is WarningState.OPEN:
        return WarningNotAcknowledged(said)
    return WarningAlreadyAcknowledged(said)


class ActionKind(StrEnum):
    COACHING = "coaching"  # for a capability gap
    RESOURCE = "resource"  # more leads or time, for a resource gap


@dataclass(frozen=True)
class ActionPlan:
    kind: ActionKind
    owner: str
    due: date

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "owner": self.owner, "due": self.due.isoformat()}

    @classmethod
    def from_json(cls, recorded: dict[str, Any]) -> ActionPlan:
        return cls(ActionKind(recorded["kind"]), recorded["owner"], date.fromisoformat(recorded["due"]))


@dataclass(frozen=True)
class RuleRef:
    """The rule version a warning was raised by."""

    id: str
    version: int
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "kind": self.kind}

    @classmethod
    def from_json(cls, recorded: dict[str, Any]) -> RuleRef:
        return cls(recorded["id"], recorded["version"], recorded["kind"])


@dataclass(frozen=True)
class JudgedAt:
    """Where a judgement was made: the business day judged, the ledger position it was known at, and for a
    sealed appraisal the id of its event in scoring_service's log."""

    day: date
    position: int
    scoring_event: int | None = None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"day": self.day.isoformat(), "position": self.position}
        if self.scoring_event is not None:
            found["scoring_event"] = self.scoring_event
        return found

    @classmethod
    def from_json(cls, recorded: dict[str, Any]) -> JudgedAt:
        return cls(date.fromisoformat(recorded["day"]), recorded["position"], recorded.get("scoring_event"))


@dataclass(frozen=True)
class Transition:
    """One move in a warning's history: a person's (when, and for a plan the action), or the watcher's when
    the condition cleared (where it was judged, and the figures that cleared it)."""

    from_state: WarningState
    to_state: WarningState
    actor: str
    reason: str | None
    at: str | None = None  # when a person moved it
    action: ActionPlan | None = None
    cleared: JudgedAt | None = None
    evidence: dict[str, Any] | None = None  # the figures as judged, written as every answer writes them
