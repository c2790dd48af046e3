"""Bearer-token authentication and roles. Every route asks for a `Principal`: a role and its scope (a
rep's own id, or the team subtree a manager leads), from a JWT or, in development, a static token
(shared.platform.tokens)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request

from shared.platform.errors import Forbidden


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    HR = "hr"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SERVICE = "service"
    COMMITTEE = "committee"  # the appeals committee: reviews and decides appeals, reads what they dispute


SCOPED_ROLES = {Role.REP: "rep id", Role.MANAGER: "team id"}


@dataclass(frozen=True)
class Principal:
    role: Role
    scope: str | None = None  # a rep's own id, or the root of the team subtree a manager leads
    subject: str | None = None  # who holds the token, for the record of who changed what

    @property
    def actor(self) -> str:
        return self.subject or (f"{self.role}:{self.scope}" if self.scope else str(self.role))


def token_key(token: str) -> str:
    # Tokens are looked up by digest, so the table never compares secrets byte by byte.
    return hashlib.sha256(token.encode()).hexdigest()


def parse_api_tokens(text: str) -> dict[str, Principal]:
    """`t1=admin@alice,t3=rep:r-17,t4=manager:team-east@bob` -> {digest(token): Principal}; `@name` says
    who holds the token, and is optional."""
    table: dict[str, Principal] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        token, sep, grant = entry.partition("=")
        grant, _, subject = grant.partition("@")
        role_name, _, scope = grant.partition(":")
        if not sep or not token.strip():
            raise ValueError(f"entry {entry!r} is not token=role or token=role:scope")
        try:
            role = Role(role_name.strip())
        except ValueError:
            raise ValueError(f"unknown role {role_name!r}; roles are {', '.join(Role)}") from None
        if role in SCOPED_ROLES and not scope.strip():
            raise ValueError(f"role {role} needs a scope ({SCOPED_ROLES[role]}): {token.strip()}={role}:…")
        table[token_key(token.strip())] = Principal(role, scope.strip() or None, subject.strip() or None)
    return table


def service_token(text: str) -> str | None:
    """The first token in a PERFLEDGER_API_TOKENS text granted the service role, if any."""
    for entry in filter(None, (part.strip() for part in text.split(","))):
        token, _, grant = entry.partition("=")
        if grant.partition("@")[0].partition(":")[0].strip() == Role.SERVICE:
            return token.strip()
    return None


def authenticate(request: Request) -> Principal:
    """The caller, by the bearer token of the request (shared.platform.tokens)."""
    principal: Principal = request.app.state.tokens.principal(request.headers.get("authorization", ""))
    return principal


def allow(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency that admits only the given roles."""

    async def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if principal.role not in roles:
            raise Forbidden(f"role {principal.role} may not use this route")
        return principal

    return dependency
