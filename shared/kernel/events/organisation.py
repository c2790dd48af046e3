"""The data schemas of organisation events (version 1). They enter the ledger only through goal_service's
admin API, never from a CRM; each names who made the change (`actor`) and may say why (`reason`).
`effective_from` is the business date, in the company's zone, from which the change holds."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from shared.kernel.events.activities import Identifier, Ref, Schema, Text

# The years the working-day calendar can hold; the change's day is also its entry's time, which must stay
# within the years a canonical timestamp spells in any zone.
BusinessDate = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2200, 12, 31))]


class UnitKind(StrEnum):
    COMPANY = "company"
    REGION = "region"
    PRODUCT_LINE = "product_line"
    TEAM = "team"


class RuleChange(Schema):
    actor: Ref
    reason: Text | None = None

    def business_day(self) -> date | None:
        """The day the change is about, in the company's zone (the entry's `occurred_at` is its midnight);
        None when it is about the moment it is made."""
        return None


class OrgChange(RuleChange):
    effective_from: BusinessDate

    def business_day(self) -> date:
        return self.effective_from


class UnitCreated(OrgChange):
    unit_id: Identifier
    name: Text
    kind: UnitKind
    parent_id: Ref | None = None


class UnitRenamed(OrgChange):
    unit_id: Ref
    name: Text


class UnitMoved(OrgChange):
    unit_id: Ref
    parent_id: Ref


class RepHired(OrgChange):
    rep_id: Identifier
    name: Text
    unit_id: Ref


class RepMoved(OrgChange):
    rep_id: Ref
    unit_id: Ref


class RepLeft(OrgChange):
    rep_id: Ref


ORG_SCHEMAS: dict[str, type[OrgChange]] = {
    "org.unit.created": UnitCreated,
    "org.unit.renamed": UnitRenamed,
    "org.unit.moved": UnitMoved,
    "org.rep.hired": RepHired,
    "org.rep.moved": RepMoved,
    "org.rep.left": RepLeft,
}
