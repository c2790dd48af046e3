"""Follower benchmark: how fast scoring_service and alert_service rebuild their read models from position
zero, next to the baseline of reading the same entries from the ledger API and discarding them.

    python -m deploy.bench.follow [--events N] [--sqlite]

goal_service records N deal.won events (signed batches) on a fresh PostgreSQL database, dropped at the end
(--sqlite: each service on its own SQLite file).
Then, one after the other:

  B  Read only: the ledger read over HTTP from position zero, in pages of a thousand, and thrown away.
  S  scoring_service started on its own empty schema, timed from its start until its projection holds
     the ledger's head.
  A  alert_service, the same.

Target (issue 13): each follower at least half the baseline's entries per second. The followers' times
include their start-up (a second or two), which the baseline does not pay.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from rich.table import Table

from deploy.bench import database
from deploy.bench.driver import BenchmarkFailed
from deploy.bench.ingest import console
from deploy.bench.processes import Service, running_service
from deploy.bench.workload import deal_won_bodies, new_secret, sign_all

BATCH = 500
PAGE = 1000
TARGET = 0.5
CATCH_UP_TIMEOUT = 900.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.follow", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000, help="entries in the ledger (default 50000)")
    database.add_option(parser)
    args = parser.parse_args(argv)
    if args.events < BATCH:
        parser.error(f"--events must be at least {BATCH}")
    return args


def record(goal: Service, key: bytes, count: int) -> int:
    bodies = deal_won_bodies(count)
    batches = [b"[" + b",".join(bodies[n : n + BATCH]) + b"]" for n in range(0, count, BATCH)]
    with httpx.Client(base_url=goal.base_url, timeout=120.0, trust_env=False) as client:
        for request in sign_all(batches, key, "application/cloudevents-batch+json"):
            answer = client.post("/v1/webhooks/generic", content=request.body, headers=request.headers)
            if answer.status_code != 201:
                raise BenchmarkFailed(f"recording answered {answer.status_code}: {answer.text[:300]}")
    return count


def read_and_discard(goal: Service, token: str, head: int) -> float:
    """Seconds to read the whole ledger over HTTP, as a follower would before doing anything with it."""
    headers = {"authorization": f"Bearer {token}"}
    started, after = time.perf_counter(), 0
    with httpx.Client(base_url=goal.base_url, headers=headers, timeout=60.0, trust_env=False) as client:
        while after < head:
            page = client.get("/v1/ledger/events", params={"after": after, "limit": PAGE}).json()["events"]
            after = page[-1]["position"]
    return time.perf_counter() - started


def follow(name: str, env: dict[str, str], head: int, token: str, workdir: Path) -> float:
    """Seconds from starting the follower until its projection holds `head`."""
    started = time.perf_counter()
    with (
        running_service(name, [f"services.{name}"], env, "/health", workdir) as service,
        httpx.Client(base_url=service.base_url, timeout=10.0, trust_env=False) as client,
    ):
        deadline = started + CATCH_UP_TIMEOUT
        while time.perf_counter() < deadline:
            status = client.get("/v1/projections", headers={"authorization": f"Bearer {token}"}).json()
            if status[0]["position"] >= head:
                return time.perf_counter() - started
            time.sleep(0.2)
    raise BenchmarkFailed(f"{name} did not reach position {head} within {CATCH_UP_TIMEOUT:.0f} s")


def run(args: argparse.Namespace) -> list[tuple[str, float]]:
    key, secret = new_secret()
    token = secrets.token_urlsafe(16)
    with (
        database.temporary_database(args.sqlite) as database_url,
        tempfile.TemporaryDirectory(prefix="perfledger-bench-") as tmp,
    ):
        workdir = Path(tmp)
        base = {"PERFLEDGER_API_TOKENS": f"{token}=service,{token}x=admin", "PERFLEDGER_ALLOW_STATIC_TOKENS": "true"}
        goal_env = {
            **base,
            **database.service_settings(database_url, "goal"),
            "PERFLEDGER_WEBHOOK_SECRET": secret,
            "PERFLEDGER_DATA_DIR": str(workdir / "goal"),
            "PERFLEDGER_LOG_LEVEL": "WARNING",
        }
        with running_service("goal_service", ["services.goal_service"], goal_env, "/ready", workdir) as goal:
            started = time.perf_counter()
            head = record(goal, key, args.events)
            console.print(f"recorded {head} entries in {time.perf_counter() - started:.1f} s")
            results = [("B  read the ledger over HTTP, discard", read_and_discard(goal, token, head))]
            for name in ("scoring_service", "alert_service"):
                env = {
                    **base,
                    **database.service_settings(database_url, name),
                    "PERFLEDGER_DATA_DIR": str(workdir / name),
                    "PERFLEDGER_GOAL_SERVICE_URL": goal.base_url,
                    "PERFLEDGER_LEDGER_TOKEN": token,
                    "PERFLEDGER_LOG_LEVEL": "WARNING",
                }
                subject = f"{name[0].upper()}  {name} rebuild from zero"
                results.append((subject, follow(name, env, head, token, workdir)))
    return [(subject, head / seconds) for subject, seconds in results]


def report(rates: list[tuple[str, float]]) -> None:
    baseline = rates[0][1]
    table = Table(title="following the ledger from position zero")
    for column in ("subject", "entries/s", "ratio to B", "target", ""):
        table.add_column(column, justify="left" if column == "subject" else "right")
    for subject, rate in rates:
        ratio = rate / baseline
        if subject == rates[0][0]:
            table.add_row(subject, f"{rate:,.0f}", "1.00", "", "")
            continue
        table.add_row(subject, f"{rate:,.0f}", f"{ratio:.2f}", f"≥ {TARGET}", "pass" if ratio >= TARGET else "miss")
    console.print(table)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    console.print(f"PerfLedger follower benchmark: {database.engine_name(args.sqlite)}, {args.events} entries")
    try:
        rates = run(args)
    except BenchmarkFailed as error:
        console.print(f"[bold red]benchmark invalid, no figures reported:[/] {error}")
        return 2
    report(rates)  # a miss is a figure to report, not a failed run
    return 0


if __name__ == "__main__":
    sys.exit(main())
