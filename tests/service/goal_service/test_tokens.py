"""Bearer tokens are JWTs: each key pinned to one algorithm and known by its kid, iss, aud, exp and sub
required, role and scope as claims, HS256 secrets rotated by listing two, an identity provider's RS256 and
EdDSA public keys beside them. Everything else is a 401 problem saying why: alg none, a wrong key, an
algorithm the kid is not pinned to (an RSA public key used as an HMAC secret), an expired or not yet valid
token, a wrong audience or issuer, a missing claim, and a static token where static tokens are not allowed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from services.goal_service.app import create_app
from services.goal_service.settings import GoalSettings
from shared.platform.auth import Role
from shared.platform.http_client import http_client
from shared.platform.tokens import hmac_key, issue
from tests.support import serve_in_thread

NEW, OLD = "a-new-secret-of-enough-length-0123456789", "the-old-secret-still-trusted-0123456789"
RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED = ed25519.Ed25519PrivateKey.generate()


pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite"], indirect=True
)  # tokens are checked before storage is touched: one backend is enough


def pem(private) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def claims(**changes) -> dict:
    now = int(time.time())
    base = {"iss": "perfledger", "aud": "perfledger", "sub": "alice", "role": "hr", "iat": now, "exp": now + 600}
    return {k: v for k, v in (base | changes).items() if v is not None}


@pytest.fixture
def goal(goal_settings: GoalSettings, monkeypatch) -> Iterator:
    monkeypatch.delenv("PERFLEDGER_API_TOKENS")
    monkeypatch.setenv("PERFLEDGER_ALLOW_STATIC_TOKENS", "false")
    monkeypatch.setenv("PERFLEDGER_JWT_SECRETS", f"{NEW},{OLD}")
    keys = [{"kid": "idp-rsa", "alg": "RS256", "pem": pem(RSA)}, {"kid": "idp-ed", "alg": "EdDSA", "pem": pem(ED)}]
    monkeypatch.setenv("PERFLEDGER_JWT_PUBLIC_KEYS", json.dumps(keys))
    with serve_in_thread(create_app(GoalSettings())) as url, http_client(base_url=url, timeout=30) as client:
        yield client


def status(goal, token: str) -> tuple[int, str]:
    answer = goal.get("/v1/goals", headers={"authorization": f"Bearer {token}"})
    return answer.status_code, answer.json().get("detail", "")


def part(value: dict | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(payload: dict) -> str:
    return f"{part({'alg': 'none', 'kid': hmac_key(NEW).kid})}.{part(payload)}."


def rsa_key_as_hmac_secret() -> str:
    """The classic confusion: HS256 over the RSA kid's public key, as if it were a shared secret (pyjwt
    refuses to sign this, so it is signed by hand)."""
    signing_input = f"{part({'alg': 'HS256', 'kid': 'idp-rsa'})}.{part(claims())}"
    signature = hmac.new(pem(RSA).encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def test_tokens_of_every_trusted_key_are_accepted_with_their_role_and_scope(goal):
    for secret in (NEW, OLD):  # the old secret verifies still, while tokens it signed live out their hours
        token = issue(secret, role=Role.HR, subject="alice", issuer="perfledger", audience="perfledger")
        assert status(goal, token)[0] == 200
    assert status(goal, jwt.encode(claims(), RSA, algorithm="RS256", headers={"kid": "idp-rsa"}))[0] == 200
    assert status(goal, jwt.encode(claims(), ED, algorithm="EdDSA", headers={"kid": "idp-ed"}))[0] == 200
    rep = issue(NEW, role=Role.REP, scope="r-1", subject="bob", issuer="perfledger", audience="perfledger")
    goal_body = {"metric": "visits", "owner": {"kind": "rep", "id": "r-1"}, "period": "2026-Q4", "target": "1"}
    refused = goal.post("/v1/goals", json=goal_body | {"description": "x"}, headers={"authorization": f"Bearer {rep}"})
    assert refused.status_code == 403, refused.text  # a rep sets no goals: the claims made a rep


REFUSED = {
    "alg none": (lambda: unsigned(claims()), "is refused"),
    "a wrong key": (
        lambda: jwt.encode(
            claims(),
            "not-the-secret-though-long-enough-0123456789",
            algorithm="HS256",
            headers={"kid": hmac_key(NEW).kid},
        ),
        "Signature verification failed",
    ),
    "an unknown kid": (
        lambda: jwt.encode(claims(), NEW, algorithm="HS256", headers={"kid": "nobody"}),
        "key id 'nobody'",
    ),
    "no kid": (lambda: jwt.encode(claims(), NEW, algorithm="HS256"), "key id None"),
    "an RSA public key as an HMAC secret": (rsa_key_as_hmac_secret, "is refused"),
    "expired": (
        lambda: issue(
            NEW, role=Role.HR, subject="a", issuer="perfledger", audience="perfledger", now=time.time() - 7200
        ),
        "expired",
    ),
    "not yet valid": (
        lambda: issue(
            NEW, role=Role.HR, subject="a", issuer="perfledger", audience="perfledger", now=time.time() + 3600
        ),
        "not yet valid",
    ),
    "another audience": (
        lambda: issue(NEW, role=Role.HR, subject="a", issuer="perfledger", audience="crm"),
        "Audience",
    ),
    "another issuer": (lambda: issue(NEW, role=Role.HR, subject="a", issuer="evil", audience="perfledger"), "issuer"),
    "no exp": (lambda: jwt.encode(claims(exp=None), NEW, algorithm="HS256", headers={"kid": hmac_key(NEW).kid}), "exp"),
    "no sub": (lambda: jwt.encode(claims(sub=None), NEW, algorithm="HS256", headers={"kid": hmac_key(NEW).kid}), "sub"),
    "an unknown role": (
        lambda: jwt.encode(claims(role="king"), NEW, algorithm="HS256", headers={"kid": hmac_key(NEW).kid}),
        "role 'king'",
    ),
    "a rep without a scope": (
        lambda: jwt.encode(claims(role="rep"), NEW, algorithm="HS256", headers={"kid": hmac_key(NEW).kid}),
        "needs a scope",
    ),
    "a static token": (lambda: "t-hr", "static tokens are not allowed"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_every_other_token_is_a_401_saying_why(goal, case):
    make, says = REFUSED[case]
    code, detail = status(goal, make())
    assert code == 401 and says in detail, (case, detail)
