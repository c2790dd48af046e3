"""The payroll file over HTTP on both databases: October's statement exported as CSV and XLSX with the same
cells, the period marked paid (its appraisals still readable by their reps), and a deal voided afterwards
clawed back in November's file, naming October and the void's ledger entry."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from tests.scenarios.scoring import HR, caught_up, deal, publish_calendars, record, setup_company
from tests.support import SOURCE, auth, cloudevent


def payroll(scoring, period: str, format: str = "csv"):
    return scoring.get(f"/v1/periods/{period}/payroll", params={"format": format}, headers=HR)


def csv_rows(answer) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def close_and_publish(scoring, period: str) -> None:
    assert scoring.post(f"/v1/periods/{period}/close", json={}, headers=HR).status_code == 200
    assert scoring.post(f"/v1/periods/{period}/publish", headers=HR).status_code == 200


def test_a_paid_period_s_clawback_lands_in_the_next_payroll_file_naming_what_it_settles(goal, scoring):
    setup_company(goal, scoring)
    publish_calendars(goal)
    caught_up(scoring, record(goal, [deal("d-oct", "r-1", "1200000", "2026-10-10")]))
    assert scoring.post("/v1/periods/2026-10/close", json={}, headers=HR).status_code == 200
    assert payroll(scoring, "2026-10").status_code == 409  # sealed, not yet published
    assert scoring.post("/v1/periods/2026-10/publish", headers=HR).status_code == 200

    october = [r for r in csv_rows(payroll(scoring, "2026-10")) if r["rep_id"] == "r-1"]
    assert [(r["item"], r["amount"], r["currency"]) for r in october] == [
        ("band", "10000.00", "CNY"),  # 1M at 1%
        ("band", "3000.00", "CNY"),  # 0.2M at 1.5%
        ("bonus", "60000.00", "CNY"),  # the team pool, 5% of the team's 1.2M
        ("pay", "73000.00", "CNY"),
    ]
    # the XLSX holds the same cells, the amounts as numbers a spreadsheet sums
    written = csv_rows(payroll(scoring, "2026-10"))
    workbook = load_workbook(io.BytesIO(payroll(scoring, "2026-10", "xlsx").content))
    header, *rows = workbook["payroll"].iter_rows(values_only=True)
    assert list(header) == list(written[0])
    for cells, row in zip(rows, written, strict=True):
        shown = dict(zip(header, cells, strict=True))
        assert Decimal(str(shown.pop("amount"))) == Decimal(row.pop("amount"))
        assert {k: "" if v is None else str(v) for k, v in shown.items()} == row

    paid = scoring.post("/v1/periods/2026-10/paid", headers=HR)
    assert paid.json()["state"] == "paid" and paid.json()["paid"]["by"] == "wang.fang"
    assert scoring.post("/v1/periods/2026-10/paid", headers=HR).json()["paid"] == paid.json()["paid"]  # once
    assert scoring.get("/v1/appraisals/2026-10/r-1", headers=auth("t-rep")).status_code == 200  # still theirs

    void = cloudevent("activity.voided", {"target": {"source": SOURCE, "id": "d-oct"}, "reason": "cancelled"}, id_="v")
    head = record(goal, [void, deal("d-nov", "r-1", "100000", "2026-11-05")])
    caught_up(scoring, head)
    close_and_publish(scoring, "2026-11")
    november = [r for r in csv_rows(payroll(scoring, "2026-11")) if r["rep_id"] == "r-1"]
    clawback = next(r for r in november if r["item"] == "clawback")
    assert (clawback["settles"], clawback["amount"], clawback["entries"]) == ("2026-10", "-13000.00", str(head - 1))
    pay = next(r for r in november if r["item"] == "pay")
    assert Decimal(pay["amount"]) == Decimal(sum(Decimal(r["amount"]) for r in november if r["item"] != "pay"))
