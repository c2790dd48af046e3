"""A seeded company for the benchmarks: the same seed makes the same organisation, goals and quarter of
activity, byte for byte.

- the organisation: Acme, 4 regions of 5 teams, 50 reps a team (1,000 reps), all from 2026-01-01;
- goals: the company's Q4 2026 revenue goal, decomposed evenly into its 20 teams;
- rules: a scorecard, a tiered commission plan and a team bonus pool; one warning rule of each kind;
- activity: `count` CloudEvents over Q4 2026 in the order they occurred (as a CRM sends them): visits,
  calls, won deals (5 products), payments, leads; one in a hundred is a correction of an earlier won deal
  (voided, reassigned to a teammate, or its amount amended)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

SOURCE = "crm://bench-company"
REGIONS = ("east", "west", "north", "south")
TEAMS_PER_REGION = 5
REPS_PER_TEAM = 50
PRODUCTS = ("p-1", "p-2", "p-3", "p-4", "p-5")
QUARTER_START = datetime(2026, 9, 30, 16, tzinfo=UTC)  # 2026-10-01 00:00 in Shanghai
QUARTER_SECONDS = 92 * 86_400
KINDS = (("visit.completed", 35), ("call.logged", 30), ("deal.won", 20), ("payment.received", 10), ("lead.created", 5))
SCORING_RULES = {  # each rule's PUT body by its path: a scorecard, the tiered commission plan, a team pool
    "scorecards/sales": {
        "effective_from": "2026-01-01",
        "definition": {
            "name": "Sales reps",
            "applies_to": "acme",
            "currency": "CNY",
            "kpis": [
                {
                    "key": "revenue",
                    "name": "销售额完成率",
                    "group": "result",
                    "weight": "60",
                    "metric": "revenue_won",
                    "target": "1000000",
                    "curve": {"kind": "linear", "cap": "1.2", "gate": "0.6"},
                },
                {
                    "key": "visits",
                    "name": "拜访量",
                    "group": "process",
                    "weight": "40",
                    "metric": "visits",
                    "target": "60",
                },
            ],
        },
    },
    "commission-plans/tiers": {
        "effective_from": "2026-01-01",
        "definition": {
            "name": "阶梯提成",
            "applies_to": "acme",
            "currency": "CNY",
            "basis": "revenue_won",
            "tiers": [
                {"up_to": "1000000", "rate": "0.01"},
                {"up_to": "3000000", "rate": "0.015"},
                {"up_to": None, "rate": "0.02"},
            ],
        },
    },
    "bonus-pools/team": {
        "effective_from": "2026-01-01",
        "definition": {
            "name": "Team pool",
            "applies_to": "acme",
            "currency": "CNY",
            "percent_of_team_revenue": "1",
            "split": "rank_weights",
            "rank_weights": ["50", "30", "20"],
        },
    },
}
WARNING_RULES = {  # each rule's PUT body, all seven kinds
    rule_id: {"effective_from": "2026-01-01", "definition": definition}
    for rule_id, definition in {
        "weekly": {"kind": "weekly_goal_completion", "metric": "revenue_won", "threshold": "0.8"},
        "conversion": {"kind": "lead_conversion_below_team_mean", "weeks": 2},
        "no-visits": {"kind": "no_visits", "working_days": 3},
        "collection": {"kind": "collection_rate_below", "threshold": "0.7"},
        "voided": {"kind": "large_deal_voided", "min_amount": "100000"},
        "forecast": {"kind": "forecast_miss", "period": "month", "min_elapsed_working_days": 5},
        "score": {"kind": "appraisal_score_below", "threshold": "60"},
    }.items()
}


def teams() -> list[tuple[str, str]]:
    """(team, region) for every team."""
    return [(f"{region}-{n}", region) for region in REGIONS for n in range(1, TEAMS_PER_REGION + 1)]


def reps() -> list[tuple[str, str, str]]:
    """(rep, team, region) for every rep."""
    return [
        (f"r-{index:04d}", team, region)
        for index, (team, region) in enumerate(
            ((team, region) for team, region in teams() for _ in range(REPS_PER_TEAM)), start=1
        )
    ]


def organisation_csv() -> str:
    lines = ["kind,id,name,parent,effective_from", "company,acme,Acme,,2026-01-01"]
    lines += [f"region,{region},{region.title()},acme,2026-01-01" for region in REGIONS]
    lines += [f"team,{team},Team {team},{region},2026-01-01" for team, region in teams()]
    lines += [f"rep,{rep},Rep {rep},{team},2026-01-01" for rep, team, _ in reps()]
    return "\n".join(lines) + "\n"


def company_goal() -> dict:
    return {
        "goal_id": "q4",
        "metric": "revenue_won",
        "owner": {"kind": "company", "id": "acme"},
        "period": "2026-Q4",
        "target": "900000000",
        "currency": "CNY",
        "description": "Q4 revenue",
        "sub_targets": [
            {
                "description": "p-1 at least 20%",
                "part": {"measure": "revenue_won", "product": "p-1"},
                "whole": {"measure": "revenue_won"},
                "at_least_percent": "20",
            }
        ],
    }


def team_decomposition() -> dict:
    return {
        "method": "even",
        "children": [{"owner": {"kind": "unit", "id": team}, "goal_id": f"q4-{team}"} for team, _ in teams()],
    }


def activities(count: int, seed: int = 13) -> Iterator[bytes]:
    """`count` CloudEvents (JSON bytes) over the quarter, in the order they occurred."""
    chance = random.Random(seed)
    everyone = reps()
    kinds = [kind for kind, weight in KINDS for _ in range(weight)]
    step = QUARTER_SECONDS / count
    deals: list[tuple[str, str]] = []  # (event id, team) of won deals, for corrections
    for n in range(count):
        at = QUARTER_START + timedelta(seconds=int(n * step))
        rep, team, region = everyone[chance.randrange(len(everyone))]
        event_id = f"e-{seed}-{n:07d}"
        if deals and chance.randrange(100) == 0:
            kind, data = _correction(chance, deals, everyone)
        else:
            kind = kinds[chance.randrange(len(kinds))]
            data = _activity(chance, kind, n, rep, region)
            if kind == "deal.won":
                deals.append((event_id, team))
        yield json.dumps(
            {
                "specversion": "1.0",
                "id": event_id,
                "source": SOURCE,
                "type": kind,
                "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "datacontenttype": "application/json",
                "data": data,
            },
            separators=(",", ":"),
        ).encode()


def _activity(chance: random.Random, kind: str, n: int, rep: str, region: str) -> dict:
    data: dict = {"rep_id": rep, "region": region}
    customer = f"c-{chance.randrange(20_000)}"
    if kind == "visit.completed":
        return data | {"customer_id": customer, "duration_minutes": chance.randrange(10, 120)}
    if kind == "call.logged":
        return data | {"duration_seconds": chance.randrange(30, 1800)}
    if kind == "lead.created":
        return data | {"lead_id": f"l-{n}"}
    amount = f"{chance.randrange(1_000, 90_000)}.{chance.randrange(100):02d}"
    if kind == "payment.received":
        return data | {"customer_id": customer, "amount": amount, "currency": "CNY"}
    product = PRODUCTS[chance.randrange(len(PRODUCTS))]
    return data | {
        "customer_id": customer,
        "deal_id": f"d-{n}",
        "amount": amount,
        "currency": "CNY",
        "product": product,
    }


def _correction(chance: random.Random, deals: list[tuple[str, str]], everyone: list) -> tuple[str, dict]:
    target, team = deals[chance.randrange(len(deals))]
    data: dict = {"target": {"source": SOURCE, "id": target}, "reason": "corrected in the CRM"}
    roll = chance.randrange(3)
    if roll == 0:
        deals.remove((target, team))  # a voided deal is corrected no more
        return "activity.voided", data
    if roll == 1:
        teammates = [rep for rep, their_team, _ in everyone if their_team == team]
        return "activity.reassigned", data | {"to_rep_id": teammates[chance.randrange(len(teammates))]}
    return "activity.amended", data | {"amount": f"{chance.randrange(1_000, 90_000)}.00", "currency": "CNY"}
