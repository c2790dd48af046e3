"""Requests an attacker or a broken client sends. Bodies are bounded before they are read (OWASP API4): one
declaring more than the limit is answered 413 before a byte of it is read, one that streams more is cut off
at the limit, and one without a known bearer token is answered 401 before it is read at all (the streamed
import and the signed webhooks bound and authenticate theirs their own way). A body of another media type
than its route declares is a 415. No answer names a server path, a database host or a statement."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from services.goal_service.app import create_app
from services.goal_service.settings import GoalSettings
from shared.platform.http_client import http_client
from tests.support import auth, cloudevent, serve_in_thread, signed_post

pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"], indirect=True
)  # bodies are bounded before storage is touched: one backend is enough

LIMIT = 4096
GOAL = {"metric": "visits", "owner": {"kind": "rep", "id": "r-1"}, "period": "2026-Q4", "target": "1"}


@pytest.fixture
def small_limit(goal_settings: GoalSettings, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("PERFLEDGER_MAX_BODY_BYTES", str(LIMIT))
    with serve_in_thread(create_app(GoalSettings())) as url:
        yield url


def head_only(url: str, path: str, headers: dict[str, str]) -> tuple[int, dict]:
    """Send a request's head declaring a body of 500 MB, and none of the body: the answer comes without it."""
    where = urlsplit(url)
    lines = [f"POST {where.path}{path} HTTP/1.1", f"host: {where.netloc}", "content-length: 500000000"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((where.hostname, where.port), timeout=5) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_declared_body_beyond_the_limit_or_without_a_token_is_answered_before_it_is_read(small_limit):
    status, problem = head_only(small_limit, "/v1/goals", {"content-type": "application/json"})
    assert (status, problem["status"]) == (401, 401) and "Bearer" in problem["detail"]
    status, problem = head_only(small_limit, "/v1/goals", {"content-type": "application/json", **auth("t-hr")})
    assert status == 413 and f"larger than {LIMIT} bytes" in problem["detail"]
    status, _ = head_only(small_limit, "/v1/webhooks/generic", {"content-type": "application/cloudevents+json"})
    assert status == 413  # signed, not token-bound: the limit still holds


def test_a_streamed_body_is_cut_off_at_the_limit_and_nothing_is_recorded(small_limit):
    with http_client(base_url=small_limit, timeout=30) as goal:
        padded = json.dumps(GOAL | {"description": "x" * (2 * LIMIT)}).encode()
        chunks = (padded[i : i + 512] for i in range(0, len(padded), 512))  # no content-length: chunked
        answer = goal.post("/v1/goals", content=chunks, headers={"content-type": "application/json", **auth("t-hr")})
        assert answer.status_code == 413 and answer.headers["content-type"] == "application/problem+json"
        assert goal.get("/v1/goals", headers=auth("t-hr")).json()["goals"] == []
        assert goal.post("/v1/goals", json=GOAL | {"description": "fits"}, headers=auth("t-hr")).status_code != 413
        # the import streams: its whole body may exceed the limit, each line is bounded on its own
        lines = b"\n".join(
            json.dumps(cloudevent("visit.completed", {"rep_id": "r-1", "customer_id": "c"}, id_=f"v-{i}")).encode()
            for i in range(40)
        )
        assert len(lines) > LIMIT
        imported = goal.post(
            "/v1/imports", content=lines, headers={"content-type": "application/x-ndjson", **auth("t-service")}
        )
        assert imported.status_code == 200 and imported.json()["recorded"] == 40, imported.text
        assert (
            signed_post(
                goal, cloudevent("visit.completed", {"rep_id": "r-1", "customer_id": "c"}, id_="w-1")
            ).status_code
            == 201
        )


def test_a_body_of_another_media_type_than_its_route_declares_is_415(goal, scoring):
    hr = auth("t-hr")
    as_text = goal.post("/v1/goals", content=json.dumps(GOAL), headers={"content-type": "text/plain", **hr})
    assert as_text.status_code == 415 and as_text.json()["detail"] == "send application/json, not text/plain"
    csv_as_json = goal.post("/v1/org/import", content=b"kind,id", headers={"content-type": "application/json", **hr})
    assert csv_as_json.status_code == 415 and "send text/csv" in csv_as_json.json()["detail"]
    untyped = scoring.put("/v1/scorecards/s", content=b'{"x": 1}', headers={"content-type": "", **hr})
    assert untyped.status_code == 415 and "a body without a content type" in untyped.json()["detail"]
    # a route that declares its body still takes it as declared, with parameters after the type
    typed = goal.post(
        "/v1/goals", content=json.dumps(GOAL), headers={"content-type": "application/json; charset=utf-8", **hr}
    )
    assert typed.status_code != 415, typed.text


def test_answers_name_no_server_path_host_or_statement(goal, goal_settings):
    unknown = goal.post("/v1/webhooks/crm/nosuch", content=b"{}", headers={"content-type": "application/json"})
    assert unknown.status_code == 404 and unknown.json()["detail"] == "no CRM source nosuch"
    assert str(goal_settings.data_dir) not in unknown.text
