"""`perfledger status` and `perfledger projections skip`: the read models of every running service, over
their HTTP APIs, and an operator's decision to pass over a poisoned entry (shared/poison.py)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from shared.platform.http_client import http_client

console = Console(soft_wrap=True)
LOCAL_URLS = {
    "goal_service": "http://127.0.0.1:8001",
    "scoring_service": "http://127.0.0.1:8002",
    "alert_service": "http://127.0.0.1:8003",
}
Token = Annotated[str, typer.Option(envvar="PERFLEDGER_TOKEN", help="An admin, auditor or service token.")]


def _client(url: str, token: str) -> httpx.Client:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return http_client(base_url=url.rstrip("/"), headers=headers, timeout=30)


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    return f"HTTP {response.status_code}: {body.get('detail') or body.get('title')}"


def _show(projection: dict[str, Any]) -> bool:
    """One projection's line (and its poisoned and passed-over entries); whether it is healthy."""
    line = (
        f"  {projection['name']}: position {projection['position']}, head {projection['head']}, "
        f"lag {projection['lag']}, moved {projection['updated_at'] or 'never'}"
    )
    poisoned = projection.get("poisoned")
    if poisoned:
        console.print(f"[red]{line}")
        console.print(
            f"[red]    POISONED at entry {poisoned['position']} ({poisoned['attempts']} attempts since "
            f"{poisoned['since']}): {poisoned['reason']}"
        )
    elif projection.get("error"):
        console.print(f"[yellow]{line}")
        console.print(f"[yellow]    failing: {projection['error']}")
    else:
        console.print(line)
    for decision in projection.get("passed_over", []):
        console.print(
            f"    passed over entry {decision['position']} on {decision['decided_at']} by {decision['actor']}: "
            f"{decision['reason']}"
        )
    return poisoned is None


def status(
    url: Annotated[
        list[str] | None, typer.Option("--url", help="A service's base URL; give it once per service.")
    ] = None,
    token: Token = "",
) -> None:
    """Every service's projections: position, head, lag, and any poisoned entry or entry passed over. Exits 1
    when a projection is stopped at a poisoned entry or a service does not answer."""
    healthy = True
    for base in url or list(LOCAL_URLS.values()):
        try:
            with _client(base, token) as client:
                name = client.get("/health").json().get("service", base)
                response = client.get("/v1/projections")
        except (httpx.HTTPError, ValueError) as error:
            console.print(f"[red]{base}: does not answer ({error or type(error).__name__})")
            healthy = False
            continue
        if response.status_code != 200:
            console.print(f"[red]{name} {base}: {_problem(response)}")
            healthy = False
            continue
        console.print(f"[bold]{name}[/bold] {base}")
        for projection in response.json():
            healthy = _show(projection) and healthy
    if not healthy:
        raise typer.Exit(1)


def skip(
    position: Annotated[int, typer.Option(min=1, help="The ledger position of the poisoned entry.")],
    reason: Annotated[str, typer.Option(help="Why it is passed over; kept for ever beside the decision.")],
    service: Annotated[str, typer.Option(help="goal_service, scoring_service or alert_service.")] = "goal_service",
    url: Annotated[str | None, typer.Option(help="The service's base URL (default: its local port).")] = None,
    projection: Annotated[
        str | None, typer.Option(help="Which projection (default: the one stopped at that entry).")
    ] = None,
    token: Annotated[str, typer.Option(envvar="PERFLEDGER_TOKEN", help="An admin token.")] = "",
) -> None:
    """Pass over one poisoned entry in one service's projection, without editing the ledger: the decision is
    recorded in that service's read model with who and why, listed by /v1/projections for ever, and honoured
    by rebuilds. Run it for each service whose projection reports the entry poisoned."""
    if url is None and service not in LOCAL_URLS:
        console.print(f"[red]unknown service {service}; give one of {', '.join(LOCAL_URLS)} or --url")
        raise typer.Exit(2)
    with _client(url or LOCAL_URLS[service], token) as client:
        try:
            names = [projection] if projection else _stopped_at(client, position)
            answers = [
                client.post(f"/v1/projections/{name}/skips", json={"position": position, "reason": reason})
                for name in names
            ]
        except httpx.HTTPError as error:
            console.print(f"[red]{service} does not answer: {error or type(error).__name__}")
            raise typer.Exit(1) from None
    failed = False
    for name, answer in zip(names, answers, strict=True):
        if answer.status_code in (200, 201):
            already = " (already passed over)" if answer.status_code == 200 else ""
            console.print(f"{name}: entry {position} passed over{already}")
        else:
            console.print(f"[red]{name}: {_problem(answer)}")
            failed = True
    if failed:
        raise typer.Exit(1)


def _stopped_at(client: httpx.Client, position: int) -> list[str]:
    response = client.get("/v1/projections")
    if response.status_code != 200:
        console.print(f"[red]{_problem(response)}")
        raise typer.Exit(1)
    projections = response.json()
    names = [p["name"] for p in projections if (p.get("poisoned") or {}).get("position") == position]
    if not names:
        listed = ", ".join(f"{p['name']} (at {p['position']})" for p in projections)
        console.print(f"[red]no projection is stopped at entry {position}: {listed}; name one with --projection")
        raise typer.Exit(1)
    return names
