"""Taking in a CRM delivery: verify it as its CRM signs it, keep it as it arrived under the provider's own
delivery id, translate its records, record what they make in the ledger and quarantine, with the reason
and what would release it, every record that cannot be recorded. A delivery is done only once its outcome
is kept: a re-delivery of a done one is answered as before and changes nothing, while a delivery whose
earlier attempt stopped short is processed again (the ledger records each event once either way). Held
records are processed again on request, and by themselves when their CRM record changes again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from fastapi.responses import Response

from services.goal_service.crm.adapters import ADAPTERS
from services.goal_service.crm.base import FIX_IN_CRM, REPROCESS, UNPLACED, Adapter, Context
from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.hubspot_api import deal_fetcher
from services.goal_service.crm.signatures import verify
from services.goal_service.crm.sources import Source, Sources
from services.goal_service.crm.store import CrmStore
from services.goal_service.domain.ledger import Submission
from services.goal_service.ingest import GroupCommitWriter
from shared.kernel.events.envelope import validate_event
from shared.kernel.organisation import Organisation
from shared.platform.canonical import timestamp_now
from shared.platform.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound, Unavailable

log = structlog.get_logger("crm")
Recorded = tuple[Item, list[int], bool]  # the item (with the ledger's reason when refused), positions, duplicate


def described(error: DomainError) -> str:
    return "; ".join([error.detail, *(f"{e.pointer or '/'}: {e.detail}" for e in error.errors)])


class QuarantinedRecordNotFound(NotFound):
    def __init__(self, quarantine_id: int):
        super().__init__(f"no quarantined record {quarantine_id}")


class RecordNotHeld(Conflict):
    """Only a held record can be dismissed: a released or dismissed one is settled already."""

    def __init__(self, quarantine_id: int, state: str):
        super().__init__(f"quarantined record {quarantine_id} is {state}, not held")


class UnknownRep(InvalidInput):
    def __init__(self, rep_id: str):
        detail = f"no rep {rep_id} in the organisation"
        super().__init__(detail, errors=[FieldError("/rep_id", detail)])


class CrmIntake:
    def __init__(
        self,
        sources: Sources,
        store: CrmStore,
        writer: GroupCommitWriter,
        caught_up: Callable[[], Awaitable[None]],
        organisation: Callable[[], Organisation],
    ):
        self.sources = sources
        self.store = store
        self.writer = writer
        self.caught_up = caught_up  # returns once the crm_records projection holds the ledger's head
        self.organisation = organisation  # as the rule projection holds it now
        # One translation at a time, from reading what CRM records made to recording what they make now, so
        # each reads what the one before recorded.
        self._lock = asyncio.Lock()

    def context(self, name: str, source: Source, received_at: str, *, dry_run: bool = False) -> Context:
        reps = self.store.reps(name)
        overlay: dict[tuple[str, str], dict[str, Any]] = {}

        def properties(kind: str, object_id: str) -> dict[str, Any]:
            return dict(overlay.get((kind, object_id)) or self.store.properties(name, kind, object_id))

        def save(kind: str, object_id: str, values: dict[str, Any]) -> None:
            overlay[(kind, object_id)] = values
            if not dry_run:
                self.store.save_properties(name, kind, object_id, values)

        uri = f"crm://{name}"
        fetch = deal_fetcher(source) if source.provider == "hubspot" else None
        return Context(
            name, reps.get, ZoneInfo(source.zone), received_at, properties, save,
            lambda ref: self.store.standing(uri, ref), fetch,
        )  # fmt: skip

    async def receive(self, name: str, delivery: Delivery) -> tuple[Response | None, dict[str, Any]]:
        source = self.sources.get(name)
        verification = await asyncio.to_thread(verify, source, delivery)
        adapter = ADAPTERS[source.provider]
        try:
            found = adapter.records(source, delivery)
            delivery_id = adapter.delivery_id(source, delivery, found)
        except InvalidInput as error:  # unreadable, but signed by the CRM: kept and held, not dropped
            found, delivery_id = [{UNPLACED: delivery.text, "reason": described(error)}], f"sha256:{delivery.digest}"
        kept = await asyncio.to_thread(self.store.keep, delivery, delivery_id, verification)
        async with self._lock:
            received_at = delivery.received_at
            if kept != "new":
                earlier = await asyncio.to_thread(self.store.delivery, name, delivery_id)
                if earlier is None:  # kept a moment ago: only a database emptied meanwhile loses it
                    raise Unavailable(f"delivery {delivery_id} from {name} was kept but cannot be read back; retry")
                if earlier["outcome"] is not None:  # done, perhaps by a twin of this request a moment ago
                    return adapter.answer(), {
                        "delivery_id": delivery_id,
                        "duplicate": True,
                        "records": earlier["outcome"],
                    }
                # Stopped short before: decided again, as of when it first arrived, so its events come out the same.
                received_at = earlier["received_at"]
                await asyncio.to_thread(self.store.forget_unsettled, name, delivery_id)
            await self.caught_up()
            outcome, settled = await self._process(name, source, adapter, delivery_id, found, received_at)
            await self._supersede(name, delivery_id, settled)
        return adapter.answer(), {"delivery_id": delivery_id, "duplicate": False, "records": outcome}

    async def _process(
        self, name: str, source: Source, adapter: Adapter, delivery_id: str, found: list[Any], received_at: str
    ) -> tuple[list[dict[str, Any]], set[str]]:
        keys = [key for record in found if (key := adapter.record_key(record))]
        seen = await asyncio.to_thread(self.store.seen, name, keys)
        fresh = [record for record in found if adapter.record_key(record) not in seen]
        context = await asyncio.to_thread(self.context, name, source, received_at)
        items = await asyncio.to_thread(self._translate, adapter, source, fresh, context)
        settled, refs = await self._settle(name, delivery_id, items)
        again = [
            {**before, "status": "duplicate"} if before["status"] == "recorded" else before for before in seen.values()
        ]
        outcome = again + settled
        await asyncio.to_thread(self.store.record_outcome, name, delivery_id, outcome)
        if keys:
            await asyncio.to_thread(self.store.remember_seen, name, delivery_id, settled)
        return outcome, refs

    @staticmethod
    def _translate(adapter: Adapter, source: Source, found: list[Any], context: Context) -> list[Item]:
        """The records' items; a record whose translation fails is held alone, with the error, and the
        others are translated all the same."""
        try:
            return adapter.translate(source, found, context)
        except Exception:
            log.exception("translating a delivery failed; translating its records one by one")
        items: list[Item] = []
        for record in found:
            try:
                items.extend(adapter.translate(source, [record], context))
            except Exception as error:
                log.exception("translating a record failed")
                reason = f"it could not be translated ({type(error).__name__}: {error})"
                items.append(Item("", record, reason=reason, release=f"{REPROCESS} once PerfLedger is fixed"))
        return items

    async def _record(self, items: list[Item]) -> list[Recorded]:
        """Record each item's events together (each item on its own, so one refused record holds back no
        other), in order."""
        results: list[Recorded] = [(item, [], False) for item in items]
        checked: list[tuple[int, Submission]] = []
        for index, item in enumerate(items):
            if not item.events:
                continue
            try:
                events = [validate_event(event, [n]) for n, event in enumerate(item.events)]
            except InvalidInput as error:
                refused = replace(
                    item, events=[], reason=f"the ledger refuses it: {described(error)}", release=FIX_IN_CRM
                )
                results[index] = (refused, [], False)
                continue
            checked.append((index, Submission(events, [[n] for n in range(len(events))])))
        outcomes = await self.writer.submit([submission for _, submission in checked])
        for (index, _), outcome in zip(checked, outcomes, strict=True):
            item = items[index]
            if outcome.error is not None:
                reason = f"the ledger refuses it: {described(outcome.error)}"
                results[index] = (replace(item, events=[], reason=reason, release=FIX_IN_CRM), [], False)
            else:
                positions = [event.position for event in outcome.recorded]
                results[index] = (item, positions, all(event.duplicate for event in outcome.recorded))
        return results

    async def _settle(self, name: str, delivery_id: str, items: list[Item]) -> tuple[list[dict[str, Any]], set[str]]:
        """Each item's outcome, and the CRM records this delivery settled (recorded, or nothing to record)."""
        outcome, settled = [], set()
        for item, positions, duplicate in await self._record(items):
            entry: dict[str, Any] = {"key": item.key}
            if positions:
                entry.update(status="duplicate" if duplicate else "recorded", positions=positions)
            elif item.unchanged_at is not None:
                entry.update(status="duplicate", positions=[item.unchanged_at], reason=item.ignored)
            elif item.ignored:
                entry.update(status="ignored", reason=item.ignored)
            else:
                held = await asyncio.to_thread(self.store.hold, name, delivery_id, item, timestamp_now())
                entry.update(status="quarantined", reason=item.reason, release=item.release, quarantine_id=held)
            if item.ref and entry["status"] != "quarantined":
                settled.add(item.ref)
            outcome.append(entry)
        return outcome, settled

    async def _supersede(self, name: str, delivery_id: str, refs: set[str]) -> None:
        """Records held from earlier deliveries are released once a later change of their CRM record is
        settled: what the CRM says now stands in the ledger, and their older state no longer matters."""
        for ref in sorted(refs):
            for held in await asyncio.to_thread(self.store.quarantined, name, "held", ref):
                if held["delivery_id"] != delivery_id:
                    release = f"superseded by delivery {delivery_id}"
                    await asyncio.to_thread(self.store.settle, held["id"], None, release, [], timestamp_now())

    async def reprocess(self, quarantine_id: int) -> dict[str, Any]:
        """Translate a held record again with today's mapping, CRM users and what its CRM record made since:
        released when everything it makes is recorded (or it makes nothing), held with the new reason
        otherwise."""
        found = await asyncio.to_thread(self.store.quarantined, quarantine_id=quarantine_id)
        if not found:
            raise QuarantinedRecordNotFound(quarantine_id)
        held = found[0]
        if held["state"] != "held":
            return held
        source = self.sources.get(held["source"])
        adapter = ADAPTERS[source.provider]
        delivery = await asyncio.to_thread(self.store.delivery, held["source"], held["delivery_id"])
        received_at = delivery["received_at"] if delivery else timestamp_now()
        async with self._lock:
            await self.caught_up()
            context = await asyncio.to_thread(self.context, held["source"], source, received_at)
            items = await asyncio.to_thread(self._translate, adapter, source, [held["record"]], context)
            results = await self._record(items)
        still = [
            item for item, positions, _ in results if not positions and item.unchanged_at is None and not item.ignored
        ]
        positions = [p for item, made, _ in results for p in made or ([item.unchanged_at] if item.unchanged_at else [])]
        reason, release = (still[0].reason, still[0].release) if still else (None, None)
        await asyncio.to_thread(self.store.settle, quarantine_id, reason, release, positions, timestamp_now())
        new = [p for _, made, duplicate in results if not duplicate for p in made]
        await asyncio.to_thread(self.store.link, new, held["source"], held["delivery_id"])
        return (await asyncio.to_thread(self.store.quarantined, quarantine_id=quarantine_id))[0]

    async def quarantined(self, source: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
        """Quarantined records in the order they were held, of one source or state if given."""
        return await asyncio.to_thread(self.store.quarantined, source, state)

    async def users(self, source: str) -> list[dict[str, Any]]:
        """The CRM users of a source and their reps, in CRM user id order."""
        return await asyncio.to_thread(self.store.users, source)

    async def dismiss(self, quarantine_id: int, actor: str, reason: str) -> dict[str, Any]:
        """Set aside a held record nothing can place, saying who and why; the record as it now stands."""
        if not await asyncio.to_thread(self.store.dismiss, quarantine_id, actor, reason, timestamp_now()):
            found = await asyncio.to_thread(self.store.quarantined, quarantine_id=quarantine_id)
            if not found:
                raise QuarantinedRecordNotFound(quarantine_id)
            raise RecordNotHeld(quarantine_id, found[0]["state"])
        return (await asyncio.to_thread(self.store.quarantined, quarantine_id=quarantine_id))[0]

    async def map_user(self, source: str, crm_user_id: str, rep_id: str, actor: str) -> None:
        """Credit a CRM user's activities to a rep of the organisation."""
        if rep_id not in (await asyncio.to_thread(self.organisation)).reps:
            raise UnknownRep(rep_id)
        await asyncio.to_thread(self.store.map_user, source, crm_user_id, rep_id, actor, timestamp_now())

    async def delivery_of_entry(self, position: int) -> dict[str, Any] | None:
        """The delivery a ledger entry came from, as it arrived (None if its row is gone)."""
        found = await asyncio.to_thread(self.store.delivery_of, position)
        if found is None:
            raise NotFound(f"ledger entry {position} came from no CRM delivery")
        return await asyncio.to_thread(self.store.delivery, *found)

    async def delivery(self, source: str, delivery_id: str) -> dict[str, Any]:
        found = await asyncio.to_thread(self.store.delivery, source, delivery_id)
        if found is None:
            raise NotFound(f"no delivery {delivery_id} from {source}")
        return found

    def dry_run(self, name: str, delivery: Delivery) -> list[dict[str, Any]]:
        """What a sample payload would become, recording and keeping nothing."""
        source = self.sources.get(name)
        adapter = ADAPTERS[source.provider]
        context = self.context(name, source, delivery.received_at, dry_run=True)
        items = self._translate(adapter, source, adapter.records(source, delivery), context)
        found = []
        for item in items:
            entry: dict[str, Any] = {"key": item.key}
            if item.events:
                try:
                    for n, event in enumerate(item.events):
                        validate_event(event, [n])
                    entry.update(status="would record", events=item.events)
                except InvalidInput as error:
                    entry.update(status="would quarantine", reason=f"the ledger refuses it: {described(error)}")
            elif item.ignored:
                entry.update(status="unchanged" if item.unchanged_at is not None else "ignored", reason=item.ignored)
            else:
                entry.update(status="would quarantine", reason=item.reason, release=item.release)
            found.append(entry)
        return found
