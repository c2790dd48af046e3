"""The rules as known at a ledger position: the organisation, the working-day calendar and the goals,
folded from the rule projection's rows. Folds are cached by the last rule position they include, so
repeated questions about the same state cost one small query."""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, func, select

from shared.kernel.goals import Goals
from shared.kernel.ledger_views.tables import rule_entries
from shared.kernel.organisation import Organisation
from shared.kernel.workdays import WorkingCalendar, fold_calendar


class RuleBook:
    """Answers are shared between callers: they must not change them."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._organisation_at = lru_cache(maxsize=16)(lambda upto: Organisation.fold(self._entries(upto, "org.")))
        self._calendar_at = lru_cache(maxsize=16)(lambda upto: fold_calendar(self._entries(upto, "calendar.")))
        self._goals_at = lru_cache(maxsize=16)(lambda upto: Goals.fold(self._entries(upto, "goal.")))

    def last_rule_position(self, known_at: int | None = None) -> int:
        """The position of the last rule entry recorded by `known_at` (by now when None), 0 for none."""
        query = select(func.max(rule_entries.c.position))
        if known_at is not None:
            query = query.where(rule_entries.c.position <= known_at)
        with self.engine.connect() as connection:
            return connection.execute(query).scalar() or 0

    def organisation(self, known_at: int | None = None) -> Organisation:
        with self._lock:
            return self._organisation_at(self.last_rule_position(known_at))

    def calendar(self, known_at: int | None = None) -> WorkingCalendar:
        with self._lock:
            return self._calendar_at(self.last_rule_position(known_at))

    def goals(self, known_at: int | None = None) -> Goals:
        with self._lock:
            return self._goals_at(self.last_rule_position(known_at))

    def entries(self, upto: int, prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
        """The rule entries of these kinds up to a position, in ledger order: what the folds above read."""
        return sorted((e for prefix in prefixes for e in self._entries(upto, prefix)), key=lambda e: e["position"])

    def _entries(self, upto: int, prefix: str) -> list[dict[str, Any]]:
        query = (
            select(rule_entries.c.entry)
            .where(rule_entries.c.position <= upto, rule_entries.c.type.startswith(prefix))
            .order_by(rule_entries.c.position)
        )
        with self.engine.connect() as connection:
            return [json.loads(row.entry) for row in connection.execute(query)]
