"""What every service with projections serves: how far each projection has followed the ledger (its
position, the head, the lag, when it moved, a poisoned entry that stops it and the entries an operator
passed over), the same as Prometheus metrics, and the route by which an operator passes over a poisoned
entry (shared/poison.py says when and why)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel, Field

from shared.kernel.events.activities import Schema, Text
from shared.platform.auth import Principal, Role, allow
from shared.platform.poison import FailingEntry, PassedOver
from shared.platform.projection import Projections, ProjectionStatus

router = APIRouter(prefix="/v1/projections", tags=["operations"])
log = structlog.get_logger("projections")


class PoisonedOut(BaseModel):
    position: int
    hash: str
    reason: str = Field(description="What the entry fails with, alone, while the database answers.")
    attempts: int
    since: str

    @classmethod
    def of(cls, entry: FailingEntry) -> PoisonedOut:
        return cls(
            position=entry.position, hash=entry.hash, reason=entry.reason, attempts=entry.strikes, since=entry.since
        )


class PassedOverOut(BaseModel):
    position: int
    hash: str
    reason: str
    actor: str
    failure: str | None
    decided_at: str

    @classmethod
    def of(cls, decision: PassedOver) -> PassedOverOut:
        return cls(**decision.__dict__)


class ProjectionOut(BaseModel):
    name: str
    position: int
    head: int
    lag: int
    updated_at: str | None
    error: str | None
    poisoned: PoisonedOut | None = Field(description="The entry this projection is stopped at, if any.")
    passed_over: list[PassedOverOut] = Field(description="Every entry an operator decided it passes over.")

    @classmethod
    def of(cls, status: ProjectionStatus) -> ProjectionOut:
        return cls(
            name=status.name,
            position=status.position,
            head=status.head,
            lag=status.lag,
            updated_at=status.updated_at,
            error=status.error,
            poisoned=PoisonedOut.of(status.poisoned) if status.poisoned else None,
            passed_over=[PassedOverOut.of(d) for d in status.passed_over],
        )


class PassOverRequest(Schema):
    position: Annotated[int, Field(ge=1, le=2**63 - 1, description="The poisoned entry's ledger position.")]
    reason: Text


def projections_of(request: Request) -> Projections:
    return request.app.state.projections


ProjectionsDep = Annotated[Projections, Depends(projections_of)]


@router.get("")
async def projection_status(
    projections: ProjectionsDep, _: Principal = Depends(allow(Role.SERVICE, Role.AUDITOR, Role.ADMIN))
) -> list[ProjectionOut]:
    statuses = await asyncio.to_thread(projections.status)
    return [ProjectionOut.of(status) for status in statuses]


@router.post(
    "/{name}/skips",
    status_code=201,
    responses={200: {"model": PassedOverOut, "description": "already passed over"}},
)
async def pass_over_entry(
    name: str,
    body: PassOverRequest,
    projections: ProjectionsDep,
    response: Response,
    principal: Principal = Depends(allow(Role.ADMIN)),
) -> PassedOverOut:
    """Pass over the entry this projection is stopped at: recorded in the read model with who and why, kept
    for ever, honoured by rebuilds. Only the entry the projection reports failing can be passed over."""
    runner = projections.runner(name)
    decision, new = await asyncio.to_thread(runner.pass_over, body.position, reason=body.reason, actor=principal.actor)
    if not new:
        response.status_code = 200
    return PassedOverOut.of(decision)


class ProjectionMetrics(Collector):
    """Read at every scrape, from the same status /v1/projections answers."""

    def __init__(self, app: FastAPI):
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        projections: Projections | None = getattr(self.app.state, "projections", None)
        if projections is None:
            return
        try:
            statuses = projections.status()
        except Exception as error:  # the read model away: /metrics still answers, /ready says why
            log.warning("projection metrics unavailable", error=f"{type(error).__name__}: {error}")
            return
        families = {
            "position": GaugeMetricFamily(
                "perfledger_projection_position", "Ledger position the projection holds", labels=["projection"]
            ),
            "lag": GaugeMetricFamily(
                "perfledger_projection_lag", "Ledger entries the projection has yet to apply", labels=["projection"]
            ),
            "poisoned": GaugeMetricFamily(
                "perfledger_projection_poisoned_position",
                "Position of the poisoned entry the projection is stopped at; 0 when none",
                labels=["projection"],
            ),
            "passed_over": GaugeMetricFamily(
                "perfledger_projection_passed_over_entries",
                "Entries an operator decided the projection passes over",
                labels=["projection"],
            ),
        }
        for status in statuses:
            families["position"].add_metric([status.name], status.position)
            families["lag"].add_metric([status.name], status.lag)
            families["poisoned"].add_metric([status.name], status.poisoned.position if status.poisoned else 0)
            families["passed_over"].add_metric([status.name], len(status.passed_over))
        yield from families.values()


def install_projection_routes(app: FastAPI) -> None:
    """The routes above and the metrics, on a service whose lifespan sets `app.state.projections`."""
    app.include_router(router)
    app.state.metrics_registry.register(ProjectionMetrics(app))
