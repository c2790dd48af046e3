"""`perfledger ledger verify` and `perfledger import`: the ledger from the command line."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from services.goal_service.application import LedgerApplication
from services.goal_service.checkpoints import (
    LedgerCheckpoints,
    Witness,
    WitnessUnreadable,
    existing_signer,
    trusted_keys,
    witness_file,
)
from services.goal_service.domain.audit import Finding
from services.goal_service.ledger_audit import audit_stored_ledger
from services.goal_service.projections import open_projections
from services.goal_service.settings import SERVICE_NAME, LedgerSettings
from shared.platform.checkpoints import Checkpoint, CheckpointKeys, public_key
from shared.platform.eventstore import eventsourcing_env
from shared.platform.http_client import http_client
from shared.platform.projection import LedgerTampered
from shared.platform.settings import load_settings

ledger_cli = typer.Typer(help="The activity ledger.", no_args_is_help=True)
projections_cli = typer.Typer(
    help="Read models: rebuild goal_service's; pass over a poisoned entry in any service's.", no_args_is_help=True
)
console = Console(soft_wrap=True)


def saved_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoints an auditor kept: a saved GET /v1/ledger/checkpoints answer, a list of checkpoints, or
    one such JSON document a line (answers appended as they were fetched)."""
    text = path.read_text()
    try:
        documents = [json.loads(text)]
    except json.JSONDecodeError:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()]
    found = []
    for document in documents:
        if isinstance(document, dict) and "checkpoints" in document:
            found += [*document["checkpoints"], *([document["latest"]] if document.get("latest") else [])]
        else:
            found += document if isinstance(document, list) else [document]
    return [Checkpoint.from_json(value) for value in found]


@ledger_cli.command("verify")
def verify(
    checkpoints: Annotated[
        list[Path] | None,
        typer.Option(exists=True, dir_okay=False, help="Checkpoints kept outside the database (saved listings)."),
    ] = None,
    public_keys: Annotated[
        list[str] | None,
        typer.Option(
            "--public-key",
            help="Trust checkpoints signed by this base64 Ed25519 key instead of "
            "goal_service's own keys (an auditor's pinned key).",
        ),
    ] = None,
) -> None:
    """Check goal_service's ledger (PERFLEDGER_DATABASE_URL, or the SQLite file under PERFLEDGER_DATA_DIR):
    the hash chain, the chain against every signed checkpoint (the database's, the witness file's and any
    given), and the identity claims against the entries. Prints OK and the head, or one line per finding
    by position (BROKEN, MISSING, ALTERED, UNSIGNED, CHECKPOINT, CLAIM, UNCLAIMED) and exits 1."""
    settings = load_settings(LedgerSettings)
    try:
        keys = (
            CheckpointKeys(public_key(key) for key in public_keys)
            if public_keys
            else trusted_keys(settings, existing_signer(settings))
        )
        kept = [(str(path), c) for path in checkpoints or [] for c in saved_checkpoints(path)]
    except (ValueError, OSError, KeyError, TypeError) as error:
        typer.echo(f"cannot read the checkpoints or keys given: {error}", err=True)
        raise typer.Exit(2) from None
    problems = []
    witness = Witness(witness_file(settings))
    try:
        if witnessed := witness.read():
            kept.append((f"witness file {witness.path}", witnessed))
    except WitnessUnreadable as error:
        problems.append(Finding("CHECKPOINT", 0, f"CHECKPOINT witness file is unreadable: {error}"))
    app = LedgerApplication(eventsourcing_env(settings, SERVICE_NAME))
    try:
        audit = audit_stored_ledger(app, kept, keys)
    finally:
        app.close()
    audit.findings += problems
    if audit.findings:
        for line in audit.lines():
            typer.echo(line)
        typer.echo(f"NOT OK: {len(audit.findings)} findings; the chain verifies up to position {audit.head.position}")
        raise typer.Exit(1)
    typer.echo(f"OK head position {audit.head.position} hash {audit.head.hash}")
    if audit.latest is None:
        typer.echo("no signed checkpoint to hold the ledger against yet")
    else:
        latest = audit.latest
        typer.echo(f"checkpoint position {latest.position} signed by key {latest.key_id} at {latest.signed_at}")


