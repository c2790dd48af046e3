"""The data schema of every activity type and correction type (the CloudEvent `type`), version 1.

Activities are what reps do; corrections reference an earlier activity by its CloudEvent (source, id)
and never change it: a projection applies them when it folds. Money is a decimal string plus an ISO 4217
currency. Unknown fields are refused, so a misspelt field is a clear 422 rather than a silent loss.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from shared.kernel.money import Amount, CurrencyCode
from shared.platform.text import Printable, PrintableText

SCHEMA_VERSION = 1

# No control characters: a NUL in an id would be recorded, then refused by every read model's text columns.
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), Printable]


def _one_path_segment(value: str) -> str:
    if "/" in value or "\\" in value or value in (".", ".."):
        raise ValueError(
            "must be one path segment, as the routes that read it address it: no '/' or '\\', not '.' or '..'"
        )
    return value


# An id a caller names here and addresses later in a path (/v1/goals/{goal_id}): one a URL cannot carry, such
# as `../x`, would be recorded and never be read, changed or removed again.
Identifier = Annotated[Ref, AfterValidator(_one_path_segment)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), PrintableText]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActivityData(Schema):
    rep_id: Ref = Field(description="The rep credited with the activity.")
    customer_id: Ref | None = None
    product: Ref | None = None
    region: Ref | None = None
    crm_ref: Ref | None = Field(None, description="The record in the CRM this activity came from.")


class OptionalMoney(Schema):
    amount: Amount | None = None
    currency: CurrencyCode | None = Field(None, validate_default=True)

    @field_validator("currency")
    @classmethod
    def _currency_with_amount(cls, currency: str | None, info: ValidationInfo) -> str | None:
        if currency is None and info.data.get("amount") is not None:
            raise ValueError("currency is required when amount is given")
        return currency


class VisitCompleted(ActivityData):
    customer_id: Ref
    duration_minutes: Annotated[int, Field(ge=0, le=100_000)] | None = None


class CallLogged(ActivityData):
    duration_seconds: Annotated[int, Field(ge=0, le=10_000_000)] | None = None


class LeadCreated(ActivityData):
    lead_id: Ref
    channel: Ref | None = None


class LeadConverted(ActivityData):
    lead_id: Ref


class ProposalSubmitted(ActivityData, OptionalMoney):
    customer_id: Ref
    proposal_id: Ref


class ProposalAccepted(ProposalSubmitted):
    pass


class DealWon(ActivityData):
    customer_id: Ref
    deal_id: Ref
    amount: Amount
    currency: CurrencyCode
    new_customer: bool = Field(False, description="The deal is this customer's first.")


class DealLost(ActivityData, OptionalMoney):
    customer_id: Ref
    deal_id: Ref
    reason: Text | None = None


class PaymentReceived(ActivityData):
    customer_id: Ref
    amount: Amount
    currency: CurrencyCode
    deal_id: Ref | None = None
    payment_id: Ref | None = None


class ContractRenewed(ActivityData):
    customer_id: Ref
    contract_id: Ref
    amount: Amount
    currency: CurrencyCode


class CustomerChurned(ActivityData):
    customer_id: Ref
    reason: Text | None = None


class ActivityRef(Schema):
    """The corrected activity, named by its CloudEvent source and id."""

    source: Ref
    id: Ref


class Correction(Schema):
    target: ActivityRef
    reason: Text


class ActivityVoided(Correction):
    pass


class ActivityAmended(Correction, OptionalMoney):
    customer_id: Ref | None = None
    product: Ref | None = None
    region: Ref | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if not self.model_dump(exclude={"target", "reason"}, exclude_none=True):
            raise ValueError("an amendment must change at least one of amount, currency, customer_id, product, region")
        return self


class ActivityReassigned(Correction):
    to_rep_id: Ref


class CreditShare(Schema):
    rep_id: Ref
    percent: Annotated[Decimal, Field(gt=0, le=100, decimal_places=4)]


class ActivitySplit(Correction):
    shares: Annotated[list[CreditShare], Field(min_length=2)]

    @field_validator("shares")
    @classmethod
    def _shares_make_a_whole(cls, shares: list[CreditShare]) -> list[CreditShare]:
        reps = [share.rep_id for share in shares]
        if len(set(reps)) != len(reps):
            raise ValueError("each rep may appear once in shares")
        total = sum((share.percent for share in shares), Decimal(0))
        if total != 100:
            raise ValueError(f"shares must sum to exactly 100 percent, not {total}")
        return shares


ACTIVITY_SCHEMAS: dict[str, type[ActivityData]] = {
    "visit.completed": VisitCompleted,
    "call.logged": CallLogged,
    "lead.created": LeadCreated,
    "lead.converted": LeadConverted,
    "proposal.submitted": ProposalSubmitted,
    "proposal.accepted": ProposalAccepted,
    "deal.won": DealWon,
    "deal.lost": DealLost,
    "payment.received": PaymentReceived,
    "contract.renewed": ContractRenewed,
    "customer.churned": CustomerChurned,
}

CORRECTION_SCHEMAS: dict[str, type[Correction]] = {
    "activity.voided": ActivityVoided,
    "activity.amended": ActivityAmended,
    "activity.reassigned": ActivityReassigned,
    "activity.split": ActivitySplit,
}

EVENT_SCHEMAS: dict[str, type[Schema]] = {**ACTIVITY_SCHEMAS, **CORRECTION_SCHEMAS}
