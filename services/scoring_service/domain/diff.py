"""An appraisal's figures, each by a JSON pointer with the ledger entries behind it (its lineage), and what
moved between a sealed appraisal and the same appraisal recomputed with everything known now: every figure
whose value differs, old and new as each result writes it, and the ledger entries behind a figure that were
added to it or taken from it (a late event, a correction, a void, credit moved to another rep)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.scoring_service.domain.results import LedgerEvidence, RepAppraisal


@dataclass(frozen=True)
class FigureChange:
    figure: str  # a JSON pointer into the appraisal, such as /kpis/revenue/actual
    old: Any
    new: Any
    entries_added: tuple[int, ...] = ()
    entries_removed: tuple[int, ...] = ()


def figure_changes(sealed: RepAppraisal, now: RepAppraisal) -> list[FigureChange]:
    """Every figure that moved, in the order the appraisal lists them."""
    old, new = dict(_figures(sealed)), dict(_figures(now))
    changes = []
    for figure in dict.fromkeys([*old, *new]):
        (was, was_entries), (is_, is_entries) = old.get(figure, (None, ())), new.get(figure, (None, ()))
        if was != is_ or was_entries != is_entries:
            added = tuple(sorted(set(is_entries) - set(was_entries)))
            removed = tuple(sorted(set(was_entries) - set(is_entries)))
            changes.append(FigureChange(figure, was, is_, added, removed))
    return changes


def figures_of(a: RepAppraisal) -> dict[str, tuple[Any, tuple[int, ...]]]:
    """pointer -> (value as written, the ledger entries behind it), for each figure of an appraisal; a score
    or a rank stands on the entries behind all its KPIs."""
    found = dict(_figures(a))
    behind = tuple(
        sorted({p for pointer, (_, entries) in found.items() if pointer.startswith("/kpis/") for p in entries})
    )
    for pointer in ("/score", "/result_points", "/process_points", "/rank/company/rank", "/rank/team/rank"):
        found[pointer] = (found[pointer][0], behind)
    return found


def _figures(a: RepAppraisal) -> Iterator[tuple[str, tuple[Any, tuple[int, ...]]]]:
    written = a.model_dump(mode="json", by_alias=True)
    for line, shown in zip(a.kpis, written["kpis"], strict=True):
        entries = tuple(line.evidence.positions) if isinstance(line.evidence, LedgerEvidence) else ()
        for name in ("actual", "target", "completion", "points", "weighted_points"):
            yield f"/kpis/{line.kpi}/{name}", (shown[name], entries if name == "actual" else ())
    for name in ("score", "result_points", "process_points"):
        yield f"/{name}", (written[name], ())
    for scope in ("company", "team"):
        yield f"/rank/{scope}/rank", (written["rank"][scope]["rank"], ())
    if a.commission is not None:
        basis = tuple(e.position for e in a.commission.basis.events)
        yield "/commission/basis/amount", (written["commission"]["basis"]["amount"], basis)
        for name in ("earned", "total"):
            yield f"/commission/{name}", (written["commission"][name], ())
    if a.bonus is not None:
        yield "/bonus/amount", (written["bonus"]["amount"], ())
    yield "/honours", (written["honours"], ())
