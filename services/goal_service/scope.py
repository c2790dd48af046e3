"""Who may see and change whose goals and figures: HR, admins, auditors and services see everything; a
manager the subtree they lead; a rep their own, and their team's totals. Reads outside scope answer 404,
as if the thing did not exist."""

from __future__ import annotations

from datetime import date

from shared.kernel.goals import Goal
from shared.kernel.organisation import Organisation
from shared.kernel.scope import may_see, owner_within
from shared.platform.auth import Principal, Role


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
