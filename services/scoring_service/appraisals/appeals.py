"""Appeals as the routes take them: a rep files against the latest revision of their published appraisal
within its window; hr assigns reviewers from the appeals committee, who comment, ask the rep for information
and decide: the appraisal stands, or an adjustment seals its next revision. Each step records who took it,
when and why. Scope: a rep their own appeals, a manager their
subtree's, the committee, hr and auditors all; anything else is not found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.scoring_service.application import ScoringApplication
from services.scoring_service.appraisals.access import may_read_appraisal
from services.scoring_service.appraisals.closing import PeriodCloser
from services.scoring_service.appraisals.sealed import SealedAppraisals
from services.scoring_service.domain.aggregates import PeriodClose
from services.scoring_service.domain.appeals import Appeal, Outcome
from services.scoring_service.domain.errors import AppealTooLate, DisputedFigureUnknown, NoAppeal
from services.scoring_service.domain.results import RepAppraisal
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.organisation import Organisation
from shared.kernel.periods import parse_period
from shared.platform.auth import Principal, Role
from shared.platform.canonical import INT64_MAX, timestamp_now

# Every event of an appeal records one step (domain/appeals.py): the log of steps is these, in store order.
STEP_TOPICS = tuple(
    f"{Appeal.__module__}:{Appeal.__qualname__}.{name}" for name in ("Filed", "ReviewersAssigned", "Noted", "Decided")
)


@dataclass(frozen=True)
class LoggedAppealStep:
    """One step of an appeal as it was taken, for the log other services follow."""

    event_id: int  # the step's event id in the store
    period: str
    rep_id: str
    revision: int
    step: dict[str, Any]  # as the appeal recorded it: step, by, at, text, and reviewers, outcome or revision
    manager_units: tuple[str, ...]  # whose managers may read the appeal


class Appeals:
    def __init__(
        self,
        app: ScoringApplication,
        sealed: SealedAppraisals,
        rulebook: RuleBook,
        closer: PeriodCloser,
        clock: Callable[[], str] = timestamp_now,
    ):
        self.app = app
        self.sealed = sealed
        self.closer = closer
        self.rulebook = rulebook
        self.clock = clock  # tests move it to a day inside or after a window

    def file(
        self,
        period: str,
        rep_id: str,
        principal: Principal,
        disputed: list[dict[str, Any]],
        reason: str,
        evidence: list[dict[str, Any]],
    ) -> Appeal:
        """A rep appeals their own published appraisal's latest revision, before its window closes."""
        if principal.role is not Role.REP or principal.scope != rep_id:
            raise NoAppeal(period, rep_id)  # only the rep appeals; to others it is not there to appeal
        closing, appraisal = self.sealed.appraisal(period, rep_id, principal)  # not found until published
        window = closing.published.appeals if closing.published else None
        now = self.clock()
        if window is None or datetime.fromisoformat(now) >= datetime.fromisoformat(window.deadline):
            raise AppealTooLate(window.deadline if window else "publication (published before appeal windows)")
        _check_disputed(disputed, appraisal.current.result)
        revision = appraisal.current.revision
        appeal = Appeal(period, rep_id, revision, disputed, reason, evidence, window.deadline, principal.actor, now)
        return self.app.file_appeal(appeal)

    def read(self, period: str, rep_id: str, revision: int, principal: Principal) -> Appeal:
        appeal = self.app.appeal(period, rep_id, revision)
        if not self._may_read(appeal, principal):
            raise NoAppeal(period, rep_id)
        return appeal

    def listing(self, principal: Principal, period: str | None = None) -> list[Appeal]:
        closes: dict[str, tuple[PeriodClose, Organisation]] = {}  # each period's close is loaded once

        def may_read(appeal: Appeal) -> bool:
            if appeal.period not in closes:
                closes[appeal.period] = self._close_and_organisation(appeal.period)
            return may_read_appraisal(principal, *closes[appeal.period], appeal.rep_id)

        return [a for a in self.app.appeals() if period in (None, a.period) and may_read(a)]

    # --- the committee's steps and the rep's answer ---------------------------------------------------------

    def assign(self, key: tuple[str, str, int], principal: Principal, reviewers: list[str], reason: str) -> Appeal:
        return self._step(key, principal, lambda a: a.assign(reviewers, principal.actor, self.clock(), reason))

    def comment(self, key: tuple[str, str, int], principal: Principal, text: str) -> Appeal:
        return self._step(key, principal, lambda a: a.comment(principal.actor, self.clock(), text))

    def request_information(self, key: tuple[str, str, int], principal: Principal, question: str) -> Appeal:
        return self._step(key, principal, lambda a: a.request_information(principal.actor, self.clock(), question))

    def answer(self, key: tuple[str, str, int], principal: Principal, text: str) -> Appeal:
        period, rep_id, _ = key
        if principal.role is not Role.REP or principal.scope != rep_id:
            raise NoAppeal(period, rep_id)
        return self._step(key, principal, lambda a: a.answer(principal.actor, self.clock(), text))

    def decide(
        self, key: tuple[str, str, int], principal: Principal, outcome: Outcome, reasons: str, cutoff: int | None
    ) -> Appeal:
        """`upheld`: the appraisal stands. `adjusted`: the next revision is sealed from the close's inputs read at
        a later cut-off (the ledger as corrected since), linked to this appeal, and the decision names it."""
        if outcome is Outcome.UPHELD:
            return self._step(key, principal, lambda a: a.decide(outcome, principal.actor, self.clock(), reasons))
        period, rep_id, revision = key
        self.read(*key, principal)
        result, seal, signature = self.closer.adjusted(period, rep_id, revision, cutoff)

        def decide(appeal: Appeal) -> None:
            appeal.decide(outcome, principal.actor, self.clock(), reasons, seal.appraisal.revision)

        return self.app.adjust(key, decide, result, seal, signature)

    def _step(self, key: tuple[str, str, int], principal: Principal, step: Callable[[Appeal], None]) -> Appeal:
        self.read(*key, principal)  # one the caller may not read is not found, whatever the step
        return self.app.take_appeal_step(*key, step)

    # --- the log of steps, for alert_service ----------------------------------------------------------------

    def steps_since(self, after: int, limit: int) -> list[LoggedAppealStep]:
        """The steps taken after an event id, oldest first, each read from the appeal as that step left it."""
        if after >= INT64_MAX:  # nothing can follow the largest id (and after + 1 would not fit the store)
            return []
        organisations: dict[str, Organisation] = {}
        found = []
        for notification in self.app.recorder.select_notifications(after + 1, limit, topics=STEP_TOPICS):
            appeal: Appeal = self.app.repository.get(
                notification.originator_id, version=notification.originator_version
            )
            if appeal.period not in organisations:
                organisations[appeal.period] = self._close_and_organisation(appeal.period)[1]
            units = _manager_units(organisations[appeal.period], appeal)
            found.append(
                LoggedAppealStep(
                    notification.id, appeal.period, appeal.rep_id, appeal.revision, appeal.steps[-1], units
                )
            )
        return found

    async def next_save(self, timeout: float) -> None:
        """Return after scoring_service next saves anything (a step among it), or after `timeout` seconds."""
        await self.app.saved.wait(timeout)

    def _may_read(self, appeal: Appeal, principal: Principal) -> bool:
        return may_read_appraisal(principal, *self._close_and_organisation(appeal.period), appeal.rep_id)

    def _close_and_organisation(self, period: str) -> tuple[PeriodClose, Organisation]:
        """The period's close and the organisation as it knew it: whose appeals are whose to read."""
        closing = self.app.period_close(period)
        return closing, self.rulebook.organisation(closing.cutoff)


