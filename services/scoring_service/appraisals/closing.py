"""Closing a period: fix its cut-off and inputs, wait for the read model to hold the cut-off, then seal every
rep's appraisal (hashed, signed) and close the period in one transaction; publish it once sealed. A close the
read model was behind for is finished by `seal_all`, which the service runs in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from services.scoring_service.application import ScoringApplication
from services.scoring_service.appraisals.inputs import AppraisalInputs
from services.scoring_service.domain.aggregates import PeriodClose
from services.scoring_service.domain.appeals import appeal_window
from services.scoring_service.domain.appraisal import appraise, appraise_rep
from services.scoring_service.domain.errors import AdjustmentCutoffRefused, LedgerUnreachable, NoSealedAppraisal
from services.scoring_service.domain.records import (
    AppealDeadline,
    AppraisalRef,
    EarlierRef,
    LedgerRef,
    PeriodSummary,
    Seal,
)
from services.scoring_service.domain.results import RepAppraisal
from shared.kernel.periods import Period, local_day
from shared.platform.canonical import sha256_hex, timestamp_now
from shared.platform.log_client import LedgerFollower
from shared.platform.projection import Projections
from shared.platform.signing import ALGORITHM, Signer

CLOSE_WAIT_SECONDS = 10.0  # how long a close request waits for the read model before answering 202
FIRST_REVISION = 1  # a close seals each rep's first revision; an appeal's adjustment will seal the next


class PeriodCloser:
    def __init__(
        self,
        app: ScoringApplication,
        inputs: AppraisalInputs,
        projections: Projections,
        follower: LedgerFollower,
        signer: Signer,
        clock: Callable[[], str] = timestamp_now,
    ):
        self.app = app
        self.inputs = inputs
        self.projections = projections
        self.follower = follower
        self.clock = clock  # when a publication opens its appeal window; tests move it
        self.signer = signer

    async def close(self, period: Period, cutoff: int | None, actor: str) -> PeriodClose:
        """Begin closing at `cutoff` (the ledger's head when None) and seal as soon as the read model holds
        it, waiting a while; the close answered is still closing when the read model is further behind."""
        closing = await asyncio.to_thread(self.begin, period, cutoff, actor)
        await self.projections.reach(closing.cutoff, CLOSE_WAIT_SECONDS)
        return await asyncio.to_thread(self.seal, period.key)

    def begin(self, period: Period, cutoff: int | None, actor: str) -> PeriodClose:
        existing = self.app.period(period.key)
        if existing is not None:  # asked again: answered without reaching for the ledger
            existing.agree_to_cutoff(cutoff)
            return existing
        try:
            head = self.follower.head().position
        except httpx.HTTPError as error:
            raise LedgerUnreachable(str(error)) from None
        return self.app.begin_close(period.key, cutoff, head, self.inputs.for_new_close(period), actor, timestamp_now())

    def seal(self, period_key: str) -> PeriodClose:
        """Seal the appraisals of a closing period once the read model holds its cut-off."""
        closing = self.app.period_close(period_key)
        if not closing.awaiting_seal or self.projections.held() < closing.cutoff:
            return closing
        ledger_hash = self.inputs.ledger_hash(closing.cutoff)
        rules_position = self.inputs.last_rule_position(closing.cutoff)
        result = appraise(self.inputs.recorded(closing))
        ledger = LedgerRef(position=closing.cutoff, hash=ledger_hash)
        sealed = {
            rep_id: self._sealed(closing, appraisal, FIRST_REVISION, ledger, rules_position)
            for rep_id, appraisal in result.appraisals.items()
        }
        summary = PeriodSummary(teams=result.teams, honours=result.honours)
        return self.app.complete_close(closing.period, ledger_hash or "", sealed, summary)

    def adjusted(
        self, period_key: str, rep_id: str, appealed: int, cutoff: int | None
    ) -> tuple[RepAppraisal, Seal, str]:
        """The next revision of a rep's appraisal, as an appeal's adjustment seals it: the close's inputs read at
        a later cut-off (the ledger as corrected since; what this service holds when none is given)."""
        closing = self.app.period_close(period_key)
        held = self.projections.held()
        position = held if cutoff is None else cutoff
        if position > held or position < closing.cutoff:
            raise AdjustmentCutoffRefused(closing.cutoff, held)
        result = appraise_rep(self.inputs.recorded(closing, reps={rep_id}, cutoff=position), rep_id)
        if result is None:
            raise NoSealedAppraisal(period_key, rep_id)
        revision = len(self.app.sealed_appraisal(period_key, rep_id).revisions) + 1
        ledger = LedgerRef(position=position, hash=self.inputs.ledger_hash(position))
        appeal = AppraisalRef(period=period_key, rep_id=rep_id, revision=appealed)
        return self._sealed(closing, result, revision, ledger, self.inputs.last_rule_position(position), appeal)

    def _sealed(
        self,
        closing: PeriodClose,
        appraisal: RepAppraisal,
        revision: int,
        ledger: LedgerRef,
        rules_position: int,
        appeal: AppraisalRef | None = None,
    ) -> tuple[RepAppraisal, Seal, str]:
        """An appraisal revision with its seal and the signature over it."""
        rep_id = appraisal.rep_id
        seal = Seal(
            appraisal=AppraisalRef(period=closing.period, rep_id=rep_id, revision=revision),
            ledger=ledger,
            ledger_rules_position=rules_position,
            rules=closing.inputs.rules,
            ratings_seen=closing.inputs.ratings_seen,
            earlier=[
                EarlierRef(period=q, revision=reps[rep_id])
                for q, reps in closing.inputs.earlier.items()
                if rep_id in reps
            ],
            result_format=closing.inputs.format,
            appeal=appeal,
            result_sha256=sha256_hex(appraisal.canonical()),
            algorithm=ALGORITHM,
            key_id=self.signer.key_id,
            sealed_at=timestamp_now(),
        )
        return appraisal, seal, self.signer.sign(seal.stored())

    def seal_all(self) -> None:
        for closing in self.app.periods():
            if closing.awaiting_seal:
                self.seal(closing.period)

    def publish(self, period_key: str, actor: str) -> PeriodClose:
        """Make the sealed appraisals readable by their reps; the appeal window starts now, counted on the
        calendar as this service knows it (a year it reaches without one refuses the publication)."""
        published_at = self.clock()
        published_on = local_day(published_at, self.inputs.zone)
        policy = self.app.appeal_policy(published_on)
        calendar = self.inputs.rulebook.calendar(self.projections.held())
        window = appeal_window(published_on, policy.working_days, calendar, self.inputs.zone)
        deadline = AppealDeadline(
            working_days=[d.isoformat() for d in window.days],
            deadline=window.deadline.isoformat(),
            calendar_versions={str(year): version for year, version in window.calendar_versions.items()},
        )
        return self.app.publish(period_key, actor, published_at, deadline)
