"""The appraisal report for people, over HTTP on both databases: September published (test_appeals' scenario),
r-1 appeals with a reason that carries markup, the committee adjusts after a late deal, so r-1's appraisal has
two revisions; the report of each shows its figures as the appraisal's JSON writes them, the progress chart,
the lineage, the seal verified and the appeal escaped; the statement CSV holds the statement's lines. And the
CSV's guard against spreadsheet formulas, by example."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from html import escape

import pytest

from services.scoring_service.domain.diff import figures_of
from services.scoring_service.domain.payroll import guarded
from services.scoring_service.domain.report import Progress, cumulative, progress_of, progress_svg
from services.scoring_service.domain.results import RepAppraisal
from shared.kernel.metrics.figures import Credit
from shared.kernel.periods import parse_period
from tests.scenarios.scoring import HR, caught_up, deal, record
from tests.support import auth
from tests.together.scoring_service.test_appeals import REP, REP2, WANG, appeal, published, step

_ = published  # the fixture, imported to be used here
REASON = "d-9 was mine <script>alert('x')</script>"
REPORT, STATEMENT = "/v1/appraisals/2026-09/r-1/report", "/v1/appraisals/2026-09/r-1/statement.csv"


@pytest.fixture
def appealed(goal, published):
    """r-1's appraisal with two revisions: the close's, appealed, and the committee's adjustment for d-9."""
    scoring, at = published
    assert scoring.post("/v1/periods/2026-09/publish", headers=HR).status_code == 200
    at("2026-10-08T09:00:00+08:00")
    assert appeal(scoring, reason=REASON).status_code == 201
    caught_up(scoring, record(goal, [deal("d-9", "r-1", "300000", "2026-09-20")]))
    assert step(scoring, "assign", HR, reviewers=["wang"], reason="sales committee").status_code == 200
    assert step(scoring, "comment", WANG, text="checking d-9 & the <b>CRM</b>").status_code == 200
    decided = step(scoring, "decide", WANG, outcome="adjusted", reasons="d-9 was r-1's, recorded late")
    assert decided.status_code == 200, decided.text
    revisions = scoring.get("/v1/appraisals/2026-09/r-1", headers=REP).json()["revisions"]
    assert len(revisions) == 2
    return scoring, revisions


def text_of(html: str) -> str:
    """The report's text without its markup, entities as written: what a reader sees, still escaped."""
    return re.sub(r"<[^>]+>", " ", html)


def test_each_revision_s_report_and_statement_for_those_who_may_read_the_appraisal(appealed):
    """One scenario per database, three specifications over it."""
    scoring, revisions = appealed
    the_report_shows_what_was_sealed_verified_with_its_appeal_escaped(scoring, revisions)
    the_statement_csv_holds_the_revision_s_statement_lines_and_what_it_pays(scoring, revisions)
    only_those_who_may_read_the_appraisal_get_its_report(scoring)


def the_report_shows_what_was_sealed_verified_with_its_appeal_escaped(scoring, revisions) -> None:
    for sealed, asked in ((revisions[1], {}), (revisions[0], {"revision": 1})):
        answer = scoring.get(REPORT, params=asked, headers=REP)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        html = answer.text
        result, seal = sealed["result"], sealed["seal"]
        assert "@media print" in html
        assert not re.search(r"<script|<link|src=|href=|url\(", html)  # nothing runs, nothing is fetched
        assert f"{result['name']} (r-1)" in html and f"<td>{sealed['revision']} / 2</td>" in html
        assert seal["sealed_at"] in html and revisions[0]["published"]["appeals"]["deadline"] in html

        # every figure as the JSON writes it, with its lineage: entries behind it, first and last
        for figure, (value, positions) in figures_of(RepAppraisal.model_validate(result)).items():
            shown = ", ".join(value) if isinstance(value, list) else value
            first, last = (min(positions), max(positions)) if positions else ("none / 无", "none / 无")
            row = f'<tr><td>{figure}</td><td>{shown}</td><td class="n">{len(positions)}</td>'
            assert f'{row}<td class="n">{first}</td><td class="n">{last}</td></tr>' in html, figure
        for kpi in result["kpis"]:
            assert f'<td class="n">{kpi["actual"]}</td><td class="n">{kpi["target"]}</td>' in html
        assert f"<td>{result['rank']['company']['rank']} / {result['rank']['company']['of']}</td>" in html

        # the seal, its fields and a replay that verified it (an earlier revision replays at its own position)
        for field in (seal["result_sha256"], seal["ledger"]["hash"], seal["key_id"], sealed["signature"]):
            assert f'<td class="hash">{field}</td>' in html
        assert '<p class="ok">verified / 已验证</p>' in html and "✗" not in html

        # the progress chart: revenue to its target, day by day from the entries behind the sealed figure
        assert html.count("<svg") == 2  # revenue and visits
        expected = "2026-09-03: 900000" + ("; 2026-09-20: 1200000" if sealed["revision"] == 2 else "")
        assert f"<desc>{expected}</desc>" in html

        # the appeal, each step's text escaped: the markup a rep or a reviewer wrote is shown, never run
        assert escape(REASON) in html and REASON not in html
        assert escape("checking d-9 & the <b>CRM</b>") in html
        assert "<td>kpi revenue d-9 was mine</td>" in html and "<td>wang</td></tr>" in html  # disputed; reviewers
        assert "<td>adjusted revision 2</td>" in html
        assert "d-9 was r-1&#x27;s, recorded late" in text_of(html)

    # the chart counts only the rep's credits behind the sealed figure: none from another rep or another entry
    result = RepAppraisal.model_validate(revisions[0]["result"])
    (behind,) = result.kpis[0].evidence.positions
    credits = [credit("r-1", 3, "5", behind), credit("r-1", 4, "7", behind + 100), credit("r-2", 5, "11", behind)]
    revenue, visits = progress_of(result, parse_period("2026-09"), credits)
    assert (revenue.kpi, revenue.target, revenue.cumulative[1:4]) == ("revenue", 1000000, (0, 5, 5))
    assert (visits.kpi, visits.cumulative[-1]) == ("visits", 0)


