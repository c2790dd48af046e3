"""Following scoring_service's log of sealed appraisals, in order and by long poll, for the score rules: each
appraisal is judged once the ledger views hold its cut-off, on the ledger as it stood there, and saved with
the tracking row of its event in scoring_service's log, in one transaction."""

from __future__ import annotations

from decimal import Decimal

from services.alert_service.application import AlertApplication
from services.alert_service.domain.definitions import AppraisalScoreBelow
from services.alert_service.domain.evaluation import SealedAppraisal, appraisal_score_below
from services.alert_service.domain.judgement import Judgement, finding
from services.alert_service.domain.lifecycle import JudgedAt
from services.alert_service.watcher import Watcher
from shared.kernel.periods import parse_period
from shared.platform.log_client import LONG_POLL_SECONDS, LongPollClient

PAGE = 100


class ScoreFollower:
    def __init__(self, app: AlertApplication, watcher: Watcher, scoring_url: str, token: str):
        self.app = app
        self.watcher = watcher
        self.scoring = LongPollClient(scoring_url, token, LONG_POLL_SECONDS)

    def close(self) -> None:
        self.scoring.close()

    def read(self, after: int) -> list[SealedAppraisal]:
        response = self.scoring.get("/v1/log/appraisals", {"after": after, "limit": PAGE}, LONG_POLL_SECONDS)
        response.raise_for_status()
        return [
            SealedAppraisal(
                e["id"],
                e["period"],
                e["rep_id"],
                e["revision"],
                Decimal(e["score"]),
                e["rank"],
                e["result_sha256"],
                e["ledger_position"],
            )
            for e in response.json()["events"]
        ]

    def catch_up(self) -> bool:
        """Judge what was sealed since the last appraisal judged, waiting for news when there is none; False
        when an appraisal waits for the ledger views to reach its cut-off (ask again after a pause)."""
        for appraisal in self.read(self.app.appraisals_judged()):
            if self.watcher.projections.held() < appraisal.ledger_position:
                return False  # judged when the ledger views hold its cut-off
            last_day = parse_period(appraisal.period).last_day
            rules = self.app.rules_in_force(last_day, ("appraisal_score_below",))
            findings = []
            if rules:
                facts = self.watcher.facts(last_day, appraisal.ledger_position)
                findings = [
                    finding(rule.ref, verdict)
                    for rule in rules
                    if isinstance(rule.definition, AppraisalScoreBelow)
                    for verdict in appraisal_score_below(rule.definition, appraisal, facts)
                ]
            at = JudgedAt(last_day, appraisal.ledger_position, appraisal.event_id)
            self.app.record_appraisal_judgement(appraisal.event_id, Judgement(at, findings))
        return True
