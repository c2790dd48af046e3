"""goal_service's composition root: settings, the ledger application and its checkpoints, the group-commit
writer, routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.goal_service.api import (
    calendars,
    crm,
    goals,
    imports,
    ledger,
    organisation,
    progress,
    webhooks,
)
from services.goal_service.application import LedgerApplication
from services.goal_service.calendars import CalendarService
from services.goal_service.checkpoints import LedgerCheckpoints
from services.goal_service.commit_listener import listen_for_commits
from services.goal_service.crm.intake import CrmIntake
from services.goal_service.crm.sources import Sources
from services.goal_service.crm.store import CrmStore
from services.goal_service.goals import GoalService
from services.goal_service.ingest import GroupCommitWriter
from services.goal_service.ledger_proofs import LedgerProofs
from services.goal_service.organisation import OrganisationService
from services.goal_service.progress import ProgressService
from services.goal_service.projections import open_projections
from services.goal_service.reads import LedgerReads
from services.goal_service.rule_changes import RuleChanges
from services.goal_service.settings import SERVICE_NAME, GoalSettings
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.platform.answer_cache import AnswerCache
from shared.platform.errors import Unavailable
from shared.platform.eventstore import eventsourcing_env
from shared.platform.projection_routes import install_projection_routes
from shared.platform.rate_limit import RateLimiter
from shared.platform.settings import load_settings
from shared.platform.web import create_service_app
from shared.platform.webhooks import WebhookVerifier

CRM_CATCH_UP_SECONDS = 10.0  # a CRM delivery waits this long for the projection of what records made


def create_app(settings: GoalSettings | None = None) -> FastAPI:
    settings = settings or load_settings(GoalSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        checkpoints = LedgerCheckpoints.from_settings(settings)
        app.state.ledger = ledger = LedgerApplication(eventsourcing_env(settings, SERVICE_NAME), checkpoints)
        app.state.projections = projections = open_projections(settings, ledger)
        app.state.writer = writer = GroupCommitWriter(ledger, on_commit=projections.poke)
        rulebook = RuleBook(projections.engine)
        app.state.reads = reads = LedgerReads(ledger, projections, rulebook, settings.zone)

        async def crm_records_caught_up() -> None:
            head = (await asyncio.to_thread(ledger.head)).position
            if await projections.reach(head, CRM_CATCH_UP_SECONDS, ("crm_records",)) < head:
                raise Unavailable("what CRM records made is not yet projected from the ledger; retry")

        crm_store = CrmStore(projections.engine)
        app.state.crm = CrmIntake(
            Sources(settings.crm_sources), crm_store, writer, crm_records_caught_up, rulebook.organisation
        )
        app.state.rule_changes = rule_changes = RuleChanges(ledger, writer, projections, rulebook, settings.zone)
        app.state.goals = GoalService(reads, rule_changes)
        app.state.organisation = OrganisationService(reads, rule_changes)
        app.state.calendars = CalendarService(reads, rule_changes)
        app.state.progress = ProgressService(reads)
        app.state.answers = AnswerCache()
        app.state.proofs = LedgerProofs(ledger, projections)
        listener = None
        if settings.run_projections:
            projections.start()
            if listener := listen_for_commits(settings, ledger, projections.poke):
                listener.start()
        await writer.start()
        try:
            yield
        finally:
            await writer.stop()
            if listener is not None:
                listener.stop()
            projections.stop()
            ledger.close()

    app = create_service_app(
        service=SERVICE_NAME,
        settings=settings,
        lifespan=lifespan,
        # Ready only while the stored ledger continues its latest signed checkpoint.
        readiness=lambda app: app.state.ledger.continuing_head(),
        description="Signed CRM webhooks and bulk import into the activity ledger; the ledger's log.",
        streamed=("/v1/imports",),  # NDJSON read line by line, each line bounded
        signed=("/v1/webhooks/",),  # authenticated by the signature over the body
    )
    app.state.verifier = WebhookVerifier(settings.webhook_secret)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    app.include_router(webhooks.router)
    app.include_router(crm.router)
    app.include_router(imports.router)
    app.include_router(ledger.router)
    install_projection_routes(app)
    app.include_router(organisation.router)
    app.include_router(calendars.router)
    app.include_router(goals.router)
    app.include_router(progress.router)
    return app
