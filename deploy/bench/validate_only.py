"""Baseline B: the cheapest honest webhook receiver. It parses and validates a CloudEvent exactly as
goal_service does (shared.kernel.events.envelope.parse_events) and answers 201; it checks no signature and
stores nothing, so it bounds what HTTP + FastAPI + validation alone cost on this machine.

Run as `python -m deploy.bench.validate_only --host 127.0.0.1 --port N`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from deploy.bench.processes import serve_baseline
from shared.kernel.events.envelope import parse_events
from shared.platform.errors import DomainError

app = FastAPI(title="bench: validate only")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/v1/webhooks/generic")
async def receive(request: Request) -> JSONResponse:
    try:
        (event,) = parse_events(await request.body(), batch=False)
    except DomainError as error:
        return JSONResponse({"detail": str(error)}, status_code=422)
    # The same shape goal_service answers with, so both send responses of about the same size.
    receipt = {"source": event.source, "id": event.id, "type": event.type, "position": 0, "duplicate": False}
    return JSONResponse(receipt, status_code=201)


def main() -> None:
    serve_baseline(app, "python -m deploy.bench.validate_only")


if __name__ == "__main__":
    main()
