"""Taking in a CRM delivery: verify it as its CRM signs it, keep it as it arrived under the provider's own
delivery id (a re-delivery is answered as before and changes nothing), translate its records, record the
activities in the ledger and quarantine, with the reason, every record that cannot be recorded. Held
records are processed again on request, after the mapping or the CRM users table is fixed, and HubSpot
records by themselves once their deal's missing properties arrive."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import Response

from services.goal_service.crm.adapters import ADAPTERS
from services.goal_service.crm.base import UNPLACED, Adapter, Context
from services.goal_service.crm.delivery import Delivery, Item
from services.goal_service.crm.signatures import verify
from services.goal_service.crm.sources import Source, Sources
from services.goal_service.crm.store import CrmStore
from services.goal_service.domain.ledger import Submission
from services.goal_service.ingest import GroupCommitWriter
from shared.canonical import timestamp_now
from shared.errors import DomainError, InvalidInput, NotFound
from shared.events.envelope import validate_event


def described(error: DomainError) -> str:
    return "; ".join([error.detail, *(f"{e.pointer or '/'}: {e.detail}" for e in error.errors)])


class CrmIntake:
    def __init__(self, sources: Sources, store: CrmStore, writer: GroupCommitWriter):
        self.sources = sources
        self.store = store
        self.writer = writer
        # CRM objects' properties are read, changed and written back: one translation at a time.
        self._translating = asyncio.Lock()

    def context(self, name: str, source: Source, *, dry_run: bool = False) -> Context:
        reps = self.store.reps(name)
        overlay: dict[tuple[str, str], dict[str, Any]] = {}

        def properties(kind: str, object_id: str) -> dict[str, Any]:
            return dict(overlay.get((kind, object_id)) or self.store.properties(name, kind, object_id))

        def save(kind: str, object_id: str, values: dict[str, Any]) -> None:
            overlay[(kind, object_id)] = values
            if not dry_run:
                self.store.save_properties(name, kind, object_id, values)

        return Context(name, reps.get, ZoneInfo(source.zone), properties, save)

    async def receive(self, name: str, delivery: Delivery) -> tuple[Response | None, dict[str, Any]]:
        source = self.sources.get(name)
        verification = await asyncio.to_thread(verify, source.signature, delivery)
        adapter = ADAPTERS[source.provider]
        try:
            found = adapter.records(source, delivery)
            delivery_id = adapter.delivery_id(source, delivery, found)
        except InvalidInput as error:  # unreadable, but signed by the CRM: kept and held, not dropped
            found, delivery_id = [{UNPLACED: delivery.text, "reason": described(error)}], f"sha256:{delivery.digest}"
        if not await asyncio.to_thread(self.store.keep, delivery, delivery_id, verification):
            kept = await asyncio.to_thread(self.store.delivery, name, delivery_id)
            return adapter.answer(), {"delivery_id": delivery_id, "duplicate": True, "records": kept["outcome"]}
        context = await asyncio.to_thread(self.context, name, source)  # reads the CRM users table
        async with self._translating:
            items = await asyncio.to_thread(adapter.translate, source, found, context)
        outcome = await self._settle(name, delivery_id, adapter, items)
        await asyncio.to_thread(self.store.record_outcome, name, delivery_id, outcome)
        for ref in sorted(context.touched):
            for held in await asyncio.to_thread(self.store.quarantined, name, "held", ref):
                await self.reprocess(held["id"])
        return adapter.answer(), {"delivery_id": delivery_id, "duplicate": False, "records": outcome}

    async def _record(self, items: list[Item]) -> list[tuple[Item, int | None, bool]]:
        """Record each item that has an event (each on its own, so one refused record holds back no other),
        in order: (the item, with the ledger's reason when refused; its position; whether it was there)."""
        results: list[tuple[Item, int | None, bool]] = [(item, None, False) for item in items]
        checked = []
        for index, item in enumerate(items):
            if item.event is None:
                continue
            try:
                checked.append((index, validate_event(item.event, [])))
            except InvalidInput as error:
                results[index] = (replace(item, event=None, reason=described(error)), None, False)
        outcomes = await self.writer.submit([Submission([event], [[]]) for _, event in checked])
        for (index, _), outcome in zip(checked, outcomes, strict=True):
            item = items[index]
            if outcome.error is not None:
                results[index] = (replace(item, event=None, reason=described(outcome.error)), None, False)
            else:
                results[index] = (item, outcome.recorded[0].position, outcome.recorded[0].duplicate)
        return results

    async def _settle(self, name: str, delivery_id: str, adapter: Adapter, items: list[Item]) -> list[dict[str, Any]]:
        outcome = []
        for item, position, duplicate in await self._record(items):
            entry: dict[str, Any] = {"key": item.key}
            if position is not None:
                entry.update(status="duplicate" if duplicate else "recorded", position=position)
            elif item.ignored:
                entry.update(status="ignored", reason=item.ignored)
            else:
                held = await asyncio.to_thread(
                    self.store.hold, name, delivery_id, item, adapter.object_ref(item.raw), timestamp_now()
                )
                entry.update(status="quarantined", reason=item.reason, quarantine_id=held)
            outcome.append(entry)
        return outcome

    async def reprocess(self, quarantine_id: int) -> dict[str, Any]:
        """Translate a held record again with today's mapping, CRM users and object properties: released
        when everything it holds is recorded (or is no activity), held with the new reason otherwise."""
        found = await asyncio.to_thread(self.store.quarantined, quarantine_id=quarantine_id)
        if not found:
            raise NotFound(f"no quarantined record {quarantine_id}")
        if found[0]["state"] != "held":
            return found[0]
        held = found[0]
        source = self.sources.get(held["source"])
        adapter = ADAPTERS[source.provider]
        async with self._translating:
            context = await asyncio.to_thread(self.context, held["source"], source)
            items = await asyncio.to_thread(adapter.translate, source, [held["record"]], context)
        results = await self._record(items)
        reasons = [item.reason for item, position, _ in results if position is None and not item.ignored]
        positions = [position for _, position, _ in results if position is not None]
        await asyncio.to_thread(
            self.store.settle, quarantine_id, reasons[0] if reasons else None, positions, timestamp_now()
        )
        new = [position for _, position, duplicate in results if position is not None and not duplicate]
        await asyncio.to_thread(self.store.link, new, held["source"], held["delivery_id"])
        return (await asyncio.to_thread(self.store.quarantined, quarantine_id=quarantine_id))[0]

    def dry_run(self, name: str, delivery: Delivery) -> list[dict[str, Any]]:
        """What a sample payload would become, recording and keeping nothing."""
        source = self.sources.get(name)
        adapter = ADAPTERS[source.provider]
        items = adapter.translate(source, adapter.records(source, delivery), self.context(name, source, dry_run=True))
        found = []
        for item in items:
            entry: dict[str, Any] = {"key": item.key}
            if item.event is not None:
                try:
                    validate_event(item.event, [])
                    entry.update(status="would record", event=item.event)
                except InvalidInput as error:
                    entry.update(status="would quarantine", reason=described(error))
            elif item.ignored:
                entry.update(status="ignored", reason=item.ignored)
            else:
                entry.update(status="would quarantine", reason=item.reason)
            found.append(entry)
        return found
