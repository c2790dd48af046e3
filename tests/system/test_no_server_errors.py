"""No request answers 500: schemathesis generates requests from each service's own OpenAPI document, valid
and invalid, for every route, as an admin and as a rep, and each must get a considered answer (bad input a
4xx problem) that is what the document says: a documented status, media type and body schema. Its CLI is
run against the service over HTTP (its pytest plugin does not load under pytest 9). /v1/imports is left to
its own tests (schemathesis cannot write NDJSON), and so is the warning feed (a stream does not end).
What a fuzzer rarely writes (NUL in a path, numbers past Python's digit limit, JSON nested past its
recursion limit, days past the year 9999) is sent by hand to every service, on both databases."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from services.alert_service.app import create_app as create_alert_app
from services.alert_service.settings import AlertSettings
from services.goal_service.app import create_app
from services.goal_service.settings import GoalSettings
from services.scoring_service.app import create_app as create_scoring_app
from services.scoring_service.settings import ScoringSettings
from shared.platform.http_client import http_client
from tests.scenarios.goal import ORG_CSV, import_csv
from tests.support import SECRET, TOKENS, auth, follower_settings, serve_in_thread, sign

ROLES_FUZZED = ("t-admin", "t-rep")  # every route open to the first; the second is refused most, in scope for some
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance"


def fuzz(url: str, *excluded: str) -> None:
    """Each role's requests, four examples a route each (the suite's four minutes bound them): no 5xx, and
    every answer as the OpenAPI document says (its status documented, its media type and its body's schema,
    problems included)."""
    for token in ROLES_FUZZED:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "--config-file",
                str(Path(__file__).with_name("schemathesis.toml")),
                "run",
                f"{url}/openapi.json",
                "--checks",
                CHECKS,
                "-H",
                f"authorization: Bearer {token}",
                "--phases",
                "fuzzing",
                "--max-examples",
                "4",
                "--seed",
                "1",
                "--request-timeout",
                "45",
                *(option for path in ("/v1/imports", *excluded) for option in ("--exclude-path", path)),
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, token + result.stdout[-4000:] + result.stderr[-2000:]
        assert " passed" in result.stdout


@pytest.mark.slow
def test_no_goal_service_route_answers_500(tmp_path: Path):
    settings = GoalSettings(
        data_dir=tmp_path, webhook_secret=SECRET, api_tokens=TOKENS, allow_static_tokens=True, log_level="WARNING"
    )
    with serve_in_thread(create_app(settings)) as url:
        fuzz(url)


def fuzz_follower(tmp_path: Path, settings_class: type, create: Callable, *excluded: str) -> None:
    goal_settings = GoalSettings(
        data_dir=tmp_path, webhook_secret=SECRET, api_tokens=TOKENS, allow_static_tokens=True, log_level="WARNING"
    )
    with serve_in_thread(create_app(goal_settings)) as goal_url:
        settings = settings_class(
            data_dir=tmp_path,
            api_tokens=TOKENS,
            allow_static_tokens=True,
            log_level="WARNING",
            goal_service_url=goal_url,
            ledger_token="t-service",
        )
        with serve_in_thread(create(settings)) as url:
            fuzz(url, *excluded)


@pytest.mark.slow
def test_no_scoring_service_route_answers_500(tmp_path: Path):
    fuzz_follower(tmp_path, ScoringSettings, create_scoring_app)


@pytest.mark.slow
def test_no_alert_service_route_answers_500(tmp_path: Path):
    fuzz_follower(tmp_path, AlertSettings, create_alert_app, "/v1/warnings/feed")


ADMIN = auth("t-admin")
NUL = "x%00y"
DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE_INT = b'{"target": ' + b"9" * 5000 + b"}"
GOAL = {"metric": "visits", "owner": {"kind": "rep", "id": "r-1"}, "period": "2026-Q4", "target": "1"}
EAST = {"owner": {"kind": "unit", "id": "east"}}
JSON = {"content-type": "application/json"}
HOSTILE_REQUESTS: dict[str, list[tuple[str, str, dict]]] = {
    "goal": [
        ("GET", f"/v1/goals/{NUL}", {}),
        ("GET", f"/v1/goals/{NUL}/progress", {}),
        ("GET", f"/v1/progress?owner_id={NUL}&period=2026-Q4", {}),
        ("GET", "/v1/progress?period=9999-12", {}),
        ("GET", f"/v1/leaderboards/revenue_won?period=2026-Q4&unit_id={NUL}", {}),
        ("GET", f"/v1/org/reps/{NUL}", {}),
        ("GET", f"/v1/crm/deliveries/{NUL}/{NUL}", {}),
        ("PUT", f"/v1/crm/users/src/{NUL}", {"json": {"rep_id": "r-1"}}),
        ("PUT", "/v1/crm/users/src/u-1", {"json": {"rep_id": "r-\x00"}}),
        ("GET", f"/v1/crm/quarantine?source={NUL}", {}),
        ("GET", f"/v1/crm/entries/{2**63}", {}),
        ("GET", f"/v1/ledger/events?after={2**63}", {}),
        ("GET", "/v1/ledger/events?wait=1e999", {}),  # the fuzzer leaves `wait` at 0 (schemathesis.toml)
        ("GET", "/v1/ledger/events?wait=nan", {}),
        ("GET", f"/v1/goals?known_at={2**70}", {}),
        ("GET", "/v1/goals/q4?on=9999-12-31", {}),
        ("POST", "/v1/org/units", {"json": {"unit_id": "u\x00", "name": "n", "kind": "team", "parent_id": "acme"}}),
        (
            "POST",
            "/v1/org/reps",
            {"json": {"rep_id": "r-9", "name": "n", "unit_id": "team-a", "effective_from": "0001-01-01"}},
        ),
        ("POST", "/v1/goals", {"content": DEEP, "headers": {"content-type": "application/json"}}),
        ("POST", "/v1/goals", {"content": HUGE_INT, "headers": {"content-type": "application/json"}}),
        ("POST", "/v1/goals", {"json": GOAL | {"description": "x\x00"}}),
        ("POST", "/v1/goals", {"json": GOAL | {"description": "x", "period": "0001-01-01..9999-12-31"}}),
        ("POST", "/v1/goals", {"json": GOAL | {"description": "x"}, "headers": {"idempotency-key": b"k\x85"}}),
        (
            "POST",
            "/v1/goals/q4/decomposition",
            {
                "json": {
                    "method": "weights",
                    "children": [{"owner": {"kind": "unit", "id": "east"}, "weight": "1e999999"}],
                }
            },
        ),
        (
            "POST",
            "/v1/goals/q4/decomposition",
            {
                "json": {
                    "method": "history",
                    "history_period": "9999-12",
                    "children": [{"owner": {"kind": "unit", "id": "east"}}],
                }
            },
        ),
        ("POST", "/v1/goals/q4/agreement", {"json": {"reason": "r", "target": "1E+99999999"}}),
        ("POST", "/v1/webhooks/generic", {"content": DEEP, "signed": True}),
        ("POST", "/v1/webhooks/generic", {"content": HUGE_INT, "signed": True}),
        ("POST", f"/v1/webhooks/crm/{NUL}", {"content": b"{}", "headers": {"content-type": "application/json"}}),
        (
            "POST",
            "/v1/imports",
            {"content": DEEP + b"\n" + HUGE_INT, "headers": {"content-type": "application/x-ndjson"}},
        ),
        ("POST", "/v1/projections/credit/skips", {"json": {"position": 2**63, "reason": "x"}}),
        ("POST", f"/v1/projections/{NUL}/skips", {"json": {"position": 1, "reason": "x"}}),
    ],
    "scoring": [
        ("GET", "/v1/scores?period=9999-12", {}),
        ("GET", f"/v1/rankings?period=2026-11&team={NUL}", {}),
        ("GET", f"/v1/statements/{NUL}?period=2026-11", {}),
        ("GET", f"/v1/statements/r-1?period=2026-11&known_at={2**63}", {}),
        ("GET", f"/v1/appraisals/2026-11/{NUL}", {}),
        ("POST", "/v1/periods/9999-12/close", {}),
        ("PUT", f"/v1/scorecards/{NUL}", {"json": {}}),
        ("PUT", "/v1/scorecards/s", {"json": {"effective_from": "2026-01-01", "definition": {"name": "n\x00"}}}),
        ("GET", f"/v1/log/appraisals?after={2**63}", {}),
        ("GET", "/v1/log/appraisals?wait=-1", {}),
        ("GET", "/v1/log/appraisals?wait=inf", {}),
    ],
    "alert": [
        ("PUT", f"/v1/warning-rules/{NUL}", {"json": {}}),
        ("GET", f"/v1/warnings?subject={NUL}", {}),
        ("GET", f"/v1/warnings/{NUL}", {}),
        ("POST", f"/v1/warnings/{NUL}/acknowledge", {"json": {"reason": "x"}}),
        ("PUT", f"/v1/subscriptions/{NUL}", {"json": {"url": "http://example.com"}}),
        ("GET", f"/v1/deliveries?subscription={NUL}", {}),
        ("GET", f"/v1/deliveries/{'9' * 40}", {}),
        ("GET", f"/v1/warnings?after={2**64}", {}),
    ],
}


@pytest.fixture
def services(goal, goal_url, scoring, storage_env, monkeypatch) -> Iterator[dict[str, httpx.Client]]:
    assert import_csv(goal, ORG_CSV).status_code == 200
    goal.post("/v1/goals", json=GOAL | {"goal_id": "q4", "description": "x"}, headers=auth("t-hr"))
    settings = follower_settings(AlertSettings, "alert", goal_url, storage_env, monkeypatch)
    with serve_in_thread(create_alert_app(settings)) as url, http_client(base_url=url, timeout=60) as alert:
        yield {"goal": goal, "scoring": scoring, "alert": alert}


def test_hostile_requests_get_a_considered_answer_from_every_service(services):
    answered = []
    for service, requests in HOSTILE_REQUESTS.items():
        client = services[service]
        for method, path, options in requests:
            options = dict(options)
            headers = {**ADMIN, **options.pop("headers", {})}
            if options.pop("signed", False):
                headers |= {"content-type": "application/cloudevents+json", **sign(options["content"])}
            response = client.request(method, path, headers=headers, **options)
            answered.append((service, method, path[:60], response.status_code))
            assert response.status_code < 500, (service, method, path, response.text)
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json", (path, response.text)
    assert all(status in (200, 400, 404, 409, 413, 415, 422) for *_, status in answered), answered
