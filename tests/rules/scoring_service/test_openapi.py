"""scoring_service's OpenAPI document describes every 2xx answer of every route, so the frontend and the
fuzzer know each body's shape (test_close_and_seal checks answers against the models declared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.scoring_service.app import create_app
from services.scoring_service.settings import ScoringSettings
from tests.support import TOKENS


@pytest.fixture
def document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    for key, value in {
        "PERFLEDGER_DATA_DIR": str(tmp_path),
        "PERFLEDGER_API_TOKENS": TOKENS,
        "PERFLEDGER_ALLOW_STATIC_TOKENS": "true",
        "PERFLEDGER_GOAL_SERVICE_URL": "http://127.0.0.1:9",
        "PERFLEDGER_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(key, value)
    return create_app(ScoringSettings()).openapi()


def test_every_route_describes_each_2xx_answer_with_a_schema(document):
    operations = [(method.upper(), path, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 25
    undescribed = []
    for method, path, operation in operations:
        answers = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        # each 2xx answer has a schema under some media type (JSON, or a file such as the payroll's CSV)
        schemas = [[c.get("schema") for c in r.get("content", {}).values()] for r in answers.values()]
        if not answers or not all(any(media) for media in schemas):  # an empty schema ({}) says nothing either
            undescribed.append(f"{method} {path}")
    assert undescribed == []


def test_a_sealed_appraisal_is_described_down_to_its_statement_lines(document):
    schemas = document["components"]["schemas"]
    revision = schemas["RevisionOut"]["properties"]
    assert revision["result"]["$ref"] == "#/components/schemas/RepAppraisal"
    lines = schemas["CommissionStatement"]["properties"]["lines"]["items"]
    assert lines["discriminator"]["propertyName"] == "kind"
    assert set(schemas["BandPaid"]["properties"]) == {"kind", "from", "to", "amount_in_band", "rate", "amount"}
    assert schemas["BandPaid"]["properties"]["amount"]["type"] == "string"  # money as exact text, never a float
