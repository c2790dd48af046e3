"""Request and response bodies of goal_service's goal, progress and leaderboard routes. A response model
writes the domain's exact figures as every answer writes them (`show_figure`: money a decimal string to at
least the minor unit, a count an integer, a ratio a decimal string at 4 places); shared/platform/responses.py
says how a route declares and returns it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from services.goal_service.domain.decomposition import ChildGoal
from services.goal_service.domain.leaderboard import Ranked
from services.goal_service.domain.progress import Drill, EarlierSpan, GoalProgress, Growth, SubTargetProgress
from services.goal_service.goals import GoalAt, GoalConsistency, Page
from services.goal_service.progress import GoalProgressAnswer, Leaderboard, ProgressLine, ProgressPage
from shared.kernel.events.activities import Ref, Schema, Text
from shared.kernel.events.goals import AllocationMethod, Basis, GoalStatus, Owner, OwnerKind, Target
from shared.kernel.goals import ChildTarget, Goal, GoalVersion, Slice, SubTarget
from shared.kernel.metrics.figures import show_figure
from shared.kernel.pace import WorkingDays
from shared.kernel.periods import Span
from shared.platform.problems import problem_of
from shared.platform.responses import is_none

Figure = Annotated[
    int | str | Decimal | None,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}],
            "description": "A metric's figure: money a decimal string to at least the currency's minor unit, a "
            "count an integer (a split count its exact decimal string), a ratio a decimal string at 4 places.",
        }
    ),
]
Ratio = Annotated[Decimal | None, Field(description="A ratio as a decimal string at 4 places, half up.")]


# --- requests ------------------------------------------------------------------------------------------------


class Agreement(Schema):
    reason: Text
    target: Target | None = Field(None, description="Default: the owner's latest commitment.")


# Finite, never negative and bounded, so that target * weight can never overflow (1e999999 did).
Weight = Annotated[Decimal, Field(ge=0, lt=Decimal(10) ** 15, decimal_places=6)]


class Child(Schema):
    owner: Owner
    goal_id: Ref | None = None
    weight: Weight | None = None

    def child_goal(self) -> ChildGoal:
        return ChildGoal(self.owner.kind, self.owner.id, self.goal_id, self.weight)


class Decomposition(Schema):
    method: AllocationMethod
    children: Annotated[list[Child], Field(min_length=1, max_length=500)]
    history_period: str | None = Field(None, description="For `history`: split by each child's actual then.")
    reason: Text | None = None


# --- goals ---------------------------------------------------------------------------------------------------


class OwnerOut(BaseModel):
    kind: OwnerKind
    id: str


class SliceOut(BaseModel):
    measure: str
    product: str | None = Field(None, exclude_if=is_none)
    region: str | None = Field(None, exclude_if=is_none)

    @classmethod
    def of(cls, part: Slice) -> SliceOut:
        return cls(measure=part.measure, product=part.product, region=part.region)


class SubTargetOut(BaseModel):
    description: str
    part: SliceOut
    whole: SliceOut
    at_least_percent: Decimal

    @classmethod
    def of(cls, sub: SubTarget) -> SubTargetOut:
        return cls(
            description=sub.description,
            part=SliceOut.of(sub.part),
            whole=SliceOut.of(sub.whole),
            at_least_percent=sub.at_least_percent,
        )


class CommitmentOut(BaseModel):
    value: Figure
    actor: str
    position: int
    recorded_at: str


class GoalOut(BaseModel):
    """A goal in one version: its terms then, and the owner's commitments made by then."""

    goal_id: str
    metric: str
    owner: OwnerOut
    period: str
    currency: str | None
    parent_goal_id: str | None
    allocation: dict[str, str] | None = Field(description="How a top-down target was computed.")
    version: int = Field(description="The ledger position that made this version.")
    recorded_at: str
    actor: str
    reason: str | None
    basis: Basis
    target: Figure
    description: str
    sub_targets: list[SubTargetOut]
    status: GoalStatus
    commitments: list[CommitmentOut]

    @classmethod
    def of(cls, goal: Goal, version: GoalVersion, **more: Any) -> Self:
        def shown(value: Decimal) -> Any:
            return show_figure(goal.metric, value, goal.currency)

        return cls(
            goal_id=goal.goal_id,
            metric=goal.metric,
            owner=OwnerOut(kind=goal.owner_kind, id=goal.owner_id),
            period=goal.period.key,
            currency=goal.currency,
            parent_goal_id=goal.parent_goal_id,
            allocation=dict(goal.allocation) if goal.allocation is not None else None,
            version=version.version,
            recorded_at=version.recorded_at,
            actor=version.actor,
            reason=version.reason,
            basis=version.basis,
            target=shown(version.target),
            description=version.description,
            sub_targets=[SubTargetOut.of(sub) for sub in version.sub_targets],
            status=version.status,
            commitments=[
                CommitmentOut(value=shown(c.value), actor=c.actor, position=c.position, recorded_at=c.recorded_at)
                for c in goal.commitments_known_to(version)
            ],
            **more,
        )


