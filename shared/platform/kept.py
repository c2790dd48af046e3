"""Keys and secrets a service makes once in its data directory when none is configured (its signing keys, the
HS256 token secret, the event store's cipher key), readable by their owner only. Services that share a data
directory start together (`perfledger run`): a value is written whole to a file of its own and linked into
place, so whichever links first wins and the others read what it wrote, never a half-written file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def kept(path: Path, make: Callable[[], str]) -> str:
    """The text kept at `path`, made with `make` on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".kept-", delete=False) as file:
            file.write(make())  # NamedTemporaryFile is created readable by its owner only
        try:
            os.link(file.name, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(file.name)
    return path.read_text().strip()
