"""Bulk import benchmark: how fast goal_service records an NDJSON import, next to raw psycopg inserts.

    python -m deploy.bench.imports [--events N] [--chunk 50000] [--py-spy OUT.svg|.txt|.json] [--sqlite]

Both subjects get the same N CloudEvents, a quarter of the seeded company's activity (deploy/bench/company.py:
visits, calls, won deals, payments and leads, one in a hundred a correction of an earlier deal), on one fresh
PostgreSQL database dropped at the end (--sqlite: SQLite files, one process of goal_service, which owns its
file, and sqlite3's executemany as B):

  P  PerfLedger: goal_service as two subprocesses, one recording and one running the projections (as
     deploy/README.md says to run heavy ingest), holding the company (organisation, calendar, goals and 500
     activities sent as webhooks), so its projections follow the import as they would in production.
     The events are POSTed to /v1/imports as NDJSON, --chunk lines a request, one request after the other;
     every line must come back recorded and the ledger head must move by N, or no figures are reported.
  B  Raw executemany: psycopg inserting (position, id, body as jsonb) rows into a plain table (primary key
     on the position, unique id), 100 rows per transaction, on the same server: no HTTP, no validation, no
     identity claims, no hash chain.

Only sending is timed: each chunk is built before its clock starts. Target: P at least half B's events/s.
--py-spy records goal_service's stacks during P (py-spy must be installed). Writes "imports" into
bench-results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import httpx
import psycopg
from rich.table import Table

from deploy.bench import company, database, reads
from deploy.bench.driver import BenchmarkFailed
from deploy.bench.ingest import console
from deploy.bench.processes import Service, perfledger_service, recorder_and_projector
from deploy.bench.results import machine, merge_results, results_key
from deploy.bench.workload import new_secret

SEED = 14  # not the 13 of the activities reads.seed sends first: every imported id is new
SETUP_ACTIVITIES = 500
ROWS_PER_TRANSACTION = 100
TARGET = 0.5
REQUEST_TIMEOUT = 900.0
PY_SPY_FORMATS = {".svg": "flamegraph", ".txt": "raw", ".json": "speedscope"}


@dataclass(frozen=True)
class Timed:
    subject: str
    events: int
    seconds: float
    server_cpu_seconds: float | None = None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.imports", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events imported (default 200000)")
    parser.add_argument("--chunk", type=int, default=50_000, help="NDJSON lines per request (default 50000)")
    parser.add_argument("--py-spy", type=Path, help="profile goal_service during P into this file")
    database.add_option(parser)
    args = parser.parse_args(argv)
    if args.events < 1 or args.chunk < 1:
        parser.error("--events and --chunk must be positive")
    if args.py_spy and args.py_spy.suffix not in PY_SPY_FORMATS:
        parser.error(f"--py-spy must end in one of {', '.join(PY_SPY_FORMATS)}")
    return args


def chunks(events: int, size: int) -> Iterator[list[bytes]]:
    """The events, `size` at a time, generated as needed: a million of them are not held at once."""
    bodies = company.activities(events, seed=SEED)
    while chunk := list(islice(bodies, size)):
        yield chunk


# --- P ----------------------------------------------------------------------------------------------------


def bench_perfledger(database_url: str, args: argparse.Namespace, workdir: Path) -> Timed:
    key, secret = new_secret()
    headers = {"authorization": "Bearer service", "content-type": "application/x-ndjson"}
    with ExitStack() as stack:
        start = perfledger_service(stack, database_url, workdir)
        if database_url == database.EMBEDDED:
            goal = start("goal_service", webhook_secret=secret)
        else:
            goal, _ = recorder_and_projector(start, webhook_secret=secret)
        client = stack.enter_context(httpx.Client(base_url=goal.base_url, timeout=REQUEST_TIMEOUT, trust_env=False))
        before = reads.seed(client, key, SETUP_ACTIVITIES)
        seconds, cpu, line = 0.0, 0.0, 1
        with profiled(goal, args.py_spy) if args.py_spy else nullcontext():
            for chunk in chunks(args.events, args.chunk):
                body = b"\n".join(chunk) + b"\n"
                cpu_before, started = goal.cpu_seconds(), time.perf_counter()
                answer = client.post("/v1/imports", content=body, params={"first_line": line}, headers=headers)
                seconds += time.perf_counter() - started
                cpu += goal.cpu_seconds() - cpu_before
                check_report(answer, len(chunk))
                line += len(chunk)
                console.print(f"   {line - 1:,} lines imported, {(line - 1) / seconds:,.0f}/s so far")
        head = client.get("/v1/ledger/head", headers=headers).json()["position"]
        if head != before + args.events:
            raise BenchmarkFailed(f"the ledger head is at {head:,}, not {before:,} + {args.events:,} events")
        console.print(f"   ledger head = {head:,} = {before:,} set up + {args.events:,} imported: nothing lost")
        status = client.get("/v1/projections", headers=headers).json()
        console.print(f"   goal_service's projections at {min(p['position'] for p in status):,} when it ended")
    return Timed("P  goal_service, POST /v1/imports (NDJSON)", args.events, seconds, cpu)


def check_report(answer: httpx.Response, lines: int) -> None:
    if answer.status_code != 200:
        raise BenchmarkFailed(f"/v1/imports answered {answer.status_code}: {answer.text[:300]}")
    report = answer.json()
    if report["lines"] != lines or report["recorded"] != lines:
        refused = report["rejected"][:3]
        raise BenchmarkFailed(f"{report['recorded']:,} of {lines:,} lines recorded; first refusals: {refused}")


@contextmanager
def profiled(service: Service, output: Path) -> Iterator[None]:
    """py-spy sampling the service while the block runs: only the thread holding the GIL, as the service is
    bound by one core of Python (its projections and the import compete for it)."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [py_spy, "record", "--pid", str(service.pid), "-o", str(output), "-f", PY_SPY_FORMATS[output.suffix]]
    command += ["--gil", "--nonblocking"]  # what holds the GIL, sampled without pausing the service
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # attached before the first request
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        _, errors = spy.communicate(timeout=60)
        console.print(f"   py-spy ({spy.returncode}): {output} {errors.decode(errors='replace').strip()[-300:]}")


