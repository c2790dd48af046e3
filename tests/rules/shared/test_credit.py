"""Crediting, by hand: what each activity is worth to whom, and how each correction moves it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from shared.kernel.metrics.catalogue import MEASURES, METRICS, measures_needed
from shared.kernel.metrics.credit import Contribution, fold

SRC = "crm://t"
T1 = "2026-10-05T03:00:00.000000Z"


def entry(position: int, type_: str, data: dict, id_: str | None = None, occurred_at: str = T1) -> dict:
    return {
        "position": position,
        "source": SRC,
        "id": id_ or f"e{position}",
        "type": type_,
        "occurred_at": occurred_at,
        "data": data,
    }


def deal(position: int, amount: str = "1000.00", rep: str = "r-1", **extra) -> dict:
    data = {"rep_id": rep, "customer_id": "c-1", "deal_id": f"d{position}", "amount": amount, "currency": "CNY"}
    return entry(position, "deal.won", data | extra)


def correction(position: int, type_: str, target: str, **data) -> dict:
    return entry(position, type_, {"target": {"source": SRC, "id": target}, "reason": "r", **data})


def totals(contributions: list[Contribution], measure: str, known_at: int | None = None) -> dict[str, Decimal]:
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for c in contributions:
        if c.measure == measure and (known_at is None or c.position <= known_at):
            summed[c.rep_id] += c.value
    return {rep: value for rep, value in summed.items() if value}


def test_a_won_deal_is_revenue_a_deal_and_maybe_a_new_customer():
    _, contributions = fold([deal(1), deal(2, "250.50", new_customer=True)])
    assert totals(contributions, "revenue_won") == {"r-1": Decimal("1250.50")}
    assert totals(contributions, "deals_won") == {"r-1": 2}
    assert totals(contributions, "new_customers") == {"r-1": 1}
    assert {c.currency for c in contributions if c.measure == "revenue_won"} == {"CNY"}


def test_every_activity_type_counts_where_the_catalogue_says():
    kinds = {
        "visit.completed": "visits",
        "call.logged": "calls",
        "lead.created": "leads_created",
        "lead.converted": "leads_converted",
        "proposal.submitted": "proposals_submitted",
        "proposal.accepted": "proposals_accepted",
        "deal.lost": "deals_lost",
        "customer.churned": "customers_churned",
    }
    entries = [entry(i, kind, {"rep_id": "r-1"}) for i, kind in enumerate(kinds, start=1)]
    entries.append(entry(20, "payment.received", {"rep_id": "r-1", "amount": "300", "currency": "CNY"}))
    entries.append(entry(21, "contract.renewed", {"rep_id": "r-1", "amount": "80", "currency": "CNY"}))
    _, contributions = fold(entries)
    for measure in kinds.values():
        assert totals(contributions, measure) == {"r-1": 1}, measure
    assert totals(contributions, "payments_collected") == {"r-1": 300}
    assert totals(contributions, "renewals") == {"r-1": 1} and totals(contributions, "renewal_revenue") == {"r-1": 80}
    assert {c.measure for c in contributions} <= set(MEASURES)


def test_a_void_cancels_the_credit_from_its_own_position_on():
    _, contributions = fold([deal(1), correction(2, "activity.voided", "e1")])
    assert totals(contributions, "revenue_won", known_at=1) == {"r-1": 1000}
    assert totals(contributions, "revenue_won") == {}
    assert totals(contributions, "deals_won") == {}
    # The reversal keeps the deal's business time, so "as of" questions stay right.
    assert {c.occurred_at for c in contributions} == {T1}


def test_a_split_shares_the_amount_exactly_and_a_later_reassignment_replaces_it():
    _, contributions = fold(
        [
            deal(1, "1000.01"),
            correction(
                2,
                "activity.split",
                "e1",
                shares=[{"rep_id": "r-1", "percent": "33.3333"}, {"rep_id": "r-2", "percent": "66.6667"}],
            ),
            correction(3, "activity.reassigned", "e1", to_rep_id="r-3"),
        ]
    )
    # 1000.01 x 0.333333 = 333.333 + 0.00333333; 1000.01 x 0.666667 = 666.667 + 0.00666667
    assert totals(contributions, "revenue_won", known_at=2) == {
        "r-1": Decimal("333.33633333"),
        "r-2": Decimal("666.67366667"),
    }
    assert sum(totals(contributions, "revenue_won", known_at=2).values()) == Decimal("1000.01")
    assert totals(contributions, "deals_won", known_at=2) == {"r-1": Decimal("0.333333"), "r-2": Decimal("0.666667")}
    assert totals(contributions, "revenue_won") == {"r-3": Decimal("1000.01")}


def test_an_amendment_changes_the_amount_and_a_voided_activity_stays_void():
    records, contributions = fold(
        [
            deal(1),
            correction(2, "activity.amended", "e1", amount="900.00"),
            correction(3, "activity.voided", "e1"),
            correction(4, "activity.amended", "e1", amount="5.00"),
        ]
    )
    assert totals(contributions, "revenue_won", known_at=2) == {"r-1": 900}
    assert totals(contributions, "revenue_won") == {}
    assert records[(SRC, "e1")].amount == Decimal("5.00") and records[(SRC, "e1")].voided


def test_a_correction_of_an_unknown_activity_changes_nothing():
    records, contributions = fold([correction(1, "activity.voided", "nowhere")])
    assert records == {} and contributions == []


def test_rates_are_defined_from_measures_in_the_catalogue():
    assert measures_needed("collection_rate") == ("payments_collected", "revenue_won")
    assert measures_needed("renewal_rate") == ("renewals", "customers_churned")
    assert measures_needed("visits") == ("visits",)
    for key in METRICS:
        assert set(measures_needed(key)) <= set(MEASURES)
