"""A disputed quarter end to end, over the API and the CLI: the third quarter of 2026 is closed and published; a
deal of r-1's arrives late; the diff names it; r-1 appeals, the committee adjusts, and the second revision is
sealed; hr exports the payroll file with it and marks the quarter paid; an auditor who kept the checkpoint of
the close confirms the ledger only grew since, exports the revision's audit bundle with the CLI and verifies
it offline with the public keys alone."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from services.scoring_service.app import create_app
from shared.platform.http_client import http_client
from shared.platform.merkle import verify_consistency
from tests.scenarios.scoring import HR, caught_up, deal, public_keys, publish_calendars, record, setup_company
from tests.support import auth, perfledger, serve_in_thread

REP, WANG, AUDITOR = auth("t-rep"), auth("t-wang"), auth("t-auditor")


@pytest.fixture
def scoring_with_clock(scoring_settings):
    app = create_app(scoring_settings)
    with serve_in_thread(app) as url, http_client(base_url=url, timeout=60) as scoring:
        parts = app.state.scoring

        def at(moment: str) -> None:
            parts.closer.clock = parts.appeals.clock = lambda: moment

        yield scoring, at


def test_a_disputed_quarter_is_appealed_diffed_decided_resealed_paid_and_verified_offline(
    goal, scoring_with_clock, tmp_path: Path
):
    scoring, at = scoring_with_clock
    setup_company(goal, scoring)
    publish_calendars(goal)
    closed_at = record(
        goal,
        [
            deal("q-1", "r-1", "400000", "2026-07-14"),
            deal("q-2", "r-1", "200000", "2026-08-18"),
            deal("q-3", "r-2", "500000", "2026-09-08"),
        ],
    )
    caught_up(scoring, closed_at)
    at("2026-10-09T10:00:00+08:00")  # a Friday, after National Day
    assert scoring.post("/v1/periods/2026-Q3/close", json={}, headers=HR).status_code == 200
    published = scoring.post("/v1/periods/2026-Q3/publish", headers=HR).json()["published"]
    assert published["appeals"]["working_days"] == ["2026-10-10", "2026-10-12", "2026-10-13"]  # a make-up Saturday
    kept = goal.get("/v1/ledger/checkpoints", params={"limit": 0}, headers=AUDITOR).json()["latest"]

    late = record(goal, [deal("q-9", "r-1", "300000", "2026-09-28")])  # signed on the 28th, entered on 10 Oct
    caught_up(scoring, late)
    diff = scoring.get("/v1/appraisals/2026-Q3/r-1/diff", headers=AUDITOR).json()
    assert diff["entries_since"] == [late]
    revenue = next(c for c in diff["changes"] if c["figure"] == "/kpis/revenue/actual")
    assert (revenue["old"], revenue["new"], revenue["entries_added"]) == ("600000.00", "900000.00", [late])

    at("2026-10-12T09:00:00+08:00")
    filed = scoring.post(
        "/v1/appeals/2026-Q3/r-1",
        json={"disputed": [{"kind": "kpi", "ref": "revenue"}], "reason": "q-9 was signed on 28 September"},
        headers=REP,
    )
    assert filed.status_code == 201, filed.text
    steps = "/v1/appeals/2026-Q3/r-1/1"
    assigned = scoring.post(f"{steps}/assign", json={"reviewers": ["wang"], "reason": "committee"}, headers=HR)
    assert assigned.status_code == 200, assigned.text
    decided = scoring.post(f"{steps}/decide", json={"outcome": "adjusted", "reasons": "q-9 is r-1's"}, headers=WANG)
    assert decided.status_code == 200, decided.text
    first, second = scoring.get("/v1/appraisals/2026-Q3/r-1", headers=REP).json()["revisions"]
    assert (first["result"]["kpis"][0]["actual"], second["result"]["kpis"][0]["actual"]) == ("600000.00", "900000.00")
    replay = scoring.post("/v1/appraisals/2026-Q3/r-1/replay", headers=AUDITOR).json()
    assert (replay["revision"], replay["result_matches"], replay["signature_valid"]) == (2, True, True)

    payroll = scoring.get("/v1/periods/2026-Q3/payroll", headers=HR)
    rows = list(csv.DictReader(io.StringIO(payroll.text)))
    assert {r["revision"] for r in rows if r["rep_id"] == "r-1"} == {"2"}
    assert scoring.post("/v1/periods/2026-Q3/paid", headers=HR).json()["state"] == "paid"

    # The auditor's checkpoint from the close is a prefix of today's ledger, shown without reading entries.
    consistency = goal.get("/v1/ledger/consistency", params={"from": kept["position"]}, headers=AUDITOR).json()
    assert consistency["old"]["tree_root"] == kept["tree_root"]
    new = consistency["new"]
    assert verify_consistency(
        kept["tree_size"],
        new["tree_size"],
        bytes.fromhex(kept["tree_root"]),
        bytes.fromhex(new["tree_root"]),
        [bytes.fromhex(h) for h in consistency["proof"]],
    )

    bundle = tmp_path / "r-1-q3.json"
    exported = perfledger(
        "audit",
        "export",
        "--appraisal",
        "2026-Q3/r-1/2",
        "--out",
        str(bundle),
        "--url",
        str(scoring.base_url),
        env={"PERFLEDGER_TOKEN": "t-auditor"},
    )
    assert exported.returncode == 0, exported.stderr
    seal_key, checkpoint_key = public_keys(goal, scoring)
    (tmp_path / "checkpoint.key").write_text(checkpoint_key)
    offline = {"PERFLEDGER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    verified = perfledger(
        "audit", "verify", str(bundle), f"--key={seal_key}", f"--key=@{tmp_path / 'checkpoint.key'}", env=offline
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("OK 2026-Q3/r-1 revision 2")
