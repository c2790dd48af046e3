"""Services under test as real subprocesses on loopback: started, waited for until they answer, and always
stopped (SIGTERM, then SIGKILL) when the block that started them ends, however it ends."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from deploy.bench.database import service_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
# Settings the benchmark's own environment might carry; a subject gets only the ones we give it.
INHERITED_PREFIXES = ("PERFLEDGER_", "POSTGRES_", "PERSISTENCE_MODULE", "SQLITE_")


@dataclass(frozen=True)
class Service:
    base_url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU the process has used so far (Linux /proc; its threads included)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(INHERITED_PREFIXES)}
    return {**env, **extra}


def serve_baseline(app: FastAPI, prog: str) -> None:
    """Serve a baseline app on `--host`/`--port` as the services are served (shared/platform/serve.py): no
    access log, uvicorn's default loop and HTTP parser."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_config=None)


@contextmanager
def running_service(
    name: str, module_args: Sequence[str], env: Mapping[str, str], ready_path: str, log_dir: Path
) -> Iterator[Service]:
    """Run `python -m <module_args> --host 127.0.0.1 --port <free port>`; yield it once `ready_path`
    answers 200. Its output goes to a file (a pipe nobody reads would stall it once full)."""
    port = free_port()
    log_path = log_dir / f"{name}.log"
    command = [sys.executable, "-m", *module_args, "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        # Own session: a Ctrl-C meant for the benchmark does not race our orderly stop of the child.
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=clean_env(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_ready(name, process, base_url + ready_path, log_path)
        yield Service(base_url, process.pid)
    finally:
        _stop(process)


def _wait_until_ready(name: str, process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode} while starting:\n{log_tail(log_path)}")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.1)
    raise RuntimeError(f"{name} was not ready within {START_TIMEOUT:.0f}s:\n{log_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # uvicorn shuts down gracefully on SIGTERM, running the app's lifespan exit
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


TOKENS = "service=service,hr=hr@bench,admin=admin,auditor=auditor"


def perfledger_service(stack: ExitStack, database_url: str, workdir: Path) -> Callable[..., Service]:
    """A starter of the benchmarks' processes, each stopped when `stack` closes: a service on its own schema of
    `database_url` (on the embedded default, its own SQLite file) with the benchmarks' tokens and any further
    PERFLEDGER_* settings (start("scoring_service", goal_service_url=...)), or the constant baseline
    (start("constant"))."""

    def start(name: str, label: str | None = None, **settings: str) -> Service:
        """`label` names a further process of the same service (its log): it shares the first one's schema."""
        if name == "constant":
            return stack.enter_context(running_service(name, ["deploy.bench.constant"], {}, "/health", workdir))
        env = {
            **service_settings(database_url, name),
            "PERFLEDGER_API_TOKENS": TOKENS,
            "PERFLEDGER_ALLOW_STATIC_TOKENS": "true",
            "PERFLEDGER_RATE_LIMIT_PER_SECOND": "1000000",  # the benchmark is the one sender, on purpose
            "PERFLEDGER_DATA_DIR": str(workdir / name),
            "PERFLEDGER_LOG_LEVEL": "WARNING",
            **{f"PERFLEDGER_{setting.upper()}": value for setting, value in settings.items()},
        }
        ready = "/ready" if name == "goal_service" else "/health"
        return stack.enter_context(running_service(label or name, [f"services.{name}"], env, ready, workdir))

    return start


def recorder_and_projector(start: Callable[..., Service], **settings: str) -> tuple[Service, Service]:
    """goal_service as deployed for heavy ingest: one process records (its projections off), another runs the
    projections, so each has a core; both serve reads. Recording goes to the first."""
    recorder = start("goal_service", run_projections="false", **settings)
    return recorder, start("goal_service", "goal_service-projector", **settings)
