"""The business time the warning rules run on: the day of the latest activity the ledger recorded (the
clock), the last day judged, and, while a day cannot be judged because a calendar year it needs is not
published as known then, the day judging waits at and what for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class WaitingFor:
    day: date  # the first day not judged
    calendar_years: tuple[int, ...]
    detail: str  # what HR does to publish them
    since_position: int  # the ledger position judging first waited at

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "calendar_years": list(self.calendar_years),
            "detail": self.detail,
            "since_position": self.since_position,
        }

    @classmethod
    def from_json(cls, recorded: dict[str, Any]) -> WaitingFor:
        return cls(
            date.fromisoformat(recorded["day"]),
            tuple(recorded["calendar_years"]),
            recorded["detail"],
            recorded["since_position"],
        )


@dataclass
class BusinessTime:
    """Moved by the watcher as it reads the ledger; recorded in the watch with each judgement."""

    clock: date | None = None
    judged_through: date | None = None
    waiting_for: WaitingFor | None = None

    def to_json(self) -> tuple[str | None, str | None, dict[str, Any] | None]:
        """(clock, judged_through, waiting_for) as the watch records them."""
        return (
            self.clock.isoformat() if self.clock else None,
            self.judged_through.isoformat() if self.judged_through else None,
            self.waiting_for.to_json() if self.waiting_for else None,
        )

    @classmethod
    def from_json(
        cls, clock: str | None, judged_through: str | None, waiting_for: dict[str, Any] | None
    ) -> BusinessTime:
        return cls(
            date.fromisoformat(clock) if clock else None,
            date.fromisoformat(judged_through) if judged_through else None,
            WaitingFor.from_json(waiting_for) if waiting_for else None,
        )


@dataclass(frozen=True)
class BusinessClock:
    """How far the ledger has been judged (`position`) against what the read model holds (`held`), the
    business time reached, and how far scoring_service's sealed appraisals have been judged."""

    position: int
    held: int
    time: BusinessTime
    scores_position: int

    @property
    def lag(self) -> int:
        return max(self.held - self.position, 0)
