"""What goal_service's routes take through dependencies: the services the composition root (app.py) made,
the caller, and what a request carries. Only this module reads `request.app.state`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request

from services.goal_service.application import LedgerApplication
from services.goal_service.calendars import CalendarService
from services.goal_service.crm.intake import CrmIntake
from services.goal_service.goals import GoalService
from services.goal_service.ingest import GroupCommitWriter
from services.goal_service.ledger_proofs import LedgerProofs
from services.goal_service.organisation import OrganisationService
from services.goal_service.progress import ProgressService
from services.goal_service.reads import LedgerReads
from services.goal_service.rule_changes import RuleChanges
from services.goal_service.settings import GoalSettings
from shared.platform.answer_cache import AnswerCache
from shared.platform.auth import Principal, Role, allow, token_key
from shared.platform.canonical import INT64_MAX
from shared.platform.rate_limit import RateLimiter
from shared.platform.webhooks import WebhookVerifier


def get_settings(request: Request) -> GoalSettings:
    settings: GoalSettings = request.app.state.settings
    return settings


def get_ledger(request: Request) -> LedgerApplication:
    ledger: LedgerApplication = request.app.state.ledger
    return ledger


def get_writer(request: Request) -> GroupCommitWriter:
    writer: GroupCommitWriter = request.app.state.writer
    return writer


def get_reads(request: Request) -> LedgerReads:
    reads: LedgerReads = request.app.state.reads
    return reads


def get_goals(request: Request) -> GoalService:
    goals: GoalService = request.app.state.goals
    return goals


def get_organisation(request: Request) -> OrganisationService:
    organisation: OrganisationService = request.app.state.organisation
    return organisation


def get_calendars(request: Request) -> CalendarService:
    calendars: CalendarService = request.app.state.calendars
    return calendars


def get_progress(request: Request) -> ProgressService:
    progress: ProgressService = request.app.state.progress
    return progress


def get_answers(request: Request) -> AnswerCache:
    answers: AnswerCache = request.app.state.answers
    return answers


def get_rule_changes(request: Request) -> RuleChanges:
    changes: RuleChanges = request.app.state.rule_changes
    return changes


def get_crm(request: Request) -> CrmIntake:
    crm: CrmIntake = request.app.state.crm
    return crm


def get_proofs(request: Request) -> LedgerProofs:
    proofs: LedgerProofs = request.app.state.proofs
    return proofs


def get_verifier(request: Request) -> WebhookVerifier:
    verifier: WebhookVerifier = request.app.state.verifier
    return verifier


SettingsDep = Annotated[GoalSettings, Depends(get_settings)]
LedgerDep = Annotated[LedgerApplication, Depends(get_ledger)]
WriterDep = Annotated[GroupCommitWriter, Depends(get_writer)]
ReadsDep = Annotated[LedgerReads, Depends(get_reads)]
GoalsDep = Annotated[GoalService, Depends(get_goals)]
ProgressDep = Annotated[ProgressService, Depends(get_progress)]
AnswersDep = Annotated[AnswerCache, Depends(get_answers)]
OrganisationDep = Annotated[OrganisationService, Depends(get_organisation)]
CalendarsDep = Annotated[CalendarService, Depends(get_calendars)]
RuleChangesDep = Annotated[RuleChanges, Depends(get_rule_changes)]
CrmDep = Annotated[CrmIntake, Depends(get_crm)]
VerifierDep = Annotated[WebhookVerifier, Depends(get_verifier)]
ProofsDep = Annotated[LedgerProofs, Depends(get_proofs)]


async def ledger_open(ledger: LedgerDep) -> None:
    """Refuse before anything of the request is kept while the ledger does not continue its signed
    checkpoint. Only then is it checked again here (the writer checks before every commit group), so that
    a ledger restored from a backup opens again without a restart."""
    if ledger.checkpoints is not None and ledger.checkpoints.refused is not None:
        await asyncio.to_thread(ledger.continuing_head)  # LedgerDiscontinued while it still does not


def rate_limited(sender: Callable[[Request], str]) -> Any:
    """A dependency counting each request against its sender's share (shared/platform/rate_limit.py): a
    429 with Retry-After past it, before the body is read."""

    async def dependency(request: Request) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        limiter.take(sender(request))

    return Depends(dependency)


ByCrmSource = rate_limited(lambda request: f"CRM source {request.path_params.get('source', '')}")
ByPeer = rate_limited(lambda request: f"webhook sender {request.client.host if request.client else 'unknown'}")
ByToken = rate_limited(lambda request: f"token {token_key(request.headers.get('authorization', ''))[:12]}")


async def read_body(request: Request) -> bytes:
    """The body as bytes; shared/platform/limits.py refuses it with 413 once it outgrows the limit."""
    return await request.body()


RawBody = Annotated[bytes, Depends(read_body)]
Editor = Annotated[Principal, Depends(allow(Role.HR, Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(allow(*Role))]
KnownAt = Annotated[int | None, Query(ge=0, le=INT64_MAX, description="Answer as known at this ledger position.")]
LedgerReader = Annotated[Principal, Depends(allow(Role.SERVICE, Role.AUDITOR, Role.ADMIN))]
Importer = Annotated[Principal, Depends(allow(Role.SERVICE, Role.ADMIN))]
IdempotencyKey = Annotated[
    str | None, Header(description="A change sent again with the same key is recorded once and answered as before.")
]
LedgerOpen = Depends(ledger_open)
