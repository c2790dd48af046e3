"""Baseline for the read benchmarks: a FastAPI endpoint that answers a constant JSON body of a given size,
served as the services are, so it bounds what HTTP + FastAPI alone cost for an answer of that size.

Run as `python -m deploy.bench.constant --host 127.0.0.1 --port N`; GET /constant?size=BYTES."""

from __future__ import annotations

import json
from functools import cache

from fastapi import FastAPI, Query, Response

from deploy.bench.processes import serve_baseline

app = FastAPI(title="bench: a constant answer")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@cache
def body_of(size: int) -> bytes:
    return json.dumps({"figures": "x" * max(0, size - 16)}).encode()


@app.get("/constant")
async def constant(size: int = Query(ge=0, le=10_000_000)) -> Response:
    return Response(body_of(size), media_type="application/json")


def main() -> None:
    serve_baseline(app, "python -m deploy.bench.constant")


if __name__ == "__main__":
    main()
