"""scoring_service's eventsourcing application. Its commands and the projection that follows goal_service's
ledger arrive with the scoring issue; the store is real already, so readiness means something."""

from __future__ import annotations

from eventsourcing.application import Application


class ScoringApplication(Application):
    def ping(self) -> None:
        self.recorder.max_notification_id()
