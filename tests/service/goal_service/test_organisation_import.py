"""Importing the organisation from CSV over HTTP: it becomes the changes that make the file true, a second
import changes nothing, and bad rows are named by line while good ones are recorded."""

from __future__ import annotations

from tests.scenarios.goal import TREE_CSV, import_csv
from tests.support import auth


def test_a_tree_is_imported_and_importing_it_again_changes_nothing(goal):
    first = import_csv(goal, TREE_CSV).json()
    assert first == {"lines": 6, "changes": 6, "unchanged": 0, "rejected": []}
    assert import_csv(goal, TREE_CSV).json() == {"lines": 6, "changes": 0, "unchanged": 6, "rejected": []}
    units = goal.get("/v1/org/units", params={"as_of": "2026-01-01"}, headers=auth("t-hr")).json()["units"]
    assert {u["unit_id"]: u["name"] for u in units}["east"] == "华东"


def test_a_changed_file_records_only_the_differences(goal):
    import_csv(goal, TREE_CSV)
    changed = TREE_CSV + "team,team-b,East Beta,east,2026-04-01\nrep,r-1,李雷,team-b,2026-04-01\n"
    assert import_csv(goal, changed).json() == {"lines": 8, "changes": 2, "unchanged": 6, "rejected": []}
    entries = goal.get("/v1/ledger/events", params={"after": 6}, headers=auth("t-auditor")).json()["events"]
    assert [e["entry"]["type"] for e in entries] == ["org.unit.renamed", "org.rep.moved"]
    reps = goal.get("/v1/org/reps", params={"as_of": "2026-04-01"}, headers=auth("t-hr")).json()["reps"]
    assert {r["rep_id"]: r["unit_id"] for r in reps} == {"r-1": "team-b", "r-2": "team-b"}


def test_bad_rows_are_named_by_line_and_good_rows_still_recorded(goal):
    text = TREE_CSV + (
        "planet,mars,Mars,,2026-01-01\n"  # line 8
        "rep,r-3,王芳,east,2026-01-01\n"  # line 9: a region is not a team
        "team,team-c,East C,east,\n"  # line 10: no date
        "rep,r-4,张伟,team-c,2026-01-01\n"  # line 11: team-c was refused above
        "rep,r-5,刘洋,team-a,2026-02-01\n"  # line 12: fine
    )
    report = import_csv(goal, text).json()
    assert (report["changes"], report["unchanged"]) == (7, 0)
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert set(reasons) == {8, 9, 10, 11}
    assert "kind must be one of" in reasons[8]
    assert reasons[9].startswith("unit_id:") and "teams" in reasons[9]
    assert "effective_from" in reasons[10]
    assert "no unit team-c" in reasons[11]


def test_a_file_without_the_columns_is_refused_whole(goal):
    response = import_csv(goal, "id,name\nacme,Acme\n")
    assert response.status_code == 422 and "kind" in response.json()["detail"]
    assert import_csv(goal, TREE_CSV, token="t-manager").status_code == 403
