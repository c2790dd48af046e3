"""Read benchmark: goal_service's figures for a seeded company under concurrent readers, next to a FastAPI
endpoint answering a constant of the same size.

    python -m deploy.bench.reads [--events N] [--clients 50] [--requests 2000] [--processes 2] [--sqlite]

goal_service runs on a fresh PostgreSQL database (dropped at the end; --sqlite: its own SQLite file) with the
seeded company of deploy/bench/company.py: 1,000 reps in 20 teams, the company's Q4 goal decomposed into the
teams, and N activities over the quarter. Then, for each read, `--requests` GETs from `--clients` concurrent
keep-alive clients (after a warm-up), and the same count from the constant endpoint with a body of that read's
size:

  company roll-up   the company goal's progress with its 20 team goals (children=true)
  team drill-down   one team goal's progress broken down by rep
  leaderboard       every rep ranked by revenue over the quarter
  known_at          the company roll-up as known half-way through the ledger

The reads go to --processes goal_service processes on the same database, the clients taking turns: the
first records the company and runs the projections (it holds their lease); the others serve reads only.

Targets (issue 13): p99 at most 25 ms (known_at: 100 ms) and at least half the constant's throughput.
Also printed: how fast the company was recorded, how long the projections took to hold it, and
goal_service's resident memory at the end.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.table import Table

from deploy.bench import company, database
from deploy.bench.driver import BenchmarkFailed, HttpTarget, Measurement, run_http
from deploy.bench.ingest import console
from deploy.bench.processes import Service, perfledger_service
from deploy.bench.results import machine, merge_results, results_key
from deploy.bench.workload import SignedRequest, new_secret, sign_all

BATCH = 500
AS_OF = "2026-12-31"
CATCH_UP_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Read:
    name: str
    path: str
    p99_target_ms: float


@dataclass(frozen=True)
class Compared:
    read: Read
    figures: Measurement
    constant: Measurement
    size: int
    first_ms: float  # the first answer, before any was kept (shared/platform/answer_cache.py)

    @property
    def ratio(self) -> float:
        return self.figures.events_per_second / self.constant.events_per_second

    @property
    def passed(self) -> bool:
        return self.figures.percentile(99) <= self.read.p99_target_ms and self.ratio >= 0.5


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.reads", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="activities in the quarter (default 100000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent readers (default 50)")
    parser.add_argument("--requests", type=int, default=2_000, help="measured requests per read (default 2000)")
    parser.add_argument(
        "--processes",
        type=int,
        default=2,
        help="goal_service processes serving the reads; one projects (default 2; with --sqlite 1, which owns its file)",
    )
    database.add_option(parser)
    args = parser.parse_args(argv)
    if args.sqlite and args.processes != 1:
        args.processes = 1  # one process owns a SQLite file
    return args


def seed(client: httpx.Client, key: bytes, events: int) -> int:
    """The seeded company into goal_service; the ledger's head."""
    hr = {"authorization": "Bearer hr"}
    imported = client.post(
        "/v1/org/import", content=company.organisation_csv().encode(), headers={"content-type": "text/csv", **hr}
    )
    _expect(imported, 200, 201)
    _expect(client.post("/v1/calendars/2026/seed", headers=hr), 201)
    _expect(client.post("/v1/goals", json=company.company_goal(), headers=hr), 201)
    _expect(client.post("/v1/goals/q4/decomposition", json=company.team_decomposition(), headers=hr), 200, 201)
    bodies = list(company.activities(events))
    batches = [b"[" + b",".join(bodies[n : n + BATCH]) + b"]" for n in range(0, len(bodies), BATCH)]
    for n, batch in enumerate(batches):  # signed as sent: a receiver refuses a signature five minutes old
        (request,) = sign_all([batch], key, "application/cloudevents-batch+json", first=n)
        _expect(client.post("/v1/webhooks/generic", content=request.body, headers=request.headers), 201)
    return client.get("/v1/ledger/head", headers={"authorization": "Bearer service"}).json()["position"]


def _expect(answer: httpx.Response, *statuses: int) -> None:
    if answer.status_code not in statuses:
        raise BenchmarkFailed(f"{answer.request.url.path} answered {answer.status_code}: {answer.text[:300]}")


def caught_up(client: httpx.Client, head: int) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < CATCH_UP_TIMEOUT:
        status = client.get("/v1/projections", headers={"authorization": "Bearer service"}).json()
        if all(p["position"] >= head for p in status):
            return time.perf_counter() - started
        time.sleep(0.2)
    raise BenchmarkFailed(f"goal_service's projections did not reach {head} in {CATCH_UP_TIMEOUT:.0f} s")


def reads(head: int) -> list[Read]:
    return [
        Read("company roll-up (20 team goals)", f"/v1/goals/q4/progress?children=true&as_of={AS_OF}", 25),
        Read("team drill-down by rep", f"/v1/goals/q4-east-1/progress?drill=rep&as_of={AS_OF}", 25),
        Read("leaderboard, quarter, 1,000 reps", f"/v1/leaderboards/revenue_won?period=2026-Q4&as_of={AS_OF}", 25),
        Read(
            "company roll-up known_at half-way",
            f"/v1/goals/q4/progress?children=true&as_of={AS_OF}&known_at={head // 2}",
            100,
        ),
    ]


