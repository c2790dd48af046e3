"""A seeded company for the benchmarks: the same seed makes the same organisation, goals and quarter of
activity, byte for byte.

- the organisation: Acme, 4 regions of 5 teams, 50 reps a team (1,000 reps), all from 2026-01-01;
- goals: the company's Q4 2026 revenue goal, decomposed evenly into its 20 teams;
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
