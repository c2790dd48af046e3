"""Projection lag benchmark: how soon what goal_service commits is visible in every service's projections
while a CRM pushes a steady stream of activity.

    python -m deploy.bench.lag [--rate 1000] [--seconds 60] [--batch 20] [--sqlite]

goal_service, scoring_service and alert_service run as subprocesses on one fresh PostgreSQL database (a schema
each, dropped at the end; --sqlite: a SQLite file each); scoring_service and alert_service follow
goal_service's ledger, and alert_service reads scoring_service's appraisals, as deployed. goal_service is one
process: its projections are woken by its own commits (a separate projecting process by PostgreSQL's NOTIFY).
Set up first: the seeded company of deploy/bench/company.py with its first 1,000 activities, the company's
scorecard (revenue 60%, visits 40%) and a warning rule (no visits for 3 working days), and every projection
holding all of it.

Then the driver posts signed webhook batches of --batch activities at --rate events/s for --seconds, on a
fixed schedule (a slow answer does not delay the next batch; a correction waits until the deal it corrects
is answered), while pollers read goal_service's GET /v1/ledger/head and each service's GET /v1/projections
every 50 ms. The lag of a position, per service: from its commit (when the head was first seen at or past
it, or the webhook's answer naming it arrived, whichever came first) until a poll first answered with
every projection of that service at or past it. Polls are stamped at the middle of their round trip, so
the resolution is about the poll interval. No baseline: the figures are absolute.

Targets (issue 13): p99 lag at most 500 ms, and each service's resident memory at most 300 MB at the end.
The rate the driver achieved is printed beside the one asked for. Writes "lag" into bench-results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import sys
import tempfile
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.table import Table

from deploy.bench import company, database, reads
from deploy.bench.driver import BenchmarkFailed
from deploy.bench.ingest import console
from deploy.bench.processes import Service, perfledger_service
from deploy.bench.results import machine, merge_results, results_key
from deploy.bench.workload import new_secret, sign_all

SETUP_ACTIVITIES = 1_000
SEED = 14  # the setup's activities are reads.seed's (seed 13): these ids are all new
POLL_SECONDS = 0.05
CATCH_UP_TIMEOUT = 600.0
RETRIES = 3
IN_FLIGHT = 64  # unanswered webhooks at most
LAG_TARGET_MS = 500.0
RSS_TARGET_MB = 300.0
BATCH_MEDIA_TYPE = "application/cloudevents-batch+json"
SERVICE = {"authorization": "Bearer service"}
HR = {"authorization": "Bearer hr"}


@dataclass
class Polled:
    """A position polled every POLL_SECONDS: the ledger's head, or the least position of a service's
    projections. Each answer is stamped at the middle of its round trip."""

    name: str
    service: Service
    path: str = "/v1/projections"
    times: list[float] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # kept non-decreasing, for bisect

    def saw(self, at: float, answer: dict | list) -> None:
        position = answer["position"] if isinstance(answer, dict) else min(p["position"] for p in answer)
        self.times.append(at)
        self.positions.append(max(position, self.positions[-1]) if self.positions else position)

    def first_seen(self, position: int) -> float | None:
        index = bisect_left(self.positions, position)
        return self.times[index] if index < len(self.positions) else None

    def lags_ms(self, commits: Sequence[tuple[float, int]]) -> list[float]:
        lags = []
        for committed_at, position in commits:
            if (seen := self.first_seen(position)) is None:
                raise BenchmarkFailed(f"{self.name} never reported position {position}")
            lags.append(max(0.0, seen - committed_at) * 1000)
        return sorted(lags)


@dataclass
class Driven:
    commits: list[tuple[float, int]] = field(default_factory=list)  # (answer arrived, position), one per event
    answers_ms: list[float] = field(default_factory=list)
    started: float = 0.0
    behind: float = 0.0  # the most a batch went behind its schedule


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.lag", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=1_000, help="events per second (default 1000)")
    parser.add_argument("--seconds", type=int, default=60, help="how long the stream lasts (default 60)")
    parser.add_argument("--batch", type=int, default=20, help="events per webhook (default 20)")
    database.add_option(parser)
    args = parser.parse_args(argv)
    if min(args.rate, args.seconds, args.batch) < 1 or args.batch > args.rate:
        parser.error("--rate, --seconds and --batch must be positive, and --batch at most --rate")
    return args


# --- driving and polling ----------------------------------------------------------------------------------


class Stream:
    """The quarter's activity in the order it occurred, except that a correction waits (corrections keeping
    their order) until the webhook holding the deal it corrects has been answered: batches go concurrently,
    and one recorded before the batch holding its deal would be refused, as a CRM's would."""

    def __init__(self, count: int) -> None:
        self.upcoming = deque(company.activities(count, seed=SEED))
        self.waiting: deque[tuple[str, bytes]] = deque()  # (the corrected event's id, the correction)
        self.answered: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.upcoming or self.waiting)

    def next_batch(self, size: int) -> list[bytes]:
        batch: list[bytes] = []
        while self.waiting and self.waiting[0][0] in self.answered and len(batch) < size:
            batch.append(self.waiting.popleft()[1])
        while self.upcoming and len(batch) < size:
            body = self.upcoming.popleft()
            target = json.loads(body)["data"].get("target", {}).get("id")
            if target and (self.waiting or target not in self.answered):
                self.waiting.append((target, body))
            else:
                batch.append(body)
        return batch


