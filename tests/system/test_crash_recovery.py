"""Crash recovery of goal_service's ledger under load.

A real goal_service process is SIGKILLed several times while 16 client threads stream 5,000 distinct signed
CloudEvents into it, and restarted each time on the same port and storage. Clients retry every event until it
is acknowledged, as a CRM re-delivers webhooks. Afterwards the ledger read over HTTP must hold every event
exactly once at gapless positions 1..5000, every acknowledgement (including those of re-deliveries answered as
duplicates) must name the event's ledger position, and the hash chain must verify up to the reported head.
This proves that an acknowledgement means "durably recorded", that a crash never loses, duplicates or
reorders acknowledged entries, and that a restarted process continues the chain where the store left it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from shared.platform.chain import ChainedEntry, ChainHead, verify_chain
from shared.platform.http_client import http_client
from tests.support import ROOT, SECRET, SOURCE, TOKENS, auth, cloudevent, free_port, sign

EVENT_COUNT = 3000
WORKERS = 16
STREAM_SECONDS = 180
KILL_AFTER_ACKS = (600, 1500, 2400)  # spread over the stream, each well before its end
REDELIVER_EVERY = 25  # every 25th event is sent once more after its acknowledgement: a deliberate duplicate
EVENT_DEADLINE_SECONDS = 60.0  # one event may be retried for this long (it spans a restart or two)
STARTUP_SECONDS = 30.0
PAGE_SIZE = 1000

pytestmark = pytest.mark.slow


class GoalProcess:
    """goal_service as a subprocess that can be SIGKILLed and started again on the same port and storage."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"=== test: start #{self.starts} on port {self.port} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.goal_service", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        with http_client(base_url=self.url, timeout=2) as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(f"goal_service exited with {self.process.returncode}\n{self.log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/health").status_code == 200:
                        return
                time.sleep(0.05)
        raise AssertionError(f"goal_service did not become healthy in {STARTUP_SECONDS}s\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run, in-flight requests and transactions are cut off mid-way."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.kills += 1
        with self.log_path.open("ab") as log:
            log.write(f"=== test: SIGKILL #{self.kills} ===\n".encode())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self, chars: int = 4000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"--- tail of {self.log_path} ---\n{text[-chars:]}"


@dataclass
class Acks:
    """What the clients were told, shared by the worker threads and the killer."""

    positions: dict[str, list[int]] = field(default_factory=dict)  # event id -> position of each acknowledgement
    duplicates: dict[str, list[bool]] = field(default_factory=dict)  # event id -> `duplicate` of each one
    failures: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)  # every HTTP status seen, retried ones included
    transport_errors: Counter[str] = field(default_factory=Counter)
    acknowledged: int = 0  # events acknowledged at least once
    changed: threading.Condition = field(default_factory=threading.Condition)

    def record(self, event_id: str, body: dict) -> None:
        with self.changed:
            first = event_id not in self.positions
            self.positions.setdefault(event_id, []).append(body["position"])
            self.duplicates.setdefault(event_id, []).append(body["duplicate"])
            if first:
                self.acknowledged += 1
                self.changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.acknowledged >= count or bool(self.failures), timeout)


def call_logged(number: int) -> dict:
    return cloudevent(
        "call.logged",
        {"rep_id": f"r-{number % 17}", "customer_id": f"c-{number % 101}"},
        id_=f"crash-{number:05d}",
    )


def deliver(client: httpx.Client, event: dict, acks: Acks, stop: threading.Event) -> dict | None:
    """POST one event until it is acknowledged (200/201), retrying what a crash causes: refused or cut
    connections, timeouts and 5xx. Returns the acknowledgement, or None after recording why it gave up."""
    body = json.dumps(event).encode()
    deadline = time.monotonic() + EVENT_DEADLINE_SECONDS
    for attempt in range(10_000):
        if stop.is_set() or time.monotonic() > deadline:
            break
        # Signed afresh each attempt: a timestamp older than 5 minutes would be refused.
        headers = {"content-type": "application/cloudevents+json", **sign(body)}
        try:
            response = client.post("/v1/webhooks/generic", content=body, headers=headers)
        except httpx.TransportError as error:
            with acks.changed:
                acks.transport_errors[type(error).__name__] += 1
        else:
            with acks.changed:
                acks.statuses[response.status_code] += 1
            if response.status_code in (200, 201):
                return response.json()
            if response.status_code < 500:
                with acks.changed:
                    acks.failures.append(f"{event['id']}: {response.status_code} {response.text}")
                    acks.changed.notify_all()
                return None
        time.sleep(min(0.02 * 2**attempt, 0.5))  # the restart takes a second or two; do not hammer it
    with acks.changed:
        acks.failures.append(f"{event['id']}: not acknowledged within {EVENT_DEADLINE_SECONDS}s")
        acks.changed.notify_all()
    return None


def stream_events(url: str, events: queue.Queue, acks: Acks, stop: threading.Event) -> None:
    """One worker: takes events off the shared queue until it is empty."""
    timeout = httpx.Timeout(10, connect=2)
    with http_client(base_url=url, timeout=timeout) as client:
        while not stop.is_set():
            try:
                number, event = events.get_nowait()
            except queue.Empty:
                return
            ack = deliver(client, event, acks, stop)
            if ack is None:
                continue
            acks.record(event["id"], ack)
            if number % REDELIVER_EVERY == 0:
                again = deliver(client, event, acks, stop)
                if again is not None:
                    acks.record(event["id"], again)


