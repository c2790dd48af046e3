"""Recording rule changes: the organisation, the working-day calendar and goals. Each is checked
against the rules as of the ledger head, one at a time, and recorded as a ledger entry through the same
writer as CRM activity, so it is ordered, chained and followed like everything else."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from services.goal_service.application import LedgerApplication
from services.goal_service.domain.ledger import RecordedEvent, Submission
from services.goal_service.domain.organisation_import import ImportPlan, plan_import
from services.goal_service.ingest import GroupCommitWriter
from shared.kernel.events.calendar import CalendarYearPublished
from shared.kernel.events.envelope import Identifier, IncomingEvent
from shared.kernel.events.goals import GOAL_SCHEMAS
from shared.kernel.events.organisation import ORG_SCHEMAS, RuleChange
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.organisation import Organisation
from shared.platform.auth import Principal
from shared.platform.canonical import to_canonical
from shared.platform.errors import Conflict, FieldError, InvalidInput, Unavailable, json_pointer
from shared.platform.projection import Projections

RULE_SOURCE = "perfledger:goal_service"
RULE_SCHEMAS: dict[str, type[RuleChange]] = {
    **ORG_SCHEMAS,
    "calendar.year.published": CalendarYearPublished,
    **GOAL_SCHEMAS,
}
CATCH_UP_SECONDS = 10.0
IDEMPOTENCY_KEY = TypeAdapter(Identifier)


def rule_event(
    kind: str, body: Mapping[str, Any], actor: str, zone: ZoneInfo, event_id: str | None = None
) -> IncomingEvent:
    """The change as a ledger event, or InvalidInput pointing into the request body."""
    if event_id is not None:
        try:
            IDEMPOTENCY_KEY.validate_python(event_id)
        except ValidationError as error:
            reason = error.errors()[0]["msg"].removeprefix("Value error, ")
            where = FieldError("header:idempotency-key", reason)
            raise InvalidInput(f"Idempotency-Key {reason}", errors=[where]) from None
    try:
        change = RULE_SCHEMAS[kind].model_validate({**body, "actor": actor})
    except ValidationError as error:
        raise InvalidInput(
            f"this is not a valid {kind}",
            errors=[
                FieldError(json_pointer(list(e["loc"])), e["msg"].removeprefix("Value error, ")) for e in error.errors()
            ],
        ) from None
    day = change.business_day()
    return IncomingEvent(
        source=RULE_SOURCE,
        id=event_id or uuid.uuid4().hex,
        type=kind,
        occurred_at=datetime.combine(day, clock(0), tzinfo=zone) if day else datetime.now(UTC),
        subject=None,
        data=to_canonical(change.model_dump(mode="json", exclude_none=True)),
    )


class RuleChanges:
    def __init__(
        self,
        ledger: LedgerApplication,
        writer: GroupCommitWriter,
        projections: Projections,
        rulebook: RuleBook,
        zone: ZoneInfo,
    ):
        self.ledger = ledger
        self.writer = writer
        self.projections = projections
        self.rulebook = rulebook
        self.zone = zone
        self.lock = asyncio.Lock()  # rule changes are checked and recorded one at a time

    async def record(
        self, kind: str, body: Mapping[str, Any], *, principal: Principal, idempotency_key: str | None = None
    ) -> RecordedEvent:
        incoming = rule_event(kind, body, principal.actor, self.zone, idempotency_key)
        async with self.lock:
            if idempotency_key and (
                earlier := await asyncio.to_thread(self.ledger.identity, RULE_SOURCE, idempotency_key)
            ):
                if earlier.content_hash != incoming.content_hash:
                    raise Conflict(f"Idempotency-Key {idempotency_key} was used for another change")
                return RecordedEvent(RULE_SOURCE, idempotency_key, earlier.type, earlier.position, True)
            await self.check(kind, incoming.data)
            (recorded,) = await self.submit([incoming])
        await self.caught_up(recorded.position)  # so that the caller's next read sees its change
        return recorded

    async def record_together(
        self, changes: Sequence[tuple[str, Mapping[str, Any]]], *, principal: Principal
    ) -> list[RecordedEvent]:
        """Several changes recorded whole or not at all (a decomposition's child goals)."""
        events = [rule_event(kind, body, principal.actor, self.zone) for kind, body in changes]
        async with self.lock:
            for event in events:
                await self.check(event.type, event.data)
            (outcome,) = await self.writer.submit([Submission(events, [[i] for i in range(len(events))])])
            if outcome.error:
                raise outcome.error
        await self.caught_up(outcome.recorded[-1].position)
        return outcome.recorded

    async def check(self, kind: str, data: Mapping[str, Any]) -> None:
        """Refuse a change that does not fit the rules at the ledger head."""
        if kind.startswith("calendar."):
            return
        organisation = await self.current_organisation()
        if kind.startswith("org."):
            organisation.check(kind, data)
            return
        goals = await asyncio.to_thread(self.rulebook.goals)
        goals.check(kind, data, organisation)

    async def import_organisation(
        self, rows: list[tuple[int, dict[str, str]]], *, principal: Principal
    ) -> tuple[ImportPlan, list[RecordedEvent]]:
        """Plan the rows against the organisation at the head and record the changes, row order kept."""
        async with self.lock:
            plan = plan_import(await self.current_organisation(), rows)
            events = [rule_event(kind, data, principal.actor, self.zone) for kind, data in plan.changes]
            recorded = await self.submit(events) if events else []
        if recorded:
            await self.caught_up(recorded[-1].position)
        return plan, recorded

    async def current_organisation(self) -> Organisation:
        await self.caught_up()
        return await asyncio.to_thread(self.rulebook.organisation)

    async def submit(self, events: list[IncomingEvent]) -> list[RecordedEvent]:
        outcomes = await self.writer.submit([Submission([e], [[]]) for e in events])
        for outcome in outcomes:
            if outcome.error:
                raise outcome.error
        return [outcome.recorded[0] for outcome in outcomes]

    async def caught_up(self, position: int | None = None) -> None:
        """Wait until the rule projection holds every entry up to a position (the ledger head by default, once
        it is known to continue its signed checkpoint: rules are not checked against a tampered ledger)."""
        if position is None:
            position = (await asyncio.to_thread(self.ledger.continuing_head)).position
        if await self.projections.reach(position, CATCH_UP_SECONDS, ("rules",)) < position:
            if poisoned := self.projections.runners["rules"].poisoned:
                raise Unavailable(
                    f"the rule projection is stopped at poisoned entry {poisoned.position} ({poisoned.reason}); "
                    "an operator must pass over it (GET /v1/projections, perfledger projections skip)"
                )
            raise Unavailable("the rule projection is behind the ledger; retry shortly")
