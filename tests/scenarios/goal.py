"""The company the goal and progress tests share: Acme with East (teams A and B, reps r-1 and r-2) and West
(team W), its Q4 2026 revenue goal, and helpers to build and feed it."""

from __future__ import annotations

from tests.support import auth, cloudevent

HR = auth("t-hr")

TREE_CSV = """\ufeffkind,id,name,parent,effective_from
company,acme,Acme 股份,,2026-01-01
region,east,华东,acme,2026-01-01
team,team-a,East A,east,2026-01-01
team,team-b,East B,east,2026-01-01
rep,r-1,李雷,team-a,2026-01-01
rep,r-2,韩梅梅,team-b,2026-01-01
"""
ORG_CSV = TREE_CSV + "region,west,华西,acme,2026-01-01\nteam,team-w,West A,west,2026-01-01\n"


def import_csv(goal, text: str, token: str = "t-hr"):
    return goal.post("/v1/org/import", content=text.encode(), headers={"content-type": "text/csv", **auth(token)})


def deal(id_: str, rep: str, amount: str, day: str, product: str) -> dict:
    return cloudevent(
        "deal.won",
        {"rep_id": rep, "customer_id": "c", "deal_id": id_, "amount": amount, "currency": "CNY", "product": product},
        id_=id_,
        time_=f"{day}T10:00:00+08:00",
    )