@projections_cli.command("rebuild")
def rebuild() -> None:
    """Delete every projection's rows and project the whole ledger again from position zero. Safe while
    goal_service runs: its runners notice their tracking moved and continue from the rebuilt position.
    Entries an operator passed over stay passed over; a poisoned entry stops it (exit 1), and so does a ledger
    that contradicts its signed checkpoints: it is not projected."""
    settings = load_settings(LedgerSettings)
    ledger = LedgerApplication(eventsourcing_env(settings, SERVICE_NAME), LedgerCheckpoints.existing(settings))
    projections = open_projections(settings, ledger)
    stopped = False
    try:
        for name, runner in projections.runners.items():
            typer.echo(f"{name}: projected {runner.rebuild()} entries, now at {runner.tracked().position}")
            if poisoned := runner.poisoned:
                typer.echo(
                    f"{name}: STOPPED at poisoned entry {poisoned.position}: {poisoned.reason}; pass over it with "
                    f"`perfledger projections skip --position {poisoned.position} --projection {name} --reason ...`"
                )
                stopped = True
    except LedgerTampered as error:
        typer.echo(f"stopped: {error}; run `perfledger ledger verify`", err=True)
        stopped = True
    finally:
        projections.stop()
        ledger.close()
    if stopped:
        raise typer.Exit(1)


SHOWN_REJECTED = 100


def _post_with_retries(client: httpx.Client, lines: list[bytes], first_line: int) -> dict:
    for attempt in range(8):
        try:
            response = client.post(
                "/v1/imports",
                params={"first_line": first_line},
                content=b"\n".join(lines),
                headers={"content-type": "application/x-ndjson"},
            )
        except httpx.TransportError as error:
            reason = str(error) or type(error).__name__
        else:
            if response.status_code < 500:
                if response.status_code >= 400:
                    console.print(f"[red]refused ({response.status_code}): {response.text}")
                    raise typer.Exit(2)
                return response.json()
            reason = f"HTTP {response.status_code}"
        console.print(f"[yellow]retrying lines from {first_line} ({reason})")
        time.sleep(min(2**attempt * 0.25, 10))
    console.print("[red]goal_service did not accept the import; run the same command again to resume")
    raise typer.Exit(3)


def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="NDJSON, one CloudEvent a line.")],
    url: Annotated[str, typer.Option(help="goal_service's base URL.")] = "http://127.0.0.1:8001",
    token: Annotated[str, typer.Option(envvar="PERFLEDGER_TOKEN", help="A service or admin token.")] = "",
    chunk_lines: Annotated[int, typer.Option(min=1, max=100_000)] = 2000,
    restart: Annotated[bool, typer.Option(help="Ignore the saved progress and send the whole file.")] = False,
) -> None:
    """Send a file of CloudEvents to goal_service. Progress is saved beside the file after each acknowledged
    chunk, so an interrupted import resumes where it stopped; re-sent lines are recorded once anyway."""
    state_path = file.with_name(file.name + ".import-state")
    state = json.loads(state_path.read_text()) if state_path.exists() and not restart else {}
    if state.get("size") != file.stat().st_size:
        state = {
            "size": file.stat().st_size,
            "offset": 0,
            "line": 1,
            "recorded": 0,
            "duplicates": 0,
            "rejected_total": 0,
            "rejected": [],
        }
    state.setdefault("rejected_total", len(state["rejected"]))  # saved before lines were counted apart
    headers = {"authorization": f"Bearer {token}"} if token else {}
    with (
        http_client(base_url=url, headers=headers, timeout=120) as client,
        file.open("rb") as stream,
        Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=console
        ) as progress,
    ):
        task = progress.add_task(f"importing {file.name}", total=state["size"], completed=state["offset"])
        stream.seek(state["offset"])
        while lines := [stream.readline() for _ in range(chunk_lines)]:
            lines = [line for line in lines if line]
            if not lines:
                break
            report = _post_with_retries(client, [line.rstrip(b"\n") for line in lines], state["line"])
            state["recorded"] += report["recorded"]
            state["duplicates"] += report["duplicates"]
            state["rejected_total"] += report["rejected_total"]
            state["rejected"] = (state["rejected"] + report["rejected"])[:SHOWN_REJECTED]  # the first ones
            state["line"] += len(lines)
            state["offset"] = stream.tell()
            state_path.write_text(json.dumps(state))
            progress.update(task, completed=state["offset"])
    for rejected in state["rejected"]:
        console.print(f"line {rejected['line']}: {rejected['reason']}")
    if state["rejected_total"] > len(state["rejected"]):
        console.print(f"… and {state['rejected_total'] - len(state['rejected'])} more lines refused")
    console.print(f"recorded {state['recorded']}, duplicates {state['duplicates']}, rejected {state['rejected_total']}")
    os.remove(state_path)
