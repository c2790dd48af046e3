"""Bearer tokens are JWTs (RFC 7519, with pyjwt): each key is pinned to one algorithm and known by its `kid`,
so a token cannot choose how it is checked (`alg: none`, or an RSA public key passed off as an HMAC secret);
`iss`, `aud`, `exp` and `sub` are required, `role` and, for a rep or a manager, `scope` are claims. HS256 with a
shared secret is the embedded default (made once in the data directory, or PERFLEDGER_JWT_SECRETS, the first
signing and all verifying, for rotation); production adds RS256 or EdDSA public keys (PERFLEDGER_JWT_PUBLIC_KEYS)
of an identity provider. Static development tokens (PERFLEDGER_API_TOKENS) are honoured where the settings
allow them (ServiceSettings.static_tokens_allowed)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from shared.platform.auth import SCOPED_ROLES, Principal, Role, token_key
from shared.platform.errors import Unauthenticated

ASYMMETRIC = ("RS256", "EdDSA")
LEEWAY_SECONDS = 30  # clocks of the issuer and the services disagree a little
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


@dataclass(frozen=True)
class VerificationKey:
    kid: str
    algorithm: str  # the one algorithm a token under this kid may use
    key: Any  # an HMAC secret (bytes) or a public key


def hmac_key(secret: str) -> VerificationKey:
    return VerificationKey(hashlib.sha256(secret.encode()).hexdigest()[:16], "HS256", secret.encode())


def public_verification_key(kid: str, algorithm: str, pem: str) -> VerificationKey:
    """A PEM public key for RS256 or EdDSA; ValueError when it is neither."""
    if algorithm not in ASYMMETRIC:
        raise ValueError(f"algorithm {algorithm!r} is not one of {', '.join(ASYMMETRIC)}")
    algorithm_object = jwt.get_algorithm_by_name(algorithm)
    try:
        key = algorithm_object.prepare_key(pem)
    except (jwt.InvalidKeyError, ValueError, TypeError) as error:
        raise ValueError(f"key {kid} is not a {algorithm} public key: {error}") from None
    return VerificationKey(kid, algorithm, key)


class TokenVerifier:
    def __init__(
        self,
        keys: Sequence[VerificationKey],
        *,
        issuer: str,
        audience: str,
        static_tokens: Mapping[str, Principal] | None = None,
    ):
        self.keys = {key.kid: key for key in keys}
        self.issuer = issuer
        self.audience = audience
        self.static_tokens = static_tokens  # None: static tokens are not honoured

    def principal(self, header: str) -> Principal:
        """The principal an `Authorization` header's bearer token names; Unauthenticated saying why otherwise."""
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("send `Authorization: Bearer <token>`")
        if token.count(".") == 2:
            return self._from_jwt(token)
        if self.static_tokens is None:
            raise Unauthenticated("the bearer token is not a JWT, and static tokens are not allowed here")
        principal = self.static_tokens.get(token_key(token))
        if principal is None:
            raise Unauthenticated("the bearer token is not known")
        return principal

    def _from_jwt(self, token: str) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(f"the token is not a JWT: {error}") from None
        key = self.keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthenticated(f"the token's key id {kid!r} is not one this service trusts")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(f"the token is refused: {error}") from None
        return principal_of_claims(claims)


def principal_of_claims(claims: Mapping[str, Any]) -> Principal:
    claimed = claims.get("role")
    if not isinstance(claimed, str) or claimed not in set(Role):
        raise Unauthenticated(f"the token's role {claimed!r} is not one of {', '.join(Role)}")
    role = Role(claimed)
    scope = claims.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise Unauthenticated("the token's scope must be a string")
    if role in SCOPED_ROLES and not scope:
        raise Unauthenticated(f"a {role} token needs a scope ({SCOPED_ROLES[role]})")
    return Principal(role, scope or None, str(claims["sub"]))


def issue(
    secret: str,
    *,
    role: Role,
    subject: str,
    issuer: str,
    audience: str,
    scope: str | None = None,
    seconds: int = 3600,
    now: float | None = None,
) -> str:
    """An HS256 token for operators and tests (`perfledger token issue`)."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "role": str(role),
        "iat": issued,
        "nbf": issued,
        "exp": issued + seconds,
    }
    if scope:
        claims["scope"] = scope
    key = hmac_key(secret)
    return jwt.encode(claims, key.key, algorithm="HS256", headers={"kid": key.kid})