def measure(
    service: Service, path: str, args: argparse.Namespace, token: str | None, more: Sequence[Service] = ()
) -> Measurement:
    """`--requests` GETs of `path` from `--clients` clients, spread over `service` and `more` processes of it."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    request = SignedRequest(b"", headers)

    def cpu_seconds() -> float:
        return sum(s.cpu_seconds() for s in (service, *more))

    more_urls = tuple(s.base_url for s in more)
    target = HttpTarget(service.base_url, path, 200, cpu_seconds, method="GET", more_urls=more_urls)
    warmup = [request] * args.clients * 2
    return run_http(path, target, warmup, [request] * args.requests, concurrency=args.clients, timeout=600)


def first_answer(client: httpx.Client, url: str) -> tuple[int, float]:
    """The size of the answer to a read asked for the first time, and how long it took in ms."""
    started = time.perf_counter()
    answer = client.get(url, headers={"authorization": "Bearer admin"})
    _expect(answer, 200)
    return len(answer.content), (time.perf_counter() - started) * 1000


def resident_mb(service: Service) -> float:
    status = Path(f"/proc/{service.pid}/status").read_text()
    kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kilobytes / 1024


def run(args: argparse.Namespace) -> tuple[list[Compared], dict[str, float]]:
    key, secret = new_secret()
    with ExitStack() as stack:
        database_url = stack.enter_context(database.temporary_database(args.sqlite))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="perfledger-bench-")))
        start = perfledger_service(stack, database_url, workdir)
        goal, constant = start("goal_service", webhook_secret=secret), start("constant")
        with httpx.Client(base_url=goal.base_url, timeout=600.0, trust_env=False) as client:
            started = time.perf_counter()
            head = seed(client, key, args.events)
            recorded = time.perf_counter() - started
            projected = caught_up(client, head)
            database.analyse(database_url)
            console.print(
                f"recorded {head:,} entries in {recorded:.0f} s ({head / recorded:,.0f}/s); "
                f"projected {projected:.1f} s after"
            )
            readers = [
                start("goal_service", f"goal_service-{n}", webhook_secret=secret) for n in range(2, args.processes + 1)
            ]
            compared = []
            for read in reads(head):
                size, first_ms = first_answer(client, read.path)
                figures = measure(goal, read.path, args, "admin", readers)
                baseline = measure(constant, f"/constant?size={size}", args, None)
                compared.append(Compared(read, figures, baseline, size, first_ms))
            memory = {"goal_service_rss_mb": resident_mb(goal), "entries": head}
    return compared, memory


def reads_table(compared: list[Compared], title: str) -> Table:
    table = Table(title=title)
    columns = ("read", "bytes", "first ms", "req/s", "p50 ms", "p99 ms", "constant req/s", "constant p99", "ratio", "")
    for column in columns:
        table.add_column(column, justify="left" if column == "read" else "right")
    for c in compared:
        table.add_row(
            c.read.name,
            f"{c.size:,}",
            f"{c.first_ms:,.0f}",
            f"{c.figures.events_per_second:,.0f}",
            f"{c.figures.percentile(50):.1f}",
            f"{c.figures.percentile(99):.1f} (≤ {c.read.p99_target_ms:.0f})",
            f"{c.constant.events_per_second:,.0f}",
            f"{c.constant.percentile(99):.1f}",
            f"{c.ratio:.2f} (≥ 0.5)",
            "pass" if c.passed else "miss",
        )
    return table


def row(c: Compared) -> dict[str, object]:
    """One read's figures as bench-results.json keeps them."""
    return {
        "read": c.read.name,
        "bytes": c.size,
        "first_answer_ms": round(c.first_ms, 1),
        "requests_per_second": round(c.figures.events_per_second),
        "p50_ms": round(c.figures.percentile(50), 1),
        "p99_ms": round(c.figures.percentile(99), 1),
        "p99_target_ms": c.read.p99_target_ms,
        "constant_requests_per_second": round(c.constant.events_per_second),
        "ratio": round(c.ratio, 3),
        "pass": c.passed,
    }


def report(compared: list[Compared], facts: dict[str, float], sqlite: bool) -> None:
    engine = database.engine_name(sqlite)
    console.print(reads_table(compared, f"reads at {facts['entries']:,.0f} entries, goal_service on {engine}"))
    console.print(f"goal_service resident memory: {facts['goal_service_rss_mb']:.0f} MB (≤ 300)")
    merge_results(
        results_key("reads", sqlite),
        {
            "machine": machine(sqlite),
            "entries": facts["entries"],
            "goal_service_rss_mb": round(facts["goal_service_rss_mb"]),
            "rows": [row(c) for c in compared],
        },
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    console.print(f"PerfLedger read benchmark: {database.engine_name(args.sqlite)}, {args.events:,} activities")
    try:
        compared, facts = run(args)
    except BenchmarkFailed as error:
        console.print(f"[bold red]benchmark invalid, no figures reported:[/] {error}")
        return 2
    report(compared, facts, args.sqlite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
