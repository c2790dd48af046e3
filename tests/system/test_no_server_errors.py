"""No request answers 500: schemathesis generates requests from each service's own OpenAPI document, valid
and invalid, for every route, and each must get a considered answer (bad input a 4xx problem). Its CLI is
run against the service over HTTP (its pytest plugin does not load under pytest 9). /v1/imports is left to
its own tests (schemathesis cannot write NDJSON), and so is the warning feed (a stream does not end)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from services.alert_service.app import create_app as create_alert_app
from services.alert_service.settings import AlertSettings
from services.goal_service.app import create_app
from services.goal_service.settings import GoalSettings
from services.scoring_service.app import create_app as create_scoring_app
from services.scoring_service.settings import ScoringSettings
from tests.support import SECRET, TOKENS, serve_in_thread


def fuzz(url: str, *excluded: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "-H",
            "authorization: Bearer t-admin",
            "--phases",
            "fuzzing",
            "--max-examples",
            "10",
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
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_no_goal_service_route_answers_500(tmp_path: Path):
    settings = GoalSettings(data_dir=tmp_path, webhook_secret=SECRET, api_tokens=TOKENS, log_level="WARNING")
    with serve_in_thread(create_app(settings)) as url:
        fuzz(url)


def fuzz_follower(tmp_path: Path, settings_class: type, create: Callable, *excluded: str) -> None:
    goal_settings = GoalSettings(data_dir=tmp_path, webhook_secret=SECRET, api_tokens=TOKENS, log_level="WARNING")
    with serve_in_thread(create_app(goal_settings)) as goal_url:
        settings = settings_class(
            data_dir=tmp_path,
            api_tokens=TOKENS,
            log_level="WARNING",
            goal_service_url=goal_url,
            ledger_token="t-service",
        )
        with serve_in_thread(create(settings)) as url:
            fuzz(url, *excluded)


def test_no_scoring_service_route_answers_500(tmp_path: Path):
    fuzz_follower(tmp_path, ScoringSettings, create_scoring_app)


def test_no_alert_service_route_answers_500(tmp_path: Path):
    fuzz_follower(tmp_path, AlertSettings, create_alert_app, "/v1/warnings/feed")
