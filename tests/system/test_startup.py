"""Each service starts as `python -m services.<name>`, answers /health and /ready on its own database, and
refuses to start on a missing or malformed setting with one line that names it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT, SECRET, TOKENS, free_port

SERVICES = ["goal_service", "scoring_service", "alert_service"]


def start(service: str, env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", f"services.{service}", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(url: str, process: subprocess.Popen) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_serves_health_and_readiness_on_its_own_database(service, storage_env):
    port = free_port()
    env = {
        **storage_env,
        "PERFLEDGER_WEBHOOK_SECRET": SECRET,
        "PERFLEDGER_API_TOKENS": TOKENS,  # the followers read the ledger with its service token
        "PERFLEDGER_ALLOW_STATIC_TOKENS": "true",
    }
    process = start(service, env, port)
    try:
        health = wait_for(f"http://127.0.0.1:{port}/health", process)
        assert health.json() == {"status": "ok", "service": service}
        ready = httpx.get(f"http://127.0.0.1:{port}/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        assert "http_requests_total" in httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert (
            httpx.get(f"http://127.0.0.1:{port}/health", headers={"x-request-id": "rq-1"}).headers["x-request-id"]
            == "rq-1"
        )
    finally:
        process.terminate()
        process.wait(10)
    if "PERFLEDGER_DATABASE_URL" not in storage_env:
        assert (Path(storage_env["PERFLEDGER_DATA_DIR"]) / f"{service}.sqlite3").exists()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PERFLEDGER_API_TOKENS": TOKENS}, "PERFLEDGER_WEBHOOK_SECRET: missing"),
        ({"PERFLEDGER_WEBHOOK_SECRET": "plain-text", "PERFLEDGER_API_TOKENS": TOKENS}, "PERFLEDGER_WEBHOOK_SECRET"),
        ({"PERFLEDGER_WEBHOOK_SECRET": SECRET, "PERFLEDGER_API_TOKENS": "t=rep"}, "PERFLEDGER_API_TOKENS"),
        (
            {
                "PERFLEDGER_WEBHOOK_SECRET": SECRET,
                "PERFLEDGER_API_TOKENS": TOKENS,  # static tokens on a configured (production) database
                "PERFLEDGER_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
            },
            "PERFLEDGER_ALLOW_STATIC_TOKENS=true",
        ),
        ({"PERFLEDGER_WEBHOOK_SECRET": SECRET, "PERFLEDGER_DATABASE_URL": "mysql://x/y"}, "PERFLEDGER_DATABASE_URL"),
        ({"PERFLEDGER_WEBHOOK_SECRET": SECRET, "PERFLEDGER_LOG_LEVEL": "LOUD"}, "PERFLEDGER_LOG_LEVEL"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(env, named, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PERFLEDGER_")}
    result = subprocess.run(
        [sys.executable, "-m", "services.goal_service", "--port", str(free_port())],
        cwd=ROOT,
        env={**clean, "PERFLEDGER_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("configuration error:") and named in lines[0], result.stderr


def polls_answered(metrics_url: str) -> float:
    """How many follower polls of the ledger goal_service has answered, by its own /metrics."""
    lines = httpx.get(metrics_url, timeout=2).text.splitlines()
    return sum(
        float(line.rpartition(" ")[2]) for line in lines if 'route="/v1/ledger/events"' in line and "_total" in line
    )


@pytest.mark.slow
def test_perfledger_run_starts_all_three_and_stops_them_on_ctrl_c(tmp_path):
    first = free_port(len(SERVICES))
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "run", "--first-port", str(first)],
        cwd=ROOT,
        env={**os.environ, "PERFLEDGER_DATA_DIR": str(tmp_path), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for offset, service in enumerate(SERVICES):
            assert wait_for(f"http://127.0.0.1:{first + offset}/health", process).json()["service"] == service
        deadline = time.monotonic() + 30  # idle, the followers poll the ledger: let a few polls pass
        while polls_answered(f"http://127.0.0.1:{first}/metrics") < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.send_signal(2)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    # A newcomer sees where everything is and what to try, and an idle system writes no line a poll.
    assert "PerfLedger is running" in output and f"http://127.0.0.1:{first}/docs" in output
    assert "curl -s" in output and "local-auditor=auditor" in output
    assert "/v1/ledger/events" not in output and "HTTP Request" not in output, output
    for offset in range(3):
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{first + offset}/health", timeout=2)
