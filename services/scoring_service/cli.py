"""`perfledger audit`: export a sealed appraisal's audit bundle from scoring_service, and verify one offline
with public keys alone (no database, no network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import httpx
import typer

from services.scoring_service.domain.audit_bundle import verify
from shared.platform.checkpoints import PublicKey, public_key
from shared.platform.http_client import http_client

audit_cli = typer.Typer(help="Audit bundles of sealed appraisals, verifiable offline.", no_args_is_help=True)


@audit_cli.command("export")
def export(
    appraisal: Annotated[str, typer.Option(help="PERIOD/REP or PERIOD/REP/REVISION, e.g. 2026-Q3/r-1/2.")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="Where to write the bundle.")],
    url: Annotated[str, typer.Option(help="scoring_service's base URL.")] = "http://127.0.0.1:8002",
    token: Annotated[str, typer.Option(envvar="PERFLEDGER_TOKEN", help="An auditor, hr or admin token.")] = "",
) -> None:
    """Write the bundle scoring_service answers for one appraisal revision (the latest unless named)."""
    parts = appraisal.split("/")
    if len(parts) not in (2, 3) or not all(parts) or (len(parts) == 3 and not parts[2].isdigit()):
        typer.echo(f"--appraisal is PERIOD/REP[/REVISION], not {appraisal!r}", err=True)
        raise typer.Exit(2)
    params = {"revision": parts[2]} if len(parts) == 3 else {}
    with http_client(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=300) as client:
        try:
            answer = client.get(f"/v1/appraisals/{parts[0]}/{parts[1]}/audit-bundle", params=params)
        except httpx.HTTPError as error:
            typer.echo(f"scoring_service at {url} could not be reached: {error}", err=True)
            raise typer.Exit(3) from None
    if answer.status_code != 200:
        typer.echo(f"scoring_service answered {answer.status_code}: {answer.text[:500]}", err=True)
        raise typer.Exit(1)
    out.write_bytes(answer.content)
    typer.echo(f"wrote {out} ({len(answer.content)} bytes)")


def _key(text: str) -> PublicKey:
    """A base64 Ed25519 public key, or @FILE holding one."""
    if text.startswith("@"):
        text = Path(text[1:]).read_text()
    return public_key(text)


@audit_cli.command("verify")
def verify_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An audit bundle.")],
    key: Annotated[
        list[str],
        typer.Option(
            help="A trusted public key (base64, or @FILE): scoring_service's seal key, goal_service's checkpoint key."
        ),
    ],
) -> None:
    """Check the bundle's signatures and proofs and recompute its figures: OK (exit 0), or every finding (exit 1)."""
    try:
        keys = [_key(text) for text in key]
        document = json.loads(file.read_bytes())
    except (OSError, ValueError) as error:
        typer.echo(f"cannot read the bundle or keys given: {error}", err=True)
        raise typer.Exit(2) from None
    findings = verify(document, keys)
    if findings:
        for finding in findings:
            typer.echo(f"FAIL {finding}")
        raise typer.Exit(1)
    a = document["appraisal"]
    typer.echo(
        f"OK {a['period']}/{a['rep_id']} revision {a['revision']}: seal and checkpoint signatures, "
        f"{len(document['ledger']['entries'])} ledger entries proved, figures recomputed and equal"
    )
