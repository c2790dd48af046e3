"""The day sums the credit projection keeps equal a fold of the ledger from scratch, at every position, on
both stores: whatever the page sizes, the corrections, the days, the shape of the read and its reps, and
whichever way "as known at" is answered (small buckets here, so both ways are taken)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from services.goal_service.domain.ledger import EMPTY_HEAD, LedgerBatch, Submission
from services.goal_service.projections import MIGRATIONS
from services.goal_service.rule_changes import rule_event
from services.goal_service.settings import SERVICE_NAME
from shared.kernel.events.envelope import IncomingEvent
from shared.kernel.ledger_views import day_sums
from shared.kernel.ledger_views.credit import CreditProjection
from shared.kernel.ledger_views.day_sum_reads import bucket_credits
from shared.kernel.ledger_views.queries import read_day_sums
from shared.kernel.ledger_views.rules import RuleProjection
from shared.kernel.ledger_views.tables import (
    activity_records,
    contributions,
    day_sums_zone,
    rep_day_sums,
    rule_entries,
    tracking,
    unit_day_sums,
)
from shared.kernel.ledger_views.tables import day_sums as company_day_sums
from shared.kernel.ledger_views.unit_sums import UnitSums
from shared.kernel.metrics.asks import Ask, Shape, summed
from shared.kernel.metrics.credit import fold
from shared.kernel.metrics.figures import Credit, owned
from shared.kernel.organisation import Organisation
from shared.kernel.periods import local_day
from shared.platform.chain import ChainedEntry
from shared.platform.projection import EntryFailed, ProjectionRunner
from shared.platform.readmodel import create_read_model_engine, migrate
from tests.support import SOURCE, ZONE

MONDAY = datetime(2026, 10, 4, 15, tzinfo=UTC)  # 23:00 in Shanghai: an hour later is the next business day
MEASURES = ("revenue_won", "deals_won", "visits", "new_customers")
REPS = ("r-1", "r-2", "r-3")


def activity(n: int, kind: str, hours: int, rep: str, amount: str, currency: str, product: str | None):
    data: dict = {"rep_id": rep}
    if kind == "deal.won":
        data |= {"customer_id": f"c-{n}", "deal_id": f"d-{n}", "amount": amount, "currency": currency}
        data |= {"new_customer": n % 2 == 0} | ({"product": product} if product else {})
    else:
        data |= {"customer_id": f"c-{n}"}
    return IncomingEvent(SOURCE, f"a-{n}", kind, MONDAY + timedelta(hours=hours), None, data)


def correction(n: int, kind: str, target: int, choice: int) -> IncomingEvent:
    data: dict = {"target": {"source": SOURCE, "id": f"a-{target}"}, "reason": "r"}
    if kind == "activity.reassigned":
        data["to_rep_id"] = REPS[choice % 3]
    elif kind == "activity.amended":
        data |= {"amount": f"{choice}.000001"} if choice % 2 else {"product": "p-2"}
    elif kind == "activity.split":
        data["shares"] = [{"rep_id": "r-1", "percent": "33.3333"}, {"rep_id": "r-2", "percent": "66.6667"}]
    return IncomingEvent(SOURCE, f"x-{n}", kind, MONDAY, None, data)


# East holds teams A and B; West holds W. Moves recorded somewhere in the ledger, effective on some day:
SETUP = [
    ("org.unit.created", {"unit_id": "acme", "name": "Acme", "kind": "company"}),
    ("org.unit.created", {"unit_id": "east", "name": "E", "kind": "region", "parent_id": "acme"}),
    ("org.unit.created", {"unit_id": "west", "name": "W", "kind": "region", "parent_id": "acme"}),
    ("org.unit.created", {"unit_id": "a", "name": "A", "kind": "team", "parent_id": "east"}),
    ("org.unit.created", {"unit_id": "b", "name": "B", "kind": "team", "parent_id": "east"}),
    ("org.unit.created", {"unit_id": "w", "name": "W", "kind": "team", "parent_id": "west"}),
    ("org.rep.hired", {"rep_id": "r-1", "name": "1", "unit_id": "a"}),
    ("org.rep.hired", {"rep_id": "r-2", "name": "2", "unit_id": "b"}),
    ("org.rep.hired", {"rep_id": "r-3", "name": "3", "unit_id": "w"}),
]
MOVES = [
    ("org.rep.moved", {"rep_id": "r-2", "unit_id": "a"}),
    ("org.rep.moved", {"rep_id": "r-1", "unit_id": "w"}),
    ("org.unit.moved", {"unit_id": "w", "parent_id": "east"}),
    ("org.unit.moved", {"unit_id": "w", "parent_id": "west"}),
    ("org.rep.left", {"rep_id": "r-3"}),
]

ledgers = st.lists(
    st.one_of(
        st.builds(
            lambda kind, hours, rep, amount, currency, product: ("new", kind, hours, rep, amount, currency, product),
            st.sampled_from(["deal.won", "visit.completed"]),
            st.integers(0, 60),
            st.sampled_from(REPS),
            st.sampled_from(["100.00", "0.000001", "999999999999999.999999", "7.5"]),
            st.sampled_from(["CNY", "USD"]),
            st.sampled_from([None, "p-1"]),
        ),
        st.builds(
            lambda kind, target, choice: ("fix", kind, target, choice),
            st.sampled_from(["activity.voided", "activity.reassigned", "activity.amended", "activity.split"]),
            st.integers(0, 30),
            st.integers(1, 1000),
        ),
        st.builds(lambda move, day: ("org", move, day), st.integers(0, len(MOVES) - 1), st.integers(0, 3)),
    ),
    min_size=3,
    max_size=30,
)


def ledger_of(spec) -> list[ChainedEntry]:
    """The company, then the spec's activities, corrections and moves, as the ledger records them."""
    batch = LedgerBatch(EMPTY_HEAD, MONDAY, seen=lambda _: None, find=lambda _: None)
    for kind, body in SETUP:
        batch.add(Submission([rule_event(kind, {**body, "effective_from": "2026-01-01"}, "hr", ZONE)], [[]]))
    made: list[int] = []
    for n, item in enumerate(spec):
        if item[0] == "new":
            event = activity(n, *item[1:])
            made.append(n)
        elif item[0] == "org":
            kind, body = MOVES[item[1]]
            effective = (MONDAY_LOCAL + timedelta(days=item[2])).isoformat()
            event = rule_event(kind, {**body, "effective_from": effective}, "hr", ZONE, f"move-{n}")
        elif made:
            event = correction(n, item[1], made[item[2] % len(made)], item[3])
        else:
            continue
        batch.add(Submission([event], [[]]))
    return [ChainedEntry(e.originator_version, e.entry, e.hash) for e in batch.entries]


