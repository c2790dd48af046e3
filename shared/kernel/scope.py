"""Who may see whose figures: HR, admins, auditors, the appeals committee and services see everything; a
manager the subtree they lead; a rep their own, and their team's totals. Reads outside scope answer 404, as
if the thing did not exist."""

from __future__ import annotations

from datetime import date

from shared.kernel.organisation import Organisation
from shared.platform.auth import Principal, Role

SEE_ALL = {Role.HR, Role.ADMIN, Role.AUDITOR, Role.SERVICE, Role.COMMITTEE}


def owner_within(organisation: Organisation, kind: str, owner_id: str, root: str, day: date) -> bool:
    if kind == "unit":
        return organisation.within(owner_id, root, day)
    if kind == "rep":
        return organisation.within(organisation.unit_of(owner_id, day), root, day)
    return False


def may_see(principal: Principal, organisation: Organisation, kind: str, owner_id: str, days: tuple[date, ...]) -> bool:
    if principal.role in SEE_ALL:
        return True
    if principal.role is Role.MANAGER:
        return any(owner_within(organisation, kind, owner_id, principal.scope or "", d) for d in days)
    if kind == "rep":
        return owner_id == principal.scope
    own_teams = {organisation.unit_of(principal.scope or "", d) for d in days}
    return kind == "unit" and owner_id in own_teams
