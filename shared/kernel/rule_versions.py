"""Rules a service's own users define (scorecards, commission plans, warning rules): an event-sourced
aggregate whose every change is a new version, effective from a business day, so a replay finds the
version that was in force. Each service's rule aggregate subclasses it and says what identifies a rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate, event


class VersionedRule(Aggregate):
    """Version n is the n-th definition, never changed. Subclasses set `self.versions = []` when created
    (annotated here, eventsourcing would take it for an argument of their created event)."""

    if TYPE_CHECKING:  # for the type checker alone, so eventsourcing never sees the annotation
        versions: list[dict[str, Any]]

    @event("Versioned")
    def add_version(
        self, definition: dict[str, Any], effective_from: str, actor: str, reason: str | None, recorded_at: str
    ) -> None:
        self.versions.append(
            {
                "version": len(self.versions) + 1,
                "definition": definition,
                "effective_from": effective_from,
                "actor": actor,
                "reason": reason,
                "recorded_at": recorded_at,
            }
        )

    def in_force(self, day: str) -> dict[str, Any] | None:
        """The latest version effective on or before a day (ISO); of two from the same day, the later."""
        found = None
        for version in self.versions:
            if version["effective_from"] <= day and (
                found is None or version["effective_from"] >= found["effective_from"]
            ):
                found = version
        return found
