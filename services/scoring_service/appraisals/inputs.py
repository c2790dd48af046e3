"""Gathering what a period's appraisal reads: the credits, organisation and goals known at a ledger position
(the read model following goal_service), and the rule versions, ratings and earlier sealed statements this
service keeps itself. A close fixes which (CloseInputs); live figures take what is known now."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.scoring_service.application import ScoringApplication
from services.scoring_service.domain.aggregates import PeriodClose
from services.scoring_service.domain.appraisal import (
    PeriodInputs,
    Proposal,
    RuleInForce,
    RulesInForce,
    measures_read,
)
from services.scoring_service.domain.commission import Settled
from services.scoring_service.domain.definitions import APPRAISED_KINDS, BonusPool, CommissionPlan, Scorecard
from services.scoring_service.domain.presentation import RESULT_FORMAT
from services.scoring_service.domain.records import CloseInputs, Earlier, RuleVersionRef
from services.scoring_service.domain.results import EarlierAdjusted, RepAppraisal, RuleRef
from shared.kernel.ledger_views.followed import hash_at
from shared.kernel.ledger_views.queries import LedgerAt, load_credits
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.ledger_views.tables import ledger_hashes
from shared.kernel.metrics.asks import Ask, Shape
from shared.kernel.metrics.figures import Credit
from shared.kernel.organisation import Organisation
from shared.kernel.periods import Period, parse_period
from shared.platform.canonical import GENESIS_HASH
from shared.platform.projection import Projections


class AppraisalInputs:
    def __init__(self, app: ScoringApplication, projections: Projections, rulebook: RuleBook, zone: ZoneInfo):
        self.app = app
        self.projections = projections
        self.rulebook = rulebook
        self.zone = zone

    # --- what a close fixes ----------------------------------------------------------------------------------

    def rules_in_force(self, period: Period) -> list[RuleVersionRef]:
        found = []
        for rule in self.app.rules():
            if rule.kind not in APPRAISED_KINDS:
                continue
            version = rule.version_in_force(period.first_day)
            if version is not None:
                found.append(RuleVersionRef(kind=rule.kind, id=rule.rule_id, version=version))
        return found

    def earlier(self, period: Period) -> Earlier:
        """Closed periods of the same kind that end before this one begins, with each rep's latest revision."""
        found: Earlier = {}
        for closing in self.app.periods():
            other = parse_period(closing.period)
            if closing.awaiting_seal or other.kind != period.kind or other.last_day >= period.first_day:
                continue
            found[closing.period] = {
                rep_id: len(self.app.sealed_appraisal(closing.period, rep_id).revisions) for rep_id in closing.reps
            }
        return dict(sorted(found.items(), key=lambda item: parse_period(item[0]).first_day))

    def for_new_close(self, period: Period) -> CloseInputs:
        return CloseInputs(
            rules=self.rules_in_force(period),
            ratings_seen=len(self.app.ratings(period.key)),
            earlier=self.earlier(period),
            result_format=RESULT_FORMAT,
        )

    # --- the appraisal's inputs ------------------------------------------------------------------------------

    def recorded(
        self,
        closing: PeriodClose,
        reps: Collection[str] | None = None,
        cutoff: int | None = None,
        proposed: Proposal | None = None,
    ) -> PeriodInputs:
        """The inputs a close fixed, read at its cut-off (or at `cutoff`, where an appeal's adjustment reads the
        ledger as corrected since). Earlier statements are settled for `reps` alone (every rep when None): a
        replay of one rep reads that rep's earlier seals, not everyone's."""
        recorded = closing.inputs
        return self._inputs(
            parse_period(closing.period),
            closing.cutoff if cutoff is None else cutoff,
            recorded.rules,
            recorded.ratings_seen,
            recorded.earlier,
            recorded.format,
            reps,
            proposed,
        )

    def as_known(
        self, period: Period, known_at: int | None = None, reps: Collection[str] | None = None
    ) -> tuple[int, PeriodInputs]:
        """The period's inputs as known at a position (all the read model holds when None), and that position."""
        held = self.projections.held()
        position = held if known_at is None else min(known_at, held)
        inputs = self._inputs(
            period,
            position,
            self.rules_in_force(period),
            len(self.app.ratings(period.key)),
            self.earlier(period),
            RESULT_FORMAT,
            reps,
        )
        return position, inputs

    def ledger_hash(self, position: int) -> str | None:
        """The ledger's chain hash at a position, as this service followed it."""
        if position == 0:
            return GENESIS_HASH
        with Session(self.projections.engine) as session:
            return hash_at(session, position)

    def ledger_hashes(self, positions: Collection[int]) -> dict[int, str]:
        """The chain hash at each of some positions, as this service followed it."""
        h = ledger_hashes.c
        with self.projections.engine.connect() as connection:
            rows = connection.execute(select(h.position, h.hash).where(h.position.in_(sorted(positions))))
            return {row.position: row.hash for row in rows}

    def last_rule_position(self, known_at: int) -> int:
        return self.rulebook.last_rule_position(known_at)

    def sealed_result(self, period: str, rep_id: str, revision: int) -> RepAppraisal:
        return self.app.sealed_appraisal(period, rep_id).revisions[revision - 1].result

    def _inputs(
        self,
        period: Period,
        known_at: int,
        rules: list[RuleVersionRef],
        ratings_seen: int,
        earlier: Earlier,
        result_format: int,
        reps: Collection[str] | None,
        proposed: Proposal | None = None,
    ) -> PeriodInputs:
        previous = earlier.get(period.previous().key, {})
        organisation = self.rulebook.organisation(known_at)
        in_force = self._rules(rules) if proposed is None else proposed.instead_of(self._rules(rules))
        ledger = LedgerAt(self.projections.engine, known_at, self.zone)
        measures = measures_read(in_force)
        return PeriodInputs(
            period=period,
            sums=self._sums(ledger, measures, period, organisation),
            contributions=partial(ledger.contributions, measures, period.first_day, period.last_day),
            organisation=organisation,
            goals=self.rulebook.goals(known_at),
            rules=in_force,
            ratings=self.app.ratings(period.key)[:ratings_seen],
            settled=self._settled(earlier, known_at, reps),
            # every rep's: the most improved is chosen among them all
            previous_scores={
                rep_id: self.sealed_result(period.previous().key, rep_id, revision).score
                for rep_id, revision in previous.items()
            },
            result_format=result_format,
        )

    @staticmethod
    def _sums(ledger: LedgerAt, measures: frozenset[str], period: Period, organisation: Organisation) -> list[Credit]:
        """Every rep's credits in the period from the day sums, summed over the spans between the days someone
        moved (a pool counts revenue for the team its rep was in on the day)."""
        ask = Ask(measures, period.first_day, period.last_day, Shape(reps=True), cuts=organisation.moves())
        (found,) = ledger.sums([ask])
        return found

    def _rules(self, references: list[RuleVersionRef]) -> RulesInForce:
        scorecards: list[RuleInForce[Scorecard]] = []
        plans: list[RuleInForce[CommissionPlan]] = []
        pools: list[RuleInForce[BonusPool]] = []
        for ref in references:
            definition = self.app.rule(ref.kind, ref.id).definition(ref.version)
            if isinstance(definition, Scorecard):
                scorecards.append(RuleInForce(ref.id, ref.version, definition))
            elif isinstance(definition, CommissionPlan):
                plans.append(RuleInForce(ref.id, ref.version, definition))
            elif isinstance(definition, BonusPool):
                pools.append(RuleInForce(ref.id, ref.version, definition))
        return RulesInForce(scorecards, plans, pools)

    def _plan(self, ref: RuleRef) -> CommissionPlan:
        """The plan version an earlier statement was sealed with."""
        definition = self.app.rule("commission_plan", ref.id).definition(ref.version)
        if not isinstance(definition, CommissionPlan):  # Rule.define keeps a rule's versions of its kind
            raise TypeError(f"commission plan {ref.id} version {ref.version} holds a {type(definition).__name__}")
        return definition

    def _settled(self, earlier: Earlier, known_at: int, reps: Collection[str] | None) -> dict[str, list[Settled]]:
        """Each rep's earlier statements: what each paid for its period, counting the adjustments sealed for
        it since, and that period's basis as known now."""
        results = {
            (q, rep_id): self.sealed_result(q, rep_id, revision)
            for q, sealed in earlier.items()
            for rep_id, revision in sealed.items()
            if reps is None or rep_id in reps
        }
        settled: dict[str, list[Settled]] = {}
        for q in earlier:
            statements = {
                rep_id: result.commission
                for (period_key, rep_id), result in results.items()
                if period_key == q and result.commission is not None
            }
            if not statements:
                continue
            cutoff = self.app.period_close(q).cutoff
            period = parse_period(q)
            basis_credits = load_credits(
                self.projections.engine,
                ("revenue_won", "payments_collected"),
                period.start(self.zone),
                period.end(self.zone),
                known_at,
                self.zone,
                reps=None if reps is None else statements.keys(),
            )
            for rep_id, commission in statements.items():
                later = sum(
                    (
                        Decimal(line.amount)
                        for (other, other_rep), other_result in results.items()
                        if other_rep == rep_id and other != q and other_result.commission
                        for line in other_result.commission.lines
                        if isinstance(line, EarlierAdjusted) and line.period == q
                    ),
                    Decimal(0),
                )
                plan = self._plan(commission.plan)
                settled.setdefault(rep_id, []).append(
                    Settled(
                        q,
                        cutoff,
                        plan,
                        commission.multiplier,
                        Decimal(commission.earned) + later,
                        tuple(c for c in basis_credits if c.rep_id == rep_id and c.measure == plan.basis),
                    )
                )
        return settled
