"""The ledger's Merkle tree (RFC 9162): each signed checkpoint carries the tree head over the entries up to
it, an entry proves into it with its audit path, and two checkpoints prove that the later one only appended
to the earlier; after a restart the writer resumes the tree from its newest checkpoint, and an edge altered in
the database is not built upon."""

from __future__ import annotations

import httpx

from services.goal_service.domain.checkpoints import CHECKPOINT_LOG_ID
from shared.platform.chain import entry_hash
from shared.platform.checkpoints import ledger_leaf
from shared.platform.merkle import MerkleTree, verify_consistency, verify_inclusion
from tests.scenarios.tamperer import Tamperer
from tests.service.goal_service.test_ledger_checkpoints import READER, goal_service, record_deals


def entries(goal: httpx.Client) -> list[dict]:
    return goal.get("/v1/ledger/events", params={"limit": 1000}, headers=READER).json()["events"]


def checkpoints(goal: httpx.Client) -> list[dict]:
    return goal.get("/v1/ledger/checkpoints", headers=READER).json()["checkpoints"]


def assert_every_checkpoint_signs_the_trees_root(goal: httpx.Client) -> list[dict]:
    tree = MerkleTree(ledger_leaf(e["hash"]) for e in entries(goal))
    signed = checkpoints(goal)
    for checkpoint in signed:
        assert checkpoint["tree_size"] == checkpoint["position"]
        assert checkpoint["tree_root"] == tree.root(checkpoint["position"]).hex(), checkpoint
    return signed


def test_checkpoints_sign_the_tree_and_proofs_verify_against_them(goal_settings):
    with goal_service(goal_settings) as goal:
        record_deals(goal, range(1, 8))
        signed = assert_every_checkpoint_signs_the_trees_root(goal)
        old, new = signed[2], signed[-1]

        answer = goal.get("/v1/ledger/consistency", params={"from": old["position"]}, headers=READER).json()
        assert answer["new"]["checkpoint"] == new and answer["old"]["checkpoint"] == old  # `to` is the latest
        proof = [bytes.fromhex(h) for h in answer["proof"]]
        roots = bytes.fromhex(old["tree_root"]), bytes.fromhex(new["tree_root"])
        assert verify_consistency(old["position"], new["position"], *roots, proof)
        assert not verify_consistency(old["position"], new["position"], roots[1], roots[0], proof)

        proved = goal.post("/v1/ledger/inclusion-proofs", json={"positions": [5, 1, 7]}, headers=READER).json()
        assert proved["tree"]["tree_size"] == new["position"] and proved["tree"]["checkpoint"] == new
        assert [e["position"] for e in proved["entries"]] == [1, 5, 7]
        for e in proved["entries"]:
            assert entry_hash(e["previous_hash"], e["entry"]) == e["hash"]  # the entry itself makes the leaf
            path = [bytes.fromhex(h) for h in e["proof"]]
            assert verify_inclusion(ledger_leaf(e["hash"]), e["position"] - 1, new["position"], path, roots[1])
            forged = ledger_leaf(entry_hash(e["previous_hash"], {**e["entry"], "id": "forged"}))
            assert not verify_inclusion(forged, e["position"] - 1, new["position"], path, roots[1])

        for params, named in (
            ({"from": 5, "to": 3}, "must be at most"),
            ({"from": 1, "to": 99}, "holds 7 entries"),
        ):
            refused = goal.get("/v1/ledger/consistency", params=params, headers=READER)
            assert refused.status_code == 422 and named in refused.json()["detail"]
        beyond = goal.post("/v1/ledger/inclusion-proofs", json={"positions": [8], "tree_size": 7}, headers=READER)
        assert beyond.status_code == 422 and "[8]" in beyond.json()["detail"]
        assert goal.get("/v1/ledger/consistency", params={"from": 1}, headers={}).status_code == 401


def test_after_a_restart_the_tree_resumes_from_the_newest_checkpoint_and_an_altered_edge_is_not_used(
    goal_settings, storage_env
):
    with goal_service(goal_settings) as goal:
        record_deals(goal, range(1, 6))
    with goal_service(goal_settings) as goal:
        record_deals(goal, range(6, 9))
        assert_every_checkpoint_signs_the_trees_root(goal)
    tamperer = Tamperer(storage_env)
    stored = tamperer.states(CHECKPOINT_LOG_ID)
    newest = max(stored)
    altered = stored[newest] | {"frontier": ["00" * 32] * len(stored[newest]["frontier"])}
    tamperer.write(newest, altered, CHECKPOINT_LOG_ID)
    with goal_service(goal_settings) as goal:
        record_deals(goal, range(9, 12))
        assert len(assert_every_checkpoint_signs_the_trees_root(goal)) >= 11  # rebuilt, not built on the lie
