"""Dependencies of scoring_service's routes: who is asking, and the part of the service a route calls. The
lifespan (app.py) builds the parts once; this is the one place that reads them off the app. (Async, so
FastAPI calls them on the event loop rather than hopping to a thread for each.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.scoring_service.application import ScoringApplication
from services.scoring_service.appraisals.appeals import Appeals
from services.scoring_service.appraisals.audit_export import AuditExporter
from services.scoring_service.appraisals.closing import PeriodCloser
from services.scoring_service.appraisals.live import LiveFigures
from services.scoring_service.appraisals.replay import Replayer
from services.scoring_service.appraisals.reports import AppraisalReports
from services.scoring_service.appraisals.sealed import SealedAppraisals
from shared.platform.answer_cache import AnswerCache
from shared.platform.auth import Principal, Role, allow
from shared.platform.signing import Signer


@dataclass(frozen=True)
class Scoring:
    """The service's parts, as the composition root wires them."""

    application: ScoringApplication
    closer: PeriodCloser
    sealed: SealedAppraisals
    replayer: Replayer
    live: LiveFigures
    signer: Signer
    answers: AnswerCache  # live figures' answers (shared.platform.answer_cache)
    appeals: Appeals
    audits: AuditExporter
    reports: AppraisalReports


async def wired(request: Request) -> Scoring:
    parts: Scoring = request.app.state.scoring
    return parts


ScoringDep = Annotated[Scoring, Depends(wired)]


async def application(parts: ScoringDep) -> ScoringApplication:
    return parts.application


async def closer(parts: ScoringDep) -> PeriodCloser:
    return parts.closer


async def sealed(parts: ScoringDep) -> SealedAppraisals:
    return parts.sealed


async def replayer(parts: ScoringDep) -> Replayer:
    return parts.replayer


async def live(parts: ScoringDep) -> LiveFigures:
    return parts.live


async def signer(parts: ScoringDep) -> Signer:
    return parts.signer


async def answers(parts: ScoringDep) -> AnswerCache:
    return parts.answers


async def appeals(parts: ScoringDep) -> Appeals:
    return parts.appeals


async def audits(parts: ScoringDep) -> AuditExporter:
    return parts.audits


ApplicationDep = Annotated[ScoringApplication, Depends(application)]
CloserDep = Annotated[PeriodCloser, Depends(closer)]
SealedDep = Annotated[SealedAppraisals, Depends(sealed)]
ReplayerDep = Annotated[Replayer, Depends(replayer)]
LiveDep = Annotated[LiveFigures, Depends(live)]
SignerDep = Annotated[Signer, Depends(signer)]
AnswersDep = Annotated[AnswerCache, Depends(answers)]
AppealsDep = Annotated[Appeals, Depends(appeals)]
AuditExporterDep = Annotated[AuditExporter, Depends(audits)]

Editor = Annotated[Principal, Depends(allow(Role.HR, Role.ADMIN))]
Rater = Annotated[Principal, Depends(allow(Role.MANAGER, Role.HR, Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(allow(*Role))]
Auditor = Annotated[Principal, Depends(allow(Role.HR, Role.AUDITOR, Role.ADMIN))]
LogReader = Annotated[Principal, Depends(allow(Role.SERVICE, Role.AUDITOR, Role.ADMIN))]
Reviewer = Annotated[Principal, Depends(allow(Role.COMMITTEE))]
Examiner = Annotated[Principal, Depends(allow(Role.HR, Role.AUDITOR, Role.ADMIN, Role.COMMITTEE))]
