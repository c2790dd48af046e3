"""Gathering an appraisal report: one sealed revision as far as the reader's scope reaches, its replay, the
rep's contributions day by day at the revision's ledger position (for the progress chart) and the rep's
appeals of the period; domain/report.py writes it."""

from __future__ import annotations

from services.scoring_service.appraisals.appeals import Appeals
from services.scoring_service.appraisals.replay import Replayer
from services.scoring_service.appraisals.sealed import SealedAppraisals
from services.scoring_service.domain.aggregates import PeriodClose
from services.scoring_service.domain.errors import NoSealedAppraisal
from services.scoring_service.domain.records import SealedRevision
from services.scoring_service.domain.report import AppraisalReport, Verification, progress_of
from shared.platform.auth import Principal


class AppraisalReports:
    def __init__(self, sealed: SealedAppraisals, replayer: Replayer, appeals: Appeals):
        self.sealed = sealed
        self.replayer = replayer
        self.appeals = appeals

    def revision(self, period: str, rep_id: str, revision: int | None, principal: Principal) -> SealedRevision:
        """A revision (the latest when none is named) of an appraisal the reader may read; else not found."""
        return self._revision(period, rep_id, revision, principal)[1]

    def report(self, period: str, rep_id: str, revision: int | None, principal: Principal) -> AppraisalReport:
        closing, sealed, revisions = self._revision(period, rep_id, revision, principal)
        # the ledger as the revision read it: the close's cut-off, or an adjustment's later one
        inputs = self.replayer.inputs.recorded(closing, reps={rep_id}, cutoff=sealed.seal.ledger.position)
        replay = self.replayer.replay(period, rep_id, principal, sealed.revision)
        verification = Verification(
            replay.recomputed_sha256, replay.result_matches, replay.ledger_hash_matches, replay.signature_valid
        )
        return AppraisalReport(
            sealed=sealed,
            revisions=revisions,
            published=closing.published,
            verification=verification,
            progress=progress_of(sealed.result, inputs.period, inputs.contributions((rep_id,))),
            appeals=[a for a in self.appeals.listing(principal, period) if a.rep_id == rep_id],
        )

    def _revision(
        self, period: str, rep_id: str, revision: int | None, principal: Principal
    ) -> tuple[PeriodClose, SealedRevision, int]:
        closing, appraisal = self.sealed.appraisal(period, rep_id, principal)
        count = len(appraisal.revisions)
        if revision is not None and not 1 <= revision <= count:
            raise NoSealedAppraisal(period, rep_id)
        return closing, appraisal.revisions[(revision or count) - 1], count
