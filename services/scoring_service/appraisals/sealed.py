"""Reading what was sealed, as far as the reader's scope reaches: a period's close, a rep's appraisal with
every revision, a period's list of appraisals, and the log of seals other services follow."""

from __future__ import annotations

from services.scoring_service.application import ScoringApplication
from services.scoring_service.appraisals.access import may_read_appraisal, may_see_rep, may_see_team
from services.scoring_service.domain.aggregates import Appraisal, PeriodClose
from services.scoring_service.domain.errors import NoSealedAppraisal, PeriodNotPublished
from services.scoring_service.domain.payroll import PayrollRow, payroll_rows
from services.scoring_service.domain.records import PeriodSummary, SealedRevision
from services.scoring_service.domain.results import RepAppraisal
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.periods import parse_period
from shared.platform.auth import Principal


class SealedAppraisals:
    def __init__(self, app: ScoringApplication, rulebook: RuleBook):
        self.app = app
        self.rulebook = rulebook

    def period(self, period: str) -> PeriodClose:
        return self.app.period_close(period)

    def summary(self, closing: PeriodClose, principal: Principal) -> PeriodSummary:
        """The close's team figures and honours as far as the reader's scope reaches: a team's highest, lowest
        and mean score to those who see the team, an honour (its winner and figure) to those who see the rep."""
        organisation, period = self.rulebook.organisation(closing.cutoff), parse_period(closing.period)
        summary = closing.summary
        return PeriodSummary(
            teams=None
            if summary.teams is None
            else {t: f for t, f in summary.teams.items() if may_see_team(principal, organisation, period, t)},
            honours=None
            if summary.honours is None
            else {h: v for h, v in summary.honours.items() if may_see_rep(principal, organisation, period, v.rep_id)},
        )

    def appraisal(self, period: str, rep_id: str, principal: Principal) -> tuple[PeriodClose, Appraisal]:
        """The rep's sealed appraisal and its period's close; one the reader may not read is not found."""
        closing = self.app.period(period)
        appraisal = self.app.appraisal(period, rep_id) if closing else None
        if closing is None or appraisal is None:
            raise NoSealedAppraisal(period, rep_id)
        if not may_read_appraisal(principal, closing, self.rulebook.organisation(closing.cutoff), rep_id):
            raise NoSealedAppraisal(period, rep_id)
        return closing, appraisal

    def listing(self, period: str, principal: Principal) -> tuple[PeriodClose, list[SealedRevision]]:
        """The period's close and the latest revision of each appraisal the reader may read, by rep id."""
        closing = self.app.period_close(period)
        organisation = self.rulebook.organisation(closing.cutoff)
        return closing, [
            self.app.sealed_appraisal(period, rep_id).current
            for rep_id in closing.reps
            if may_read_appraisal(principal, closing, organisation, rep_id)
        ]

    def latest(self, period: str, rep_id: str) -> RepAppraisal:
        """The result of a rep's latest sealed revision."""
        return self.app.sealed_appraisal(period, rep_id).current.result

    def payroll(self, period: str) -> list[PayrollRow]:
        """The payroll rows of a published (or paid) period, from each rep's latest sealed revision."""
        closing = self.app.period_close(period)
        if closing.published is None:
            raise PeriodNotPublished(period, closing.state)
        latest = [self.app.sealed_appraisal(period, rep_id).current for rep_id in closing.reps]
        return payroll_rows((revision.revision, revision.result) for revision in latest)

    def since(self, after: int, limit: int) -> list[tuple[int, Appraisal]]:
        """Revisions sealed after an event id, oldest first: (its event id, the appraisal as sealed then)."""
        return self.app.sealed_since(after, limit)

    async def next_save(self, timeout: float) -> None:
        """Return after scoring_service next saves anything (a seal among it), or after `timeout` seconds."""
        await self.app.saved.wait(timeout)
