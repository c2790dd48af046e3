"""`perfledger ledger verify` recomputes the chain from the database and names the first position an
entry was altered, removed or inserted at, when the tampering is done directly in the database."""

from __future__ import annotations

import pytest

from tests.scenarios.tamperer import ledger_id_param, run_sql, run_verify
from tests.support import cloudevent, signed_post


@pytest.fixture
def five_entries(goal, storage_env) -> dict[str, str]:
    events = [
        cloudevent(
            "deal.won",
            {"rep_id": "r-1", "customer_id": f"c-{i}", "deal_id": f"d-{i}", "amount": "1000.00", "currency": "CNY"},
        )
        for i in range(1, 6)
    ]
    assert signed_post(goal, events).status_code == 201
    return storage_env


def test_an_untouched_ledger_verifies_with_its_head(five_entries, goal):
    result = run_verify(five_entries)
    head = goal.get("/v1/ledger/head", headers={"authorization": "Bearer t-auditor"}).json()
    assert result.returncode == 0, result.stdout + result.stderr
    ok, checkpoint = result.stdout.splitlines()
    assert ok.split() == ["OK", "head", "position", "5", "hash", head["hash"]]
    assert checkpoint.startswith("checkpoint position 5 signed by key ")


def test_an_altered_amount_is_found_at_its_position(five_entries):
    run_sql(
        five_entries,
        "UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = 3",
        (b"placeholder", ledger_id_param(five_entries)),
    )
    result = run_verify(five_entries)
    assert result.returncode == 1
    assert "BROKEN at position 3" in result.stdout


def test_an_altered_but_well_formed_entry_is_found_at_its_position(five_entries, goal):
    # Rewrite entry 3's JSON in place: still decodes, but no longer matches the hash stored with it.
    rows = _states(five_entries)
    forged = rows[3].replace(b'"1000.00"', b'"9000.00"')
    assert forged != rows[3]
    run_sql(
        five_entries,
        "UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = 3",
        (forged, ledger_id_param(five_entries)),
    )
    result = run_verify(five_entries)
    assert result.returncode == 1
    assert "BROKEN at position 3: content does not match its hash" in result.stdout


def test_a_removed_entry_is_found_at_its_position(five_entries):
    run_sql(
        five_entries,
        "DELETE FROM {table} WHERE originator_id = ? AND originator_version = 2",
        (ledger_id_param(five_entries),),
    )
    result = run_verify(five_entries)
    assert result.returncode == 1
    assert "BROKEN at position 2: entry 2 is missing" in result.stdout


def test_an_inserted_entry_is_found_at_its_position(five_entries):
    # A copy of entry 2 slipped in as position 6: its content says 2, and its hash chains from entry 1.
    run_sql(
        five_entries,
        "INSERT INTO {table} (originator_id, originator_version, topic, state) "
        "SELECT originator_id, 6, topic, state FROM {table} WHERE originator_id = ? AND originator_version = 2",
        (ledger_id_param(five_entries),),
    )
    result = run_verify(five_entries)
    assert result.returncode == 1
    assert "BROKEN at position 6" in result.stdout


def _states(storage_env: dict[str, str]) -> dict[int, bytes]:
    rows = run_sql(
        storage_env,
        "SELECT originator_version, state FROM {table} WHERE originator_id = ?",
        (ledger_id_param(storage_env),),
    )
    return {version: bytes(state) for version, state in rows}
