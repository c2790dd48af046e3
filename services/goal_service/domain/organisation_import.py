"""Planning a CSV import of the organisation: each row says how a unit or a rep should be from a day on,
and becomes the changes that make it so (none when it already is). Rows are checked in file order
against the organisation as the earlier rows leave it; a row is taken whole or refused with its reason.

Columns: kind (company, region, product_line, team or rep), id, name, parent (a unit's parent, a rep's
team), effective_from (YYYY-MM-DD)."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.kernel.events.organisation import UnitKind
from shared.kernel.organisation import Organisation
from shared.platform.errors import DomainError, FieldError, InvalidInput

COLUMNS = ("kind", "id", "name", "parent", "effective_from")
KINDS = (*UnitKind, "rep")
PLANNING_POSITIONS = 1 << 62  # stand-in positions for planned changes: after anything recorded


@dataclass
class ImportPlan:
    changes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (entry type, data) in order
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


class ColumnsMissing(InvalidInput):
    def __init__(self, missing: Iterable[str]):
        super().__init__(
            f"the header row lacks {', '.join(missing)}", errors=[FieldError("/1", f"columns are {', '.join(COLUMNS)}")]
        )


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV with a header row naming at least COLUMNS, each with its line number."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ColumnsMissing(missing)
    return [(reader.line_num, row) for row in reader]


def _describe(error: DomainError) -> str:
    return "; ".join(f"{e.pointer.lstrip('/')}: {e.detail}" for e in error.errors) if error.errors else error.detail


def row_changes(organisation: Organisation, row: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    kind, ident, name, parent, when = ((row.get(column) or "").strip() for column in COLUMNS)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if not ident:
        raise ValueError("id is empty")
    try:
        day = date.fromisoformat(when)
    except ValueError:
        raise ValueError(f"effective_from must be a day such as 2026-01-01, not {when!r}") from None
    common = {"effective_from": day.isoformat()}
    if kind == "rep":
        rep = organisation.reps.get(ident)
        if rep is None or rep.units.at(day) is None:
            return [("org.rep.hired", {**common, "rep_id": ident, "name": name, "unit_id": parent})]
        return (
            [] if rep.units.at(day) == parent else [("org.rep.moved", {**common, "rep_id": ident, "unit_id": parent})]
        )
    unit_kind = UnitKind(kind)
    unit = organisation.units.get(ident)
    if unit is None:
        return [
            (
                "org.unit.created",
                {
                    **common,
                    "unit_id": ident,
                    "name": name,
                    "kind": unit_kind,
                    **({"parent_id": parent} if parent else {}),
                },
            )
        ]
    if unit.kind is not unit_kind:
        raise ValueError(f"{ident} is a {unit.kind}; a unit's kind does not change")
    found = []
    if unit.names.at(day) != name:
        found.append(("org.unit.renamed", {**common, "unit_id": ident, "name": name}))
    if (unit.parents.at(day) or "") != parent:
        found.append(("org.unit.moved", {**common, "unit_id": ident, "parent_id": parent}))
    return found


def plan_import(organisation: Organisation, rows: Iterable[tuple[int, Mapping[str, str]]]) -> ImportPlan:
    """`rows` are (line number, row). The organisation given is not changed."""
    plan, current = ImportPlan(), copy.deepcopy(organisation)
    position = PLANNING_POSITIONS
    for line, row in rows:
        trial = copy.deepcopy(current)
        try:
            changes = row_changes(trial, row)
            for kind, data in changes:
                trial.check(kind, data)
                position += 1
                trial.apply({"type": kind, "data": data, "position": position})
        except DomainError as error:
            plan.rejected.append((line, _describe(error)))
            continue
        except (ValueError, KeyError) as error:
            plan.rejected.append((line, str(error) or "the row is incomplete"))
            continue
        current = trial
        plan.changes.extend(changes)
        plan.unchanged += not changes
    return plan
