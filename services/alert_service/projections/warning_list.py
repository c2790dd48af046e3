"""The warnings table: one row per warning, kept from the event store's own warning notifications, so that a
list reads a page of indexed rows in the caller's scope instead of loading every warning.

It is caught up before each list answers rather than written in the transaction that records the events:
those are written through eventsourcing's own connection (by people's moves and by the watcher's
judgements alike), which no SQLAlchemy transaction can join. Catching up from the notification log serves
every writer in one place, costs a few small reads when nothing is new, lets a caller see their own move
at once, and rebuilds the table from position 0."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from services.alert_service.api.schemas import WarningOut
from services.alert_service.application import AlertApplication, ChangedWarning
from services.alert_service.domain.facts import Subject
from services.alert_service.domain.lifecycle import WarningState
from services.alert_service.tables import warnings, warnings_position
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.ledger_views.tables import rule_entries
from shared.kernel.organisation import Organisation
from shared.platform.canonical import INT64_MAX, canonical_json

BATCH = 500  # warning events applied in one transaction


@dataclass(frozen=True)
class WarningCriteria:
    """Which warnings a list asks for; None asks for any."""

    states: frozenset[WarningState] | None = None
    rule: str | None = None
    subject: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class Days:
    """The business days from `first` until before `until`; None leaves that end open."""

    first: date | None = None
    until: date | None = None

    def overlap(self, other: Days) -> Days | None:
        """The days in both, or None when none is."""
        a, b = self, other
        first = a.first if b.first is None or (a.first is not None and a.first > b.first) else b.first
        until = a.until if b.until is None or (a.until is not None and a.until < b.until) else b.until
        return None if first is not None and until is not None and first >= until else Days(first, until)


@dataclass(frozen=True)
class Scope:
    """The warnings a caller may see: all; or those about `subject`, and those whose unit is one of `units` on
    the day they were raised (only those about the unit itself, when `unit_subjects_only`)."""

    everything: bool = False
    subject: Subject | None = None
    units: Mapping[str, tuple[Days, ...]] = field(default_factory=dict)
    unit_subjects_only: bool = False


@dataclass(frozen=True)
class Cursor:
    """Where a page ended, in the list's order: the last warning's raised position and id."""

    position: int
    warning_id: str

    def __str__(self) -> str:
        return f"{self.position}:{self.warning_id}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        position, _, warning_id = text.partition(":")
        try:
            if not (position.isascii() and position.isdigit()) or int(position) > INT64_MAX:
                raise ValueError
            return cls(int(position), str(UUID(warning_id)))
        except ValueError:
            raise ValueError("not a cursor this list gave: pass a page's `next` as it is") from None


@dataclass(frozen=True)
class WarningPage:
    warnings: list[str]  # each as WarningOut writes it, in canonical JSON
    next: Cursor | None


class WarningList:
    def __init__(self, app: AlertApplication, engine: Engine, rulebook: RuleBook):
        self.app = app
        self.engine = engine
        self.rulebook = rulebook
        # Notification ids (after, upto] read and found to hold no warning event: the watch's own events come
        # in between, and are not read again on every list.
        self.quiet = (0, 0)
        self.analysed = False

    def catch_up(self) -> Organisation:
        """Apply what the event store recorded since, and an organisation changed since; the organisation the
        rows now agree with."""
        written = 0
        while True:
            organisation = self.rulebook.organisation()
            if self._up_to_date(organisation):
                if written >= BATCH or (written and not self.analysed):
                    self._analyse()
                return organisation
            written += self._apply_next(organisation)

    def _up_to_date(self, organisation: Organisation) -> bool:
        with self.engine.connect() as connection:
            held = connection.execute(select(warnings_position)).one()
        after, upto = held.notification_id, self.app.last_notification_id()
        if self.quiet[0] <= after <= self.quiet[1]:
            after = self.quiet[1]
        if held.organisation_position != organisation.position or self.app.warnings_changed(after, 1, upto)[1]:
            return False
        self.quiet = (held.notification_id, upto)
        return True

    def _apply_next(self, organisation: Organisation) -> int:
        """Apply the next batch of warning events, with the organisation's changes to the rows' units, unless an
        organisation entry came after `organisation` was read (then it is read again first); the rows written."""
        with self.engine.begin() as connection:
            # Writing first takes the lock (SQLite's database, PostgreSQL's row): one catch-up at a time. The
            # organisation is read before, not under it: the lock's holder needs no second pooled connection.
            connection.execute(update(warnings_position).values(notification_id=warnings_position.c.notification_id))
            held = connection.execute(select(warnings_position)).one()
            org_entries = select(func.max(rule_entries.c.position)).where(rule_entries.c.type.startswith("org."))
            if (connection.execute(org_entries).scalar() or 0) != organisation.position:
                return 0
            if held.organisation_position != organisation.position:
                move_units(connection, organisation)
            reached, changed = self.app.warnings_changed(held.notification_id, BATCH)
            if changed:
                connection.execute(delete(warnings).where(warnings.c.id.in_([str(c.warning.id) for c in changed])))
                connection.execute(insert(warnings), [row_of(c, organisation) for c in changed])
            connection.execute(
                update(warnings_position).values(notification_id=reached, organisation_position=organisation.position)
            )
        return len(changed)

    def _analyse(self) -> None:
        """Statistics, so that the planner reads a caller's scope by its index rather than every row in a state
        (SQLite has none until asked, PostgreSQL's autovacuum comes later): taken after the first write of a
        process and after a bulk one (a rebuild)."""
        with self.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE warnings")
        self.analysed = True

    def page(self, criteria: WarningCriteria, scope: Scope, after: Cursor | None, limit: int) -> WarningPage:
        """Newest raised first, then by id: the `limit` after `after`."""
        c = warnings.c
        query = (
            select(c.id, c.raised_position, c.warning)
            .where(visible_in(scope))
            .order_by(c.raised_position.desc(), c.id)
            .limit(limit + 1)  # one more says whether there is a next page
        )
        if criteria.states is not None:
            query = query.where(c.state.in_(sorted(criteria.states)))
        asked = {c.rule_id: criteria.rule, c.subject_id: criteria.subject, c.period: criteria.period}
        query = query.where(*(column == wanted for column, wanted in asked.items() if wanted is not None))
        if after is not None:
            same_position = and_(c.raised_position == after.position, c.id > after.warning_id)
            query = query.where(or_(c.raised_position < after.position, same_position))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        found = [row.warning for row in rows[:limit]]
        if len(rows) <= limit:
            return WarningPage(found, None)
        last = rows[limit - 1]
        return WarningPage(found, Cursor(last.raised_position, last.id))


def unit_of(kind: str, subject_id: str, day: date, organisation: Organisation) -> str | None:
    """The unit a warning is in a manager's scope through, on the day it was raised: the rep's unit then, or the
    unit itself once it exists (before, only its own manager sees it, by its subject)."""
    if kind == "unit":
        return subject_id if organisation.exists(subject_id, day) else None
    return organisation.unit_of(subject_id, day)


def row_of(changed: ChangedWarning, organisation: Organisation) -> dict[str, Any]:
    warning = changed.warning
    subject, day = warning.subject, warning.raised.day
    return {
        "id": str(warning.id),
        "state": warning.state.value,
        "rule_id": warning.rule.id,
        "subject_kind": subject.kind,
        "subject_id": subject.id,
        "period": warning.period,
        "unit": unit_of(subject.kind, subject.id, day, organisation),
        "raised_position": warning.raised.position,
        "raised_day": day.isoformat(),
        "notification_id": changed.notification_id,
        "warning": canonical_json(WarningOut.of(warning).model_dump(by_alias=True)).decode(),
    }


def move_units(connection: Connection, organisation: Organisation) -> None:
    """The organisation changed (a late change may move a rep back in time): each warning takes the unit its
    subject is now known to have had on the day it was raised."""
    c = warnings.c
    held = connection.execute(select(c.subject_kind, c.subject_id, c.raised_day, c.unit).distinct())
    moved = [
        {"kind": row.subject_kind, "subject": row.subject_id, "day": row.raised_day, "to": unit}
        for row in held
        if (unit := unit_of(row.subject_kind, row.subject_id, date.fromisoformat(row.raised_day), organisation))
        != row.unit
    ]
    if moved:
        same = (
            c.subject_kind == bindparam("kind"),
            c.subject_id == bindparam("subject"),
            c.raised_day == bindparam("day"),
        )
        connection.execute(update(warnings).where(*same).values(unit=bindparam("to")), moved)


def visible_in(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    c = warnings.c
    about = scope.subject
    seen = [] if about is None else [and_(c.subject_kind == about.kind, c.subject_id == about.id)]
    by_days: dict[tuple[Days, ...], list[str]] = defaultdict(list)  # most units share their days: one IN each
    for unit, days in scope.units.items():
        by_days[days].append(unit)
    for days, units in by_days.items():
        raised = or_(*(raised_on(d) for d in days))
        kind = c.subject_kind == "unit" if scope.unit_subjects_only else true()
        seen.append(and_(kind, c.unit.in_(sorted(units)), raised))
    return or_(false(), *seen)


def raised_on(days: Days) -> ColumnElement[bool]:
    c = warnings.c
    return and_(
        true(),
        *([] if days.first is None else [c.raised_day >= days.first.isoformat()]),
        *([] if days.until is None else [c.raised_day < days.until.isoformat()]),
    )
