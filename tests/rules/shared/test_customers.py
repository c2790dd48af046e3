"""The customer base and the seeds' churn rate, by hand: customers lost in a period over the customers at
its start. Acme's customers in the first half of 2026 (days in Shanghai time):

| pos | what | customer | rep | day |
| --- | --- | --- | --- | --- |
| 1-3 | deal.won | c-5, c-6, c-7 | r-2 | 8 January |
| 4 | deal.won | c-1 | r-1 | 10 January |
| 5 | deal.won | c-2 | r-1 | 5 February |
| 6 | deal.won (again: no change) | c-1 | r-1 | 10 February |
| 7 | deal.won | c-3 | r-2 | 15 March |
| 8 | customer.churned (logged by r-3) | c-2 | r-3 | 20 April |
| 9 | customer.churned (never won here) | c-9 | r-3 | 1 May |
| 10 | deal.won | c-4 | r-2 | 10 May |
| 11 | customer.churned | c-4 | r-2 | 1 June |
| 12 | deal.won (wins c-2 back) | c-2 | r-2 | 10 June |
| 13 | activity.voided: the deal at 7 | c-3 | | |

Q2 (1 April to 30 June), as known at 13: at the start c-1, c-2 (r-1) and c-5, c-6, c-7 (r-2), 5; lost in
Q2 c-2 (r-1's, whoever logged it) and c-4 (r-2's, won and lost within Q2), 2; churn 2 / 5 = 0.4. r-1: 1 / 2
= 0.5; r-2: 1 / 3 = 0.3333. At the end: c-1, c-5, c-6, c-7 and c-2 again, 5. As known at 12 the voided c-3
still counts at the start: 2 / 6 = 0.3333."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.kernel.metrics.credit import fold
from shared.kernel.metrics.customers import customer_credits, customer_events
from shared.kernel.metrics.figures import at_start, metric_value, totals, window

SHANGHAI = ZoneInfo("Asia/Shanghai")
SRC = "crm://t"
Q2_FIRST, Q2_LAST = date(2026, 4, 1), date(2026, 6, 30)


def entry(position: int, type_: str, data: dict, day: str, id_: str | None = None) -> dict:
    occurred = f"{day}T02:00:00.000000Z"  # 10:00 in Shanghai, the same day
    return {"position": position, "source": SRC, "id": id_ or f"e{position}", "type": type_, "occurred_at": occurred,
            "data": data}  # fmt: skip


def won(position: int, customer: str, rep: str, day: str, **extra) -> dict:
    data = {"rep_id": rep, "customer_id": customer, "deal_id": f"d{position}", "amount": "100.00", "currency": "CNY"}
    return entry(position, "deal.won", data | extra, day)


def churned(position: int, customer: str, rep: str, day: str) -> dict:
    return entry(position, "customer.churned", {"rep_id": rep, "customer_id": customer}, day)


def correction(position: int, type_: str, target: int, **data) -> dict:
    return entry(position, type_, {"target": {"source": SRC, "id": f"e{target}"}, "reason": "r", **data}, "2026-06-20")


HALF_YEAR = [
    won(1, "c-5", "r-2", "2026-01-08"),
    won(2, "c-6", "r-2", "2026-01-08"),
    won(3, "c-7", "r-2", "2026-01-08"),
    won(4, "c-1", "r-1", "2026-01-10"),
    won(5, "c-2", "r-1", "2026-02-05"),
    won(6, "c-1", "r-1", "2026-02-10"),
    won(7, "c-3", "r-2", "2026-03-15"),
    churned(8, "c-2", "r-3", "2026-04-20"),
    churned(9, "c-9", "r-3", "2026-05-01"),
    won(10, "c-4", "r-2", "2026-05-10"),
    churned(11, "c-4", "r-2", "2026-06-01"),
    won(12, "c-2", "r-2", "2026-06-10"),
    correction(13, "activity.voided", 7),
]


def credits(entries: list[dict], known_at: int | None = None):
    _, contributions = fold(entries)
    seen = [c for c in contributions if known_at is None or c.position <= known_at]
    return customer_credits(customer_events(seen, SHANGHAI))


def q2(found, rep: str | None = None) -> dict:
    mine = [c for c in window(found, Q2_FIRST, Q2_LAST) if rep is None or c.rep_id == rep]
    summed = totals(mine, None, Q2_FIRST)
    return {
        "at_start": summed.get(at_start("customer_base"), Decimal(0)),
        "lost": summed.get("customers_lost", Decimal(0)),
        "at_end": summed.get("customer_base", Decimal(0)),
        "churn": metric_value("customer_churn_rate", summed),
    }


def test_churn_is_customers_lost_in_the_period_over_the_customers_at_its_start():
    assert q2(credits(HALF_YEAR)) == {"at_start": 5, "lost": 2, "at_end": 5, "churn": Decimal("0.4000")}


def test_a_customer_counts_for_the_reps_who_won_it_until_it_is_lost_whoever_logs_the_churn():
    found = credits(HALF_YEAR)
    assert q2(found, "r-1") == {"at_start": 2, "lost": 1, "at_end": 1, "churn": Decimal("0.5000")}
    assert q2(found, "r-2") == {"at_start": 3, "lost": 1, "at_end": 4, "churn": Decimal("0.3333")}
    assert q2(found, "r-3") == {"at_start": 0, "lost": 0, "at_end": 0, "churn": None}  # nothing to divide by
    # the loss of c-2 leaves r-1's base for the team r-1 was in when it won c-2, on its Q2 day
    (loss,) = [c for c in found if c.measure == "customers_lost" and c.rep_id == "r-1"]
    assert (loss.day, loss.team_day, loss.position) == (date(2026, 4, 20), date(2026, 2, 5), 8)


def test_a_void_known_later_changes_the_base_only_from_where_it_was_recorded():
    assert q2(credits(HALF_YEAR, known_at=12)) == {"at_start": 6, "lost": 2, "at_end": 6, "churn": Decimal("0.3333")}


def test_an_amended_customer_and_a_split_move_the_base_like_any_credit():
    moved = [*HALF_YEAR, correction(14, "activity.amended", 3, customer_id="c-1")]  # c-7's deal was c-1's
    assert q2(credits(moved))["at_start"] == 4  # c-7 never was a customer; c-1 already was
    shared = [won(1, "c-1", "r-1", "2026-01-08"), correction(2, "activity.split", 1, shares=[
        {"rep_id": "r-1", "percent": "60"}, {"rep_id": "r-2", "percent": "40"}])]  # fmt: skip
    by_rep = {c.rep_id: c.value for c in credits(shared) if c.measure == "customer_base"}
    assert by_rep == {"r-1": Decimal("0.6"), "r-2": Decimal("0.4")}


def test_won_and_churned_at_the_same_instant_is_won_then_lost():
    found = credits([won(1, "c-1", "r-1", "2026-05-05"), churned(2, "c-1", "r-1", "2026-05-05")])
    assert q2(found) == {"at_start": 0, "lost": 1, "at_end": 0, "churn": None}
