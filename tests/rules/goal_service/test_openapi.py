"""goal_service's OpenAPI document describes every answer: each route's 2xx responses name a schema, so the
frontend and the fuzzer know every body. No server is needed to read the document."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.goal_service.app import create_app
from services.goal_service.settings import GoalSettings
from tests.support import SECRET


@pytest.fixture
def openapi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("PERFLEDGER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PERFLEDGER_WEBHOOK_SECRET", SECRET)
    return create_app(GoalSettings()).openapi()


def test_every_route_declares_a_schema_for_each_of_its_2xx_answers(openapi):
    undescribed = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            answers = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
            if not answers:
                undescribed.append(f"{method.upper()} {path}: no 2xx answer")
            for code, answer in answers.items():
                schemas = [media.get("schema") for media in answer.get("content", {}).values()]
                if not schemas or not all(schemas):  # FastAPI writes {} for a body it knows nothing about
                    undescribed.append(f"{method.upper()} {path} {code}")
    assert undescribed == []
    assert len([op for ops in openapi["paths"].values() for op in ops]) >= 40  # every route was looked at


def test_figures_are_documented_as_exact_strings_never_numbers(openapi):
    progress = openapi["components"]["schemas"]["GoalProgressOut"]["properties"]
    assert {"type": "number"} not in progress["pace"]["anyOf"]
    assert {"type": "string"} in progress["pace"]["anyOf"] and {"type": "null"} in progress["pace"]["anyOf"]
    growth = openapi["components"]["schemas"]["SpanOut"]["properties"]
    assert "from" in growth and "from_" not in growth
