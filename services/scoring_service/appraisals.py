"""Gathering a period's inputs and running the one appraisal function over them: live (as known now),
at close (inputs fixed at the cut-off, results sealed and signed) and in replay (the sealed inputs again,
compared byte for byte)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.orm import Session

from services.scoring_service.application import ScoringApplication
from services.scoring_service.domain.aggregates import PeriodClose
from services.scoring_service.domain.appraisal import PeriodInputs, PeriodResult, RuleInForce, appraise
from services.scoring_service.domain.commission import Settled
from services.scoring_service.domain.definitions import RULE_KINDS, CommissionPlan
from services.scoring_service.domain.presentation import FIRST_FORMAT, RESULT_FORMAT
from services.scoring_service.domain.scoring import GivenRating
from shared.kernel.ledger_views.followed import hash_at
from shared.kernel.ledger_views.queries import load_credits
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.metrics.catalogue import MEASURES
from shared.kernel.periods import Period, parse_period
from shared.platform.canonical import GENESIS_HASH, canonical_json, sha256_hex, timestamp_now
from shared.platform.errors import Conflict, FieldError, InvalidInput, Unavailable
from shared.platform.log_client import LedgerFollower
from shared.platform.projection import Projections
from shared.platform.signing import ALGORITHM, Signer, verify

Earlier = dict[str, dict[str, int]]  # earlier period -> rep id -> the revision of its appraisal that counts


def result_format_of(closing: PeriodClose) -> int:
    """How a close writes its figures: what it recorded when it began, or the first format for a close
    recorded before formats existed, so that its seals replay byte for byte."""
    return closing.inputs.get("result_format", FIRST_FORMAT)


class Appraiser:
    def __init__(
        self,
        app: ScoringApplication,
        projections: Projections,
        follower: LedgerFollower,
        signer: Signer,
        zone: ZoneInfo,
    ):
        self.app = app
        self.projections = projections
        self.rulebook = RuleBook(projections.engine)
        self.follower = follower
        self.signer = signer
        self.zone = zone

    # --- inputs ----------------------------------------------------------------------------------------------

    def rules_in_force(self, period: Period) -> list[dict[str, Any]]:
        found = []
        for rule in self.app.rules():
            version = rule.in_force(period.first_day.isoformat())
            if version is not None:
                found.append({"kind": rule.kind, "id": rule.rule_id, "version": version["version"]})
        return found

    def _rules(self, references: list[dict[str, Any]]) -> list[RuleInForce]:
        found = []
        for ref in references:
            rule = self.app.rule(ref["kind"], ref["id"])
            stored = rule.versions[ref["version"] - 1]["definition"]
            definition = RULE_KINDS[ref["kind"]].model_validate(stored, context={"stored": True})
            found.append(RuleInForce(ref["kind"], ref["id"], ref["version"], definition))
        return found

    def earlier(self, period: Period) -> Earlier:
        """Closed periods of the same kind that end before this one begins, with each rep's latest revision."""
        found: Earlier = {}
        for closing in self.app.periods():
            other = parse_period(closing.period)
            if closing.state == "closing" or other.kind != period.kind or other.last_day >= period.first_day:
                continue
            found[closing.period] = {
                rep_id: len(self.app.appraisal(closing.period, rep_id).revisions) for rep_id in closing.reps
            }
        return dict(sorted(found.items(), key=lambda item: parse_period(item[0]).first_day))

    def _sealed_result(self, period: str, rep_id: str, revision: int) -> dict[str, Any]:
        return json.loads(self.app.appraisal(period, rep_id).revisions[revision - 1]["result"])

    def _settled(self, earlier: Earlier, known_at: int) -> dict[str, list[Settled]]:
        results = {
            (q, rep_id): self._sealed_result(q, rep_id, revision)
            for q, reps in earlier.items()
            for rep_id, revision in reps.items()
        }
        settled: dict[str, list[Settled]] = {}
        for q in earlier:
            cutoff = self.app.period(q).cutoff
            basis_credits = load_credits(
                self.projections.engine,
                ("revenue_won", "payments_collected"),
                parse_period(q).start(self.zone),
                parse_period(q).end(self.zone),
                known_at,
                self.zone,
            )
            for (period_key, rep_id), result in results.items():
                commission = result["commission"]
                if period_key != q or commission is None:
                    continue
                later = sum(
                    (
                        Decimal(line["amount"])
                        for (other, other_rep), other_result in results.items()
                        if other_rep == rep_id and other != q and other_result["commission"]
                        for line in other_result["commission"]["lines"]
                        if line.get("period") == q
                    ),
                    Decimal(0),
                )
                plan = self._rules([{"kind": "commission_plan", **commission["plan"]}])[0].definition
                assert isinstance(plan, CommissionPlan)
                settled.setdefault(rep_id, []).append(
                    Settled(
                        q,
                        cutoff,
                        plan,
                        Decimal(commission["multiplier"]),
                        Decimal(commission["earned"]) + later,
                        tuple(c for c in basis_credits if c.rep_id == rep_id and c.measure == plan.basis),
                    )
                )
        return settled

    def inputs(
        self,
        period: Period,
        known_at: int,
        rules: list[dict[str, Any]],
        ratings_seen: int,
        earlier: Earlier,
        result_format: int = RESULT_FORMAT,
    ) -> PeriodInputs:
        previous = earlier.get(period.previous().key, {})
        return PeriodInputs(
            period=period,
            credits=load_credits(
                self.projections.engine, MEASURES, period.start(self.zone), period.end(self.zone), known_at, self.zone
            ),
            organisation=self.rulebook.organisation(known_at),
            goals=self.rulebook.goals(known_at),
            rules=self._rules(rules),
            ratings=[
                GivenRating(r["rep_id"], r["kpi"], Decimal(r["value"]), r["rater"], r["reason"], r["version"])
                for r in self.app.ratings(period.key)[:ratings_seen]
            ],
            settled=self._settled(earlier, known_at),
            previous_scores={
                rep_id: Decimal(self._sealed_result(period.previous().key, rep_id, revision)["score"])
                for rep_id, revision in previous.items()
            },
            result_format=result_format,
        )

    def live(self, period: Period, known_at: int | None = None) -> tuple[int, PeriodResult]:
        """The period's figures as known at a position (all the read model holds when None)."""
        held = self.projections.held()
        position = held if known_at is None else min(known_at, held)
        inputs = self.inputs(
            period, position, self.rules_in_force(period), len(self.app.ratings(period.key)), self.earlier(period)
        )
        return position, appraise(inputs)

    # --- close -----------------------------------------------------------------------------------------------

    def begin_close(self, period: Period, cutoff: int | None, actor: str) -> PeriodClose:
        existing = self.app.period(period.key)
        if existing is not None:
            if cutoff is not None and cutoff != existing.cutoff:
                raise Conflict(f"{period.key} is already {existing.state} at cut-off {existing.cutoff}")
            return existing
        try:
            head = self.follower.head().position
        except httpx.HTTPError as error:
            raise Unavailable(f"goal_service's ledger cannot be reached to fix the cut-off: {error}") from None
        if cutoff is not None and cutoff > head:
            detail = f"the ledger ends at position {head}"
            raise InvalidInput(detail, errors=[FieldError("/cutoff_position", detail)])
        inputs = {
            "rules": self.rules_in_force(period),
            "ratings_seen": len(self.app.ratings(period.key)),
            "earlier": self.earlier(period),
            "result_format": RESULT_FORMAT,
        }
        return self.app.begin_close(period.key, head if cutoff is None else cutoff, inputs, actor, timestamp_now())

    def _ledger_hash(self, position: int) -> str | None:
        if position == 0:
            return GENESIS_HASH
        with Session(self.projections.engine) as session:
            return hash_at(session, position)

    def _result_texts(self, closing: PeriodClose) -> tuple[PeriodResult, dict[str, str]]:
        period = parse_period(closing.period)
        inputs = closing.inputs
        result = appraise(
            self.inputs(
                period,
                closing.cutoff,
                inputs["rules"],
                inputs["ratings_seen"],
                inputs["earlier"],
                result_format_of(closing),
            )
        )
        return result, {rep_id: canonical_json(a).decode() for rep_id, a in result.appraisals.items()}

    def complete(self, period_key: str) -> PeriodClose:
        """Seal the appraisals of a closing period once the read model holds its cut-off."""
        closing = self.app.period(period_key)
        if closing is None or closing.state != "closing" or self.projections.held() < closing.cutoff:
            return closing
        ledger_hash = self._ledger_hash(closing.cutoff)
        result, texts = self._result_texts(closing)
        sealed = {}
        for rep_id, text in texts.items():
            seal = {
                "appraisal": {"period": closing.period, "rep_id": rep_id, "revision": 1},
                "ledger": {"position": closing.cutoff, "hash": ledger_hash},
                "ledger_rules_position": self.rulebook.last_rule_position(closing.cutoff),
                "rules": closing.inputs["rules"],
                "ratings_seen": closing.inputs["ratings_seen"],
                "earlier": [
                    {"period": q, "revision": reps[rep_id]}
                    for q, reps in closing.inputs["earlier"].items()
                    if rep_id in reps
                ],
                "result_format": result_format_of(closing),
                "result_sha256": sha256_hex(text.encode()),
                "algorithm": ALGORITHM,
                "key_id": self.signer.key_id,
                "sealed_at": timestamp_now(),
            }
            sealed[rep_id] = (text, seal, self.signer.sign(seal))
        summary = {"teams": result.teams, "honours": result.honours}
        return self.app.complete_close(closing.period, ledger_hash or "", sealed, json.loads(canonical_json(summary)))

    def complete_all(self) -> None:
        for closing in self.app.periods():
            if closing.state == "closing":
                self.complete(closing.period)

    # --- replay ----------------------------------------------------------------------------------------------

    def replay(self, period_key: str, rep_id: str, revision: Mapping[str, Any]) -> dict[str, Any]:
        """Recompute a sealed appraisal from its recorded inputs and compare it with what was sealed."""
        closing = self.app.period(period_key)
        _, texts = self._result_texts(closing)
        recomputed = texts.get(rep_id, "")
        seal = revision["seal"]
        return {
            "period": period_key,
            "rep_id": rep_id,
            "revision": revision["revision"],
            "sealed_sha256": seal["result_sha256"],
            "recomputed_sha256": sha256_hex(recomputed.encode()),
            "result_matches": recomputed == revision["result"],
            "ledger_hash_matches": self._ledger_hash(seal["ledger"]["position"]) == seal["ledger"]["hash"],
            "signature_valid": verify(self.signer.public()["public_key"], revision["signature"], seal)
            if seal["key_id"] == self.signer.key_id
            else None,
        }
