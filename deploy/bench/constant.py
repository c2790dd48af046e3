"""Baseline for the read benchmarks: a FastAPI endpoint that answers a constant JSON body of a given size,
served as the services are, so it bounds what HTTP + FastAPI alone cost for an answer of that size.

Run as `python -m deploy.bench.constant --host 127.0.0.1 --port N`; GET /constant?size=BYTES."""

from __future__ import annotations

import argparse
import json
from functools import cache

import uvicorn
from fastapi import FastAPI, Query, Response

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
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.constant")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_config=None)


if __name__ == "__main__":
    main()
