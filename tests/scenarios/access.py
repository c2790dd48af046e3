"""The route walk the three services' access tests share: every route of a service's OpenAPI document, called
without a token and with each role's, held to the rule the test declares for it, so that a new route without
a rule fails the suite."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from tests.support import auth

ROLES = {
    "rep": "t-rep",
    "manager": "t-manager",
    "hr": "t-hr",
    "auditor": "t-auditor",
    "service": "t-service",
    "admin": "t-admin",
    "committee": "t-wang",
}
EVERYONE = frozenset(ROLES)
EDITOR = frozenset({"hr", "admin"})
ADMIN = frozenset({"admin"})
LOG_READER = frozenset({"service", "auditor", "admin"})  # the ledger's and the services' logs, the projections
SIGNED = frozenset[str]()  # admitted by a signature over the body: any token alone is refused with 401
PROBES = frozenset({("GET", "/health"), ("GET", "/ready")})

Route = tuple[str, str]  # (method, path template)


def status_of(client: httpx.Client, method: str, path: str, media: str, headers: Mapping[str, str]) -> int:
    """The status a request gets; streamed, so that a live feed is answered and closed like any route."""
    body = b"{}" if method in ("POST", "PUT") else None
    with client.stream(method, path, content=body, headers={"content-type": media, **headers}) as answer:
        return answer.status_code


def misjudged_routes(
    client: httpx.Client,
    rules: Mapping[Route, frozenset[str]],
    sample: Mapping[str, str],
    *,
    open_routes: frozenset[Route] = PROBES,
    query: Mapping[str, str] | None = None,
    media: Mapping[str, str] | None = None,
) -> list[tuple]:
    """Every route the document lists but `open_routes`, each answered 401 without a token and refused (403,
    or 401 for SIGNED) exactly for the roles its rule leaves out: what does not hold, as (method, route, …)."""
    routes = [
        (method.upper(), path)
        for path, operations in client.get("/openapi.json").json()["paths"].items()
        for method in operations
        if (method.upper(), path) not in open_routes
    ]
    assert sorted(set(routes) - set(rules)) == [], "a route without a rule here"
    assert sorted(set(rules) - set(routes)) == [], "a rule for a route that is gone"
    found: list[tuple] = []
    for method, template in routes:
        path = template
        for placeholder, value in sample.items():
            path = path.replace(placeholder, value)
        path += (query or {}).get(template, "")
        kind = (media or {}).get(template, "application/json")
        if status_of(client, method, path, kind, {}) != 401:
            found.append((method, template, "answered without a token"))
        allowed = rules[(method, template)]
        refused = 401 if allowed is SIGNED else 403
        for role, token in ROLES.items():
            status = status_of(client, method, path, kind, auth(token))
            if (status == refused) != (role not in allowed):
                found.append((method, template, role, status))
    return found
