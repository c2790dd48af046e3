"""Load drivers and what they measure: an HTTP driver (one asyncio loop, N tasks, each with its own
keep-alive httpx.AsyncClient) and an in-process thread driver (N threads). Both run a warm-up first and
time only what follows it; both stop at the first failure, so no figure counts a request that failed.

Besides wall time and latencies, the measured phase records CPU seconds: this process's (the driver, or
for the thread driver the whole subject) and, when given, the server process's. On a 2-core machine the
driver and the server compete for the same cores, and these figures show who used them."""

from __future__ import annotations

import asyncio
import importlib.util
import math
import queue
import ssl
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TypeVar

import httpx

from deploy.bench.workload import SignedRequest

T = TypeVar("T")


class BenchmarkFailed(RuntimeError):
    """A subject refused, lost or stalled on work; its timing would be meaningless."""


@dataclass(frozen=True)
class Measurement:
    subject: str
    events: int
    seconds: float
    latencies_ms: Sequence[float]  # sorted ascending
    bench_cpu_seconds: float  # this process, all threads
    server_cpu_seconds: float | None  # the server subprocess, when there is one

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile, so p99 is a latency some request really had."""
        rank = max(1, math.ceil(q / 100 * len(self.latencies_ms)))
        return self.latencies_ms[rank - 1]


@dataclass
class _Phase:
    seconds: float = 0.0
    bench_cpu: float = 0.0
    server_cpu: float | None = None


@contextmanager
def _measured_phase(server_cpu: Callable[[], float] | None) -> Iterator[_Phase]:
    phase = _Phase()
    server_before = server_cpu() if server_cpu else None
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    yield phase
    phase.seconds = time.perf_counter() - wall_before
    phase.bench_cpu = time.process_time() - cpu_before
    if server_cpu and server_before is not None:
        phase.server_cpu = server_cpu() - server_before


# --- HTTP --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpTarget:
    base_url: str
    path: str
    expected_status: int
    server_cpu: Callable[[], float] | None = None  # CPU seconds the server has used so far
    method: str = "POST"
    more_urls: tuple[str, ...] = ()  # further processes serving the same: the clients take turns

    @property
    def base_urls(self) -> tuple[str, ...]:
        return (self.base_url, *self.more_urls)


def run_http(
    subject: str,
    target: HttpTarget,
    warmup: Sequence[SignedRequest],
    measured: Sequence[SignedRequest],
    *,
    concurrency: int,
    timeout: float,
) -> Measurement:
    try:
        return asyncio.run(_run_http(subject, target, warmup, measured, concurrency, timeout))
    except TimeoutError:
        raise BenchmarkFailed(f"{subject} did not finish within {timeout:.0f}s") from None


async def _run_http(
    subject: str,
    target: HttpTarget,
    warmup: Sequence[SignedRequest],
    measured: Sequence[SignedRequest],
    concurrency: int,
    timeout: float,
) -> Measurement:
    latencies: list[float] = []
    async with _clients(target.base_urls, concurrency) as clients, asyncio.timeout(timeout):
        await _post_all(clients, target, warmup, [])  # also opens every keep-alive connection
        with _measured_phase(target.server_cpu) as phase:
            await _post_all(clients, target, measured, latencies)
    return Measurement(subject, len(measured), phase.seconds, sorted(latencies), phase.bench_cpu, phase.server_cpu)


@asynccontextmanager
async def _clients(base_urls: Sequence[str], concurrency: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One httpx.AsyncClient per task, each holding one HTTP/1.1 keep-alive connection to one of `base_urls` in
    turn: together a pool of `concurrency` connections. Not one client with a pool of `concurrency`: httpcore
    scans every pooled connection (a poll() per idle socket) on each request, which on the 2-core VM this was
    written on cost the client about 3x the CPU per request and starved the server it shares the cores with.
    trust_env=False: a proxy from the environment must never see loopback benchmark traffic."""
    _skip_sniffio_probe()
    tls = ssl.create_default_context()  # unused on http://, but built once rather than once per client
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=base_urls[n % len(base_urls)], limits=limits, timeout=30.0, trust_env=False, verify=tls
                )
            )
            for n in range(concurrency)
        ]


def _skip_sniffio_probe() -> None:
    """httpcore runs `import sniffio` for every lock it makes; when sniffio is not installed (anyio 4 no
    longer needs it) each attempt searches sys.path again, several times per request. A None entry in
    sys.modules makes the failed import immediate; nothing changes when sniffio is installed."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


async def _post_all(
    clients: Sequence[httpx.AsyncClient],
    target: HttpTarget,
    requests: Iterable[SignedRequest],
    latencies: list[float],
) -> None:
    pending = iter(requests)  # shared by the tasks: each takes the next request when it is free

    async def worker(client: httpx.AsyncClient) -> None:
        for request in pending:
            started = time.perf_counter()
            try:
                response = await client.request(
                    target.method, target.path, content=request.body or None, headers=request.headers
                )
            except httpx.HTTPError as error:
                raise BenchmarkFailed(f"{target.path}: {type(error).__name__}: {error}") from error
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != target.expected_status:
                raise BenchmarkFailed(
                    f"{target.path} answered {response.status_code}, expected {target.expected_status}: "
                    f"{response.text[:500]}"
                )

    try:
        async with asyncio.TaskGroup() as group:  # the first failure cancels the other tasks
            for client in clients:
                group.create_task(worker(client))
    except ExceptionGroup as failures:
        raise failures.exceptions[0] from None  # the first is the cause; any others are its echoes


# --- threads -----------------------------------------------------------------------------------------------


def run_threads(
    subject: str,
    work: Callable[[T], object],
    warmup: Sequence[T],
    measured: Sequence[T],
    *,
    concurrency: int,
    timeout: float,
) -> Measurement:
    deadline = time.monotonic() + timeout
    latencies: list[float] = []
    with ThreadPoolExecutor(concurrency, thread_name_prefix="bench") as pool:
        _work_all(pool, work, warmup, concurrency, [], deadline)
        with _measured_phase(None) as phase:
            _work_all(pool, work, measured, concurrency, latencies, deadline)
    return Measurement(subject, len(measured), phase.seconds, sorted(latencies), phase.bench_cpu, None)


def _work_all(
    pool: ThreadPoolExecutor,
    work: Callable[[T], object],
    items: Sequence[T],
    concurrency: int,
    latencies: list[float],
    deadline: float,
) -> None:
    pending: queue.SimpleQueue[T] = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    stop = threading.Event()  # set on the first failure or on timeout, so no thread runs on unobserved

    def worker() -> None:
        while not stop.is_set():
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                work(item)
            except Exception:
                stop.set()
                raise
            latencies.append((time.perf_counter() - started) * 1000)  # list.append is atomic under the GIL

    futures = [pool.submit(worker) for _ in range(concurrency)]
    try:
        _done, not_done = wait(futures, timeout=max(0.0, deadline - time.monotonic()))
        if not_done:
            raise BenchmarkFailed("the in-process run did not finish in time")
        for future in futures:
            if error := future.exception():
                raise BenchmarkFailed(f"a worker failed: {type(error).__name__}: {error}") from error
    finally:
        stop.set()
