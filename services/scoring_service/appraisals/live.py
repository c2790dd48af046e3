"""Live figures, as known now (or at a ledger position): every visible rep's score, rankings, one rep's
commission statement; and the ratings managers give. Computed by the same appraisal function as a seal: as
known now, read from the live results it keeps (live_results.py); as known at an earlier position, computed
for the answer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import orjson

from services.scoring_service.application import ScoringApplication
from services.scoring_service.appraisals.access import may_see_rep, may_see_team
from services.scoring_service.appraisals.inputs import AppraisalInputs
from services.scoring_service.appraisals.live_results import LiveResults, StoredResult, computed
from services.scoring_service.domain.appraisal import appraise
from services.scoring_service.domain.errors import NoStatement, RepOutOfScope
from services.scoring_service.domain.results import RepAppraisal
from services.scoring_service.domain.scoring import GivenRating
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.periods import Period
from shared.platform.auth import Principal
from shared.platform.canonical import canonical_json


@dataclass(frozen=True)
class Scores:
    """As canonical JSON texts, which an answer writes as they are."""

    period: str
    known_at: int
    scores: dict[str, str]  # the visible reps' appraisals
    teams: dict[str, object]  # the visible teams' figures
    honours: str


@dataclass(frozen=True)
class Ranked:
    rep_id: str
    team_id: str
    score: Decimal
    rank: int
    of: int
    percentile: Decimal


@dataclass(frozen=True)
class Ranking:
    period: str
    known_at: int
    scope: str  # "company", or "team" when ranked within a team
    ranking: list[Ranked]


class LiveFigures:
    def __init__(self, app: ScoringApplication, inputs: AppraisalInputs, rulebook: RuleBook):
        self.app = app
        self.inputs = inputs
        self.rulebook = rulebook
        self.results = LiveResults(app, inputs, rulebook)

    def state(self, period: Period, known_at: int | None) -> tuple[int, int]:
        """What an answer about `period` as known at `known_at` is a function of besides the caller: the
        position it answers as known at (as known now: the one its live results are current at) and the
        position of this service's own store (rules, ratings, closes). An answer read after this is no older."""
        store = self.app.recorder.max_notification_id() or 0
        if known_at is None or known_at >= self.inputs.projections.held():
            return self.results.current(period), store
        return known_at, store

    def scores(self, period: Period, known_at: int | None, principal: Principal) -> Scores:
        found = self._result(period, known_at, principal)
        organisation = self.rulebook.organisation(found.position)
        teams = orjson.loads(found.teams)
        honours = orjson.loads(found.honours)
        return Scores(
            period=period.key,
            known_at=found.position,
            scores={s.rep_id: s.appraisal for s in found.scores},
            teams={t: f for t, f in teams.items() if may_see_team(principal, organisation, period, t)},
            # an honour names its winner and figure: shown to those who may see that rep
            honours=canonical_json(
                {h: v for h, v in honours.items() if may_see_rep(principal, organisation, period, v["rep_id"])}
            ).decode(),
        )

    def ranking(self, period: Period, team: str | None, known_at: int | None, principal: Principal) -> Ranking:
        """Reps in rank order, within the company or within one team."""
        found = self._result(period, known_at, principal, team=team, appraisals=False)
        rows = []
        for score in found.scores:
            standing = orjson.loads(score.ranks)["team" if team else "company"]
            rows.append(
                Ranked(
                    score.rep_id,
                    score.team_id,
                    Decimal(score.score),
                    standing["rank"],
                    standing["of"],
                    Decimal(standing["percentile"]),
                )
            )
        rows.sort(key=lambda row: row.rank)
        return Ranking(period.key, found.position, "team" if team else "company", rows)

    def statement(
        self, period: Period, rep_id: str, known_at: int | None, principal: Principal
    ) -> tuple[int, RepAppraisal]:
        """One rep's appraisal as known at a position (its statement and bonus are what a reader asks for)."""
        found = self._result(period, known_at, principal, reps={rep_id})
        if not found.scores:
            raise NoStatement(period.key, rep_id)
        return found.position, RepAppraisal.read(found.scores[0].appraisal)

    def give_rating(
        self, period: Period, rep_id: str, kpi: str, value: Decimal, reason: str, principal: Principal
    ) -> GivenRating:
        """A manager rates reps in their own subtree; a rep outside it is answered as unknown."""
        organisation = self.rulebook.organisation()
        if rep_id not in organisation.reps or not may_see_rep(principal, organisation, period, rep_id):
            raise RepOutOfScope(rep_id)
        return self.app.give_rating(period.key, rep_id, kpi, value, reason, principal.actor)

    def _result(
        self,
        period: Period,
        known_at: int | None,
        principal: Principal,
        reps: set[str] | None = None,
        team: str | None = None,
        appraisals: bool = True,
    ) -> StoredResult:
        """As known now: the live results' rows; as known at an earlier position: appraised for the answer,
        its scores picked as the rows are."""
        if known_at is None or known_at >= self.inputs.projections.held():
            return self.results.read(period, principal, reps, team, appraisals)
        position, inputs = self.inputs.as_known(period, known_at, reps=reps)
        organisation = inputs.organisation
        found = computed(period, position, appraise(inputs), organisation)
        picked = [
            s
            for s in found.scores
            if (reps is None or s.rep_id in reps)
            and team in (None, s.team_id)
            and may_see_rep(principal, organisation, period, s.rep_id)
        ]
        return replace(found, scores=picked)
