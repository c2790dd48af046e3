"""Outgoing HTTP clients, all on one TLS context: building a context loads the CA bundle (about 20 ms of
CPU), and a service opens a client for each follower, webhook sender and CRM API it talks to."""

from __future__ import annotations

import ssl
from functools import cache
from typing import Any

import httpx


@cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def http_client(**options: Any) -> httpx.Client:
    """An `httpx.Client` with these options, verifying TLS against the shared context."""
    return httpx.Client(verify=tls_context(), **options)
