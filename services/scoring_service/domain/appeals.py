"""Appeals (申诉): a rep appeals a published appraisal within a number of working days after the day it was
published, counted on the working-day calendar with its holidays and make-up days and ending at midnight in
the company's time zone; hr assigns reviewers, who comment, ask the rep for information and decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate, event

from services.scoring_service.domain.aggregates import NAMESPACE
from services.scoring_service.domain.errors import AppealStepRefused, NotAReviewer
from shared.kernel.workdays import WorkingCalendar

DEFAULT_WORKING_DAYS = 3


@dataclass(frozen=True)
class AppealWindow:
    days: tuple[date, ...]  # the working days an appeal may be filed on
    deadline: datetime  # the end of the last of them, in the company's zone
    calendar_versions: dict[int, int]  # {year: version} of the calendar years counted

    def open_at(self, moment: datetime) -> bool:
        return moment < self.deadline


def appeal_window(published_on: date, working_days: int, calendar: WorkingCalendar, zone: ZoneInfo) -> AppealWindow:
    """The window of an appraisal published on `published_on` (a day in `zone`)."""
    days = calendar.working_days_after(published_on, working_days)
    deadline = datetime.combine(days[-1] + timedelta(days=1), time(), tzinfo=zone)
    return AppealWindow(tuple(days), deadline, calendar.versions(published_on, days[-1]))


class AppealState(StrEnum):
    FILED = "filed"  # waiting for hr to assign reviewers
    IN_REVIEW = "in_review"  # the reviewers comment, ask for information and decide
    AWAITING_REP = "awaiting_rep"  # a reviewer asked the rep for information
    DECIDED = "decided"


class Outcome(StrEnum):
    UPHELD = "upheld"  # the appraisal stands
    ADJUSTED = "adjusted"  # a new revision is sealed


class Appeal(Aggregate):
    """A rep's appeal of one revision of their published appraisal, and each step the committee takes on it,
    each with who, when and why. One appeal per revision: an adjustment seals a new revision, which can be
    appealed in its own window."""

    @staticmethod
    def create_id(period: str, rep_id: str, revision: int) -> UUID:
        return uuid5(NAMESPACE, f"appeal:{period}:{rep_id}:{revision}")

    @event("Filed")
    def __init__(
        self,
        period: str,
        rep_id: str,
        revision: int,
        disputed: list[dict[str, Any]],
        reason: str,
        evidence: list[dict[str, Any]],
        deadline: str,
        by: str,
        at: str,
    ) -> None:
        self.period, self.rep_id, self.revision = period, rep_id, revision
        self.disputed, self.reason, self.evidence = disputed, reason, evidence
        self.deadline = deadline
        self.state = AppealState.FILED
        self.reviewers: list[str] = []
        self.steps: list[dict[str, Any]] = [{"step": "filed", "by": by, "at": at, "text": reason}]
        self.outcome: Outcome | None = None

    def assign(self, reviewers: list[str], by: str, at: str, reason: str) -> None:
        self._require(AppealState.FILED, AppealState.IN_REVIEW)
        self._assign(sorted(set(reviewers)), by, at, reason)

    @event("ReviewersAssigned")
    def _assign(self, reviewers: list[str], by: str, at: str, reason: str) -> None:
        self.reviewers = reviewers
        self.state = AppealState.IN_REVIEW
        self.steps.append({"step": "reviewers_assigned", "by": by, "at": at, "text": reason, "reviewers": reviewers})

    def comment(self, by: str, at: str, text: str) -> None:
        self._require_reviewer(by, AppealState.IN_REVIEW, AppealState.AWAITING_REP)
        self._note("commented", by, at, text)

    def request_information(self, by: str, at: str, question: str) -> None:
        self._require_reviewer(by, AppealState.IN_REVIEW)
        self._note("information_requested", by, at, question)

    def answer(self, by: str, at: str, text: str) -> None:
        self._require(AppealState.AWAITING_REP)
        self._note("answered", by, at, text)

    @event("Noted")
    def _note(self, step: str, by: str, at: str, text: str) -> None:
        self.steps.append({"step": step, "by": by, "at": at, "text": text})
        if step == "information_requested":
            self.state = AppealState.AWAITING_REP
        elif step == "answered":
            self.state = AppealState.IN_REVIEW

    def decide(self, outcome: Outcome, by: str, at: str, reasons: str, revision: int | None = None) -> None:
        """`revision`: the revision an adjustment sealed."""
        self._require_reviewer(by, AppealState.IN_REVIEW)
        if (outcome is Outcome.ADJUSTED) != (revision is not None):
            raise ValueError("an adjustment names the revision it sealed, and only an adjustment does")
        self._decide(outcome.value, by, at, reasons, revision)

    @event("Decided")
    def _decide(self, outcome: str, by: str, at: str, reasons: str, revision: int | None) -> None:
        self.outcome = Outcome(outcome)
        self.state = AppealState.DECIDED
        self.steps.append({"step": "decided", "by": by, "at": at, "text": reasons, "outcome": outcome})
        if revision is not None:
            self.steps[-1]["revision"] = revision

    def _require(self, *states: AppealState) -> None:
        if self.state not in states:
            raise AppealStepRefused(self.period, self.rep_id, self.state, [s.value for s in states])

    def _require_reviewer(self, by: str, *states: AppealState) -> None:
        self._require(*states)
        if by not in self.reviewers:
            raise NotAReviewer(by, self.period, self.rep_id)
