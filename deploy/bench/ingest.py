"""Webhook ingest benchmark: how fast goal_service records signed CloudEvents, next to two baselines.

    python -m deploy.bench.ingest [--events N] [--warmup N] [--concurrency N] [--sqlite]   (or: make bench)

Subjects, all fed the same distinct deal.won events, one after the other, on one fresh PostgreSQL
database (each in its own schema) that is dropped at the end, or with --sqlite each on its own SQLite file:

  P  PerfLedger: goal_service as a subprocess, driven over HTTP by N concurrent clients posting signed
     single CloudEvents; its group-commit writer records concurrent requests in shared transactions.
  A  Plain eventsourcing: the same events saved one per transaction by N in-process threads (no HTTP).
  B  Validate only: a FastAPI endpoint that parses and validates the same body and answers 201 (no storage).

P and B share the HTTP driver (deploy/bench/driver.py), which runs in this process and so shares the
machine's cores with the server it drives: the CPU columns show who used them. A warm-up precedes each
measured phase and is not counted. After P the ledger head must equal the number of events sent, or no
figures are reported. Figures move with whatever else runs on the machine; the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from deploy.bench import database, plain_eventsourcing
from deploy.bench.driver import BenchmarkFailed, HttpTarget, Measurement, run_http, run_threads
from deploy.bench.processes import Service, running_service
from deploy.bench.workload import deal_won_bodies, new_secret, sign_all

WEBHOOK_PATH = "/v1/webhooks/generic"
# Per subject, warm-up included. Below the receivers' 5-minute signature tolerance on purpose: requests are
# signed before the run, so a run that outlasts it would end in 401s rather than in a clear timeout.
SUBJECT_TIMEOUT = 240.0

PERFLEDGER = "P  PerfLedger goal_service, HTTP"
BASELINE_A = "A  eventsourcing save per event, threads"
BASELINE_B = "B  FastAPI validate-only, HTTP"
CPU_NOTE = (
    "CPU: ms per measured event (cores busy on average). bench = this process: the HTTP driver for P and B,\n"
    "the whole subject for A; server = the service subprocess. The database's CPU is not counted."
)

# A wide console even when piped, so the tables stay one line per row in logs.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 130)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="measured events per subject (default 10000)")
    parser.add_argument("--warmup", type=int, default=500, help="uncounted events sent first (default 500)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients/threads (default 32)")
    database.add_option(parser)
    args = parser.parse_args(argv)
    if args.events < 1 or args.concurrency < 1 or args.warmup < args.concurrency:
        parser.error("--events and --concurrency must be positive, and --warmup at least --concurrency")
    return args


# --- the subjects -----------------------------------------------------------------------------------------


def bench_perfledger(database_url: str, bodies: list[bytes], args: argparse.Namespace, workdir: Path) -> Measurement:
    key, secret = new_secret()
    token = secrets.token_urlsafe(16)
    env = {
        **database.service_settings(database_url, "perfledger"),
        "PERFLEDGER_WEBHOOK_SECRET": secret,
        "PERFLEDGER_API_TOKENS": f"{token}=service",
        "PERFLEDGER_ALLOW_STATIC_TOKENS": "true",
        "PERFLEDGER_RATE_LIMIT_PER_SECOND": "1000000",  # the benchmark is the one sender, on purpose
        "PERFLEDGER_DATA_DIR": str(workdir / "data"),
        # Log level left at its default (INFO): one JSON line per request is part of what production pays.
    }
    with running_service("goal_service", ["services.goal_service"], env, "/ready", workdir) as service:
        requests = sign_all(bodies, key)  # signed now: the verifier refuses timestamps over 5 minutes old
        measurement = run_http(
            PERFLEDGER,
            HttpTarget(service.base_url, WEBHOOK_PATH, 201, service.cpu_seconds),
            requests[: args.warmup],
            requests[args.warmup :],
            concurrency=args.concurrency,
            timeout=SUBJECT_TIMEOUT,
        )
        with ledger_client(service, token) as client:
            check_ledger_head(client, expected=len(bodies))
            report_commit_groups(client, args.warmup)
    return measurement


@contextmanager
def ledger_client(service: Service, token: str) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=service.base_url, headers=headers, timeout=10.0, trust_env=False) as client:
        yield client


def check_ledger_head(client: httpx.Client, expected: int) -> None:
    """Every 201 must be an entry: a head short of the events sent means lost events, and their speed
    is not worth reporting."""
    response = client.get("/v1/ledger/head")
    if response.status_code != 200:
        raise BenchmarkFailed(f"GET /v1/ledger/head answered {response.status_code}: {response.text[:300]}")
    position = response.json()["position"]
    if position != expected:
        raise BenchmarkFailed(f"the ledger head is at {position} after {expected} events were accepted")
    console.print(f"   ledger head = {position:,} = events sent (warm-up included): nothing lost")


def report_commit_groups(client: httpx.Client, warmup: int) -> None:
    """How well group commit grouped, from the ledger itself: every entry of one transaction carries the
    same recorded_at (domain/ledger.py, LedgerBatch), so distinct values count the commits."""
    commits: set[str] = set()
    after = warmup  # the measured phase only
    while page := client.get("/v1/ledger/events", params={"after": after, "limit": 1000}).json()["events"]:
        commits.update(entry["entry"]["recorded_at"] for entry in page)
        after = page[-1]["position"]
    events = after - warmup
    per_commit = events / len(commits)
    console.print(f"   group commit: {len(commits):,} commits, {per_commit:.1f} events per commit (measured phase)")


def bench_plain_eventsourcing(
    database_url: str, bodies: list[bytes], args: argparse.Namespace, workdir: Path
) -> Measurement:
    app = plain_eventsourcing.open_application(database_url, args.concurrency, workdir / "baseline_a")
    try:
        return run_threads(
            BASELINE_A,
            partial(plain_eventsourcing.save_one, app),
            bodies[: args.warmup],
            bodies[args.warmup :],
            concurrency=args.concurrency,
            timeout=SUBJECT_TIMEOUT,
        )
    finally:
        app.close()


def bench_validate_only(bodies: list[bytes], args: argparse.Namespace, workdir: Path) -> Measurement:
    key, _secret = new_secret()  # B checks no signature; the headers are sent so requests weigh the same
    with running_service("validate_only", ["deploy.bench.validate_only"], {}, "/health", workdir) as service:
        requests = sign_all(bodies, key)
        return run_http(
            BASELINE_B,
            HttpTarget(service.base_url, WEBHOOK_PATH, 201, service.cpu_seconds),
            requests[: args.warmup],
            requests[args.warmup :],
            concurrency=args.concurrency,
            timeout=SUBJECT_TIMEOUT,
        )


# --- the report -------------------------------------------------------------------------------------------


def _cpu(cpu_seconds: float | None, m: Measurement) -> str:
    if cpu_seconds is None:
        return "-"
    return f"{cpu_seconds / m.events * 1000:.2f} ({cpu_seconds / m.seconds:.2f})"


def results_table(results: Sequence[Measurement]) -> Table:
    table = Table()
    headings = ("subject", "events", "seconds", "events/s", "p50 ms", "p99 ms", "bench CPU", "server CPU")
    for heading in headings:
        table.add_column(heading, justify="left" if heading == "subject" else "right")
    for m in results:
        table.add_row(
            m.subject,
            f"{m.events:,}",
            f"{m.seconds:.2f}",
            f"{m.events_per_second:,.0f}",
            f"{m.percentile(50):.2f}",
            f"{m.percentile(99):.2f}",
            _cpu(m.bench_cpu_seconds, m),
            _cpu(m.server_cpu_seconds, m),
        )
    return table


def ratios_table(perfledger: Measurement, baselines: Sequence[Measurement]) -> Table:
    table = Table()
    for heading in ("PerfLedger vs", "events/s ratio", "p50 ratio", "p99 ratio"):
        table.add_column(heading, justify="left" if heading == "PerfLedger vs" else "right")
    for base in baselines:
        table.add_row(
            base.subject,
            f"{perfledger.events_per_second / base.events_per_second:.2f}x",
            f"{perfledger.percentile(50) / base.percentile(50):.2f}x",
            f"{perfledger.percentile(99) / base.percentile(99):.2f}x",
        )
    return table


# --- main -------------------------------------------------------------------------------------------------


def _announce(letter: str, what: str, args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    console.print(
        f"[bold]{letter}[/] {what}: {args.warmup:,} warm-up + {args.events:,} measured events, "
        f"concurrency {args.concurrency} (load average {load:.2f})"
    )


def run(args: argparse.Namespace) -> list[Measurement]:
    bodies = deal_won_bodies(args.warmup + args.events)  # the same events for every subject
    with (
        tempfile.TemporaryDirectory(prefix="perfledger-bench-") as workdir,
        database.temporary_database(args.sqlite) as database_url,
    ):
        _announce("P", "PerfLedger goal_service", args)
        perfledger = bench_perfledger(database_url, bodies, args, Path(workdir))
        _announce("A", "plain eventsourcing", args)
        baseline_a = bench_plain_eventsourcing(database_url, bodies, args, Path(workdir))
        _announce("B", "validate-only FastAPI", args)
        baseline_b = bench_validate_only(bodies, args, Path(workdir))
    return [perfledger, baseline_a, baseline_b]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the finally blocks still stop subprocesses and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    console.print(
        f"PerfLedger ingest benchmark: Python {platform.python_version()}, {database.engine_name(args.sqlite)}, "
        f"{len(os.sched_getaffinity(0))} CPUs shared by the driver, the servers and the database"
    )
    started = time.perf_counter()
    try:
        results = run(args)
    except BenchmarkFailed as error:
        console.print(f"[bold red]benchmark invalid, no figures reported:[/] {error}")
        return 1
    console.print("\n[bold]Ingest, measured phase (warm-up excluded)[/]")
    console.print(results_table(results))
    console.print(CPU_NOTE)
    console.print("\n[bold]PerfLedger / baseline[/]  (events/s above 1: PerfLedger faster; p50, p99 above 1: slower)")
    console.print(ratios_table(results[0], results[1:]))
    console.print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
