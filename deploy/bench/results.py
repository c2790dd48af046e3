"""bench-results.json at the repository's root: one key per benchmark (reads, imports, lag), each merged into
what earlier runs wrote rather than overwriting the file, so every benchmark's latest figures stay side by side.
"""

from __future__ import annotations

import json
import os
from typing import Any

from deploy.bench.ingest import postgres_version
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


def machine() -> str:
    """What the figures were measured on, with the load average as the run ended: other work on the machine
    moves them."""
    return f"{os.cpu_count()} cores, PostgreSQL {postgres_version()}, load average {os.getloadavg()[0]:.1f}"
