"""Who may see and change whose goals and figures: HR, admins, auditors and services see everything; a
manager the subtree they lead; a rep their own, and their team's totals. Reads outside scope answer 404,
as if the thing did not exist."""

from __future__ import annotations

from datetime import date

from shared.kernel.goals import Goal
from shared.kernel.organisation import Organisation
from shared.kernel.scope import may_see, owner_within
from shared.platform.auth import Principal, Role
from shared.platform.errors import Forbidden, NotFound


class GoalNotVisible(NotFound):
    """A goal outside the caller's scope reads as one that does not exist."""

    def __init__(self, goal_id: str, position: int | None = None):
        known = f" as known at position {position}" if position is not None else ""
        super().__init__(f"no goal {goal_id} is visible to you{known}")


class NotYourGoal(Forbidden):
    """A goal change by someone who may see the goal but not change it (or commit to it)."""


def may_see_goal(principal: Principal, organisation: Organisation, goal: Goal) -> bool:
    return may_see(principal, organisation, goal.owner_kind, goal.owner_id, goal_days(goal))


def goal_days(goal: Goal) -> tuple[date, date]:
    return goal.period.first_day, goal.period.last_day


def may_set(principal: Principal, organisation: Organisation, kind: str, owner_id: str, days: tuple[date, ...]) -> bool:
    """Setting and revising goals: HR and admins for anyone; a manager for units and reps they lead."""
    if principal.role in (Role.HR, Role.ADMIN):
        return True
    return principal.role is Role.MANAGER and any(
        owner_within(organisation, kind, owner_id, principal.scope or "", d) for d in days
    )


def may_commit(
    principal: Principal, organisation: Organisation, kind: str, owner_id: str, days: tuple[date, ...]
) -> bool:
    """A commitment comes from the goal's owner: the rep, or the manager of the unit (or HR, admins)."""
    if kind == "rep" and principal.role is Role.REP:
        return owner_id == principal.scope
    if kind == "unit" and principal.role is Role.MANAGER and principal.scope == owner_id:
        return True
    return may_set(principal, organisation, kind, owner_id, days)


def leaderboard_root(principal: Principal, organisation: Organisation, unit_id: str | None, day: date) -> str | None:
    """The unit whose subtree's reps a leaderboard ranks (None: every rep): a rep sees their own team's board,
    a manager the subtree they lead or a unit within it; anyone else the unit asked for."""
    if principal.role is Role.REP:
        team = organisation.unit_of(principal.scope or "", day)
        if team is None:
            raise NotFound("you belong to no team on that day")
        return team
    if principal.role is Role.MANAGER:
        if unit_id is not None and not organisation.within(unit_id, principal.scope or "", day):
            raise NotFound(f"no unit {unit_id} is visible to you")
        return unit_id or principal.scope
    return unit_id
