"""The steps of reps' appeals as scoring_service took them, each kept once in alert_service's store so that the
feed and the subscribers get it in order with the warnings, and a restart neither loses nor repeats one."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.alert_service.domain.aggregates import NAMESPACE


class AppealEventType(StrEnum):
    """What the feed and outbound deliveries call each step of an appeal (scoring_service's step names)."""

    FILED = "appeal.filed"
    REVIEWERS_ASSIGNED = "appeal.reviewers_assigned"
    COMMENTED = "appeal.commented"
    INFORMATION_REQUESTED = "appeal.information_requested"
    ANSWERED = "appeal.answered"
    DECIDED = "appeal.decided"


class AppealStep(Aggregate):
    """One step of an appeal, scoring_service's event `scoring_event_id`: who took it, when and why, and the
    units whose managers are told (those that may read the appeal in scoring_service)."""

    @staticmethod
    def create_id(scoring_event_id: int) -> UUID:
        return uuid5(NAMESPACE, f"appeal-step:{scoring_event_id}")

    @event("Published")
    def __init__(
        self,
        scoring_event_id: int,
        period: str,
        rep_id: str,
        revision: int,
        step: str,
        by: str,
        at: str,
        text: str,
        reviewers: list[str] | None,
        outcome: str | None,
        adjusted_revision: int | None,
        manager_units: list[str],
    ) -> None:
        self.scoring_event_id = scoring_event_id
        self.period, self.rep_id, self.revision = period, rep_id, revision
        self.step, self.by, self.at, self.text = step, by, at, text
        self.reviewers, self.outcome, self.adjusted_revision = reviewers, outcome, adjusted_revision
        self.manager_units = manager_units

    @property
    def type(self) -> AppealEventType:
        return AppealEventType(f"appeal.{self.step}")

    @property
    def appeal_id(self) -> str:
        return f"{self.period}/{self.rep_id}/{self.revision}"