async def drive(goal: Service, key: bytes, args: argparse.Namespace) -> Driven:
    stream, interval, driven = Stream(args.rate * args.seconds), args.batch / args.rate, Driven()
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    # No request ever waits in httpx's pool: with thousands queued there, each request scans the queue, and
    # the driver would burn the CPU the services need. Past IN_FLIGHT unanswered batches the driver waits,
    # falls behind its schedule and says so.
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def send(client: httpx.AsyncClient, number: int, batch: list[bytes]) -> None:
        (request,) = sign_all([b"[" + b",".join(batch) + b"]"], key, BATCH_MEDIA_TYPE, first=number)
        sent = time.perf_counter()
        try:
            for attempt in range(RETRIES):  # as a CRM would: a re-delivery is answered with the same positions
                try:
                    answer = await client.post("/v1/webhooks/generic", content=request.body, headers=request.headers)
                    break
                except httpx.TransportError as error:  # e.g. a keep-alive connection the server closed meanwhile
                    if attempt == RETRIES - 1:
                        raise BenchmarkFailed(f"a webhook failed: {type(error).__name__}: {error}") from error
        finally:
            slots.release()
        arrived = time.perf_counter()
        if answer.status_code not in (200, 201):
            raise BenchmarkFailed(f"a webhook answered {answer.status_code}: {answer.text[:300]}")
        events = answer.json()["events"]
        stream.answered.update(event["id"] for event in events)
        driven.answers_ms.append((arrived - sent) * 1000)
        driven.commits.extend((arrived, event["position"]) for event in events)

    async with httpx.AsyncClient(base_url=goal.base_url, limits=limits, timeout=60.0, trust_env=False) as client:
        driven.started, number = time.perf_counter(), 0
        try:
            async with asyncio.TaskGroup() as group:  # the first failure cancels the rest
                while stream:
                    due = driven.started + number * interval
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                    driven.behind = max(driven.behind, time.perf_counter() - due)
                    if batch := stream.next_batch(args.batch):
                        await slots.acquire()
                        group.create_task(send(client, number, batch))
                    number += 1
        except ExceptionGroup as failures:
            raise failures.exceptions[0] from None
    return driven


async def poll(polled: Polled, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=polled.service.base_url, timeout=10.0, trust_env=False) as client:
        ticks = time.perf_counter()
        while not stop.is_set():
            sent = time.perf_counter()
            try:
                answer = await client.get(polled.path, headers=SERVICE)
            except httpx.TransportError:
                continue  # a keep-alive connection closed under the poll: poll again at once
            if answer.status_code != 200:
                raise BenchmarkFailed(f"{polled.name}: GET {polled.path} answered {answer.status_code}")
            polled.saw((sent + time.perf_counter()) / 2, answer.json())
            ticks += POLL_SECONDS
            await asyncio.sleep(max(0.0, ticks - time.perf_counter()))


async def measure(goal: Service, key: bytes, polled: list[Polled], args: argparse.Namespace) -> Driven:
    """Drive the stream while polling; return once every poll has reached the last position committed."""
    stop = asyncio.Event()
    try:
        async with asyncio.TaskGroup() as group:
            for each in polled:
                group.create_task(poll(each, stop))
            try:
                driven = await drive(goal, key, args)
                head = max(position for _, position in driven.commits)
                deadline = time.perf_counter() + CATCH_UP_TIMEOUT
                while any(not p.positions or p.positions[-1] < head for p in polled):
                    if time.perf_counter() > deadline:
                        raise BenchmarkFailed(f"the projections did not reach {head} in {CATCH_UP_TIMEOUT:.0f} s")
                    await asyncio.sleep(POLL_SECONDS)
            finally:
                stop.set()
    except ExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return driven


def committed(driven: Driven, ledger: Polled) -> list[tuple[float, int]]:
    """When each position was committed: when the ledger's head was first seen at or past it, or when the
    webhook's answer naming it arrived, whichever came first."""
    return [(min(answered, ledger.first_seen(position) or answered), position) for answered, position in driven.commits]


# --- setting up -------------------------------------------------------------------------------------------


