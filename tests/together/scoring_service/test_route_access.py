"""Every scoring_service route, from its OpenAPI document, against every role: none answers without a token (but
the public seal keys), and each role is refused with 403 exactly where the route's rule below says, so a new
route without a rule here fails the suite. Within a role, scope decides (404 outside it): see
test_figures_in_scope.py, test_appeals.py and test_close_and_seal.py."""

from __future__ import annotations

import pytest

from tests.scenarios.access import EDITOR, EVERYONE, LOG_READER, PROBES, misjudged_routes

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # roles are checked before storage

OPEN = PROBES | {("GET", "/v1/seal-keys")}
EXAMINER = frozenset({"hr", "auditor", "admin", "committee"})
AUDITOR = frozenset({"hr", "auditor", "admin"})
REVIEWER = frozenset({"committee"})
RATER = frozenset({"manager", "hr", "admin"})
RULE_KINDS = ("scorecards", "commission-plans", "bonus-pools", "appeal-policies")
RULES: dict[tuple[str, str], frozenset[str]] = {
    **{("PUT", f"/v1/{kind}/{{rule_id}}"): EDITOR for kind in RULE_KINDS},
    **{("GET", f"/v1/{kind}/{{rule_id}}"): EVERYONE for kind in RULE_KINDS},
    **{("GET", f"/v1/{kind}"): EVERYONE for kind in RULE_KINDS},
    ("GET", "/v1/scores"): EVERYONE,
    ("GET", "/v1/rankings"): EVERYONE,
    ("GET", "/v1/statements/{rep_id}"): EVERYONE,
    ("POST", "/v1/ratings"): RATER,
    ("POST", "/v1/periods/{period}/close"): EDITOR,
    ("GET", "/v1/periods/{period}"): EVERYONE,
    ("POST", "/v1/periods/{period}/publish"): EDITOR,
    ("GET", "/v1/periods/{period}/payroll"): EDITOR,
    ("POST", "/v1/periods/{period}/paid"): EDITOR,
    ("POST", "/v1/periods/{period}/what-if"): EXAMINER,
    ("GET", "/v1/appraisals/{period}/{rep_id}/lineage"): EXAMINER,
    ("GET", "/v1/appraisals/{period}/{rep_id}/diff"): EXAMINER,
    ("GET", "/v1/appraisals/{period}/{rep_id}"): EVERYONE,
    ("GET", "/v1/appraisals/{period}"): EVERYONE,
    ("POST", "/v1/appraisals/{period}/{rep_id}/replay"): AUDITOR,
    ("GET", "/v1/appraisals/{period}/{rep_id}/report"): EVERYONE,
    ("GET", "/v1/appraisals/{period}/{rep_id}/statement.csv"): EVERYONE,
    ("GET", "/v1/appraisals/{period}/{rep_id}/audit-bundle"): EXAMINER,
    ("POST", "/v1/appeals/{period}/{rep_id}"): EVERYONE,  # only the rep files, and only their own: 404 to others
    ("GET", "/v1/appeals"): EVERYONE,
    ("GET", "/v1/appeals/{period}/{rep_id}/{revision}"): EVERYONE,
    ("POST", "/v1/appeals/{period}/{rep_id}/{revision}/assign"): EDITOR,
    ("POST", "/v1/appeals/{period}/{rep_id}/{revision}/comment"): REVIEWER,
    ("POST", "/v1/appeals/{period}/{rep_id}/{revision}/request-information"): REVIEWER,
    ("POST", "/v1/appeals/{period}/{rep_id}/{revision}/answer"): EVERYONE,  # the rep answers; others find nothing
    ("POST", "/v1/appeals/{period}/{rep_id}/{revision}/decide"): REVIEWER,
    ("GET", "/v1/log/appraisals"): LOG_READER,
    ("GET", "/v1/log/appeals"): LOG_READER,
    ("GET", "/v1/projections"): LOG_READER,
    ("POST", "/v1/projections/{name}/skips"): frozenset({"admin"}),
}  # fmt: skip
SAMPLE = {"{rule_id}": "sales", "{rep_id}": "r-1", "{period}": "2026-09", "{revision}": "1", "{name}": "ledger"}
QUERY = {
    "/v1/scores": "?period=2026-09",
    "/v1/rankings": "?period=2026-09",
    "/v1/statements/{rep_id}": "?period=2026-09",
}


def test_every_route_has_a_rule_and_each_role_is_refused_exactly_where_it_says(scoring):
    assert misjudged_routes(scoring, RULES, SAMPLE, open_routes=OPEN, query=QUERY) == []
    assert scoring.get("/v1/seal-keys").status_code == 200  # public, like any verification key
