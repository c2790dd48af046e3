"""Test helpers: Standard Webhooks signing written from the spec (not with the project's verifier),
CloudEvent builders, and a service served over real HTTP from a thread."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from shared.platform.settings import FollowerSettings

SECRET_BYTES = b"test-secret-0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
OLD_SECRET_BYTES = b"old-secret-fedcba9876543210"
OLD_SECRET = "whsec_" + base64.b64encode(OLD_SECRET_BYTES).decode()
TOKENS = (
    "t-admin=admin,t-service=service,t-auditor=auditor,t-rep=rep:r-1,t-manager=manager:team-east,"
    "t-hr=hr@wang.fang,t-east=manager:east,t-rep2=rep:r-2"
)
SOURCE = "crm://tests"
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


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve the app with uvicorn on a free loopback port; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


S = TypeVar("S", bound=FollowerSettings)


def follower_settings(
    settings_class: type[S], name: str, goal_url: str, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> S:
    """A service following this test's goal_service, on its own database (on PostgreSQL, its own schema)."""
    monkeypatch.setenv("PERFLEDGER_GOAL_SERVICE_URL", goal_url)
    if "PERFLEDGER_DATABASE_SCHEMA" in storage_env:
        monkeypatch.setenv("PERFLEDGER_DATABASE_SCHEMA", f"{storage_env['PERFLEDGER_DATABASE_SCHEMA']}_{name}")
    return settings_class()
