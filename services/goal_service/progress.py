"""Goal progress and leaderboards as the API offers them, on two time axes: `as_of` (the business day: what
had occurred by its end) and `known_at` (the ledger position: what had been recorded by then). This reads
the credits each answer needs as known at its position; domain/progress.py and domain/leaderboard.py
compute the figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.goal_service.domain.leaderboard import Ranked, ranking
from services.goal_service.domain.progress import TREND_LOOKBACK, Drill, GoalProgress, progress
from services.goal_service.goals import GoalFilter, page_of, visible_goals
from services.goal_service.reads import LedgerReads, Rules
from services.goal_service.scope import GoalNotVisible, leaderboard_root, may_see_goal
from shared.kernel.events.goals import GoalStatus, OwnerKind
from shared.kernel.goals import Goal
from shared.kernel.ledger_views.day_sums import Shape
from shared.kernel.metrics.catalogue import counts_money, measures_needed
from shared.kernel.metrics.figures import Credit, owned
from shared.kernel.periods import Period, growth_spans
from shared.kernel.workdays import CalendarYearMissing
from shared.platform.auth import Principal


@dataclass(frozen=True)
class ProgressProblem:
    """A goal whose figures cannot be computed (its year has no published calendar), in a list of progress:
    it spoils no other line."""

    goal: Goal
    error: CalendarYearMissing


ProgressLine = GoalProgress | ProgressProblem


@dataclass(frozen=True)
class GoalProgressAnswer:
    known_at: int
    progress: GoalProgress
    children: list[ProgressLine] | None  # when asked for: the goals it was decomposed into


@dataclass(frozen=True)
class ProgressPage:
    known_at: int
    as_of: date
    lines: list[ProgressLine]
    next_offset: int | None


@dataclass(frozen=True)
class Leaderboard:
    metric: str
    period: Period
    as_of: date  # the last day counted
    known_at: int
    unit_id: str | None  # whose subtree's reps are ranked; None: every rep
    currency: str | None  # for a metric counted in money
    ranking: list[Ranked]


class ProgressService:
    def __init__(self, reads: LedgerReads):
        self.reads = reads

    async def goal(
        self,
        principal: Principal,
        goal_id: str,
        as_of: date | None = None,
        known_at: int | None = None,
        drill: Drill | None = None,
        children: bool = False,
    ) -> GoalProgressAnswer:
        """A goal's progress; with `children`, the progress of the goals it was decomposed into (the roll-up)."""
        rules = await self.reads.rules(await self.reads.figures_position(known_at))
        goal = rules.goals.goals.get(goal_id)
        if goal is None or not may_see_goal(principal, rules.organisation, goal):
            raise GoalNotVisible(goal_id, rules.position)
        day = as_of or self.reads.today()
        found = await self._progress(goal, rules, day, drill)
        lines = None
        if children:
            visible = [
                child for child in rules.goals.children(goal_id) if may_see_goal(principal, rules.organisation, child)
            ]
            lines = await self._lines(visible, rules, day)
        return GoalProgressAnswer(rules.position, found, lines)

    async def listing(
        self,
        principal: Principal,
        wanted: GoalFilter,
        as_of: date | None,
        known_at: int | None,
        limit: int,
        offset: int,
    ) -> ProgressPage:
        """The progress of every active goal the filter matches and the caller may see, in goal id order."""
        rules = await self.reads.rules(await self.reads.figures_position(known_at))
        active = GoalFilter(wanted.owner_kind, wanted.owner_id, wanted.period, wanted.metric, GoalStatus.ACTIVE)
        goals, next_offset = page_of(visible_goals(rules, principal, active), offset, limit)
        day = as_of or self.reads.today()
        return ProgressPage(rules.position, day, await self._lines(goals, rules, day), next_offset)

    async def leaderboard(
        self,
        principal: Principal,
        metric: str,
        period: Period,
        as_of: date | None,
        known_at: int | None,
        unit_id: str | None,
        currency: str,
    ) -> Leaderboard:
        """Reps ranked by a metric over a period so far. A rep sees their own team's board, a manager the
        subtree they lead."""
        position = await self.reads.figures_position(known_at)
        organisation = await self.reads.organisation(position)
        day = min(as_of or self.reads.today(), period.last_day)
        root = leaderboard_root(principal, organisation, unit_id, day)
        reps = organisation.reps_within(root, period.first_day, day) if root is not None else None
        credits = await self.reads.day_credits(
            measures_needed(metric), period.first_day, day, position, Shape(reps=True), reps
        )
        if root is not None:
            credits = owned(credits, organisation, "unit", root)
        in_money = currency if counts_money(metric) else None
        ranked = ranking(metric, credits, in_money, period.first_day)
        return Leaderboard(metric, period, day, position, root, in_money, ranked)

    async def _lines(self, goals: Sequence[Goal], rules: Rules, as_of: date) -> list[ProgressLine]:
        lines: list[ProgressLine] = []
        for goal in goals:
            try:
                lines.append(await self._progress(goal, rules, as_of, None))
            except CalendarYearMissing as missing:
                lines.append(ProgressProblem(goal, missing))
        return lines

    async def _progress(self, goal: Goal, rules: Rules, as_of: date, drill: Drill | None) -> GoalProgress:
        """The credits progress reads (the goal's period, the two weeks of its trend, the spans its growth
        compares with), then its figures."""
        measures = set(measures_needed(goal.metric))
        slices = [s for sub in goal.current.sub_targets for s in (sub.part, sub.whole)]
        measures |= {s.measure for s in slices}
        shape = Shape(
            reps=goal.owner_kind != OwnerKind.COMPANY or drill in (Drill.REP, Drill.TEAM),
            products=drill is Drill.PRODUCT or any(s.product for s in slices),
            regions=drill is Drill.REGION or any(s.region for s in slices),
        )

        async def credits_between(first: date, last: date) -> list[Credit]:
            reps = None
            if goal.owner_kind == OwnerKind.REP:
                reps = {goal.owner_id}
            elif goal.owner_kind == OwnerKind.UNIT:
                reps = rules.organisation.reps_within(goal.owner_id, first, last)
            return await self.reads.day_credits(measures, first, last, rules.position, shape, reps)

        last_day = min(as_of, goal.period.last_day)
        credits = await credits_between(min(goal.period.first_day, as_of - TREND_LOOKBACK), last_day)
        spans = growth_spans(goal.period, as_of)
        earlier = {}
        if spans is not None:
            earlier = {
                "previous_period": await credits_between(spans.previous_period.first, spans.previous_period.last),
                "a_year_before": await credits_between(spans.a_year_before.first, spans.a_year_before.last),
            }
        return progress(goal, credits, rules.organisation, rules.calendar, as_of, drill, earlier)
