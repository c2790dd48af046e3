"""scoring_service's composition root: settings, its event store, the read model following goal_service's
ledger, the signing key, the parts of the appraisal's orchestration wired to them, routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.scoring_service.api import appeals, appraisal_log, audit, periods, reports, rules, scores
from services.scoring_service.api.deps import Scoring
from services.scoring_service.application import ScoringApplication
from services.scoring_service.appraisals.appeals import Appeals
from services.scoring_service.appraisals.audit_export import AuditExporter
from services.scoring_service.appraisals.closing import PeriodCloser
from services.scoring_service.appraisals.inputs import AppraisalInputs
from services.scoring_service.appraisals.live import LiveFigures
from services.scoring_service.appraisals.replay import Replayer
from services.scoring_service.appraisals.reports import AppraisalReports
from services.scoring_service.appraisals.sealed import SealedAppraisals
from services.scoring_service.projections import open_projections
from services.scoring_service.settings import SERVICE_NAME, ScoringSettings
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.platform.answer_cache import AnswerCache
from shared.platform.background import keep_doing, stop
from shared.platform.eventstore import eventsourcing_env
from shared.platform.log_client import LedgerFollower
from shared.platform.projection import Projections
from shared.platform.projection_routes import install_projection_routes
from shared.platform.settings import load_settings
from shared.platform.signing import Signer
from shared.platform.web import create_service_app

CLOSER_POLL_SECONDS = 1.0


def signer_for(settings: ScoringSettings) -> Signer:
    if settings.signing_key is not None:
        return Signer.from_base64(settings.signing_key.get_secret_value())
    return Signer.kept_in(settings.data_dir / f"{SERVICE_NAME}.signing-key")


def wire(
    application: ScoringApplication,
    projections: Projections,
    follower: LedgerFollower,
    signer: Signer,
    settings: ScoringSettings,
) -> Scoring:
    rulebook = RuleBook(projections.engine)
    inputs = AppraisalInputs(application, projections, rulebook, settings.zone)
    sealed = SealedAppraisals(application, rulebook)
    closer = PeriodCloser(application, inputs, projections, follower, signer)
    replayer = Replayer(inputs, sealed, signer)
    appeals = Appeals(application, sealed, rulebook, closer)
    return Scoring(
        application=application,
        closer=closer,
        sealed=sealed,
        replayer=replayer,
        live=LiveFigures(application, inputs, rulebook),
        signer=signer,
        answers=AnswerCache(),
        appeals=appeals,
        reports=AppraisalReports(sealed, replayer, appeals),
        audits=AuditExporter(inputs, sealed, follower),
    )


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    settings = settings or load_settings(ScoringSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.application = application = ScoringApplication(eventsourcing_env(settings, SERVICE_NAME))
        projections, follower = open_projections(settings)
        app.state.projections = projections  # the projection routes' and metrics'
        app.state.scoring = scoring = wire(application, projections, follower, signer_for(settings), settings)
        if settings.run_projections:
            projections.start()
        # A period left closing (the read model was behind its cut-off, or the process stopped) is sealed
        # as soon as the read model holds the cut-off.
        finishing = asyncio.create_task(
            keep_doing("finishing closing periods", scoring.closer.seal_all, CLOSER_POLL_SECONDS)
        )
        try:
            yield
        finally:
            await stop([finishing])
            projections.stop()
            follower.close()
            application.close()

    app = create_service_app(
        service=SERVICE_NAME,
        settings=settings,
        lifespan=lifespan,
        readiness=lambda app: app.state.application.ping(),
        description="Scorecards, KPI scores, rankings, commissions, bonus pools, sealed appraisals, replay.",
    )
    app.include_router(rules.router)
    app.include_router(scores.router)
    app.include_router(periods.router)
    app.include_router(appeals.router)
    app.include_router(appraisal_log.router)
    app.include_router(reports.router)
    app.include_router(audit.router)
    install_projection_routes(app)
    return app
