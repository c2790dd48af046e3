"""Signed checkpoints of the ledger's head, against a tamperer at the database: a deleted tail, an entry forged
at the tail, a stretch rewritten with recomputed hashes, claims that disagree with entries. Each is reported
by `perfledger ledger verify` at its position, and goal_service refuses to record (503 problems on every
ingest route, /ready 503), also after a restart, instead of writing a position twice or building on it."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.goal_service.app import create_app
from services.goal_service.application import LedgerApplication
from services.goal_service.checkpoints import LedgerCheckpoints
from services.goal_service.settings import SERVICE_NAME, GoalSettings
from shared.platform.eventstore import eventsourcing_env
from shared.platform.http_client import http_client
from shared.platform.projection import LedgerTampered
from tests.scenarios.tamperer import Tamperer, run_verify
from tests.support import SOURCE, auth, cloudevent, perfledger, serve_in_thread, signed_post

READER = auth("t-auditor")


def deal(n: int, amount: str = "1000.00") -> dict:
    data = {"rep_id": "r-1", "customer_id": f"c-{n}", "deal_id": f"d-{n}", "amount": amount, "currency": "CNY"}
    return cloudevent("deal.won", data, id_=f"d-{n}")


def canonical(value: dict) -> bytes:
    """Canonical JSON as the README states it: keys sorted, no white space, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@contextmanager
def goal_service(settings: GoalSettings) -> Iterator[httpx.Client]:
    """goal_service started (again) on this test's storage."""
    with serve_in_thread(create_app(settings)) as url, http_client(base_url=url, timeout=30) as client:
        yield client


def head(goal: httpx.Client) -> int:
    return goal.get("/v1/ledger/head", headers=READER).json()["position"]


def record_deals(goal: httpx.Client, numbers: range) -> None:
    for n in numbers:  # one request each: one commit group, one checkpoint each
        assert signed_post(goal, deal(n)).status_code == 201


def assert_refuses(goal: httpx.Client, checkpoint: int, head_position: int) -> dict:
    """Every ingest route answers a 503 problem naming the checkpoint, /ready fails, nothing is written."""
    answers = [
        signed_post(goal, deal(100)),
        goal.post(
            "/v1/imports",
            content=json.dumps(deal(101)).encode(),
            headers={"content-type": "application/x-ndjson", **auth("t-service")},
        ),
        goal.post(
            "/v1/org/units",
            json={"unit_id": "acme", "name": "Acme", "kind": "company", "effective_from": "2026-01-01"},
            headers=auth("t-hr"),
        ),
    ]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert f"does not continue its signed checkpoint at position {checkpoint}" in answer.json()["detail"]
        assert "perfledger ledger verify" in answer.json()["detail"]
    ready = goal.get("/ready")
    assert ready.status_code == 503 and f"checkpoint at position {checkpoint}" in ready.json()["detail"]
    assert head(goal) == head_position
    return answers[0].json()


@pytest.fixture
def five_deals(goal_settings: GoalSettings) -> Iterator[httpx.Client]:
    with goal_service(goal_settings) as goal:
        record_deals(goal, range(1, 6))
        yield goal


