"""bench-results.json at the repository's root: one key per benchmark (reads, imports, lag), each merged into
what earlier runs wrote rather than overwriting the file, so every benchmark's latest figures stay side by side.
"""

from __future__ import annotations

import json
import os
from typing import Any

from deploy.bench.database import engine_name
from deploy.bench.processes import REPO_ROOT

RESULTS = REPO_ROOT / "bench-results.json"


def merge_results(key: str, figures: dict[str, Any]) -> None:
    """Set `key` to `figures`, keeping every other key; written whole (a temporary file renamed into place),
    so a run stopped half-way leaves the earlier file as it was."""
    earlier = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    earlier[key] = figures
    partial = RESULTS.with_name(f".{RESULTS.name}.{os.getpid()}")
    partial.write_text(json.dumps(earlier, indent=2) + "\n")
    partial.replace(RESULTS)


def machine(sqlite: bool = False) -> str:
    """What the figures were measured on, with the load average as the run ended: other work on the machine
    moves them."""
    return f"{os.cpu_count()} cores, {engine_name(sqlite)}, load average {os.getloadavg()[0]:.1f}"


def results_key(benchmark: str, sqlite: bool) -> str:
    """A benchmark's key in bench-results.json: a run on the embedded default is kept beside PostgreSQL's."""
    return f"{benchmark}_sqlite" if sqlite else benchmark
