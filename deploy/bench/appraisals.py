"""Appraisal benchmark: scoring_service's and alert_service's figures for the seeded company, and the jobs an
auditor and HR run at the end of a month.

    python -m deploy.bench.appraisals [--events N] [--clients 50] [--requests 500] [--sqlite]

goal_service records the seeded company of deploy/bench/company.py (1,000 reps in 20 teams, N activities over
Q4 2026) on a fresh PostgreSQL database, a schema per service, dropped at the end (--sqlite: a SQLite file per
service). Then, one after the other:

  scoring follows      scoring_service starts, with a scorecard, the tiered commission plan and a team bonus
                       pool, and follows the whole ledger (timed until its projection holds the head)
  alert judges         alert_service starts with all seven warning rules and follows and judges the quarter
                       (timed until its business clock has judged the head); target 60 s
  scores, cold         the first GET /v1/scores for November: the month appraised and kept (live_results)
  scores, rankings,    --requests GETs from --clients concurrent clients each, next to a FastAPI endpoint
  warnings             answering a constant of the same size; target p99 25 ms and half its throughput
  close a month        POST /v1/periods/2026-11/close until every rep's appraisal is sealed; target 10 s
  replay a quarter     2026-Q4 closed, then one rep's sealed quarter replayed byte for byte; target 1 s
  diff, lineage        the same quarter diffed against the ledger now, and one figure's lineage; target 1 s
  audit bundle         the same quarter's audit bundle, with goal_service's inclusion proofs (no target)

and each service's resident memory at the end (target 300 MB). Writes "appraisals" into bench-results.json.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.table import Table

from deploy.bench import company, database, reads
from deploy.bench.driver import BenchmarkFailed
from deploy.bench.ingest import console
from deploy.bench.processes import Service, perfledger_service
from deploy.bench.results import machine, merge_results, results_key
from deploy.bench.workload import new_secret

TIMEOUT = 1800.0
HR = {"authorization": "Bearer hr"}
ADMIN = {"authorization": "Bearer admin"}
AUDITOR = {"authorization": "Bearer auditor"}
MONTH, QUARTER, REP = "2026-11", "2026-Q4", "r-0001"


@dataclass(frozen=True)
class Job:
    name: str
    seconds: float
    target_seconds: float | None

    @property
    def passed(self) -> bool:
        return self.target_seconds is None or self.seconds <= self.target_seconds


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.appraisals", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="activities in the quarter (default 100000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent readers (default 50)")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per read (default 500)")
    database.add_option(parser)
    return parser.parse_args(argv)


def _expect(answer: httpx.Response, *statuses: int) -> httpx.Response:
    if answer.status_code not in statuses:
        raise BenchmarkFailed(f"{answer.request.url.path} answered {answer.status_code}: {answer.text[:300]}")
    return answer


def timed(until: Callable[[], bool], what: str) -> float:
    """Seconds until `until()` holds, polled every 0.2 s."""
    started = time.perf_counter()
    while not until():
        if time.perf_counter() - started > TIMEOUT:
            raise BenchmarkFailed(f"{what} did not finish in {TIMEOUT:.0f} s")
        time.sleep(0.2)
    return time.perf_counter() - started


def held(client: httpx.Client, service: Service, path: str = "/v1/projections") -> int:
    answer = _expect(client.get(f"{service.base_url}{path}", headers=ADMIN), 200).json()
    return answer["position"] if isinstance(answer, dict) else min(p["position"] for p in answer)


def close(client: httpx.Client, scoring: Service, period: str) -> float:
    """Seconds from asking to close `period` until it is sealed."""
    started = time.perf_counter()
    _expect(
        client.post(f"{scoring.base_url}/v1/periods/{period}/close", json={}, headers=HR, timeout=TIMEOUT), 200, 202
    )

    def sealed() -> bool:
        state = _expect(client.get(f"{scoring.base_url}/v1/periods/{period}", headers=HR), 200).json()
        return state["state"] == "closed"

    timed(sealed, f"closing {period}")
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> tuple[list[Job], list[reads.Compared], dict[str, float]]:
    key, secret = new_secret()
    jobs: list[Job] = []
    with ExitStack() as stack:
        database_url = stack.enter_context(database.temporary_database(args.sqlite))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="perfledger-bench-")))
        start = perfledger_service(stack, database_url, workdir)
        constant = start("constant")
        goal = start("goal_service", webhook_secret=secret)
        client = stack.enter_context(httpx.Client(timeout=600.0, trust_env=False))
        with httpx.Client(base_url=goal.base_url, timeout=600.0, trust_env=False) as seeding:
            head = reads.seed(seeding, key, args.events)
        console.print(f"recorded {head:,} entries")
        follow = {"goal_service_url": goal.base_url, "ledger_token": "service"}

        scoring = start("scoring_service", **follow)
        for path, body in company.SCORING_RULES.items():
            _expect(client.put(f"{scoring.base_url}/v1/{path}", json=body, headers=HR), 200, 201)
        jobs.append(
            Job("scoring_service follows the ledger", timed(lambda: held(client, scoring) >= head, "scoring"), None)
        )

        alert = start("alert_service", **follow, scoring_service_url=scoring.base_url)
        for rule_id, rule in company.WARNING_RULES.items():
            _expect(client.put(f"{alert.base_url}/v1/warning-rules/{rule_id}", json=rule, headers=HR), 200, 201)
        judging = timed(lambda: held(client, alert, "/v1/business-clock") >= head, "alert_service judging")
        jobs.append(Job("alert_service follows and judges the quarter, 7 rules", judging, 60))
        database.analyse(database_url)

        started = time.perf_counter()
        _expect(client.get(f"{scoring.base_url}/v1/scores", params={"period": MONTH}, headers=ADMIN), 200)
        jobs.append(Job("scores for a month, cold (appraised and kept)", time.perf_counter() - started, None))
        compared = [
            compare(client, scoring, constant, "scores, a month, 1,000 reps", f"/v1/scores?period={MONTH}", args),
            compare(client, scoring, constant, "rankings, a month", f"/v1/rankings?period={MONTH}", args),
            compare(client, alert, constant, "warnings, first page", "/v1/warnings?state=active", args),
        ]

        jobs.append(Job(f"close {MONTH} for 1,000 reps", close(client, scoring, MONTH), 10))
        close(client, scoring, QUARTER)
        appraisal = f"{scoring.base_url}/v1/appraisals/{QUARTER}/{REP}"

        def replayed() -> None:
            if not _expect(client.post(f"{appraisal}/replay", headers=AUDITOR), 200).json()["result_matches"]:
                raise BenchmarkFailed(f"the replay of {QUARTER}/{REP} did not match its seal")

        def diffed() -> None:
            _expect(client.get(f"{appraisal}/diff", headers=AUDITOR), 200)

        def traced() -> None:
            _expect(client.get(f"{appraisal}/lineage", params={"figure": "/kpis/revenue/actual"}, headers=AUDITOR), 200)

        jobs.append(Job("replay one rep's sealed quarter (median of 5)", median_seconds(replayed), 1))
        jobs.append(Job("diff one rep's sealed quarter against now (median of 5)", median_seconds(diffed), 1))
        jobs.append(Job("lineage of one figure of that quarter (median of 5)", median_seconds(traced), 1))

        def exported() -> None:
            _expect(client.get(f"{appraisal}/audit-bundle", headers=AUDITOR), 200)

        jobs.append(Job("audit bundle of that quarter, with its proofs (median of 5)", median_seconds(exported), None))
        memory = {
            s: reads.resident_mb(service) for s, service in (("goal", goal), ("scoring", scoring), ("alert", alert))
        }
    return jobs, compared, {**memory, "entries": head}


def median_seconds(call: Callable[[], None]) -> float:
    """The median of five timed calls."""
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return sorted(timings)[2]


def compare(
    client: httpx.Client, service: Service, constant: Service, name: str, path: str, args: argparse.Namespace
) -> reads.Compared:
    size, first_ms = reads.first_answer(client, f"{service.base_url}{path}")
    figures = reads.measure(service, path, args, "admin")
    baseline = reads.measure(constant, f"/constant?size={size}", args, None)
    return reads.Compared(reads.Read(name, path, 25), figures, baseline, size, first_ms)


def report(jobs: list[Job], compared: list[reads.Compared], facts: dict[str, float], sqlite: bool) -> None:
    table = Table(title=f"appraisal jobs at {facts['entries']:,.0f} entries, on {database.engine_name(sqlite)}")
    for column in ("job", "seconds", "target", ""):
        table.add_column(column, justify="left" if column == "job" else "right")
    for job in jobs:
        target = "—" if job.target_seconds is None else f"≤ {job.target_seconds:.0f}"
        table.add_row(
            job.name, f"{job.seconds:.2f}", target, "" if job.target_seconds is None else _verdict(job.passed)
        )
    console.print(table)
    console.print(reads.reads_table(compared, f"scoring and alert reads at {facts['entries']:,.0f} entries"))
    memory = {name: round(facts[name]) for name in ("goal", "scoring", "alert")}
    console.print(f"resident memory, MB (≤ 300): {memory}")
    merge_results(
        results_key("appraisals", sqlite),
        {
            "machine": machine(sqlite),
            "entries": facts["entries"],
            "jobs": [
                {"job": j.name, "seconds": round(j.seconds, 2), "target_seconds": j.target_seconds, "pass": j.passed}
                for j in jobs
            ],
            "reads": [reads.row(c) for c in compared],
            "rss_mb": memory,
        },
    )


def _verdict(passed: bool) -> str:
    return "pass" if passed else "miss"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    console.print(f"PerfLedger appraisal benchmark: {database.engine_name(args.sqlite)}, {args.events:,} activities")
    try:
        jobs, compared, facts = run(args)
    except BenchmarkFailed as error:
        console.print(f"[bold red]benchmark invalid, no figures reported:[/] {error}")
        return 2
    report(jobs, compared, facts, args.sqlite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
