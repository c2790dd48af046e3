"""Appeals (申诉) of published appraisals: a rep files one within the window its publication opened; hr assigns
reviewers from the appeals committee, who comment, ask the rep for information and decide."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from services.scoring_service.api.appeal_schemas import (
    AppealIn,
    AppealListOut,
    AppealOut,
    AssignIn,
    DecisionIn,
    NoteIn,
)
from services.scoring_service.api.deps import AnyRole, AppealsDep, Editor, Reviewer
from services.scoring_service.domain.appeals import Outcome
from shared.platform.responses import canonical_response, query_period

router = APIRouter(prefix="/v1/appeals", tags=["appeals"])
AppealKey = tuple[str, str, int]


async def appeal_key(period: str, rep_id: str, revision: Annotated[int, Path(ge=1, le=10_000)]) -> AppealKey:
    """The appeal a route names: of a period, by a rep, of a revision of their appraisal."""
    return query_period(period).key, rep_id, revision


Key = Annotated[AppealKey, Depends(appeal_key)]


def created(answer: type[AppealOut]) -> dict[int | str, dict[str, object]]:
    return {201: {"model": answer, "description": "The appeal is filed."}}


@router.post("/{period}/{rep_id}", response_model=AppealOut, status_code=201, responses=created(AppealOut))
async def file_appeal(
    request: Request, period: str, rep_id: str, body: AppealIn, principal: AnyRole, appeals: AppealsDep
) -> Response:
    """The rep appeals the latest revision of their published appraisal, before the deadline its publication
    states (a late appeal is a 422 naming the deadline)."""
    appeal = await asyncio.to_thread(
        appeals.file,
        query_period(period).key,
        rep_id,
        principal,
        [d.model_dump(mode="json") for d in body.disputed],
        body.reason,
        [e.model_dump(mode="json", exclude_none=True) for e in body.evidence],
    )
    return canonical_response(request, AppealOut.of(appeal), 201)


@router.get("", response_model=AppealListOut)
async def list_appeals(
    request: Request, principal: AnyRole, appeals: AppealsDep, period: str | None = None
) -> Response:
    """The appeals the caller may read: a rep their own, a manager their subtree's, the committee, hr and
    auditors all."""
    key = query_period(period).key if period else None
    found = await asyncio.to_thread(appeals.listing, principal, key)
    return canonical_response(request, AppealListOut(appeals=[AppealOut.of(a) for a in found]))


@router.get("/{period}/{rep_id}/{revision}", response_model=AppealOut)
async def read_appeal(request: Request, key: Key, principal: AnyRole, appeals: AppealsDep) -> Response:
    appeal = await asyncio.to_thread(appeals.read, *key, principal)
    return canonical_response(request, AppealOut.of(appeal))


@router.post("/{period}/{rep_id}/{revision}/assign", response_model=AppealOut)
async def assign_reviewers(
    request: Request,
    key: Key,
    body: AssignIn,
    principal: Editor,
    appeals: AppealsDep,
) -> Response:
    """hr names the committee members who review the appeal (their token's subject)."""
    appeal = await asyncio.to_thread(appeals.assign, key, principal, body.reviewers, body.reason)
    return canonical_response(request, AppealOut.of(appeal))


@router.post("/{period}/{rep_id}/{revision}/comment", response_model=AppealOut)
async def comment(
    request: Request,
    key: Key,
    body: NoteIn,
    principal: Reviewer,
    appeals: AppealsDep,
) -> Response:
    return canonical_response(
        request, AppealOut.of(await asyncio.to_thread(appeals.comment, key, principal, body.text))
    )


@router.post("/{period}/{rep_id}/{revision}/request-information", response_model=AppealOut)
async def request_information(
    request: Request,
    key: Key,
    body: NoteIn,
    principal: Reviewer,
    appeals: AppealsDep,
) -> Response:
    """A reviewer asks the rep a question; the appeal waits for the rep's answer."""
    appeal = await asyncio.to_thread(appeals.request_information, key, principal, body.text)
    return canonical_response(request, AppealOut.of(appeal))


@router.post("/{period}/{rep_id}/{revision}/answer", response_model=AppealOut)
async def answer(
    request: Request,
    key: Key,
    body: NoteIn,
    principal: AnyRole,
    appeals: AppealsDep,
) -> Response:
    """The rep answers the committee's question."""
    return canonical_response(request, AppealOut.of(await asyncio.to_thread(appeals.answer, key, principal, body.text)))


@router.post("/{period}/{rep_id}/{revision}/decide", response_model=AppealOut)
async def decide(
    request: Request,
    key: Key,
    body: DecisionIn,
    principal: Reviewer,
    appeals: AppealsDep,
) -> Response:
    """A reviewer records the committee's decision, with its reasons: upheld, or adjusted, which seals and signs
    the appraisal's next revision (the original stays readable) and names it in the decision."""
    appeal = await asyncio.to_thread(
        appeals.decide, key, principal, Outcome(body.outcome), body.reasons, body.cutoff_position
    )
    return canonical_response(request, AppealOut.of(appeal))
