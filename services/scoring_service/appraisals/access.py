"""Who may read which rep's figures: the scope rule of shared.kernel.scope, and a rep's own appraisal only
once it is published."""

from __future__ import annotations

from services.scoring_service.domain.aggregates import PeriodClose
from shared.kernel.organisation import Organisation
from shared.kernel.periods import Period, parse_period
from shared.kernel.scope import may_see
from shared.platform.auth import Principal, Role


def may_see_rep(principal: Principal, organisation: Organisation, period: Period, rep_id: str) -> bool:
    return may_see(principal, organisation, "rep", rep_id, (period.last_day,))


def may_see_team(principal: Principal, organisation: Organisation, period: Period, team_id: str) -> bool:
    return may_see(principal, organisation, "unit", team_id, (period.last_day,))


def may_read_appraisal(principal: Principal, closing: PeriodClose, organisation: Organisation, rep_id: str) -> bool:
    """A rep reads their own appraisal once it is published; others as far as their scope reaches."""
    if principal.role is Role.REP and closing.published is None:
        return False
    return may_see_rep(principal, organisation, parse_period(closing.period), rep_id)
