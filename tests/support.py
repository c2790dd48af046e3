"""Test helpers: Standard Webhooks signing written from the spec (not with the project's verifier),
CloudEvent builders, and a service served over real HTTP from a thread."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.platform.settings import FollowerSettings

SECRET_BYTES = b"test-secret-0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
OLD_SECRET_BYTES = b"old-secret-fedcba9876543210"
OLD_SECRET = "whsec_" + base64.b64encode(OLD_SECRET_BYTES).decode()
TOKENS = (
    "t-admin=admin,t-service=service,t-auditor=auditor,t-rep=rep:r-1,t-manager=manager:team-east,"
    "t-hr=hr@wang.fang,t-east=manager:east,t-rep2=rep:r-2,t-wang=committee@wang,t-li=committee@li"
)
SOURCE = "crm://tests"
ZONE = ZoneInfo("Asia/Shanghai")  # the company zone every test service runs in (the settings' default)
ROOT = Path(__file__).resolve().parents[1]  # the repository, where `python -m services...` runs


def free_port(count: int = 1) -> int:
    """The first of `count` consecutive free ports, taken below the kernel's ephemeral range (32768 and up)
    so that a service's own outgoing connections cannot take a port before the server binds it."""
    while True:
        first = random.randrange(20000, 32000 - count)
        try:
            for port in range(first, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def sign(body: bytes, *, key: bytes = SECRET_BYTES, msg_id: str | None = None, ts: int | None = None) -> dict:
    msg_id = msg_id or "msg_" + hashlib.sha256(body).hexdigest()[:20]
    ts = int(time.time()) if ts is None else ts
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


def cloudevent(
    type_: str,
    data: dict[str, Any],
    *,
    id_: str | None = None,
    source: str = SOURCE,
    time_: str = "2026-10-05T03:00:00Z",
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": id_ or str(uuid.uuid4()),
        "source": source,
        "type": type_,
        "time": time_,
        "datacontenttype": "application/json",
        "data": data,
    }


def deal_won(rep: str = "r-1", amount: str = "1000.00", **extra: Any) -> dict[str, Any]:
    data = {"rep_id": rep, "customer_id": "c-1", "deal_id": "d-1", "amount": amount, "currency": "CNY"}
    return cloudevent("deal.won", data, **extra)


def signed_post(
    client: httpx.Client,
    event: dict | list,
    *,
    key: bytes = SECRET_BYTES,
    ts: int | None = None,
    path: str = "/v1/webhooks/generic",
) -> httpx.Response:
    body = json.dumps(event).encode()
    media = "application/cloudevents-batch+json" if isinstance(event, list) else "application/cloudevents+json"
    return client.post(path, content=body, headers={"content-type": media, **sign(body, key=key, ts=ts)})


class Switchboard:
    """A uvicorn server kept for the whole test run that serves one app at a time, each under a path prefix
    of its own: starting a service for a test runs its lifespan, not a server, which saves the server's
    start and its graceful stop (about 0.2 s a service). A request for an app no longer served is a 404."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self.prefix = ""
        self.prefixes = itertools.count(1)
        self.requests: set[asyncio.Future[None]] = set()
        self.server = uvicorn.Server(
            uvicorn.Config(self, host="127.0.0.1", port=0, lifespan="off", log_level="warning", log_config=None)
        )
        self.server.config.access_log = False
        ready = threading.Event()

        async def serve() -> None:
            self.loop = asyncio.get_running_loop()
            ready.set()
            await self.server.serve()

        self.thread = threading.Thread(target=asyncio.run, args=(serve(),), name="switchboard", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not (ready.is_set() and self.server.started):
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.005)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app, prefix = self.app, self.prefix
        path = scope.get("path", "")
        if app is None or not (path == prefix or path.startswith(prefix + "/")):
            await PlainTextResponse("no app is served here", status_code=404)(scope, receive, send)
            return
        answered = False

        async def answer(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        scoped = {**scope, "root_path": scope.get("root_path", "") + prefix}
        request = asyncio.ensure_future(app(scoped, receive, answer))
        self.requests.add(request)
        try:
            await request
        except asyncio.CancelledError:
            if not request.cancelled():
                raise  # the server cancelled this handler itself
            if not answered:  # cut off by its app's stop, as a stopping server would close the connection
                await PlainTextResponse("the app stopped", status_code=503)(scope, receive, send)
        finally:
            self.requests.discard(request)

    @contextmanager
    def serving(self, app: Starlette) -> Iterator[str]:
        started = asyncio.run_coroutine_threadsafe(self._start(app), self.loop).result(60)
        self.app, self.prefix = app, f"/app-{next(self.prefixes)}"
        try:
            yield f"http://127.0.0.1:{self.port}{self.prefix}"
        finally:
            self.app = None
            asyncio.run_coroutine_threadsafe(self._stop(*started), self.loop).result(60)

    async def _start(self, app: Starlette) -> tuple[asyncio.Event, asyncio.Task[None]]:
        """Enter the app's lifespan in a task of the server's loop that stays in it until told to stop."""
        started: asyncio.Future[None] = self.loop.create_future()
        stop = asyncio.Event()

        async def live() -> None:
            try:
                async with app.router.lifespan_context(app):
                    started.set_result(None)
                    await stop.wait()
            except BaseException as error:
                if started.done():
                    raise
                started.set_exception(error)

        task = asyncio.create_task(live())
        await started
        return stop, task

    async def _stop(self, stop: asyncio.Event, task: asyncio.Task[None]) -> None:
        """End the app's requests still in flight (a stopped follower's long poll), then its lifespan."""
        for request in list(self.requests):
            request.cancel()
        await asyncio.gather(*list(self.requests), return_exceptions=True)
        stop.set()
        await task


SWITCHBOARDS: list[Switchboard] = []


@contextmanager
def serve_in_thread(app: Starlette) -> Iterator[str]:
    """Serve the app over real HTTP on loopback, on its own server thread (so services served together
    still have an event loop each, as in production); yields its base URL."""
    board = next((board for board in SWITCHBOARDS if board.app is None), None)
    if board is None:
        board = Switchboard()
        SWITCHBOARDS.append(board)
    with board.serving(app) as url:
        yield url


# `perfledger` commands run as processes of their own, forked from a server process that imported the CLI
# once (multiprocessing's forkserver): a command starts in milliseconds instead of a second and a half of
# imports, and still exits, prints and fails as the real command does.
COMMANDS = multiprocessing.get_context("forkserver")
COMMANDS.set_forkserver_preload(["services.cli"])


def perfledger(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`perfledger ARGS` with the test's environment and `env` on top; its exit code and output."""
    with tempfile.TemporaryDirectory() as scratch:
        out, err = Path(scratch, "stdout"), Path(scratch, "stderr")
        command = COMMANDS.Process(target=_perfledger, args=(args, {**os.environ, **(env or {})}, out, err))
        command.start()
        command.join(timeout)
        if command.exitcode is None:
            command.kill()
            raise subprocess.TimeoutExpired(["perfledger", *args], timeout)
        return subprocess.CompletedProcess(["perfledger", *args], command.exitcode, out.read_text(), err.read_text())


def _perfledger(args: tuple[str, ...], env: dict[str, str], out: Path, err: Path) -> None:
    from services.cli import app

    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)
    with out.open("w") as stdout, err.open("w") as stderr:
        os.dup2(stdout.fileno(), 1)
        os.dup2(stderr.fileno(), 2)
        sys.stdout, sys.stderr = stdout, stderr
        app(list(args), prog_name="perfledger")


S = TypeVar("S", bound=FollowerSettings)


def follower_settings(
    settings_class: type[S], name: str, goal_url: str, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> S:
    """A service following this test's goal_service, on its own database (on PostgreSQL, its own schema)."""
    monkeypatch.setenv("PERFLEDGER_GOAL_SERVICE_URL", goal_url)
    if "PERFLEDGER_DATABASE_SCHEMA" in storage_env:
        monkeypatch.setenv("PERFLEDGER_DATABASE_SCHEMA", f"{storage_env['PERFLEDGER_DATABASE_SCHEMA']}_{name}")
    return settings_class()