def kill_during_stream(service: GoalProcess, acks: Acks, kill_points: list[int], errors: list[str]) -> None:
    """SIGKILL the service as the stream passes each threshold, then start it again and wait until healthy."""
    try:
        for threshold in KILL_AFTER_ACKS:
            if not acks.wait_for(threshold, timeout=60):
                errors.append(f"the stream never reached {threshold} acknowledgements")
                return
            if acks.failures:
                return
            kill_points.append(acks.acknowledged)
            service.kill()
            service.start()
    except BaseException as error:  # reported by the test thread, which owns the assertions
        errors.append(f"killer: {type(error).__name__}: {error}")


def read_ledger(url: str) -> tuple[list[dict], dict]:
    """Every ledger entry, paged in position order, and the head."""
    entries: list[dict] = []
    with http_client(base_url=url, timeout=30, headers=auth("t-service")) as client:
        for _ in range(EVENT_COUNT // PAGE_SIZE + 2):  # bounded: one extra page shows the end
            after = entries[-1]["position"] if entries else 0
            page = client.get("/v1/ledger/events", params={"after": after, "limit": PAGE_SIZE})
            page.raise_for_status()
            events = page.json()["events"]
            if not events:
                break
            entries.extend(events)
        head = client.get("/v1/ledger/head")
        head.raise_for_status()
    return entries, head.json()


def run_threads(threads: list[threading.Thread], timeout: float, stop: threading.Event) -> bool:
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        stop.set()  # let the stragglers give up so nothing outlives the test
        for thread in threads:
            thread.join(15)
        return False
    return True


def test_acknowledged_events_survive_repeated_sigkill(storage_env: dict[str, str], tmp_path: Path) -> None:
    env = {
        **os.environ,
        **storage_env,
        "PERFLEDGER_WEBHOOK_SECRET": SECRET,
        "PERFLEDGER_API_TOKENS": TOKENS,
        "PERFLEDGER_ALLOW_STATIC_TOKENS": "true",
    }
    service = GoalProcess(env, tmp_path / "goal_service.log")
    events: queue.Queue = queue.Queue()
    for number in range(1, EVENT_COUNT + 1):
        events.put((number, call_logged(number)))
    acks, stop = Acks(), threading.Event()
    kill_points: list[int] = []
    killer_errors: list[str] = []
    started = time.monotonic()
    try:
        service.start()
        workers = [
            threading.Thread(target=stream_events, args=(service.url, events, acks, stop), name=f"client-{i}")
            for i in range(WORKERS)
        ]
        killer = threading.Thread(
            target=kill_during_stream, args=(service, acks, kill_points, killer_errors), name="killer"
        )
        # A bound against a hang, not a speed target: alone the stream takes about a minute, beside the rest of
        # the suite on two cores up to twice that.
        finished = run_threads([killer, *workers], timeout=STREAM_SECONDS, stop=stop)
        log = service.log_tail  # called only in the message of a failing assertion
        assert finished, f"the stream did not finish within {STREAM_SECONDS}s\n{log()}"
        assert not killer_errors, f"{killer_errors}\n{log()}"
        assert not acks.failures, f"{len(acks.failures)} events failed, e.g. {acks.failures[:5]}\n{log()}"
        assert acks.acknowledged == EVENT_COUNT, f"{acks.acknowledged} of {EVENT_COUNT} acknowledged\n{log()}"
        assert service.kills >= 3, f"killed {service.kills} times\n{log()}"
        assert all(point < EVENT_COUNT for point in kill_points), f"a kill came after the stream: {kill_points}"
        # A 500 is an unhandled error, never an expected effect of a crash; 502-504 would be transient.
        assert acks.statuses[500] == 0, f"{acks.statuses[500]} responses were 500\n{log()}"

        entries, head = read_ledger(service.url)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        service.stop()

    log = service.log_tail
    assert len(entries) == EVENT_COUNT, f"the ledger holds {len(entries)} entries\n{log()}"
    assert [e["position"] for e in entries] == list(range(1, EVENT_COUNT + 1)), "positions are not 1..5000"
    identities = Counter((e["entry"]["source"], e["entry"]["id"]) for e in entries)
    assert set(identities.values()) == {1}, f"recorded twice: {[k for k, n in identities.items() if n > 1][:5]}"
    assert set(identities) == {(SOURCE, call_logged(n)["id"]) for n in range(1, EVENT_COUNT + 1)}

    position_of = {e["entry"]["id"]: e["position"] for e in entries}
    wrong = {
        event_id: (reported, position_of[event_id])
        for event_id, reported in acks.positions.items()
        if any(p != position_of[event_id] for p in reported)
    }
    assert not wrong, f"acknowledged positions differ from the ledger (acked, ledger): {list(wrong.items())[:5]}"
    # Only the first acknowledgement of an event may say "new"; every later one is a re-delivery.
    assert all(all(flags[1:]) for flags in acks.duplicates.values()), "a re-delivery was recorded as new"
    redelivered = sum(len(flags) > 1 for flags in acks.duplicates.values())
    assert redelivered >= EVENT_COUNT // REDELIVER_EVERY, f"only {redelivered} events were acknowledged twice"

    chained = (ChainedEntry(e["position"], e["entry"], e["hash"]) for e in entries)
    assert verify_chain(chained) == ChainHead(EVENT_COUNT, head["hash"]), "the hash chain does not verify"
    assert head["position"] == EVENT_COUNT

    # Visible with -s: how much the crashes exercised re-delivery (no assertion: it depends on timing).
    lost_responses = sum(flags[0] for flags in acks.duplicates.values())
    print(
        f"\n{storage_env.get('PERFLEDGER_DATABASE_URL', 'sqlite')}: {elapsed:.1f}s, kills at {kill_points}, "
        f"{lost_responses} events committed before a crash cut their response off, statuses {dict(acks.statuses)}, "
        f"transport errors {dict(acks.transport_errors)}"
    )