def test_every_commit_group_is_checkpointed_and_a_signature_verifies_with_the_listed_public_key_alone(five_deals):
    listing = five_deals.get("/v1/ledger/checkpoints", headers=READER).json()
    (key,) = listing["keys"]
    raw = base64.b64decode(key["public_key"])
    assert key["algorithm"] == "Ed25519" and key["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    public = Ed25519PublicKey.from_public_bytes(raw)
    assert [c["position"] for c in listing["checkpoints"]] == [1, 2, 3, 4, 5]
    for checkpoint in listing["checkpoints"]:
        claim = {name: value for name, value in checkpoint.items() if name != "signature"}
        public.verify(base64.b64decode(checkpoint["signature"]), canonical(claim))  # raises when it does not
        assert claim["key_id"] == key["key_id"] and claim["every"] == 1
    latest = listing["latest"]
    assert latest == listing["checkpoints"][-1]
    assert latest["hash"] == five_deals.get("/v1/ledger/head", headers=READER).json()["hash"]
    with pytest.raises(InvalidSignature):  # the signature binds the position too
        claim = {name: value for name, value in latest.items() if name != "signature"}
        public.verify(base64.b64decode(latest["signature"]), canonical({**claim, "position": 4}))
    # followers get the latest with every page; the listing pages by position
    page = five_deals.get("/v1/ledger/events", params={"after": 3}, headers=auth("t-service")).json()
    assert page["checkpoint"] == latest
    later = five_deals.get("/v1/ledger/checkpoints", params={"after": 3, "limit": 1}, headers=READER).json()
    assert [c["position"] for c in later["checkpoints"]] == [4]
    assert five_deals.get("/v1/ledger/checkpoints", headers=auth("t-rep")).status_code == 403


def test_a_checkpoint_follows_the_commit_group_that_crosses_the_configured_count(goal_settings):
    settings = goal_settings.model_copy(update={"checkpoint_every": 3, "checkpoint_seconds": 3600.0})
    with goal_service(settings) as goal:
        record_deals(goal, range(1, 6))  # heads 1..5: the first, then 4 (three past 1)
        assert signed_post(goal, [deal(n) for n in range(6, 10)]).status_code == 201  # one group up to 9
        listing = goal.get("/v1/ledger/checkpoints", headers=READER).json()
    assert [(c["position"], c["every"]) for c in listing["checkpoints"]] == [(1, 3), (4, 3), (9, 3)]


@pytest.mark.parametrize("and_checkpoints", [False, True], ids=["entries", "entries-and-checkpoints"])
def test_a_deleted_tail_is_caught_by_verify_and_stops_goal_service_even_after_a_restart(
    five_deals, goal_settings, storage_env, and_checkpoints
):
    tamperer = Tamperer(storage_env)
    tamperer.delete_entries(4)
    if and_checkpoints:  # the witness file outside the database still remembers the latest
        tamperer.delete_checkpoints()
    problem = assert_refuses(five_deals, checkpoint=5, head_position=3)
    assert "positions 4-5 are missing" in problem["detail"]
    # re-delivering a deleted event: never "duplicate" at a position that lost it, never position 4 again
    assert signed_post(five_deals, deal(4)).status_code == 503
    result = run_verify(storage_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MISSING positions 4-5: the checkpoint signed at position 5 covers them, but the ledger ends at 3" in (
        result.stdout
    )
    assert "CLAIM of event 'd-4' from 'crm://tests' points at position 4, which holds no entry" in result.stdout
    with goal_service(goal_settings) as restarted:
        assert_refuses(restarted, checkpoint=5, head_position=3)


def test_a_ledger_restored_from_a_backup_is_recorded_to_again_without_a_restart(five_deals, storage_env):
    tamperer = Tamperer(storage_env)
    backup = tamperer.rows(4)
    tamperer.delete_entries(4)
    assert_refuses(five_deals, checkpoint=5, head_position=3)
    tamperer.restore(backup)
    assert signed_post(five_deals, deal(6)).json()["position"] == 6
    assert five_deals.get("/ready").status_code == 200
    assert run_verify(storage_env).returncode == 0


def test_an_entry_forged_after_the_head_is_reported_and_goal_service_writes_nothing_after_it(
    five_deals, goal_settings, storage_env
):
    forged = Tamperer(storage_env).append(
        SOURCE,
        "forged-1",
        {"rep_id": "r-9", "customer_id": "c-9", "deal_id": "d-9", "amount": "9000000.00", "currency": "CNY"},
    )
    assert forged == 6
    problem = assert_refuses(five_deals, checkpoint=5, head_position=6)
    assert "position 6 is past the checkpoint signed at 5" in problem["detail"]
    result = run_verify(storage_env)
    assert result.returncode == 1
    # well-formed: the chain and the claims agree with it; only the checkpoints tell
    assert result.stdout.splitlines()[0].startswith(
        "UNSIGNED position 6: past the latest signed checkpoint (5), which promised another within 1 entries"
    )
    assert "BROKEN" not in result.stdout and "CLAIM" not in result.stdout
    with goal_service(goal_settings) as restarted:
        assert_refuses(restarted, checkpoint=5, head_position=6)


def test_an_entry_forged_in_place_of_the_last_is_reported_at_its_position(five_deals, storage_env):
    Tamperer(storage_env).rewrite(5, lambda entry: entry["data"].update(amount="9000000.00"))
    problem = assert_refuses(five_deals, checkpoint=5, head_position=5)
    assert "the entry at position 5 is not the one its checkpoint signed" in problem["detail"]
    result = run_verify(storage_env)
    assert result.returncode == 1
    assert result.stdout.startswith("ALTERED at position 5: the ledger's hash at 5 is ")
    assert "(the one at 4 agrees)" in result.stdout and "BROKEN" not in result.stdout


def test_a_stretch_rewritten_with_recomputed_hashes_is_reported_from_its_first_position(
    five_deals, goal_settings, storage_env
):
    record_deals(five_deals, range(6, 8))
    Tamperer(storage_env).rewrite(3, lambda entry: entry["data"].update(amount="1.00"))
    assert_refuses(five_deals, checkpoint=7, head_position=7)
    result = run_verify(storage_env)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ALTERED at position 3: the ledger's hash at 3 is ")
    assert lines[0].endswith("(the one at 2 agrees); so do the 4 later ones up to 7")
    assert "BROKEN" not in result.stdout  # the chain itself verifies: only the signatures tell
    with goal_service(goal_settings) as restarted:
        assert_refuses(restarted, checkpoint=7, head_position=7)


def test_checkpoints_edited_to_match_a_rewritten_stretch_do_not_verify_and_goal_service_refuses(
    five_deals, goal_settings, storage_env
):
    tamperer = Tamperer(storage_env)
    tamperer.rewrite(3, lambda entry: entry["data"].update(amount="1.00"))
    tamperer.match_checkpoints()  # the database now agrees with itself; only the signatures do not
    tamperer.delete_witness()
    with goal_service(goal_settings) as restarted:
        problem = assert_refuses(restarted, checkpoint=5, head_position=5)  # the stored one, which it refuses
        assert "the checkpoint stored there is not goal_service's: its signature does not verify" in (problem["detail"])
    result = run_verify(storage_env)
    assert result.returncode == 1
    assert "CHECKPOINT at position 3 (database) is not goal_service's: its signature does not verify" in result.stdout


def test_goal_services_own_projections_absorb_nothing_that_contradicts_a_checkpoint(
    five_deals, goal_settings, storage_env
):
    record_deals(five_deals, range(6, 7))
    ledger = LedgerApplication(
        eventsourcing_env(goal_settings, SERVICE_NAME), LedgerCheckpoints.from_settings(goal_settings)
    )
    try:
        assert [e.position for e in ledger.signed_entries(0, 4)] == [1, 2, 3, 4]
        Tamperer(storage_env).rewrite(3, lambda entry: entry["data"].update(amount="1.00"))
        with pytest.raises(LedgerTampered, match=r"entry at position 4 .* contradicts the checkpoint signed there"):
            ledger.signed_entries(0, 4)  # a rebuild's first page: its own checkpoint at 4 disagrees
    finally:
        ledger.close()


def test_a_rebuild_of_the_read_model_stops_at_a_ledger_that_contradicts_its_checkpoints(five_deals, storage_env):
    Tamperer(storage_env).rewrite(3, lambda entry: entry["data"].update(amount="1.00"))
    rebuild = perfledger("projections", "rebuild", env=storage_env, timeout=60)
    assert rebuild.returncode == 1, rebuild.stdout + rebuild.stderr
    assert "stopped: ledger entry at position 5" in rebuild.stderr
    assert "contradicts the checkpoint signed there" in rebuild.stderr and "perfledger ledger verify" in rebuild.stderr


def test_claims_and_entries_that_disagree_are_reported_and_a_redelivery_is_refused_not_answered_elsewhere(
    five_deals, goal_settings, storage_env
):
    tamperer = Tamperer(storage_env)
    tamperer.point_claim(SOURCE, "d-2", 4)  # d-2's claim now names d-4's position
    tamperer.delete_claim(SOURCE, "d-3")
    result = run_verify(storage_env)
    assert result.returncode == 1
    assert result.stdout.splitlines()[:3] == [
        "UNCLAIMED position 2: event 'd-2' from 'crm://tests' has no identity claim that points at it",
        "UNCLAIMED position 3: event 'd-3' from 'crm://tests' has no identity claim that points at it",
        "CLAIM of event 'd-2' from 'crm://tests' points at position 4, which holds event 'd-4' from 'crm://tests'",
    ]
    with goal_service(goal_settings) as restarted:  # nothing cached: the claim is read from the store
        redelivered = signed_post(restarted, deal(2))
        assert redelivered.status_code == 503, redelivered.text
        assert (
            "event 'd-2' from 'crm://tests' is claimed at position 4, which holds event 'd-4'"
            in (redelivered.json()["detail"])
        )
        assert restarted.get("/ready").status_code == 503  # it stays closed: the evidence does not go away
        assert signed_post(restarted, deal(5)).status_code == 503
        assert head(restarted) == 5


@pytest.mark.slow
def test_an_auditor_who_kept_the_checkpoints_catches_a_tamperer_who_deleted_every_copy_on_the_host(
    five_deals, storage_env, tmp_path
):
    listing = five_deals.get("/v1/ledger/checkpoints", headers=READER).json()
    latest_only = five_deals.get("/v1/ledger/checkpoints", params={"limit": 0}, headers=READER).text
    saved = tmp_path / "checkpoints.ndjson"  # the listings an auditor fetched, one a line
    saved.write_text(json.dumps(listing) + "\n" + latest_only + "\n")
    tamperer = Tamperer(storage_env)
    tamperer.delete_entries(4)
    for event_id in ("d-4", "d-5"):
        tamperer.delete_claim(SOURCE, event_id)
    tamperer.delete_checkpoints()
    tamperer.delete_witness()
    assert run_verify(storage_env).stdout.startswith("OK head position 3")  # nothing left on the host tells
    result = run_verify(storage_env, "--checkpoints", str(saved), "--public-key", listing["keys"][0]["public_key"])
    assert result.returncode == 1
    assert result.stdout.startswith("MISSING positions 4-5: the checkpoint signed at position 5 covers them")
    stranger = base64.b64encode(bytes(32)).decode()  # a key the auditor never pinned: nothing of the file is trusted
    refused = run_verify(storage_env, "--checkpoints", str(saved), "--public-key", stranger)
    assert refused.returncode == 1 and "is not goal_service's: it is signed by key" in refused.stdout
