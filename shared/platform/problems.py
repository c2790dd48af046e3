"""RFC 9457 problem details for every error answer: domain exceptions, request validation, unknown
routes and unexpected failures all leave as `application/problem+json`, naming what is wrong."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.platform import errors
from shared.platform.errors import FieldError, json_pointer

PROBLEM_MEDIA_TYPE = "application/problem+json"

STATUS_OF: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: 422,
    errors.Conflict: 409,
    errors.NotFound: 404,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.PayloadTooLarge: 413,
    errors.Unavailable: 503,
    errors.UnsupportedMediaType: 415,
    errors.TooManyRequests: 429,
}

log = structlog.get_logger("problems")

# Every route may answer these, each an RFC 9457 problem: documented once for all, so a client (and the
# fuzzer's schema checks) knows the shape of every answer, not only the successful ones.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}
PROBLEM_ANSWERS = {
    400: "The request is malformed",
    401: "No known bearer token, or a signature that does not verify",
    403: "The caller's role may not use this route",
    404: "Not found, or outside the caller's scope",
    409: "Conflicts with what is recorded",
    413: "The body is larger than the service takes",
    415: "The body is of another media type than the route declares",
    422: "Invalid input, each field named by its pointer",
    429: "The sender has sent too much; retry after Retry-After seconds",
    503: "Not available now (the database, an upstream, a ledger that does not continue its checkpoint)",
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": words, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}}
    for status, words in PROBLEM_ANSWERS.items()
}


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    field_errors: list[FieldError] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if field_errors:
        body["errors"] = [{"pointer": e.pointer, "detail": e.detail} for e in field_errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _status_of(error: errors.DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 400


def problem_of(error: errors.DomainError, instance: str | None = None) -> dict[str, Any]:
    """The problem a domain error is, as a body: what an error answer carries, and what a list answer
    carries in place of the one item the error spoils (a goal's line in a list of progress)."""
    body: dict[str, Any] = {"type": "about:blank", "title": error.title, "status": _status_of(error)}
    if error.detail:
        body["detail"] = error.detail
    if instance:
        body["instance"] = instance
    if error.errors:
        body["errors"] = [{"pointer": e.pointer, "detail": e.detail} for e in error.errors]
    return body


def error_response(error: errors.DomainError, instance: str | None = None) -> JSONResponse:
    """A domain error as its problem answer (a 401 says which scheme to use)."""
    body = problem_of(error, instance)
    headers = {"www-authenticate": "Bearer"} if body["status"] == 401 else None
    if isinstance(error, errors.TooManyRequests):
        headers = {"retry-after": str(error.retry_after_seconds)}
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _request_field_errors(exc: RequestValidationError) -> list[FieldError]:
    found = []
    for err in exc.errors():
        where, *path = err["loc"]
        # Body errors point into the body; query, path and header errors name the parameter.
        pointer = json_pointer(path) if where == "body" else f"{where}:{'.'.join(map(str, path))}"
        found.append(FieldError(pointer or "/", err["msg"].removeprefix("Value error, ")))  # our validators' words
    return found


def install_problem_handlers(app: FastAPI) -> None:
    async def on_domain_error(request: Request, exc: errors.DomainError) -> JSONResponse:
        return error_response(exc, request.url.path)

    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        field_errors = _request_field_errors(exc)
        detail = "; ".join(f"{e.pointer}: {e.detail}" for e in field_errors)
        return problem_response(422, "Invalid request", detail, field_errors=field_errors, instance=request.url.path)

    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code, str(exc.detail), None, instance=request.url.path, headers=getattr(exc, "headers", None)
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return problem_response(
            500, "Internal error", "the failure is logged with this request's id", instance=request.url.path
        )

    # Starlette calls a handler only with the kind of exception it is registered for, which its type for
    # handlers (any Exception) cannot say; hence the ignores.
    app.add_exception_handler(errors.DomainError, on_domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected)
