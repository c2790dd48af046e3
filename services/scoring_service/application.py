"""scoring_service's eventsourcing application: commands that load aggregates, change them and save them
in one transaction (holding the writing lock), and queries that return them."""

from __future__ import annotations

from typing import Any

from services.scoring_service.domain.aggregates import Appraisal, Catalogue, PeriodClose, PeriodRatings, Rule
from shared.platform.application import ServiceApplication


class ScoringApplication(ServiceApplication):
    def catalogue(self) -> Catalogue:
        return self.find(Catalogue) or Catalogue()

    # --- rules ---------------------------------------------------------------------------------------------

    def define_rule(
        self,
        kind: str,
        rule_id: str,
        definition: dict[str, Any],
        effective_from: str,
        actor: str,
        reason: str | None,
        recorded_at: str,
    ) -> Rule:
        with self.writing:
            rule, changed = self.find(Rule, kind, rule_id), []
            if rule is None:
                rule, catalogue = Rule(kind, rule_id), self.catalogue()
                catalogue.add_rule(kind, rule_id)
                changed.append(catalogue)
            rule.add_version(definition, effective_from, actor, reason, recorded_at)
            self.save(rule, *changed)
            return rule

    def rule(self, kind: str, rule_id: str) -> Rule | None:
        return self.find(Rule, kind, rule_id)

    def rules(self, kind: str | None = None) -> list[Rule]:
        keys = sorted(k for k in self.catalogue().rules if kind in (None, k[0]))
        return [self.repository.get(Rule.create_id(*key)) for key in keys]

    # --- ratings -------------------------------------------------------------------------------------------

    def give_rating(self, period: str, rating: dict[str, Any]) -> dict[str, Any]:
        with self.writing:
            ratings = self.find(PeriodRatings, period) or PeriodRatings(period)
            ratings.give(rating)
            self.save(ratings)
            return ratings.ratings[-1]

    def ratings(self, period: str) -> list[dict[str, Any]]:
        found = self.find(PeriodRatings, period)
        return list(found.ratings) if found else []

    # --- periods and appraisals ----------------------------------------------------------------------------

    def period(self, period: str) -> PeriodClose | None:
        return self.find(PeriodClose, period)

    def periods(self) -> list[PeriodClose]:
        return [self.repository.get(PeriodClose.create_id(key)) for key in self.catalogue().periods]

    def begin_close(self, period: str, cutoff: int, inputs: dict[str, Any], actor: str, at: str) -> PeriodClose:
        with self.writing:
            if (existing := self.period(period)) is not None:
                return existing
            closing, catalogue = PeriodClose(period, cutoff, inputs, actor, at), self.catalogue()
            catalogue.add_period(period)
            self.save(closing, catalogue)
            return closing

    def complete_close(
        self, period: str, ledger_hash: str, sealed: dict[str, tuple[str, dict[str, Any], str]], summary: dict[str, Any]
    ) -> PeriodClose:
        """Seal every rep's appraisal and close the period, all in one transaction."""
        with self.writing:
            closing = self.repository.get(PeriodClose.create_id(period))
            if closing.state != "closing":
                return closing
            appraisals = []
            for rep_id, (result, seal, signature) in sorted(sealed.items()):
                appraisal = self.find(Appraisal, period, rep_id) or Appraisal(period, rep_id)
                appraisal.seal(result, seal, signature)
                appraisals.append(appraisal)
            closing.close(ledger_hash, sorted(sealed), summary)
            self.save(closing, *appraisals)
            return closing

    def publish(self, period: str, actor: str, at: str) -> PeriodClose:
        with self.writing:
            closing = self.repository.get(PeriodClose.create_id(period))
            if closing.state == "closed":
                closing.publish(actor, at)
                self.save(closing)
            return closing

    def appraisal(self, period: str, rep_id: str) -> Appraisal | None:
        return self.find(Appraisal, period, rep_id)

    def sealed_since(self, after: int, limit: int) -> list[tuple[int, Appraisal]]:
        """Appraisal revisions sealed after a notification id, in order: (id, the appraisal as sealed then)."""
        topic = f"{Appraisal.__module__}:{Appraisal.__qualname__}.Sealed"
        return [
            (n.id, self.repository.get(n.originator_id, version=n.originator_version))
            for n in self.recorder.select_notifications(after + 1, limit, topics=[topic])
        ]