def set_up(goal: Service, scoring: Service, alert: Service, key: bytes) -> int:
    """The company and its rules; the ledger's head once every service's projections hold it."""
    with httpx.Client(base_url=goal.base_url, timeout=120.0, trust_env=False) as client:
        head = reads.seed(client, key, SETUP_ACTIVITIES)
    with httpx.Client(timeout=60.0, trust_env=False) as client:
        for url, body in (
            (f"{scoring.base_url}/v1/scorecards/sales", company.SCORING_RULES["scorecards/sales"]),
            (f"{alert.base_url}/v1/warning-rules/no-visits", company.WARNING_RULES["no-visits"]),
        ):
            if (answer := client.put(url, json=body, headers=HR)).status_code not in (200, 201):
                raise BenchmarkFailed(f"PUT {url} answered {answer.status_code}: {answer.text[:300]}")
        deadline = time.perf_counter() + CATCH_UP_TIMEOUT
        for service in (goal, scoring, alert):
            while held(client, service) < head:
                if time.perf_counter() > deadline:
                    raise BenchmarkFailed(f"{service.base_url} did not reach the set-up's head {head}")
                time.sleep(0.2)
    return head


def held(client: httpx.Client, service: Service) -> int:
    """The least position of the service's projections."""
    return min(p["position"] for p in client.get(f"{service.base_url}/v1/projections", headers=SERVICE).json())


@dataclass(frozen=True)
class Outcome:
    driven: Driven
    ledger: Polled
    services: list[Polled]
    memory_mb: dict[str, float]


def run(args: argparse.Namespace) -> Outcome:
    key, secret = new_secret()
    with ExitStack() as stack:
        database_url = stack.enter_context(database.temporary_database(args.sqlite))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="perfledger-bench-")))

        start = perfledger_service(stack, database_url, workdir)
        goal = start("goal_service", webhook_secret=secret)
        follow = {"goal_service_url": goal.base_url, "ledger_token": "service"}
        scoring = start("scoring_service", **follow)
        alert = start("alert_service", **follow, scoring_service_url=scoring.base_url)
        head = set_up(goal, scoring, alert, key)
        console.print(f"set up: {head:,} entries, every projection holds them; streaming {args.rate:,} events/s")
        ledger = Polled("ledger head", goal, "/v1/ledger/head")
        services = [Polled("goal_service", goal), Polled("scoring_service", scoring), Polled("alert_service", alert)]
        driven = asyncio.run(measure(goal, key, [ledger, *services], args))
        memory = {polled.name: reads.resident_mb(polled.service) for polled in services}
    return Outcome(driven, ledger, services, memory)


# --- report -----------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    return values[max(1, math.ceil(q / 100 * len(values))) - 1]  # nearest rank, as the driver's


def report(args: argparse.Namespace, outcome: Outcome) -> None:
    driven, commits = outcome.driven, committed(outcome.driven, outcome.ledger)
    seconds = max(at for at, _ in commits) - driven.started
    achieved, answers = len(commits) / seconds, sorted(driven.answers_ms)
    note = "" if achieved >= 0.95 * args.rate else " [bold red](rate not sustained)[/]"
    console.print(
        f"{len(commits):,} events committed in {seconds:.1f} s: {achieved:,.0f} events/s of {args.rate:,} asked"
        f"{note}; the driver ran up to {driven.behind * 1000:,.0f} ms behind its schedule; webhook answers "
        f"p50 {percentile(answers, 50):,.0f} ms, p99 {percentile(answers, 99):,.0f} ms"
    )
    table = Table(title=f"commit-to-visible lag, {args.rate:,} events/s for {args.seconds} s, batches of {args.batch}")
    for column in ("service", "p50 ms", "p99 ms", "max ms", "p99 target", "RSS MB", "RSS target", ""):
        table.add_column(column, justify="left" if column == "service" else "right")
    rows = []
    for polled in outcome.services:
        lags, rss = polled.lags_ms(commits), outcome.memory_mb[polled.name]
        p50, p99, worst = percentile(lags, 50), percentile(lags, 99), lags[-1]
        passed = p99 <= LAG_TARGET_MS and rss <= RSS_TARGET_MB
        verdict = "pass" if passed else "miss"
        figures = (f"{p50:,.0f}", f"{p99:,.0f}", f"{worst:,.0f}", f"≤ {LAG_TARGET_MS:.0f}", f"{rss:.0f}")
        table.add_row(polled.name, *figures, f"≤ {RSS_TARGET_MB:.0f}", verdict)
        row = {"p50_ms": round(p50), "p99_ms": round(p99), "max_ms": round(worst), "rss_mb": round(rss)}
        rows.append({"service": polled.name, **row, "pass": passed})
    console.print(table)
    console.print(f"measured on {(on := machine(args.sqlite))}")
    merge_results(
        results_key("lag", args.sqlite),
        {
            "machine": on,
            "seconds": args.seconds,
            "events_per_webhook": args.batch,
            "rate_asked": args.rate,
            "rate_achieved": round(achieved),
            "driver_most_behind_ms": round(driven.behind * 1000),
            "webhook_answer_p99_ms": round(percentile(answers, 99)),
            "p99_target_ms": LAG_TARGET_MS,
            "rss_target_mb": RSS_TARGET_MB,
            "services": rows,
        },
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    console.print(
        f"PerfLedger lag benchmark: {database.engine_name(args.sqlite)}, {args.rate:,} events/s, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    try:
        report(args, run(args))
    except BenchmarkFailed as error:
        console.print(f"[bold red]benchmark invalid, no figures reported:[/] {error}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
