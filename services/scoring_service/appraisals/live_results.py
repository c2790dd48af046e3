"""Live results: each period's appraisal as known at a ledger position, kept in tables (tables.py) so that
scores, rankings and statements read rows instead of folding the period on every request.

A period's row is current while nothing it reads has changed: no contribution that occurred before the
period's end and no organisation, goal or calendar entry has been projected since its position, and this
service's own store (rules, ratings, closes, seals) has recorded nothing since. A read of a period that is not
current appraises it once, with the same `appraise` a close seals with, and replaces its rows; readers of the
same period in this process wait for that one appraisal rather than each computing it."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, delete, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from services.scoring_service.application import ScoringApplication
from services.scoring_service.appraisals.inputs import AppraisalInputs
from services.scoring_service.domain.appraisal import PeriodResult, appraise
from services.scoring_service.tables import live_results, live_scores
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.ledger_views.tables import contributions, rule_entries
from shared.kernel.organisation import Organisation
from shared.kernel.periods import Period
from shared.kernel.scope import SEE_ALL
from shared.platform.auth import Principal, Role
from shared.platform.canonical import canonical_json
from shared.platform.readmodel import snapshot


@dataclass(frozen=True)
class StoredScore:
    rep_id: str
    team_id: str
    score: str
    ranks: str  # canonical JSON of the appraisal's Ranks
    appraisal: str  # canonical JSON of the RepAppraisal


@dataclass(frozen=True)
class StoredResult:
    period: str
    position: int
    teams: str  # canonical JSON: team id -> TeamFigures
    honours: str  # canonical JSON: honour -> Honour
    scores: list[StoredScore]  # the ones asked for, by rep id


class LiveResults:
    def __init__(self, app: ScoringApplication, inputs: AppraisalInputs, rulebook: RuleBook):
        self.app = app
        self.inputs = inputs
        self.rulebook = rulebook
        self.engine = inputs.projections.engine
        self._computing: dict[str, threading.Lock] = defaultdict(threading.Lock)

    def read(
        self,
        period: Period,
        principal: Principal,
        reps: set[str] | None = None,
        team: str | None = None,
        appraisals: bool = True,
    ) -> StoredResult:
        """The period's current result with the scores in the principal's scope: of `reps` alone, or of one
        team's reps, if given; without the appraisals' text when a ranking needs only ranks."""
        self.current(period)
        s = live_scores.c
        with snapshot(self.engine) as connection:
            header = connection.execute(select(live_results).where(live_results.c.period == period.key)).one()
            text = s.appraisal if appraisals else literal("")
            query = select(s.rep_id, s.team_id, s.score, s.ranks, text).where(s.period == period.key)
            if reps is not None:
                query = query.where(s.rep_id.in_(sorted(reps)))
            if team is not None:
                query = query.where(s.team_id == team)
            if principal.role is Role.MANAGER:  # as may_see_rep: the rep's unit on the last day, in their subtree
                organisation = self.rulebook.organisation(header.position)
                query = query.where(s.unit.in_(units_within(organisation, principal.scope or "", period.last_day)))
            elif principal.role not in SEE_ALL:
                query = query.where(s.rep_id == principal.scope)
            rows = connection.execute(query.order_by(s.rep_id)).all()
        scores = [StoredScore(*row) for row in rows]
        return StoredResult(period.key, header.position, header.teams, header.honours, scores)

    def current(self, period: Period) -> int:
        """Make the period's rows current if they are not; the position they are as known at."""
        if (position := self._current_position(period)) is not None:
            return position
        with self._computing[period.key]:
            if (position := self._current_position(period)) is not None:
                return position  # another reader appraised it meanwhile
            store_position = self.app.recorder.max_notification_id() or 0
            position, inputs = self.inputs.as_known(period)
            result = appraise(inputs)
            try:
                with self.engine.begin() as connection:
                    self._replace(connection, period, position, store_position, result, inputs.organisation)
            except IntegrityError:
                pass  # another process stored the same period at the same moment; either result is current
            return position

    def _current_position(self, period: Period) -> int | None:
        store_position = self.app.recorder.max_notification_id() or 0
        held = self.inputs.projections.held()
        with snapshot(self.engine) as connection:
            row = connection.execute(
                select(live_results.c.position, live_results.c.store_position).where(
                    live_results.c.period == period.key
                )
            ).first()
            if row is None or row.store_position != store_position:
                return None
            if row.position >= held:
                return row.position
            if changed(connection, row.position, held, period.end(self.inputs.zone)):
                return None
        # Current at `held` too: said so, so the next check reads only what comes after it.
        with self.engine.begin() as connection:
            r = live_results.c
            connection.execute(
                update(live_results).where(r.period == period.key, r.position == row.position).values(position=held)
            )
        return held

    @staticmethod
    def _replace(
        connection: Connection,
        period: Period,
        position: int,
        store_position: int,
        result: PeriodResult,
        organisation: Organisation,
    ) -> None:
        r = live_results.c
        stored = connection.execute(select(r.position).where(r.period == period.key)).scalar()
        if stored is not None and stored > position:
            return  # another process stored a later result meanwhile
        connection.execute(delete(live_scores).where(live_scores.c.period == period.key))
        connection.execute(delete(live_results).where(live_results.c.period == period.key))
        header, rows = result_rows(period, result, organisation)
        connection.execute(insert(live_results).values(position=position, store_position=store_position, **header))
        if rows:
            connection.execute(insert(live_scores), rows)


def changed(connection: Connection, after: int, upto: int, end: str) -> bool:
    """Whether the ledger views took in, after `after` and by `upto`, anything a period ending at `end` reads:
    a contribution that occurred before its end (its own, an earlier statement's basis, the customer base)
    or an organisation, goal or calendar entry."""
    c, r = contributions.c, rule_entries.c
    credit = select(c.id).where(c.position > after, c.position <= upto, c.occurred_at < end).limit(1)
    rule = select(r.position).where(r.position > after, r.position <= upto).limit(1)
    return connection.execute(credit).first() is not None or connection.execute(rule).first() is not None


def units_within(organisation: Organisation, root: str, day: date) -> list[str]:
    return sorted(u for u in organisation.units if organisation.within(u, root, day))


def result_rows(
    period: Period, result: PeriodResult, organisation: Organisation
) -> tuple[dict[str, str], list[dict[str, str | None]]]:
    """A period's result as its live_results row (less the positions) and its live_scores rows."""
    header = {
        "period": period.key,
        "teams": canonical_json({t: f.model_dump() for t, f in result.teams.items()}).decode(),
        "honours": canonical_json({h: v.model_dump() for h, v in result.honours.items()}).decode(),
    }
    rows: list[dict[str, str | None]] = [
        {
            "period": period.key,
            "rep_id": rep_id,
            "unit": organisation.unit_of(rep_id, period.last_day),
            "team_id": appraisal.team_id,
            "score": str(appraisal.score),
            "ranks": canonical_json(appraisal.rank.model_dump()).decode(),
            "appraisal": appraisal.canonical().decode(),
        }
        for rep_id, appraisal in sorted(result.appraisals.items())
    ]
    return header, rows


def computed(period: Period, position: int, result: PeriodResult, organisation: Organisation) -> StoredResult:
    """A result computed for one answer (as known at an earlier position) as a read of it would give it."""
    header, rows = result_rows(period, result, organisation)
    scores = [
        StoredScore(r["rep_id"], r["team_id"], r["score"], r["ranks"], r["appraisal"])  # type: ignore[arg-type]
        for r in rows
    ]
    return StoredResult(period.key, position, header["teams"], header["honours"], scores)