class GoalAtOut(GoalOut):
    known_at: int

    @classmethod
    def at(cls, found: GoalAt) -> GoalAtOut:
        return cls.of(found.goal, found.version, known_at=found.known_at)


class GoalVersionsOut(BaseModel):
    known_at: int
    versions: list[GoalOut]

    @classmethod
    def of(cls, found: GoalAt) -> GoalVersionsOut:
        return cls(known_at=found.known_at, versions=[GoalOut.of(found.goal, v) for v in found.goal.versions])


class GoalPageOut(BaseModel):
    known_at: int
    goals: list[GoalOut]
    next_offset: int | None

    @classmethod
    def of(cls, page: Page) -> GoalPageOut:
        return cls(
            known_at=page.known_at, goals=[GoalOut.of(g, g.current) for g in page.goals], next_offset=page.next_offset
        )


class ChildTargetOut(BaseModel):
    goal_id: str
    owner: OwnerOut
    target: Figure
    basis: Basis
    committed: Figure = Field(description="The owner's latest commitment.")


class ConsistencyOut(BaseModel):
    """Where the children's current targets do not add up to the parent's, and by how much. A rate's
    children each carry their own rate: `consistent` is null and there is no total."""

    goal_id: str
    target: Figure
    children: list[ChildTargetOut]
    consistent: bool | None
    children_total: Figure = Field(None, exclude_if=is_none)
    difference: Figure = Field(None, exclude_if=is_none, description="children_total - target")
    known_at: int

    @classmethod
    def of(cls, found: GoalConsistency) -> ConsistencyOut:
        goal, report = found.goal, found.report

        def shown(value: Decimal | None) -> Any:
            return show_figure(goal.metric, value, goal.currency)

        def child(c: ChildTarget) -> ChildTargetOut:
            owner = OwnerOut(kind=c.owner_kind, id=c.owner_id)
            return ChildTargetOut(
                goal_id=c.goal_id, owner=owner, target=shown(c.target), basis=c.basis, committed=shown(c.committed)
            )

        return cls(
            goal_id=report.goal_id,
            target=shown(report.target),
            children=[child(c) for c in report.children],
            consistent=report.consistent,
            children_total=shown(report.children_total),
            difference=shown(report.difference),
            known_at=found.known_at,
        )


# --- progress ------------------------------------------------------------------------------------------------


class WorkingDaysOut(BaseModel):
    total: int
    elapsed: int
    calendar_versions: dict[int, int] = Field(description="{year: version} of the calendar years that counted them.")

    @classmethod
    def of(cls, days: WorkingDays) -> WorkingDaysOut:
        return cls(total=days.total, elapsed=days.elapsed, calendar_versions=days.calendar_versions)


