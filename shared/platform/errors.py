"""Domain exceptions: raised by domain and application code, which knows nothing of HTTP.
`shared.platform.problems` turns each kind into an RFC 9457 problem in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field, located by a JSON pointer (RFC 6901) into the request."""

    pointer: str
    detail: str


def json_pointer(path: Sequence[str | int]) -> str:
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in path)
    return "".join("/" + part for part in escaped)


class DomainError(Exception):
    title = "Request cannot be processed"

    def __init__(self, detail: str, *, errors: Sequence[FieldError] = ()):
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)


class InvalidInput(DomainError):
    title = "Invalid input"


class Conflict(DomainError):
    title = "Conflict"


class NotFound(DomainError):
    title = "Not found"


class Unauthenticated(DomainError):
    title = "Unauthenticated"


class Forbidden(DomainError):
    title = "Forbidden"


class PayloadTooLarge(DomainError):
    title = "Payload too large"


class Unavailable(DomainError):
    title = "Service unavailable"


class UnsupportedMediaType(DomainError):
    title = "Unsupported media type"


class TooManyRequests(DomainError):
    title = "Too many requests"

    def __init__(self, detail: str, retry_after_seconds: int):
        super().__init__(detail)
        self.retry_after_seconds = max(1, retry_after_seconds)
