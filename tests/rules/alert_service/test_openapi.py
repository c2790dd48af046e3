"""Every alert_service route says in its OpenAPI entry what its 2xx answer is (the frontend and the fuzzer
read it), the live feed as an event stream; the HTTP tests read real answers back into those models."""

from __future__ import annotations

from pathlib import Path

from services.alert_service.app import create_app
from services.alert_service.settings import AlertSettings

PLATFORM_PROBES = {"/health", "/ready"}  # every service's, from shared/platform/web.py


def test_every_route_declares_the_schema_of_each_2xx_answer(tmp_path: Path):
    # The document is built from the routes alone: nothing is started, no database is opened.
    document = create_app(AlertSettings(data_dir=tmp_path, goal_service_url="http://127.0.0.1:9")).openapi()
    operations = [
        (method.upper(), path, operation)
        for path, entry in document["paths"].items()
        if path not in PLATFORM_PROBES
        for method, operation in entry.items()
    ]
    assert len(operations) >= 17
    for method, path, operation in operations:
        answers = {status: body for status, body in operation["responses"].items() if status.startswith("2")}
        described = [
            (status, media)
            for status, body in answers.items()
            for media, content in (body.get("content") or {}).items()
            if content.get("schema")
        ]
        assert described, (method, path, answers)
    feed = document["paths"]["/v1/warnings/feed"]["get"]["responses"]["200"]["content"]
    assert list(feed) == ["text/event-stream"]
