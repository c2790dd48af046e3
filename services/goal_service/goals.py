"""Goals as the API offers them: set, revised, committed to, agreed and decomposed (each change checked by
the goals themselves and recorded as a ledger entry, see rule_changes.py), and read back version by version,
scoped to what the caller may see and change."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from services.goal_service.domain.agreement import agreement
from services.goal_service.domain.decomposition import ChildGoal, decompose, history_period, weights_from_history
from services.goal_service.reads import LedgerReads, Rules
from services.goal_service.rule_changes import RuleChanges
from services.goal_service.scope import GoalNotVisible, NotYourGoal, goal_days, may_commit, may_see_goal, may_set
from shared.kernel.events.goals import AllocationMethod, GoalStatus, OwnerKind
from shared.kernel.goals import Consistency, Goal, GoalRefused, GoalVersion
from shared.kernel.metrics.catalogue import measures_needed
from shared.kernel.periods import parse_period
from shared.platform.auth import Principal
from shared.platform.canonical import format_timestamp
from shared.platform.errors import NotFound


class GoalNotYetSet(NotFound):
    def __init__(self, goal_id: str, day: date):
        super().__init__(f"goal {goal_id} was not yet set on {day}")


@dataclass(frozen=True)
class RecordedGoal:
    """A goal as it stands once a change to it is recorded; `duplicate` when the change was recorded before."""

    goal: Goal
    duplicate: bool


@dataclass(frozen=True)
class GoalAt:
    """A goal as known at a ledger position, and the version asked for (by default its current one)."""

    goal: Goal
    version: GoalVersion
    known_at: int


@dataclass(frozen=True)
class GoalConsistency:
    goal: Goal
    report: Consistency
    known_at: int


@dataclass(frozen=True)
class GoalFilter:
    """Which goals a listing holds; None matches any."""

    owner_kind: OwnerKind | None = None
    owner_id: str | None = None
    period: str | None = None  # a period key
    metric: str | None = None
    status: GoalStatus | None = None

    def matches(self, goal: Goal) -> bool:
        return (
            (self.owner_kind is None or goal.owner_kind == self.owner_kind)
            and (self.owner_id is None or goal.owner_id == self.owner_id)
            and (self.period is None or goal.period.key == self.period)
            and (self.metric is None or goal.metric == self.metric)
            and (self.status is None or goal.current.status == self.status)
        )


@dataclass(frozen=True)
class Page:
    """One page of a listing in goal id order: `next_offset` pages on, None after the last."""

    known_at: int
    goals: list[Goal]
    next_offset: int | None


def page_of(goals: Sequence[Goal], offset: int, limit: int) -> tuple[list[Goal], int | None]:
    return list(goals[offset : offset + limit]), offset + limit if offset + limit < len(goals) else None


def visible_goals(rules: Rules, principal: Principal, wanted: GoalFilter) -> list[Goal]:
    """The goals the filter matches and the caller may see, in goal id order."""
    return [
        goal
        for goal in sorted(rules.goals.goals.values(), key=lambda g: g.goal_id)
        if wanted.matches(goal) and may_see_goal(principal, rules.organisation, goal)
    ]


class GoalService:
    def __init__(self, reads: LedgerReads, changes: RuleChanges):
        self.reads = reads
        self.changes = changes

    # --- changes -----------------------------------------------------------------------------------------

    async def set(self, principal: Principal, body: Mapping[str, Any], idempotency_key: str | None) -> RecordedGoal:
        """A new goal for the company, a unit or a rep (`body` is a `goal.set` without its actor; the goal id
        is made up when not given). HR and admins set any; a manager those they lead."""
        body = {"goal_id": uuid.uuid4().hex, **body}
        given = body.get("owner")
        owner = given if isinstance(given, dict) else {}
        rules = await self.reads.rules_known_at(None)
        try:
            chosen = parse_period(str(body.get("period", "")))
        except ValueError as error:
            raise GoalRefused("/period", str(error)) from None
        owner_kind, owner_id = str(owner.get("kind")), str(owner.get("id"))
        if not may_set(principal, rules.organisation, owner_kind, owner_id, (chosen.first_day, chosen.last_day)):
            raise NotYourGoal("you may set goals only for the units and reps you lead")
        return await self._record("goal.set", body, principal, idempotency_key)

    async def revise(
        self, principal: Principal, goal_id: str, body: Mapping[str, Any], idempotency_key: str | None
    ) -> RecordedGoal:
        """A new version: target, description, sub-targets or status, with a reason."""
        goal, rules = await self.visible(principal, goal_id)
        if not may_set(principal, rules.organisation, goal.owner_kind, goal.owner_id, goal_days(goal)):
            raise NotYourGoal("you may revise goals only for the units and reps you lead")
        return await self._record("goal.revised", {**body, "goal_id": goal_id}, principal, idempotency_key)

    async def commit(
        self, principal: Principal, goal_id: str, body: Mapping[str, Any], idempotency_key: str | None
    ) -> RecordedGoal:
        """The owner's own figure (bottom-up); it changes no version until it is agreed."""
        goal, rules = await self.visible(principal, goal_id)
        if not may_commit(principal, rules.organisation, goal.owner_kind, goal.owner_id, goal_days(goal)):
            raise NotYourGoal("a commitment comes from the goal's owner")
        return await self._record("goal.committed", {**body, "goal_id": goal_id}, principal, idempotency_key)

    async def agree(
        self, principal: Principal, goal_id: str, reason: str, target: Decimal | None, idempotency_key: str | None
    ) -> RecordedGoal:
        """The consensus version: the agreed target, by default the owner's latest commitment."""
        goal, rules = await self.visible(principal, goal_id)
        if not may_set(principal, rules.organisation, goal.owner_kind, goal.owner_id, goal_days(goal)):
            raise NotYourGoal("you may agree goals only for the units and reps you lead")
        kind, data = agreement(goal, reason, target)
        return await self._record(kind, data, principal, idempotency_key)

    async def decompose(
        self,
        principal: Principal,
        goal_id: str,
        method: AllocationMethod,
        children: Sequence[ChildGoal],
        history: str | None = None,
        reason: str | None = None,
    ) -> GoalConsistency:
        """Allocate the goal's current target to child goals (domain/decomposition.py), recorded together, and
        answer how the children now add up. `history` names the past period the history method splits by."""
        goal, rules = await self.visible(principal, goal_id)
        if not may_set(principal, rules.organisation, goal.owner_kind, goal.owner_id, goal_days(goal)):
            raise NotYourGoal("you may decompose goals only for the units you lead")
        weights = None
        if method is AllocationMethod.HISTORY:
            then = history_period(history)
            zone = self.reads.zone
            credits = await self.reads.credits(
                measures_needed(goal.metric), then.start(zone), then.end(zone), await self.reads.figures_position(None)
            )
            weights = weights_from_history(goal, children, credits, rules.organisation, then)
        changes = decompose(goal, method, children, history_weights=weights, history_period=history, reason=reason)
        await self.changes.record_together(changes, principal=principal)
        return await self.consistency(principal, goal_id)

    async def _record(
        self, kind: str, body: Mapping[str, Any], principal: Principal, idempotency_key: str | None
    ) -> RecordedGoal:
        recorded = await self.changes.record(kind, body, principal=principal, idempotency_key=idempotency_key)
        rules = await self.reads.rules_known_at(None)
        return RecordedGoal(rules.goals.goals[body["goal_id"]], recorded.duplicate)

    # --- reads -------------------------------------------------------------------------------------------

    async def visible(self, principal: Principal, goal_id: str, known_at: int | None = None) -> tuple[Goal, Rules]:
        rules = await self.reads.rules_known_at(known_at)
        goal = rules.goals.goals.get(goal_id)
        if goal is None or not may_see_goal(principal, rules.organisation, goal):
            raise GoalNotVisible(goal_id)
        return goal, rules

    async def read(
        self, principal: Principal, goal_id: str, known_at: int | None = None, on: date | None = None
    ) -> GoalAt:
        """The goal's current version, or with `on` the version in force at the end of that day."""
        goal, rules = await self.visible(principal, goal_id, known_at)
        if on is None:
            return GoalAt(goal, goal.current, rules.position)
        next_midnight = datetime.combine(on + timedelta(days=1), time(0), tzinfo=self.reads.zone)
        version = goal.as_recorded_by(format_timestamp(next_midnight - timedelta(microseconds=1)))
        if version is None:
            raise GoalNotYetSet(goal_id, on)
        return GoalAt(goal, version, rules.position)

    async def consistency(self, principal: Principal, goal_id: str, known_at: int | None = None) -> GoalConsistency:
        goal, rules = await self.visible(principal, goal_id, known_at)
        return GoalConsistency(goal, rules.goals.consistency(goal_id), rules.position)

    async def listing(
        self, principal: Principal, wanted: GoalFilter, known_at: int | None, limit: int, offset: int
    ) -> Page:
        rules = await self.reads.rules_known_at(known_at)
        goals, next_offset = page_of(visible_goals(rules, principal, wanted), offset, limit)
        return Page(rules.position, goals, next_offset)