class TrendOut(BaseModel):
    last_7_days: Figure
    previous_7_days: Figure
    change: Ratio


class SubTargetProgressOut(BaseModel):
    description: str
    part: Figure
    whole: Figure
    percent: Ratio
    at_least_percent: Decimal
    met: bool

    @classmethod
    def of(cls, found: SubTargetProgress, currency: str | None) -> SubTargetProgressOut:
        terms = found.terms
        return cls(
            description=terms.description,
            part=show_figure(terms.part.measure, found.part, currency),
            whole=show_figure(terms.whole.measure, found.whole, currency),
            percent=found.percent,
            at_least_percent=terms.at_least_percent,
            met=found.met,
        )


class SpanOut(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    period: str
    from_: date = Field(alias="from")
    through: date
    actual: Figure


class EarlierSpanOut(SpanOut):
    basis: str
    change: Ratio


class GrowthOut(BaseModel):
    """环比 (`previous_period`) and 同比 (`a_year_before`): a complete period against the whole earlier one
    (basis `whole_period`), one in progress against as many of its first days (`same_days`); before the
    period begins, `not_started` and nothing to compare."""

    basis: str
    this: SpanOut | None
    previous_period: EarlierSpanOut | None
    a_year_before: EarlierSpanOut | None

    @classmethod
    def of(cls, growth: Growth, goal: Goal) -> GrowthOut:
        def span(found: Span, actual: Decimal | None) -> dict[str, Any]:
            shown = show_figure(goal.metric, actual, goal.currency)
            return {"period": found.period.key, "from_": found.first, "through": found.last, "actual": shown}

        def earlier(found: EarlierSpan | None) -> EarlierSpanOut | None:
            if found is None:
                return None
            return EarlierSpanOut(**span(found.span, found.actual), basis=growth.basis.value, change=found.change)

        return cls(
            basis=growth.basis.value,
            this=SpanOut(**span(growth.this, growth.actual)) if growth.this is not None else None,
            previous_period=earlier(growth.previous_period),
            a_year_before=earlier(growth.a_year_before),
        )


class GoalProgressOut(BaseModel):
    """Actual, target, completion, pace, forecast, trend, sub-targets and growth of a goal on a day."""

    goal_id: str
    metric: str
    owner: OwnerOut
    period: str
    as_of: date
    goal_version: int
    currency: str | None
    target: Figure
    actual: Figure
    completion: Ratio
    working_days: WorkingDaysOut
    pace: Ratio = Field(description="completion / (elapsed / total working days); null before the first one.")
    forecast: Figure = Field(description="A flow extrapolated over the working days; a rate or level itself.")
    trend: TrendOut
    sub_targets: list[SubTargetProgressOut]
    drill_down: dict[Drill, dict[str, Figure]] | None = Field(None, exclude_if=is_none)
    growth: GrowthOut | None = Field(None, exclude_if=is_none)

    @classmethod
    def fields_of(cls, found: GoalProgress) -> dict[str, Any]:
        goal, standing, currency = found.goal, found.standing, found.goal.currency

        def shown(value: Decimal | None) -> Any:
            return show_figure(goal.metric, value, currency)

        return {
            "goal_id": goal.goal_id,
            "metric": goal.metric,
            "owner": OwnerOut(kind=goal.owner_kind, id=goal.owner_id),
            "period": goal.period.key,
            "as_of": found.as_of,
            "goal_version": found.version.version,
            "currency": currency,
            "target": shown(found.version.target),
            "actual": shown(standing.actual),
            "completion": standing.completion,
            "working_days": WorkingDaysOut.of(standing.working_days),
            "pace": standing.pace,
            "forecast": shown(standing.forecast),
            "trend": TrendOut(
                last_7_days=shown(found.trend.last_7_days),
                previous_7_days=shown(found.trend.previous_7_days),
                change=found.trend.change,
            ),
            "sub_targets": [SubTargetProgressOut.of(s, currency) for s in found.sub_targets],
            "drill_down": (
                {dim: {key: shown(v) for key, v in values.items()} for dim, values in found.drill_down.items()}
                if found.drill_down is not None
                else None
            ),
            "growth": GrowthOut.of(found.growth, goal) if found.growth is not None else None,
        }

    @classmethod
    def of(cls, found: GoalProgress) -> GoalProgressOut:
        return cls(**cls.fields_of(found))


class FieldErrorOut(BaseModel):
    pointer: str
    detail: str


class ProblemOut(BaseModel):
    """An RFC 9457 problem, in a list in place of the item it spoils."""

    type: str
    title: str
    status: int
    detail: str | None = Field(None, exclude_if=is_none)
    instance: str | None = Field(None, exclude_if=is_none)
    errors: list[FieldErrorOut] | None = Field(None, exclude_if=is_none)


class ProgressProblemOut(BaseModel):
    """A goal whose figures cannot be computed (its year has no published calendar), with why."""

    goal_id: str
    metric: str
    owner: OwnerOut
    period: str
    problem: ProblemOut


ProgressLineOut = GoalProgressOut | ProgressProblemOut


def progress_line(line: ProgressLine) -> ProgressLineOut:
    if isinstance(line, GoalProgress):
        return GoalProgressOut.of(line)
    goal = line.goal
    return ProgressProblemOut(
        goal_id=goal.goal_id,
        metric=goal.metric,
        owner=OwnerOut(kind=goal.owner_kind, id=goal.owner_id),
        period=goal.period.key,
        problem=ProblemOut(**problem_of(line.error, f"/v1/goals/{goal.goal_id}/progress")),
    )


class GoalProgressAnswerOut(GoalProgressOut):
    known_at: int
    children: list[ProgressLineOut] | None = Field(
        None, exclude_if=is_none, description="With `children`: each child goal's progress (the roll-up)."
    )

    @classmethod
    def answer(cls, found: GoalProgressAnswer) -> GoalProgressAnswerOut:
        children = [progress_line(c) for c in found.children] if found.children is not None else None
        return cls(**cls.fields_of(found.progress), known_at=found.known_at, children=children)


class ProgressPageOut(BaseModel):
    known_at: int
    as_of: date
    progress: list[ProgressLineOut]
    next_offset: int | None

    @classmethod
    def of(cls, page: ProgressPage) -> ProgressPageOut:
        return cls(
            known_at=page.known_at,
            as_of=page.as_of,
            progress=[progress_line(line) for line in page.lines],
            next_offset=page.next_offset,
        )


# --- leaderboards --------------------------------------------------------------------------------------------


class RankedOut(BaseModel):
    rank: int
    rep_id: str
    value: Figure


class LeaderboardOut(BaseModel):
    metric: str
    period: str
    as_of: date = Field(description="The last day counted: the day asked for, at most the period's last.")
    known_at: int
    unit_id: str | None = Field(description="Whose subtree's reps are ranked; null: every rep.")
    currency: str | None = Field(None, exclude_if=is_none, description="For a metric counted in money.")
    ranking: list[RankedOut] = Field(description="Every rep ranked; to a rep, the top three and their own line.")
    ranked: int = Field(description="How many reps the board ranks.")
    figure: Figure = Field(description="The metric over everyone on the board: the team's total, or its rate.")

    @classmethod
    def of(cls, board: Leaderboard) -> LeaderboardOut:
        def ranked(r: Ranked) -> RankedOut:
            return RankedOut(rank=r.rank, rep_id=r.rep_id, value=show_figure(board.metric, r.value, board.currency))

        return cls(
            metric=board.metric,
            period=board.period.key,
            as_of=board.as_of,
            known_at=board.known_at,
            unit_id=board.unit_id,
            currency=board.currency,
            ranking=[ranked(r) for r in board.ranking],
            ranked=board.ranked,
            figure=show_figure(board.metric, board.figure, board.currency),
        )
