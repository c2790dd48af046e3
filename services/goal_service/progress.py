"""Goal progress and leaderboards as the API offers them, on two time axes: `as_of` (the business day: what
had occurred by its end) and `known_at` (the ledger position: what had been recorded by then). This reads
the credits each answer needs as known at its position; domain/progress.py and domain/leaderboard.py
compute the figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.goal_service.domain.leaderboard import Ranked, as_seen_by_rep, board_figure, ranking
from services.goal_service.domain.progress import TREND_LOOKBACK, Drill, GoalProgress, progress, span_starts
from services.goal_service.goals import GoalFilter, page_of, visible_goals
from services.goal_service.reads import LedgerReads, Rules
from services.goal_service.scope import GoalNotVisible, leaderboard_root, may_see_goal
from shared.kernel.events.goals import GoalStatus, OwnerKind
from shared.kernel.goals import Goal
from shared.kernel.metrics.asks import Ask, Shape
from shared.kernel.metrics.catalogue import counts_money, measures_needed
from shared.kernel.metrics.figures import owned
from shared.kernel.periods import Period, growth_spans
from shared.kernel.workdays import CalendarYearMissing
from shared.platform.auth import Principal, Role


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
    ranking: list[Ranked]  # to a rep: the top three and their own line
    ranked: int  # how many reps the board ranks
    figure: Decimal | None  # the metric over everyone on the board


class ProgressService:
    def __init__(self, reads: LedgerReads):
        self.reads = reads

    async def position(self, known_at: int | None) -> int:
        """The position an answer asked as known at `known_at` (None: now) reflects."""
        return await self.reads.figures_position(known_at)

    def today(self) -> date:
        return self.reads.today()

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
        visible = []
        if children:
            visible = [
                child for child in rules.goals.children(goal_id) if may_see_goal(principal, rules.organisation, child)
            ]
        found, *lines = await self._lines([goal, *visible], rules, day, drill)
        if isinstance(found, ProgressProblem):
            raise found.error
        return GoalProgressAnswer(rules.position, found, lines if children else None)

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
        measures, by_rep = frozenset(measures_needed(metric)), Shape(reps=True)
        ask = Ask(measures, period.first_day, day, by_rep, cuts=())
        if root is not None:
            members = organisation.members_within(root, period.first_day, day)
            ask = Ask(measures, period.first_day, day, by_rep, unit=root, members=members, cuts=())
        (credits,) = await self.reads.day_sums([ask], position)
        if root is not None:
            credits = owned(credits, organisation, "unit", root)
        in_money = currency if counts_money(metric) else None
        ranked = ranking(metric, credits, in_money, period.first_day)
        shown = as_seen_by_rep(ranked, principal.scope or "") if principal.role is Role.REP else ranked
        figure = board_figure(metric, credits, in_money, period.first_day)
        return Leaderboard(metric, period, day, position, root, in_money, shown, len(ranked), figure)

    async def _lines(
        self, goals: Sequence[Goal], rules: Rules, as_of: date, drill: Drill | None = None
    ) -> list[ProgressLine]:
        """The progress of each goal (the first drilled down as asked), its credits read together."""
        drills = [drill if n == 0 else None for n in range(len(goals))]
        asks = [_asks(goal, rules, as_of, drilled) for goal, drilled in zip(goals, drills, strict=True)]
        read = iter(await self.reads.day_sums([ask for some in asks for ask in some], rules.position))
        lines: list[ProgressLine] = []
        for goal, drilled, some in zip(goals, drills, asks, strict=True):
            credits = next(read)
            earlier = {"previous_period": next(read), "a_year_before": next(read)} if len(some) == 3 else {}
            try:
                lines.append(progress(goal, credits, rules.organisation, rules.calendar, as_of, drilled, earlier))
            except CalendarYearMissing as missing:
                lines.append(ProgressProblem(goal, missing))
        return lines


def _asks(goal: Goal, rules: Rules, as_of: date, drill: Drill | None) -> list[Ask]:
    """What progress reads of the day sums: the period so far with the two weeks of its trend, summed over
    the spans its figures compare (per day for a drill by team, which follows reps between teams); and the
    spans its growth compares with, each summed whole."""
    measures = set(measures_needed(goal.metric))
    slices = [s for sub in goal.current.sub_targets for s in (sub.part, sub.whole)]
    measures |= {s.measure for s in slices}
    shape = Shape(
        reps=drill in (Drill.REP, Drill.TEAM),
        products=drill is Drill.PRODUCT or any(s.product for s in slices),
        regions=drill is Drill.REGION or any(s.region for s in slices),
    )

    def ask(first: date, last: date, cuts: tuple[date, ...] | None) -> Ask:
        if goal.owner_kind == OwnerKind.REP:
            return Ask(frozenset(measures), first, last, shape, reps=frozenset({goal.owner_id}), cuts=cuts)
        if goal.owner_kind == OwnerKind.UNIT:
            members = rules.organisation.members_within(goal.owner_id, first, last)
            return Ask(frozenset(measures), first, last, shape, unit=goal.owner_id, members=members, cuts=cuts)
        return Ask(frozenset(measures), first, last, shape, cuts=cuts)

    period = goal.period
    cuts = None if drill is Drill.TEAM else span_starts(period, as_of)
    main = ask(min(period.first_day, as_of - TREND_LOOKBACK), min(as_of, period.last_day), cuts)
    spans = growth_spans(period, as_of)
    if spans is None:
        return [main]
    previous, year_before = spans.previous_period, spans.a_year_before
    return [main, ask(previous.first, previous.last, ()), ask(year_before.first, year_before.last, ())]
