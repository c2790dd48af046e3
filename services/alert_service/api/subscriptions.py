"""Outbound subscriptions and their deliveries, for admins only: deliveries go only to URLs an admin
registered. Each subscription has its own Standard Webhooks secret, shown once, when it is registered."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AnyHttpUrl, Field

from services.alert_service.api.deps import Admin, ApplicationDep, DispatcherDep
from services.alert_service.api.schemas import (
    DeliveriesOut,
    DeliveryOut,
    EventType,
    RegisteredSubscriptionOut,
    SubscriptionOut,
    SubscriptionsOut,
)
from services.alert_service.domain.delivery import DeliveryState
from shared.kernel.events.activities import Schema
from shared.platform.canonical import timestamp_now
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1", tags=["outbound notifications"])
SubscriptionId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
DeliveryId = Annotated[str, Path(max_length=200)]


class SubscriptionIn(Schema):
    url: AnyHttpUrl = Field(description="Where warning events and appeal steps are POSTed, http or https.")
    events: list[EventType] = Field(
        default_factory=list, description="Event types to send (`warning.*`, `appeal.*`); all when empty."
    )


@router.put(
    "/subscriptions/{subscription_id}",
    status_code=201,
    response_model=RegisteredSubscriptionOut,
    summary="Register a URL to receive warning events and appeal steps",
)
async def register(
    request: Request, subscription_id: SubscriptionId, body: SubscriptionIn, principal: Admin, app: ApplicationDep
) -> Response:
    events = [event.value for event in body.events]
    subscription = await asyncio.to_thread(
        app.subscribe, subscription_id, str(body.url), events, principal.actor, timestamp_now()
    )
    return canonical_response(request, RegisteredSubscriptionOut.of(subscription), 201)


@router.get("/subscriptions", response_model=SubscriptionsOut, summary="Every subscription (without secrets)")
async def listing(request: Request, _: Admin, app: ApplicationDep) -> Response:
    return canonical_response(request, SubscriptionsOut.of(await asyncio.to_thread(app.subscriptions)))


@router.get(
    "/subscriptions/{subscription_id}", response_model=SubscriptionOut, summary="One subscription (without its secret)"
)
async def read(request: Request, subscription_id: SubscriptionId, _: Admin, app: ApplicationDep) -> Response:
    return canonical_response(request, SubscriptionOut.of(await asyncio.to_thread(app.subscription, subscription_id)))


@router.delete(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    summary="Disable a subscription: nothing more is sent to it",
)
async def disable(request: Request, subscription_id: SubscriptionId, principal: Admin, app: ApplicationDep) -> Response:
    subscription = await asyncio.to_thread(app.unsubscribe, subscription_id, principal.actor, timestamp_now())
    return canonical_response(request, SubscriptionOut.of(subscription))


@router.get(
    "/deliveries",
    response_model=DeliveriesOut,
    summary="Deliveries, oldest first; `state=dead` lists the dead letters",
)
async def deliveries(
    request: Request,
    _: Admin,
    dispatcher: DispatcherDep,
    state: DeliveryState | None = None,
    subscription: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:
    found = await asyncio.to_thread(dispatcher.listing, state, subscription, limit)
    return canonical_response(request, DeliveriesOut.of(found))


@router.get("/deliveries/{delivery_id}", response_model=DeliveryOut, summary="One delivery and its last attempt")
async def delivery(request: Request, delivery_id: DeliveryId, _: Admin, dispatcher: DispatcherDep) -> Response:
    return canonical_response(request, DeliveryOut.of(await asyncio.to_thread(dispatcher.one, delivery_id)))


@router.post(
    "/deliveries/{delivery_id}/redeliver", response_model=DeliveryOut, summary="Send a dead-lettered delivery again"
)
async def redeliver(request: Request, delivery_id: DeliveryId, _: Admin, dispatcher: DispatcherDep) -> Response:
    return canonical_response(request, DeliveryOut.of(await asyncio.to_thread(dispatcher.redeliver, delivery_id)))
