"""Outbound subscriptions and their deliveries, for admins only: deliveries go only to URLs an admin
registered. Each subscription has its own Standard Webhooks secret, shown once, when it is registered."""

from __future__ import annotations

import asyncio
import base64
import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AnyHttpUrl, Field

from services.alert_service.api.deps import Admin, ApplicationDep, DispatcherDep
from services.alert_service.application import EVENT_TYPES
from services.alert_service.domain.aggregates import Subscription
from shared.kernel.events.activities import Schema
from shared.platform.canonical import timestamp_now
from shared.platform.errors import Conflict, NotFound
from shared.platform.responses import canonical_response

router = APIRouter(prefix="/v1", tags=["outbound notifications"])
SubscriptionId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
EventType = Literal[tuple(EVENT_TYPES.values())]  # type: ignore[valid-type]


class SubscriptionIn(Schema):
    url: AnyHttpUrl = Field(description="Where warning events are POSTed, http or https.")
    events: list[EventType] = Field(default_factory=list, description="Event types to send; all when empty.")


def subscription_out(subscription: Subscription, with_secret: bool = False) -> dict[str, Any]:
    found = {
        "id": subscription.subscription_id,
        "url": subscription.url,
        "events": subscription.events,
        "active": subscription.active,
        "history": subscription.history,
    }
    return {**found, "secret": subscription.secret} if with_secret else found


def _known(subscription: Subscription | None, subscription_id: str) -> Subscription:
    if subscription is None:
        raise NotFound(f"no subscription {subscription_id}")
    return subscription


@router.put("/subscriptions/{subscription_id}", status_code=201, summary="Register a URL to receive warning events")
async def register(
    request: Request, subscription_id: SubscriptionId, body: SubscriptionIn, principal: Admin, app: ApplicationDep
) -> Response:
    if await asyncio.to_thread(app.subscription, subscription_id) is not None:
        raise Conflict(f"subscription {subscription_id} exists; disable it and register a new one to change it")
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    subscription = await asyncio.to_thread(
        app.subscribe,
        subscription_id,
        str(body.url),
        list(body.events),
        secret,
        principal.actor,
        timestamp_now(),
    )
    return canonical_response(request, subscription_out(subscription, with_secret=True), 201)


@router.get("/subscriptions", summary="Every subscription (without secrets)")
async def listing(request: Request, _: Admin, app: ApplicationDep) -> Response:
    return canonical_response(request, [subscription_out(s) for s in await asyncio.to_thread(app.subscriptions)])


@router.get("/subscriptions/{subscription_id}", summary="One subscription (without its secret)")
async def read(request: Request, subscription_id: SubscriptionId, _: Admin, app: ApplicationDep) -> Response:
    subscription = _known(await asyncio.to_thread(app.subscription, subscription_id), subscription_id)
    return canonical_response(request, subscription_out(subscription))


@router.delete("/subscriptions/{subscription_id}", summary="Disable a subscription: nothing more is sent to it")
async def disable(request: Request, subscription_id: SubscriptionId, principal: Admin, app: ApplicationDep) -> Response:
    _known(await asyncio.to_thread(app.subscription, subscription_id), subscription_id)
    subscription = await asyncio.to_thread(app.unsubscribe, subscription_id, principal.actor, timestamp_now())
    return canonical_response(request, subscription_out(subscription))


@router.get("/deliveries", summary="Deliveries, oldest first; `state=dead` lists the dead letters")
async def deliveries(
    request: Request,
    _: Admin,
    dispatcher: DispatcherDep,
    state: Literal["pending", "delivered", "dead"] | None = None,
    subscription: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:
    return canonical_response(request, await asyncio.to_thread(dispatcher.listing, state, subscription, limit))


@router.get("/deliveries/{delivery_id}", summary="One delivery and its last attempt")
async def delivery(
    request: Request, delivery_id: Annotated[str, Path(max_length=200)], _: Admin, dispatcher: DispatcherDep
) -> Response:
    return canonical_response(request, await asyncio.to_thread(dispatcher.one, delivery_id))


@router.post("/deliveries/{delivery_id}/redeliver", summary="Send a dead-lettered delivery again")
async def redeliver(
    request: Request, delivery_id: Annotated[str, Path(max_length=200)], _: Admin, dispatcher: DispatcherDep
) -> Response:
    return canonical_response(request, await asyncio.to_thread(dispatcher.redeliver, delivery_id))