def credits_by(entries: list[ChainedEntry], known_at: int) -> list[Credit]:
    """Every contribution credited by `known_at`, one credit each, as `load_credits` would read it."""
    _, found = fold(e.entry for e in entries[:known_at])
    return [
        Credit(c.measure, c.rep_id, local_day(c.occurred_at, ZONE), c.value, c.currency, c.product, c.region)
        for c in found
    ]


MONDAY_LOCAL = local_day(MONDAY.isoformat(), ZONE)
DAYS = [MONDAY_LOCAL + timedelta(days=n) for n in range(5)]

asks = st.builds(
    lambda measures, first, length, shape, cuts, who: (measures, first, length, shape, cuts, who),
    st.sets(st.sampled_from(MEASURES), min_size=1).map(frozenset),
    st.integers(0, 2),  # the first day after Monday
    st.integers(1, 4),  # how many days more
    st.builds(Shape, st.booleans(), st.booleans(), st.booleans()),
    st.one_of(st.none(), st.lists(st.sampled_from(DAYS), max_size=3).map(tuple)),
    st.one_of(st.none(), st.sets(st.sampled_from(REPS)).map(frozenset), st.sampled_from(["east", "a", "b", "west"])),
)


def built(organisation: Organisation, measures, first, length, shape, cuts, who) -> Ask:
    first_day = MONDAY_LOCAL + timedelta(days=first)
    last_day = first_day + timedelta(days=length)
    if isinstance(who, str):
        members = organisation.members_within(who, first_day, last_day)
        return Ask(measures, first_day, last_day, shape, unit=who, members=members, cuts=cuts)
    return Ask(measures, first_day, last_day, shape, reps=who, cuts=cuts)


