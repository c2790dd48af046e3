"""The warnings list reads the warnings table, and answers, for every filter and caller, exactly what loading
each warning and keeping those `visible` answered: a manager their subtree's on the day raised, a rep their
own and their team's, hr all, as the organisation is now known (also once a late change moves a rep back in
time). Pages walk every warning once, in order; a move shows at once; the table rebuilt from position 0 holds
the same rows; and the migrated schema is the tables' own, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, delete, func, insert, select, update

from services.alert_service.api.schemas import WarningOut
from services.alert_service.application import AlertApplication, store_env
from services.alert_service.domain.aggregates import PerformanceWarning
from services.alert_service.domain.facts import Subject, Verdict
from services.alert_service.domain.lifecycle import JudgedAt, RuleRef, WarningState
from services.alert_service.in_scope import WarningsInScope, visible
from services.alert_service.projections import MIGRATIONS, warning_list
from services.alert_service.projections.warning_list import Cursor, WarningCriteria
from services.alert_service.settings import SERVICE_NAME, AlertSettings
from services.alert_service.tables import metadata, warnings, warnings_position
from shared.kernel.ledger_views.rulebook import RuleBook
from shared.kernel.ledger_views.tables import rule_entries
from shared.kernel.organisation import Organisation
from shared.platform.auth import Principal, Role
from shared.platform.canonical import canonical_json
from shared.platform.readmodel import create_read_model_engine, migrate
from tests.support import follower_settings

ACTIVE = frozenset(s for s in WarningState if s.active)


def org(position: int, type_: str, **data: str) -> dict:
    return {"type": type_, "position": position, "data": {"effective_from": "2026-01-01", "name": "x", **data}}


# East holds team-a and (until team-b moves west on the 20th) team-b; r-1 moves from team-a to team-w on the 19th.
ORGANISATION = [
    org(1, "org.unit.created", unit_id="acme", kind="company"),
    org(2, "org.unit.created", unit_id="east", kind="region", parent_id="acme"),
    org(3, "org.unit.created", unit_id="west", kind="region", parent_id="acme"),
    org(4, "org.unit.created", unit_id="team-a", kind="team", parent_id="east"),
    org(5, "org.unit.created", unit_id="team-b", kind="team", parent_id="east"),
    org(6, "org.unit.created", unit_id="team-w", kind="team", parent_id="west"),
    org(7, "org.rep.hired", rep_id="r-1", unit_id="team-a"),
    org(8, "org.rep.hired", rep_id="r-2", unit_id="team-a"),
    org(9, "org.rep.hired", rep_id="r-3", unit_id="team-b"),
    org(10, "org.rep.hired", rep_id="r-4", unit_id="team-w"),
    org(11, "org.rep.moved", rep_id="r-1", unit_id="team-w", effective_from="2026-10-19"),
    org(12, "org.unit.moved", unit_id="team-b", parent_id="west", effective_from="2026-10-20"),
    org(13, "org.unit.created", unit_id="team-n", kind="team", parent_id="east", effective_from="2026-10-20"),
]
LATE_MOVE = org(500, "org.rep.moved", rep_id="r-2", unit_id="team-b", effective_from="2026-10-14")
SUBJECTS = [Subject("rep", r) for r in ("r-1", "r-2", "r-3", "r-4")] + [
    Subject("unit", u)
    for u in ("team-a", "team-b", "east", "team-n")  # warned of before it exists, too
]
RULES = ("weekly", "no-visits", "conversion")
CALLERS = [
    Principal(Role.HR),
    Principal(Role.REP, "r-1"),
    Principal(Role.REP, "r-2"),
    Principal(Role.REP, "r-3"),
    Principal(Role.MANAGER, "east"),
    Principal(Role.MANAGER, "team-a"),
    Principal(Role.MANAGER, "west"),
    Principal(Role.MANAGER, "team-n"),
    Principal(Role.MANAGER, "team-east"),  # leads no unit there is
]
ASKED = [
    WarningCriteria(),
    WarningCriteria(states=frozenset({WarningState.OPEN})),
    WarningCriteria(states=ACTIVE, rule="weekly"),
    WarningCriteria(rule="no-visits"),
    WarningCriteria(subject="r-1"),
    WarningCriteria(subject="team-b"),
    WarningCriteria(period="2026-W43"),
]


@pytest.fixture
def store(storage_env, monkeypatch) -> Iterator[tuple[AlertApplication, Engine]]:
    """alert_service's event store with 42 warnings over a fortnight, two raised at each position, some
    moved on; and its read model, migrated, holding the organisation."""
    for key, value in storage_env.items():
        monkeypatch.setenv(key, value)
    settings = follower_settings(AlertSettings, "alert", "http://127.0.0.1:9", storage_env, monkeypatch)
    application = AlertApplication(store_env(settings))
    engine = create_read_model_engine(settings, SERVICE_NAME)
    migrate(engine, MIGRATIONS)
    with engine.begin() as connection:
        connection.execute(insert(rule_entries), [row(e) for e in ORGANISATION])
    raised = []
    for n in range(42):
        day = date(2026, 10, 12) + timedelta(days=n % 14)
        subject, rule = SUBJECTS[n % len(SUBJECTS)], RULES[n % len(RULES)]
        verdict = Verdict(subject, f"2026-W{day.isocalendar().week}", True, {"n": n})
        at = JudgedAt(day, 100 + n // 2)
        warning = PerformanceWarning.raise_for(f"{rule}|{subject.key}|{n}", 1, RuleRef(rule, 1, "k"), verdict, at)
        if n % 5 in (1, 2):
            warning.acknowledge("manager:east", None, "t")
        if n % 5 == 2:
            warning.resolve("manager:east", "done", "t")
        if n % 5 == 3:
            warning.auto_resolve(JudgedAt(day + timedelta(days=1), 200), {})
        raised.append(warning)
    application.save(*raised)
    try:
        yield application, engine
    finally:
        application.close()
        engine.dispose()


def row(entry: dict) -> dict:
    return {"position": entry["position"], "type": entry["type"], "entry": json.dumps(entry)}


def as_loaded(
    loaded: list[PerformanceWarning], organisation: Organisation, caller: Principal, asked: WarningCriteria
) -> list[str]:
    """What the list answered when it loaded every warning and kept those asked for and `visible`."""
    found = [
        w
        for w in loaded
        if (asked.states is None or w.state in asked.states)
        and asked.rule in (None, w.rule.id)
        and asked.subject in (None, w.subject.id)
        and asked.period in (None, w.period)
        and visible(caller, organisation, w)
    ]
    return [str(w.id) for w in sorted(found, key=lambda w: (-w.raised.position, str(w.id)))]


def walk(listed: WarningsInScope, caller: Principal, asked: WarningCriteria, limit: int) -> list[dict]:
    """Every page, following `next`."""
    found, after = [], None
    while True:
        page = listed.listing(caller, asked, after, limit)
        assert len(page.warnings) <= limit
        found += [json.loads(text) for text in page.warnings]
        if page.next is None:
            return found
        assert Cursor.parse(str(page.next)) == page.next
        after = page.next


def test_each_caller_and_filter_lists_what_loading_every_warning_did_a_page_at_a_time(store):
    application, engine = store
    listed = WarningsInScope(application, RuleBook(engine))
    everything = walk(listed, Principal(Role.ADMIN), WarningCriteria(), 4)
    loaded = [application.warning(UUID(w["id"])) for w in everything]
    assert len(everything) == 42
    assert everything == [json.loads(canonical_json(WarningOut.of(w).model_dump(by_alias=True))) for w in loaded]
    organisation = RuleBook(engine).organisation()
    for caller in CALLERS:
        for asked in ASKED:
            expected = as_loaded(loaded, organisation, caller, asked)
            assert [w["id"] for w in walk(listed, caller, asked, 100)] == expected, (caller, asked)
    east = Principal(Role.MANAGER, "east")
    assert [w["id"] for w in walk(listed, east, ASKED[0], 3)] == as_loaded(loaded, organisation, east, ASKED[0])
    seen_by = {c.scope: {w["subject"]["id"] for w in walk(listed, c, WarningCriteria(), 100)} for c in CALLERS[1:]}
    assert seen_by["r-1"] == {"r-1", "team-a"}  # and team-a's own, raised while r-1 was in it
    assert seen_by["east"] == {"r-1", "r-2", "r-3", "team-a", "team-b", "east", "team-n"}
    assert seen_by["team-n"] == {"team-n"}
    assert seen_by["team-east"] == set()

    # Recorded late, r-2 moved to team-b on the 14th: the rows' units follow, as `visible` does.
    with engine.begin() as connection:
        connection.execute(insert(rule_entries), [row(LATE_MOVE)])
    organisation = RuleBook(engine).organisation()
    for caller in (Principal(Role.MANAGER, "team-a"), Principal(Role.MANAGER, "west"), Principal(Role.REP, "r-2")):
        expected = as_loaded(loaded, organisation, caller, WarningCriteria())
        assert [w["id"] for w in walk(listed, caller, WarningCriteria(), 100)] == expected

    # A move shows in the next list at once.
    manager = Principal(Role.MANAGER, "west")
    opened = walk(listed, manager, WarningCriteria(states=frozenset({WarningState.OPEN}), subject="r-2"), 100)[0]
    listed.acknowledge(manager, UUID(opened["id"]), "seen")
    again = walk(listed, Principal(Role.HR), WarningCriteria(subject="r-2"), 100)
    assert {w["id"]: w["state"] for w in again}[opened["id"]] == "acknowledged"


def test_the_table_rebuilt_from_position_0_holds_the_same_rows_in_the_migrated_schema(store, monkeypatch):
    application, engine = store
    listed = WarningsInScope(application, RuleBook(engine))
    listed.table.catch_up()
    with engine.connect() as connection:
        before = connection.execute(select(warnings).order_by(warnings.c.id)).all()
        held = connection.execute(select(warnings_position)).one()
    assert len(before) == 42 and held.organisation_position == 13
    assert held.notification_id == max(r.notification_id for r in before)

    monkeypatch.setattr(warning_list, "BATCH", 5)  # a warning's events straddle transactions
    with engine.begin() as connection:
        connection.execute(delete(warnings))
        connection.execute(update(warnings_position).values(notification_id=0, organisation_position=0))
    listed.table.catch_up()
    with engine.connect() as connection:
        assert connection.execute(select(warnings).order_by(warnings.c.id)).all() == before
        assert connection.execute(select(warnings_position)).one() == held
        assert connection.execute(select(func.count()).select_from(warnings)).scalar() == 42

        # and the tables migrations made are those the code defines
        ours = {"include_name": lambda name, kind, _: kind != "table" or name in metadata.tables}
        assert compare_metadata(MigrationContext.configure(connection, opts=ours), metadata) == []