# --- B ----------------------------------------------------------------------------------------------------


def baseline_rows(args: argparse.Namespace) -> Iterator[list[tuple[int, str, str]]]:
    """B's rows a chunk at a time, each built before its clock starts: (position from 1, id, body)."""
    position = 0
    for chunk in chunks(args.events, args.chunk):
        yield [(position + n, json.loads(body)["id"], body.decode()) for n, body in enumerate(chunk, 1)]
        position += len(chunk)


def bench_executemany(database_url: str, args: argparse.Namespace, workdir: Path) -> Timed:
    if database_url == database.EMBEDDED:
        return bench_sqlite_executemany(workdir / "baseline.sqlite3", args)
    seconds = 0.0
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        connection.execute("CREATE SCHEMA baseline")
        connection.execute(
            "CREATE TABLE baseline.imported (position bigint PRIMARY KEY, id text NOT NULL UNIQUE, body jsonb NOT NULL)"
        )
        connection.commit()
        insert = "INSERT INTO baseline.imported (position, id, body) VALUES (%s, %s, %s)"
        with connection.cursor() as cursor:
            for rows in baseline_rows(args):
                started = time.perf_counter()
                for n in range(0, len(rows), ROWS_PER_TRANSACTION):
                    with connection.transaction():
                        cursor.executemany(insert, rows[n : n + ROWS_PER_TRANSACTION])
                seconds += time.perf_counter() - started
            stored = cursor.execute("SELECT count(*) FROM baseline.imported").fetchone()
    if not stored or stored[0] != args.events:
        raise BenchmarkFailed(f"the baseline table holds {stored}, not {args.events:,} rows")
    return Timed(f"B  psycopg executemany, {ROWS_PER_TRANSACTION} rows a transaction", args.events, seconds)


def bench_sqlite_executemany(path: Path, args: argparse.Namespace) -> Timed:
    """B on the embedded default: the same rows into a SQLite file, its body as text."""
    seconds = 0.0
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")  # as eventsourcing's SQLite recorder runs
        connection.execute("CREATE TABLE imported (position integer PRIMARY KEY, id text NOT NULL UNIQUE, body text)")
        insert = "INSERT INTO imported (position, id, body) VALUES (?, ?, ?)"
        for rows in baseline_rows(args):
            started = time.perf_counter()
            for n in range(0, len(rows), ROWS_PER_TRANSACTION):
                with connection:
                    connection.execute("BEGIN")
                    connection.executemany(insert, rows[n : n + ROWS_PER_TRANSACTION])
            seconds += time.perf_counter() - started
        (stored,) = connection.execute("SELECT count(*) FROM imported").fetchone()
    finally:
        connection.close()
    if stored != args.events:
        raise BenchmarkFailed(f"the baseline table holds {stored}, not {args.events:,} rows")
    return Timed(f"B  sqlite3 executemany, {ROWS_PER_TRANSACTION} rows a transaction", args.events, seconds)


# --- report -----------------------------------------------------------------------------------------------


def report(perfledger: Timed, baseline: Timed, args: argparse.Namespace) -> None:
    ratio = perfledger.events_per_second / baseline.events_per_second
    passed = ratio >= TARGET
    table = Table(title=f"bulk import of {args.events:,} events, {args.chunk:,} lines a request")
    for column in ("subject", "seconds", "events/s", "server CPU ms/event", "ratio to B", "target", ""):
        table.add_column(column, justify="left" if column == "subject" else "right")
    cpu = perfledger.server_cpu_seconds or 0.0
    table.add_row(
        perfledger.subject,
        f"{perfledger.seconds:.1f}",
        f"{perfledger.events_per_second:,.0f}",
        f"{cpu / perfledger.events * 1000:.2f}",
        f"{ratio:.2f}",
        f"≥ {TARGET}",
        "pass" if passed else "miss",
    )
    table.add_row(baseline.subject, f"{baseline.seconds:.1f}", f"{baseline.events_per_second:,.0f}", "-", "1.00")
    console.print(table)
    console.print(f"measured on {(on := machine(args.sqlite))}")
    merge_results(
        results_key("imports", args.sqlite),
        {
            "machine": on,
            "events": args.events,
            "lines_per_request": args.chunk,
            "events_per_second": round(perfledger.events_per_second),
            "server_cpu_ms_per_event": round(cpu / perfledger.events * 1000, 3),
            "baseline_events_per_second": round(baseline.events_per_second),
            "baseline_rows_per_transaction": ROWS_PER_TRANSACTION,
            "ratio": round(ratio, 3),
            "target_ratio": TARGET,
            "pass": passed,
        },
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    console.print(
        f"PerfLedger import benchmark: {database.engine_name(args.sqlite)}, {args.events:,} events, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    try:
        with (
            database.temporary_database(args.sqlite) as database_url,
            tempfile.TemporaryDirectory(prefix="perfledger-bench-") as tmp,
        ):
            console.print("[bold]P[/] goal_service, /v1/imports")
            perfledger = bench_perfledger(database_url, args, Path(tmp))
            console.print("[bold]B[/] executemany")
            baseline = bench_executemany(database_url, args, Path(tmp))
    except BenchmarkFailed as error:
        console.print(f"[bold red]benchmark invalid, no figures reported:[/] {error}")
        return 2
    report(perfledger, baseline, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
