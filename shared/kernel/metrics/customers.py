"""The customer base (在册客户数) and the customers lost from it, derived from the credited won deals and
churns: one pure fold, used by every service through `load_credits`.

The rule:
- a customer (its `customer_id`, one namespace per company) is active from the first `deal.won` with it
  until a `customer.churned` of it; a later `deal.won` wins it back, active again from that deal;
- a churn of a customer that is not active (never won here, or already churned) loses no one;
- events are taken in business time (`occurred_at`); at the same instant a win comes before a churn, then
  by source and id, so a customer won and churned at once is won and lost;
- a customer counts for the reps credited with the deal that made it active (by their shares of it) and
  for the team each was in on that deal's day, until it is lost: the loss leaves the base of those same
  reps and teams, and is counted as lost for them (`customers_lost`), whoever logged the churn.

Voids, amendments of `customer_id`, reassignments and splits apply as to every activity: the fold reads
the net credit of each activity as known at a position, so "as known at" answers stay exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.kernel.metrics.credit import ActivityKey, Contribution
from shared.kernel.metrics.figures import Credit
from shared.kernel.periods import local_day

SOURCES = ("deals_won", "customers_churned")  # the credited measures the customer base is derived from
DERIVED = ("customer_base", "customers_lost")  # measures folded from won deals and churns when read
WON, CHURNED = 0, 1  # at the same instant a win comes first


@dataclass(frozen=True)
class CustomerEvent:
    """A won deal or a churn as the ledger credits it at some position: who holds what share of it."""

    customer_id: str
    kind: int  # WON or CHURNED
    occurred_at: str  # canonical UTC: compares correctly as text
    activity: ActivityKey
    day: date
    shares: tuple[tuple[str, Decimal], ...]  # (rep, share of the one customer), in rep order
    product: str | None
    region: str | None
    position: int  # the last entry that shaped this credit


def customer_events(contributions: Iterable[Contribution], zone: ZoneInfo) -> list[CustomerEvent]:
    """The won deals and churns that still count, each with its net shares: a voided one nets to nothing,
    an amended customer or product moves it, a split divides it."""
    net: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    last: dict[tuple, int] = {}
    for c in contributions:
        if c.measure not in SOURCES or c.customer_id is None:
            continue
        key = (c.customer_id, c.measure, c.occurred_at, c.activity, c.product, c.region)
        net[key][c.rep_id] += c.value
        last[key] = max(last.get(key, 0), c.position)
    found = []
    for key, by_rep in net.items():
        shares = tuple((rep, value) for rep, value in sorted(by_rep.items()) if value)
        if not shares:
            continue
        customer_id, measure, occurred_at, activity, product, region = key
        kind = WON if measure == "deals_won" else CHURNED
        day = local_day(occurred_at, zone)
        found.append(CustomerEvent(customer_id, kind, occurred_at, activity, day, shares, product, region, last[key]))
    return found


def customer_credits(events: Iterable[CustomerEvent]) -> list[Credit]:
    """`customer_base` changes (+share when a customer becomes active, -share when it is lost) and
    `customers_lost` (+share when it is lost), each on its business day and for the team of the winning
    deal's day."""
    timelines: dict[str, list[CustomerEvent]] = defaultdict(list)
    for event in events:
        timelines[event.customer_id].append(event)
    found: list[Credit] = []
    for _, timeline in sorted(timelines.items()):
        won_by: CustomerEvent | None = None
        for event in sorted(timeline, key=lambda e: (e.occurred_at, e.kind, e.activity)):
            if event.kind == WON and won_by is None:
                won_by = event
                found += _credits(won_by, "customer_base", event, Decimal(1))
            elif event.kind == CHURNED and won_by is not None:
                found += _credits(won_by, "customer_base", event, Decimal(-1))
                found += _credits(won_by, "customers_lost", event, Decimal(1))
                won_by = None
    return found


def _credits(won_by: CustomerEvent, measure: str, event: CustomerEvent, sign: Decimal) -> list[Credit]:
    return [
        Credit(
            measure,
            rep_id,
            event.day,
            sign * share,
            None,
            won_by.product,
            won_by.region,
            event.position,
            attributed_on=won_by.day,
        )
        for rep_id, share in won_by.shares
    ]
