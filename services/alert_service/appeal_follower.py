"""Following scoring_service's log of appeal steps, in order and by long poll: each page of steps is kept in
alert_service's store with the tracking row of its last event, in one transaction, and from there reaches the
feed and the subscribers as the warnings do (in_scope.py, delivery.py)."""

from __future__ import annotations

from typing import Any

from services.alert_service.application import AlertApplication
from services.alert_service.domain.appeals import AppealStep
from shared.platform.log_client import LONG_POLL_SECONDS, LongPollClient

PAGE = 100


def appeal_step(item: dict[str, Any]) -> AppealStep:
    """A step as scoring_service's log writes it; one of a kind this service does not know is refused here,
    before anything is kept, rather than published under a type no subscriber can ask for."""
    step = AppealStep(
        scoring_event_id=item["id"],
        period=item["period"],
        rep_id=item["rep_id"],
        revision=item["revision"],
        step=item["step"],
        by=item["by"],
        at=item["at"],
        text=item["text"],
        reviewers=item["reviewers"],
        outcome=item["outcome"],
        adjusted_revision=item["adjusted_revision"],
        manager_units=item["manager_units"],
    )
    _ = step.type  # raises ValueError for an unknown step
    return step


class AppealFollower:
    def __init__(self, app: AlertApplication, scoring_url: str, token: str):
        self.app = app
        self.scoring = LongPollClient(scoring_url, token, LONG_POLL_SECONDS)

    def close(self) -> None:
        self.scoring.close()

    def catch_up(self) -> bool:
        """Keep the steps taken since the last one kept, waiting for news when there is none."""
        after = self.app.appeal_steps_followed()
        response = self.scoring.get("/v1/log/appeals", {"after": after, "limit": PAGE}, LONG_POLL_SECONDS)
        response.raise_for_status()
        items = response.json()["events"]
        if items:
            self.app.record_appeal_steps(items[-1]["id"], [appeal_step(item) for item in items])
        return True
