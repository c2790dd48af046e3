"""`perfledger`: run the whole system locally, import into the ledger, verify the ledger, see and unblock
every service's projections."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.panel import Panel

from services.goal_service.cli import import_file, ledger_cli, projections_cli
from services.projection_cli import skip, status
from services.scoring_service.cli import audit_cli
from shared.platform.auth import Role
from shared.platform.errors import Unauthenticated
from shared.platform.settings import ServiceSettings, load_settings
from shared.platform.tokens import issue, principal_of_claims

app = typer.Typer(help="PerfLedger: sales performance on a tamper-evident activity ledger.", no_args_is_help=True)
app.add_typer(ledger_cli, name="ledger")
app.add_typer(projections_cli, name="projections")
app.add_typer(audit_cli, name="audit")
token_cli = typer.Typer(help="Bearer tokens (JWTs) for operators.", no_args_is_help=True)
app.add_typer(token_cli, name="token")
app.command("import")(import_file)
app.command("status")(status)
projections_cli.command("skip")(skip)
console = Console(soft_wrap=True)

SERVICES = ["goal_service", "scoring_service", "alert_service"]
# Development-only credentials, used by `perfledger run` when none are configured; printed at start.
LOCAL_SECRET = "whsec_" + base64.b64encode(b"perfledger-local-development-secret").decode()
LOCAL_TOKENS = (
    "local-admin=admin,local-service=service,local-auditor=auditor,local-hr=hr,local-committee=committee@reviewer"
)


@token_cli.command("issue")
def issue_token(
    role: Annotated[Role, typer.Option(help="The role the token grants.")],
    subject: Annotated[str, typer.Option(help="Who holds it: named as the actor of what they change.")],
    scope: Annotated[str | None, typer.Option(help="A rep's id, or the team a manager leads.")] = None,
    hours: Annotated[float, typer.Option(min=0.01, max=24 * 366, help="How long it is valid.")] = 8,
) -> None:
    """Print a JWT signed with the deployment's HS256 secret (PERFLEDGER_JWT_SECRETS, or the one kept in
    PERFLEDGER_DATA_DIR), which every service of the deployment verifies."""
    settings = load_settings(ServiceSettings)
    try:
        principal_of_claims({"role": role, "scope": scope, "sub": subject})  # a rep or manager needs a scope
    except Unauthenticated as refused:
        typer.echo(refused.detail, err=True)
        raise typer.Exit(2) from None
    token = issue(
        settings.jwt_signing_secret(),
        role=role,
        subject=subject,
        scope=scope,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        seconds=int(hours * 3600),
    )
    typer.echo(token)


def _wait_healthy(name: str, url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer /health within {seconds:.0f} s")


def banner(host: str, ports: dict[str, int], development_tokens: str | None) -> Panel:
    """What a newcomer needs on screen once the system is up: where each service is, and what to try first."""
    lines = [
        f"[green]{name}[/green]  http://{host}:{port}   docs: http://{host}:{port}/docs" for name, port in ports.items()
    ]
    goal = f"http://{host}:{ports['goal_service']}"
    if development_tokens:
        lines += ["", "development tokens (token=role):", *(f"  {token}" for token in development_tokens.split(","))]
    lines += [
        "",
        "try:",
        f"  curl -s {goal}/v1/ledger/head -H 'authorization: Bearer local-auditor'",
        "then the README's short tour posts a signed deal. Ctrl-C stops all three.",
    ]
    return Panel("\n".join(lines), title="PerfLedger is running", expand=False)


@app.command()
def run(host: str = "127.0.0.1", first_port: int = 8001) -> None:
    """Start all three services (on embedded SQLite under PERFLEDGER_DATA_DIR, ./var, unless configured
    otherwise), on first_port and the two after it; Ctrl-C stops all."""
    env = dict(os.environ)
    development_tokens = None if "PERFLEDGER_API_TOKENS" in env else LOCAL_TOKENS
    if "PERFLEDGER_WEBHOOK_SECRET" not in env:
        env["PERFLEDGER_WEBHOOK_SECRET"] = LOCAL_SECRET
        console.print(f"[yellow]development webhook secret: {LOCAL_SECRET}")
    if "PERFLEDGER_API_TOKENS" not in env:
        env["PERFLEDGER_API_TOKENS"] = LOCAL_TOKENS
        env["PERFLEDGER_ALLOW_STATIC_TOKENS"] = "true"
        console.print(
            f"[yellow]static development tokens are allowed (PERFLEDGER_ALLOW_STATIC_TOKENS=true): {LOCAL_TOKENS}"
        )
    env.setdefault("PERFLEDGER_GOAL_SERVICE_URL", f"http://{host}:{first_port}")
    env.setdefault("PERFLEDGER_SCORING_SERVICE_URL", f"http://{host}:{first_port + 1}")
    processes: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        ports = {name: first_port + offset for offset, name in enumerate(SERVICES)}
        for name, port in ports.items():  # goal_service first: the others follow its ledger from the start
            processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}", "--host", host, "--port", str(port)], env=env
            )
            _wait_healthy(name, f"http://{host}:{port}", processes[name])
        console.print(banner(host, ports, development_tokens))
        while not stopping:
            if any(p.poll() is not None for p in processes.values()):
                raise RuntimeError("a service stopped; stopping the others")
            time.sleep(0.5)
    except RuntimeError as error:
        console.print(f"[red]{error}")
        raise typer.Exit(1) from None
    finally:
        for process in reversed(processes.values()):  # followers first, so none finds its upstream gone
            if process.poll() is None:
                process.terminate()
                process.wait(10)


if __name__ == "__main__":
    app()
