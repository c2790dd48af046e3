"""Bulk import of NDJSON CloudEvents, over HTTP and with `perfledger import`: each line stands alone,
re-sending records nothing twice, and an interrupted import resumes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support import auth, cloudevent, deal_won, perfledger


def ndjson(events: list) -> bytes:
    return b"\n".join(e if isinstance(e, bytes) else json.dumps(e).encode() for e in events) + b"\n"


def visits(n: int, start: int = 0) -> list[dict]:
    return [
        cloudevent("visit.completed", {"rep_id": "r-1", "customer_id": f"c-{i}"}, id_=f"v-{i}")
        for i in range(start, start + n)
    ]


def post_import(goal, body: bytes, token: str = "t-service", **params):
    return goal.post(
        "/v1/imports", content=body, params=params, headers={"content-type": "application/x-ndjson", **auth(token)}
    )


def test_good_lines_are_recorded_and_bad_ones_reported_by_line_number(goal):
    lines = [
        *visits(3),
        b"{broken",
        deal_won(amount="lots"),
        b"",
        *visits(2, start=3),
        cloudevent("activity.voided", {"target": {"source": "crm://tests", "id": "nope"}, "reason": "x"}),
    ]
    response = post_import(goal, ndjson(lines))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["recorded"], report["duplicates"]) == (8, 5, 0)
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert set(reasons) == {4, 5, 9}
    assert "not JSON" in reasons[4]
    assert reasons[5].startswith("/data/amount")
    assert reasons[9].startswith("/data/target")
    head = goal.get("/v1/ledger/head", headers=auth("t-service")).json()
    assert head["position"] == 5


def test_a_hostile_line_after_the_first_thousand_is_one_rejected_line_and_the_import_goes_on(goal):
    lines: list = visits(1500)
    lines[1000] = b"[" * 100_000  # past the first commit of 1,000 lines: it used to abort the rest
    lines[1200] = b'{"specversion": "1.0", "id": ' + b"7" * 5000 + b"}"
    lines[1300] = deal_won(rep="r-\u00001")
    response = post_import(goal, ndjson(lines))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["recorded"]) == (1500, 1497)
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert reasons == {
        1001: "the line nests deeper than 64 levels",
        1201: "the line holds a number of 5000 digits (at most 50 characters)",
        1301: "/data/rep_id: must not hold control characters; U+0000 is character 3",
    }
    assert goal.get("/v1/ledger/head", headers=auth("t-service")).json()["position"] == 1497


def test_importing_the_same_file_again_records_nothing_twice(goal):
    body = ndjson(visits(50))
    assert post_import(goal, body).json()["recorded"] == 50
    again = post_import(goal, body, first_line=1).json()
    assert (again["recorded"], again["duplicates"], again["rejected"]) == (0, 50, [])


def test_line_numbers_continue_from_first_line(goal):
    report = post_import(goal, ndjson([*visits(1), b"[]"]), first_line=101).json()
    assert [r["line"] for r in report["rejected"]] == [102]


def test_only_service_and_admin_tokens_import(goal):
    assert post_import(goal, ndjson(visits(1)), token="t-auditor").status_code == 403
    assert post_import(goal, ndjson(visits(1)), token="t-admin").status_code == 200


def run_import(file: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    return perfledger(
        "import",
        str(file),
        "--url",
        url,
        "--chunk-lines",
        "100",
        *args,
        env={"PERFLEDGER_TOKEN": "t-service", "COLUMNS": "200"},
    )


def test_the_cli_imports_a_file_and_reports_counts(goal, goal_url, tmp_path):
    file = tmp_path / "events.ndjson"
    file.write_bytes(ndjson([*visits(250), b"not json"]))
    result = run_import(file, goal_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "line 251:" in result.stdout
    assert "recorded 250, duplicates 0, rejected 1" in result.stdout
    assert not (tmp_path / "events.ndjson.import-state").exists()


def test_the_cli_resumes_after_the_last_acknowledged_chunk(goal, goal_url, tmp_path):
    file = tmp_path / "events.ndjson"
    file.write_bytes(ndjson(visits(300)))
    # As if a first run had been stopped after its first two chunks were acknowledged.
    post_import(goal, ndjson(visits(200)))
    first_two_chunks = len(ndjson(visits(200)))
    state = {
        "size": file.stat().st_size,
        "offset": first_two_chunks,
        "line": 201,
        "recorded": 200,
        "duplicates": 0,
        "rejected": [],
    }
    (tmp_path / "events.ndjson.import-state").write_text(json.dumps(state))
    result = run_import(file, goal_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "recorded 300, duplicates 0, rejected 0" in result.stdout  # the resumed 100 sent only once
    assert goal.get("/v1/ledger/head", headers=auth("t-service")).json()["position"] == 300


def test_a_file_of_bad_lines_costs_its_count_not_a_reason_each_and_only_ndjson_is_taken(goal):
    body = b"{broken\n" * 2500 + ndjson(visits(1)) + b"[1]\n" * 2500
    report = post_import(goal, body).json()
    assert (report["lines"], report["recorded"], report["rejected_total"]) == (5001, 1, 5000)
    assert [r["line"] for r in report["rejected"]] == list(range(1, 101))  # the first hundred, in order
    as_json = goal.post(
        "/v1/imports", content=ndjson(visits(1)), headers={"content-type": "application/json", **auth("t-service")}
    )
    assert as_json.status_code == 415 and "application/x-ndjson" in as_json.json()["detail"]