def credit(rep_id: str, day: int, value: str, position: int) -> Credit:
    return Credit("revenue_won", rep_id, date(2026, 9, day), Decimal(value), "CNY", None, None, position=position)


def the_statement_csv_holds_the_revision_s_statement_lines_and_what_it_pays(scoring, revisions) -> None:
    for sealed, asked in ((revisions[1], {}), (revisions[0], {"revision": 1})):
        answer = scoring.get(STATEMENT, params=asked, headers=REP)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        result = sealed["result"]
        commission, bonus = result["commission"], result["bonus"]
        lines = [(line["kind"], line["amount"], commission["currency"]) for line in commission["lines"]]
        expected = [*lines, ("bonus", bonus["amount"], bonus["currency"])]
        assert [(r["item"], r["amount"], r["currency"]) for r in rows[:-1]] == expected
        pay = Decimal(commission["total"]) + Decimal(bonus["amount"])
        assert (rows[-1]["item"], Decimal(rows[-1]["amount"])) == ("pay", pay)
        assert {(r["rep_id"], r["revision"]) for r in rows} == {("r-1", str(sealed["revision"]))}


def only_those_who_may_read_the_appraisal_get_its_report(scoring) -> None:
    for path in (REPORT, STATEMENT):
        for headers in (REP, auth("t-east"), HR, auth("t-auditor"), WANG):
            assert scoring.get(path, headers=headers).status_code == 200, (path, headers)
        for headers in (REP2, auth("t-manager")):  # another rep; a manager of a unit r-1 is not under
            assert scoring.get(path, headers=headers).status_code == 404, (path, headers)
        assert scoring.get(path, params={"revision": 3}, headers=HR).status_code == 404
        assert scoring.get(path).status_code == 401


# --- by example, no database ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-13000.00", "-13000.00"),  # a clawback is a number, not a formula
        ("+5", "+5"),
        ("-Infinity", "'-Infinity"),
        ("王芳", "王芳"),
        (Decimal("-1.50"), "-1.50"),
        (3, "3"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_quoted(cell, written):
    assert guarded(cell) == written


def test_the_progress_line_runs_day_by_day_to_the_sealed_figure_and_escapes_its_name():
    days = tuple(date(2026, 9, d) for d in range(1, 6))
    values = [(date(2026, 9, 2), Decimal("100.50")), (date(2026, 9, 4), Decimal(50)), (date(2026, 9, 2), Decimal(1))]
    running = cumulative(days, values)
    assert running == (0, Decimal("101.50"), Decimal("101.50"), Decimal("151.50"), Decimal("151.50"))
    svg = progress_svg(Progress("k", "<b>额</b>", Decimal(200), days, running))
    assert "<b>" not in svg and "&lt;b&gt;额&lt;/b&gt;" in svg
    assert "<desc>2026-09-02: 101.50; 2026-09-04: 151.50</desc>" in svg
    # x from the first day to the last, y from the foot (0) up towards the target (200 of a 220 scale)
    assert 'points="70.0,190.0 207.5,111.6 345.0,111.6 482.5,72.9 620.0,72.9"' in svg