def _manager_units(organisation: Organisation, appeal: Appeal) -> tuple[str, ...]:
    """The rep's unit on the period's last day and the units above it: the managers `_may_read` lets read the
    appeal, judged on the same organisation (as the close knew it), so the log names the same audience."""
    day = parse_period(appeal.period).last_day
    unit = organisation.unit_of(appeal.rep_id, day)
    return tuple(organisation.ancestry(unit, day)) if unit else ()


def _check_disputed(disputed: list[dict[str, Any]], result: RepAppraisal) -> None:
    """Each disputed figure must be one the appraisal has: a KPI by key, a commission line by number (from 1),
    the bonus, or the rank."""
    kpis = {k.kpi for k in result.kpis}
    lines = len(result.commission.lines) if result.commission else 0
    for n, figure in enumerate(disputed):
        kind, ref = figure["kind"], figure.get("ref")
        pointer = f"/disputed/{n}"
        if kind == "kpi" and ref not in kpis:
            raise DisputedFigureUnknown(f"{pointer}/ref", f"the appraisal has no KPI {ref!r}; it has {sorted(kpis)}")
        if kind == "commission_line" and not (isinstance(ref, int) and 1 <= ref <= lines):
            raise DisputedFigureUnknown(f"{pointer}/ref", f"the statement has lines 1 to {lines}, not {ref!r}")
        if kind == "bonus" and result.bonus is None:
            raise DisputedFigureUnknown(pointer, "the appraisal has no bonus")
