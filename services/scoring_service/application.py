"""scoring_service's eventsourcing application: commands that load aggregates, change them and save them
in one transaction (holding the writing lock), and queries that return them. What may change is the
aggregates' to say; here is only what is saved together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from services.scoring_service.domain.aggregates import Appraisal, Catalogue, PeriodClose, PeriodRatings, Rule
from services.scoring_service.domain.appeals import Appeal
from services.scoring_service.domain.definitions import AppealPolicy, RuleDefinition
from services.scoring_service.domain.errors import (
    AppealAlreadyFiled,
    NoAppeal,
    NoSealedAppraisal,
    PeriodStillOpen,
    UnknownRule,
)
from services.scoring_service.domain.records import AppealDeadline, CloseInputs, PeriodSummary, Seal
from services.scoring_service.domain.results import RepAppraisal
from services.scoring_service.domain.scoring import GivenRating
from shared.platform.application import ServiceApplication
from shared.platform.canonical import INT64_MAX, timestamp_now


class ScoringApplication(ServiceApplication):
    def catalogue(self) -> Catalogue:
        return self.find(Catalogue) or Catalogue()

    # --- rules ---------------------------------------------------------------------------------------------

    def define_rule(
        self,
        kind: str,
        rule_id: str,
        definition: RuleDefinition,
        effective_from: date,
        actor: str,
        reason: str | None,
        recorded_at: str | None = None,
    ) -> Rule:
        """Define a rule, or add a version to it; `recorded_at` is now unless given (a migration's record)."""
        with self.writing:
            rule, changed = self.find(Rule, kind, rule_id), []
            if rule is None:
                rule, catalogue = Rule(kind, rule_id), self.catalogue()
                catalogue.add_rule(kind, rule_id)
                changed.append(catalogue)
            rule.define(definition, effective_from, actor, reason, recorded_at or timestamp_now())
            self.save(rule, *changed)
            return rule

    def rule(self, kind: str, rule_id: str) -> Rule:
        found: Rule | None = self.find(Rule, kind, rule_id)
        if found is None:
            raise UnknownRule(kind, rule_id)
        return found

    def rules(self, kind: str | None = None) -> list[Rule]:
        keys = sorted(k for k in self.catalogue().rules if kind in (None, k[0]))
        return [self.repository.get(Rule.create_id(*key)) for key in keys]

    # --- ratings -------------------------------------------------------------------------------------------

    def give_rating(self, period: str, rep_id: str, kpi: str, value: Decimal, reason: str, rater: str) -> GivenRating:
        with self.writing:
            ratings = self.find(PeriodRatings, period) or PeriodRatings(period)
            given = ratings.give(rep_id, kpi, value, reason, rater)
            self.save(ratings)
            return given

    def ratings(self, period: str) -> list[GivenRating]:
        found: PeriodRatings | None = self.find(PeriodRatings, period)
        return list(found.ratings) if found else []

    # --- periods and appraisals ----------------------------------------------------------------------------

    def period(self, period: str) -> PeriodClose | None:
        found: PeriodClose | None = self.find(PeriodClose, period)
        return found

    def period_close(self, period: str) -> PeriodClose:
        """The period's close; a period that has not begun to close is open."""
        found = self.period(period)
        if found is None:
            raise PeriodStillOpen(period)
        return found

    def periods(self) -> list[PeriodClose]:
        return [self.repository.get(PeriodClose.create_id(key)) for key in self.catalogue().periods]

    def begin_close(
        self, period: str, cutoff: int | None, ledger_head: int, inputs: CloseInputs, actor: str, at: str
    ) -> PeriodClose:
        with self.writing:
            if (existing := self.period(period)) is not None:  # begun meanwhile by another request
                existing.agree_to_cutoff(cutoff)
                return existing
            closing, catalogue = PeriodClose.begin(period, cutoff, ledger_head, inputs, actor, at), self.catalogue()
            catalogue.add_period(period)
            self.save(closing, catalogue)
            return closing

    def complete_close(
        self, period: str, ledger_hash: str, sealed: dict[str, tuple[RepAppraisal, Seal, str]], summary: PeriodSummary
    ) -> PeriodClose:
        """Seal every rep's appraisal (rep id -> result, seal, signature) and close the period, all in one
        transaction; a close another request or the closer sealed meanwhile is answered as it stands."""
        with self.writing:
            closing = self.period_close(period)
            if not closing.awaiting_seal:
                return closing
            appraisals = []
            for rep_id, (result, seal, signature) in sorted(sealed.items()):
                appraisal = self.find(Appraisal, period, rep_id) or Appraisal(period, rep_id)
                appraisal.seal(result, seal, signature)
                appraisals.append(appraisal)
            closing.close(ledger_hash, sorted(sealed), summary)
            self.save(closing, *appraisals)
            return closing

    def publish(self, period: str, actor: str, published_at: str, appeals: AppealDeadline) -> PeriodClose:
        with self.writing:
            closing = self.period_close(period)
            closing.publish(actor, published_at, appeals)
            self.save(closing)
            return closing

    def mark_paid(self, period: str, actor: str) -> PeriodClose:
        with self.writing:
            closing = self.period_close(period)
            closing.mark_paid(actor, timestamp_now())
            self.save(closing)
            return closing

    def appeal_policy(self, day: date) -> AppealPolicy:
        """The appeal policy in force on a day (hr's latest version, else the default)."""
        for rule in self.rules("appeal_policy"):
            version = rule.version_in_force(day)
            if version is not None:
                found = rule.definition(version)
                if isinstance(found, AppealPolicy):
                    return found
        return AppealPolicy()

    # --- appeals -------------------------------------------------------------------------------------------

    def file_appeal(self, appeal: Appeal) -> Appeal:
        with self.writing:
            if self.find(Appeal, appeal.period, appeal.rep_id, appeal.revision) is not None:
                raise AppealAlreadyFiled(appeal.period, appeal.rep_id, appeal.revision)
            catalogue = self.catalogue()
            catalogue.add_appeal(appeal.period, appeal.rep_id, appeal.revision)
            self.save(appeal, catalogue)
            return appeal

    def appeal(self, period: str, rep_id: str, revision: int) -> Appeal:
        found: Appeal | None = self.find(Appeal, period, rep_id, revision)
        if found is None:
            raise NoAppeal(period, rep_id)
        return found

    def appeals(self) -> list[Appeal]:
        return [self.appeal(*key) for key in self.catalogue().appeals_filed()]

    def take_appeal_step(self, period: str, rep_id: str, revision: int, step: Callable[[Appeal], None]) -> Appeal:
        """Load the appeal, take one step on it (the aggregate refuses a wrong one) and save it."""
        with self.writing:
            appeal = self.appeal(period, rep_id, revision)
            step(appeal)
            self.save(appeal)
            return appeal

    def adjust(
        self,
        key: tuple[str, str, int],
        decide: Callable[[Appeal], None],
        result: RepAppraisal,
        seal: Seal,
        signature: str,
    ) -> Appeal:
        """Decide an appeal `adjusted` and seal the revision that adjusts the appraisal, in one transaction."""
        with self.writing:
            appeal = self.appeal(*key)
            decide(appeal)
            appraisal = self.sealed_appraisal(appeal.period, appeal.rep_id)
            appraisal.seal(result, seal, signature)
            self.save(appeal, appraisal)
            return appeal

    def appraisal(self, period: str, rep_id: str) -> Appraisal | None:
        found: Appraisal | None = self.find(Appraisal, period, rep_id)
        return found

    def sealed_appraisal(self, period: str, rep_id: str) -> Appraisal:
        found = self.appraisal(period, rep_id)
        if found is None:
            raise NoSealedAppraisal(period, rep_id)
        return found

    def sealed_since(self, after: int, limit: int) -> list[tuple[int, Appraisal]]:
        """Appraisal revisions sealed after a notification id, in order: (id, the appraisal as sealed then)."""
        if after >= INT64_MAX:  # nothing can follow the largest id (and after + 1 would not fit the store)
            return []
        topic = f"{Appraisal.__module__}:{Appraisal.__qualname__}.Sealed"
        return [
            (n.id, self.repository.get(n.originator_id, version=n.originator_version))
            for n in self.recorder.select_notifications(after + 1, limit, topics=[topic])
        ]