def expected(ask: Ask, credits: list[Credit], organisation: Organisation | None = None) -> list[Credit]:
    """The reference: a unit's credits picked by `owned`, day by day, then summed as the ask sums them."""
    if ask.unit is None or organisation is None:
        return summed(ask, credits)
    mine = owned(credits, organisation, "unit", ask.unit)
    plain = Ask(ask.measures, ask.first, ask.last, ask.shape, cuts=ask.cuts)
    return [replace(c, owner=ask.unit) for c in summed(plain, mine)]


@pytest.fixture
def engine(goal_settings):
    engine = create_read_model_engine(goal_settings, SERVICE_NAME)
    migrate(engine, MIGRATIONS)
    yield engine
    engine.dispose()


@pytest.fixture
def small_buckets(monkeypatch):
    monkeypatch.setattr(day_sums, "BUCKET", 3)


def empty(engine) -> None:
    with engine.begin() as connection:
        for table in (contributions, activity_records, rep_day_sums, company_day_sums, unit_day_sums, rule_entries):
            connection.execute(table.delete())
        for table in (tracking,):
            connection.execute(table.delete())


def project(engine, entries, page_sizes) -> None:
    for page_size in page_sizes:  # a new runner each time: as after a restart
        runner(engine, entries, page_size).run_once()
    runner(engine, entries, 500).catch_up()
    ProjectionRunner(RuleProjection(), engine, tracking, lambda a, n: entries[a : a + n]).catch_up()
    for page_size in page_sizes:
        ProjectionRunner(
            UnitSums(ZONE), engine, tracking, lambda a, n: entries[a : a + n], page_size=page_size
        ).run_once()
    ProjectionRunner(UnitSums(ZONE), engine, tracking, lambda a, n: entries[a : a + n]).catch_up()


def runner(engine, entries, page_size: int, zone=ZONE) -> ProjectionRunner:
    return ProjectionRunner(
        CreditProjection(zone), engine, tracking, lambda a, n: entries[a : a + n], page_size=page_size
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spec=ledgers,
    page_sizes=st.lists(st.integers(1, 7), max_size=4),
    shares=st.lists(st.floats(0, 1), min_size=1, max_size=4),  # how far into the ledger each read is
    asked=st.lists(asks, min_size=1, max_size=4),
)
def test_the_day_sums_as_known_at_any_position_equal_the_fold(engine, small_buckets, spec, page_sizes, shares, asked):
    empty(engine)
    entries = ledger_of(spec)
    project(engine, entries, page_sizes)
    for share in shares:
        known_at = len(SETUP) + round(share * (len(entries) - len(SETUP)))
        organisation = Organisation.fold(e.entry for e in entries[:known_at] if e.entry["type"].startswith("org."))
        together = [built(organisation, *ask) for ask in asked]
        read = read_day_sums(engine, "credit", together, known_at, ZONE, "units")
        credits = credits_by(entries, known_at)
        assert read == [expected(ask, credits, organisation) for ask in together]
        # as a judge reads them, keeping the contributions of the position's bucket between its reads
        bucket = partial(bucket_credits, known_at=known_at, zone=ZONE)
        assert read_day_sums(engine, "credit", together, known_at, ZONE, bucket=bucket) == read


def test_sums_made_in_another_zone_are_read_from_the_contributions_then_summed_again(engine):
    empty(engine)
    entries = ledger_of([("new", "deal.won", hours, "r-1", "5", "CNY", None) for hours in (0, 2, 26)])
    two = len(SETUP) + 2  # the company, then two of the deals
    runner(engine, entries[:two], 500, zone=ZoneInfo("UTC")).catch_up()  # the company was in UTC then
    ask = Ask(frozenset(MEASURES), MONDAY_LOCAL, MONDAY_LOCAL + timedelta(days=2))

    def read() -> list[Credit]:
        return read_day_sums(engine, "credit", [ask], two, ZONE)[0]

    assert read() == expected(ask, credits_by(entries, two))  # by the fold
    runner(engine, entries, 500).catch_up()  # the next page sums everything again in Shanghai's days
    with engine.connect() as connection:
        assert connection.execute(select(day_sums_zone.c.zone)).scalar() == "Asia/Shanghai"
    assert read() == expected(ask, credits_by(entries, two))


