"""Audit bundles on both databases: September is sealed with a deal amended after it was won; an auditor exports
r-1's appraisal over the API and the CLI, and `perfledger audit verify` accepts it in a process whose database
is unreachable, with nothing but the two public keys. Every tampering an auditor must catch is named: a
forged proof, a reordered or dropped entry, an altered entry, a swapped rule version, a checkpoint signed by
another key, an edited figure, an edited credit, another rep's sums edited."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from services.scoring_service.domain.audit_bundle import verify
from shared.platform.checkpoints import Checkpoint, public_key
from shared.platform.signing import Signer
from tests.scenarios.scoring import HR, caught_up, deal, public_keys, record, setup_company
from tests.support import SOURCE, auth, cloudevent, perfledger

AUDITOR = auth("t-auditor")
NO_DATABASE = {
    "PERFLEDGER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
    "PERFLEDGER_DATA_DIR": "/nonexistent",
}


@pytest.fixture
def exported(goal, scoring, tmp_path: Path) -> tuple[dict, list[str], Path]:
    """r-1's September appraisal exported, with the seal and checkpoint keys an auditor pinned."""
    setup_company(goal, scoring)
    amend = cloudevent(
        "activity.amended",
        {"target": {"source": SOURCE, "id": "d-2"}, "amount": "120000", "currency": "CNY", "reason": "price agreed"},
        id_="amend-d-2",
    )
    events = [
        deal("d-1", "r-1", "300000", "2026-09-03"),
        deal("d-2", "r-1", "100000", "2026-09-10"),
        deal("d-3", "r-2", "250000", "2026-09-11"),
        amend,
    ]
    caught_up(scoring, record(goal, events))
    assert scoring.post("/v1/periods/2026-09/close", json={}, headers=HR).status_code == 200
    answer = scoring.get("/v1/appraisals/2026-09/r-1/audit-bundle", headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == 'attachment; filename="audit-2026-09-r-1.json"'
    path = tmp_path / "bundle.json"
    path.write_bytes(answer.content)
    return answer.json(), list(public_keys(goal, scoring)), path


def test_an_untouched_bundle_verifies_offline_and_the_cli_exports_the_same(exported, scoring, tmp_path):
    document, keys, path = exported
    assert {e["entry"]["type"] for e in document["ledger"]["entries"]} >= {
        "deal.won",
        "activity.amended",
        "org.unit.created",
    }
    assert all(c["rep_id"] == "r-1" for c in document["inputs"]["contributions"])
    result = perfledger("audit", "verify", str(path), *(f"--key={k}" for k in keys), env=NO_DATABASE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK 2026-09/r-1 revision 1")

    again = tmp_path / "again.json"
    cli = perfledger(
        "audit",
        "export",
        "--appraisal",
        "2026-09/r-1/1",
        "--out",
        str(again),
        "--url",
        str(scoring.base_url),
        env={"PERFLEDGER_TOKEN": "t-auditor"},
    )
    assert cli.returncode == 0, cli.stderr
    assert json.loads(again.read_bytes()) == document
    assert perfledger("audit", "verify", str(path), f"--key={keys[0]}").returncode == 1  # the checkpoint key is needed
    refused = perfledger("audit", "export", "--appraisal", "2026-09", "--out", str(again))
    assert refused.returncode == 2 and "PERIOD/REP" in refused.stderr


def entry_at(document: dict, kind: str) -> dict:
    return next(e for e in document["ledger"]["entries"] if e["entry"]["type"] == kind)


def forge_proof(d: dict) -> None:
    proof = entry_at(d, "deal.won")["proof"]
    proof[0] = ("0" if proof[0][0] != "0" else "1") + proof[0][1:]


def reorder(d: dict) -> None:
    entries = d["ledger"]["entries"]
    entries[0], entries[1] = entries[1], entries[0]


def drop_deal(d: dict) -> None:
    d["ledger"]["entries"].remove(entry_at(d, "deal.won"))


def alter_entry(d: dict) -> None:
    entry_at(d, "deal.won")["entry"]["data"]["amount"] = "900000"


def swap_rule_version(d: dict) -> None:
    d["rules"][0]["version"] += 1


def checkpoint_by_another_key(d: dict) -> None:
    held = Checkpoint.from_json(d["ledger"]["checkpoint"])
    stranger = Signer.kept_in(Path(d["__scratch"]) / "stranger.key")
    d["ledger"]["checkpoint"] = Checkpoint.signed(
        stranger, position=held.position, hash=held.hash, tree_root=held.tree_root, every=held.every, signed_at="t"
    ).to_json()


def edit_figure(d: dict) -> None:
    d["appraisal"]["text"] = d["appraisal"]["text"].replace('"rank":1', '"rank":2', 1)


def edit_credit(d: dict) -> None:
    credit = next(c for c in d["inputs"]["contributions"] if c["measure"] == "revenue_won")
    credit["value"] = str(int(float(credit["value"])) + 1)


def edit_other_reps_sums(d: dict) -> None:
    for credit in d["inputs"]["sums"]:
        if credit["rep_id"] == "r-2" and credit["measure"] == "revenue_won":
            credit["value"] = "9000000"


TAMPERINGS: dict[str, tuple[Callable[[dict], None], str]] = {
    "forged proof": (forge_proof, "is not in the ledger the checkpoint at"),
    "reordered entries": (reorder, "is out of order"),
    "dropped entry": (drop_deal, "stand on no entry the bundle proves"),
    "altered entry": (alter_entry, "was altered: its content does not give its hash"),
    "swapped rule version": (swap_rule_version, "the seal does not name it"),
    "checkpoint by another key": (checkpoint_by_another_key, "which is not among the keys given"),
    "edited figure": (edit_figure, "their SHA-256 differs from the seal's"),
    "edited credit": (edit_credit, "are not what that entry credits"),
    "another rep's sums": (edit_other_reps_sums, "recomputed from the bundle"),
}


def test_every_tampering_is_named_and_the_cli_fails(exported, tmp_path):
    document, keys, path = exported
    trusted = [public_key(k) for k in keys]
    assert verify(document, trusted) == []
    for name, (tamper, named) in TAMPERINGS.items():
        altered = copy.deepcopy(document) | {"__scratch": str(tmp_path)}
        tamper(altered)
        findings = verify(altered, trusted)
        assert any(named in f for f in findings), (name, findings)
    altered = copy.deepcopy(document)
    alter_entry(altered)
    path.write_text(json.dumps(altered))
    result = perfledger("audit", "verify", str(path), *(f"--key={k}" for k in keys), env=NO_DATABASE)
    assert result.returncode == 1 and "FAIL ledger entry" in result.stdout, result.stdout
    assert verify({"kind": "something else"}, trusted)[0].startswith("the bundle is malformed")
    assert verify({**document, "ledger": {"entries": "x"}}, trusted)[0].startswith("the bundle is malformed")


def test_only_examiners_export_and_an_unknown_appraisal_is_404(exported, scoring):
    assert scoring.get("/v1/appraisals/2026-09/r-1/audit-bundle", headers=auth("t-rep")).status_code == 403
    assert scoring.get("/v1/appraisals/2026-09/r-9/audit-bundle", headers=AUDITOR).status_code == 404
    assert scoring.get("/v1/appraisals/2026-09/r-1/audit-bundle?revision=2", headers=AUDITOR).status_code == 404
