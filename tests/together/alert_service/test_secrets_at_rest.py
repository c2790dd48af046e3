"""Subscription secrets are encrypted at rest: alert_service's event store is kept with eventsourcing's AES-GCM
cipher, keyed from PERFLEDGER_CIPHER_KEY or a key made once in the data directory, so someone reading the
database sees neither a secret nor what an event says, and the service reads both back after a restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from services.alert_service.app import create_app
from services.alert_service.settings import AlertSettings
from shared.platform.http_client import http_client
from tests.support import auth, serve_in_thread

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the cipher is the library's, on any store
ADMIN = auth("t-admin")


def test_a_subscription_secret_is_not_in_the_database_and_reads_back_after_a_restart(alert_settings: AlertSettings):
    with serve_in_thread(create_app(alert_settings)) as url, http_client(base_url=url, timeout=30) as alert:
        created = alert.put("/v1/subscriptions/crm-bot", json={"url": "https://hooks.example.com/x"}, headers=ADMIN)
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
    store = Path(alert_settings.data_dir) / "alert_service.sqlite3"
    with sqlite3.connect(store) as database:
        states = [bytes(state) for (state,) in database.execute("SELECT state FROM stored_events")]
    assert states and not any(secret.encode() in state or b"hooks.example.com" in state for state in states)
    key = Path(alert_settings.data_dir) / "alert_service.cipher-key"
    assert key.stat().st_mode & 0o777 == 0o600
    with serve_in_thread(create_app(alert_settings)) as url, http_client(base_url=url, timeout=30) as alert:
        assert alert.get("/v1/subscriptions/crm-bot", headers=ADMIN).json()["url"] == "https://hooks.example.com/x"