def test_a_sum_beyond_64_bits_stops_the_projection_rather_than_turn_into_a_float(engine):
    empty(engine)
    entries = ledger_of([("new", "deal.won", 0, "r-1", "999999999999999", "CNY", None) for _ in range(2)])
    runner(engine, entries[: len(SETUP) + 1], 500).catch_up()
    with engine.begin() as connection:  # as if 9,000 such deals had been credited that day
        connection.execute(update(rep_day_sums).values(units=rep_day_sums.c.units * 9000))
    with pytest.raises(EntryFailed, match=r"(?i)check|out of range"):
        runner(engine, entries, 500).run_once()
    with engine.connect() as connection:
        assert connection.execute(select(tracking.c.position)).scalar() == len(SETUP) + 1  # nothing more written


@pytest.mark.parametrize("move", [0, 2], ids=["a rep moves team", "a team moves region"])
def test_a_late_move_takes_what_was_credited_from_the_units_it_leaves_to_those_it_joins(engine, move):
    """r-2 (team B, East) and r-3 (team W, West) win deals on the first and the fourth day; then r-2 is moved
    to team A, or team W under East, from the second day: the unit sums move the later deals only."""
    empty(engine)
    deals = [("new", "deal.won", hours, rep, "10", "CNY", None) for hours in (0, 50) for rep in ("r-2", "r-3")]
    entries = ledger_of([*deals, ("org", move, 1)])
    project(engine, entries, [])
    organisation = Organisation.fold(e.entry for e in entries if e.entry["type"].startswith("org."))
    asks = [
        built(organisation, frozenset({"revenue_won"}), 0, 4, Shape(), (), u) for u in ("a", "b", "east", "west", "w")
    ]
    read = read_day_sums(engine, "credit", asks, len(entries), ZONE, "units")
    assert read == [expected(ask, credits_by(entries, len(entries)), organisation) for ask in asks]
    totals = {ask.unit: [f"{c.value.normalize():f}" for c in credits] for ask, credits in zip(asks, read, strict=True)}
    assert totals == (
        {"a": ["10"], "b": ["10"], "east": ["20"], "west": ["20"], "w": ["20"]}
        if move == 0
        else {"a": [], "b": ["20"], "east": ["30"], "west": ["10"], "w": ["20"]}
    )


def test_units_as_known_at_every_position_around_moves_equal_the_fold(engine, small_buckets):
    """Deals before, between and after two moves, in buckets of three positions: at every position, each unit's
    figure is what the fold of the ledger up to it credits the unit with, whether the unit sums answer (from
    the buckets before the position's own, or from the head less what came since) or the members' do."""
    empty(engine)
    deals = [("new", "deal.won", hours, rep, "10", "CNY", None) for hours in (0, 30, 50) for rep in REPS]
    spec = [*deals[:4], ("org", 0, 1), *deals[4:7], ("org", 2, 0), *deals[7:]]
    entries = ledger_of(spec)
    project(engine, entries, [2, 5])
    for known_at in range(len(SETUP), len(entries) + 1):
        organisation = Organisation.fold(e.entry for e in entries[:known_at] if e.entry["type"].startswith("org."))
        asks = [
            built(organisation, frozenset({"revenue_won"}), 0, 4, Shape(), cuts, unit)
            for unit in ("a", "b", "w", "east", "west")
            for cuts in ((), None)
        ]
        read = read_day_sums(engine, "credit", asks, known_at, ZONE, "units")
        credits = credits_by(entries, known_at)
        assert read == [expected(ask, credits, organisation) for ask in asks], f"as known at {known_at}"
