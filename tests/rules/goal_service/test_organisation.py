"""The organisation fold and its checks, by hand: effective-dated memberships, late changes, and the
changes that must be refused."""

from __future__ import annotations

from datetime import date

import pytest

from shared.kernel.organisation import Member, Organisation, Segment
from shared.platform.errors import Conflict, InvalidInput


def entry(position: int, type_: str, effective_from: str = "2026-01-01", **data) -> dict:
    return {"position": position, "type": type_, "data": {"effective_from": effective_from, "actor": "hr", **data}}


TREE = [
    entry(1, "org.unit.created", unit_id="acme", name="Acme", kind="company"),
    entry(2, "org.unit.created", unit_id="east", name="East", kind="region", parent_id="acme"),
    entry(3, "org.unit.created", unit_id="team-a", name="A", kind="team", parent_id="east"),
    entry(4, "org.unit.created", unit_id="team-b", name="B", kind="team", parent_id="east"),
    entry(5, "org.unit.created", unit_id="west", name="West", kind="region", parent_id="acme"),
    entry(6, "org.unit.created", unit_id="team-c", name="C", kind="team", parent_id="west"),
    entry(7, "org.rep.hired", rep_id="r-1", name="Li Lei", unit_id="team-a"),
]


def test_a_late_move_takes_its_place_in_business_time_but_not_before_it_was_known():
    moves = [
        entry(8, "org.rep.moved", "2026-03-01", rep_id="r-1", unit_id="team-b"),
        entry(9, "org.rep.moved", "2026-02-15", rep_id="r-1", unit_id="team-c"),
    ]  # recorded after
    now = Organisation.fold(TREE + moves)
    assert [now.unit_of("r-1", date(2026, 2, d)) for d in (14, 15)] == ["team-a", "team-c"]
    assert now.unit_of("r-1", date(2026, 3, 5)) == "team-b"
    assert now.reps["r-1"].units.segments() == [
        Segment(date(2026, 1, 1), date(2026, 2, 15), "team-a"),
        Segment(date(2026, 2, 15), date(2026, 3, 1), "team-c"),
        Segment(date(2026, 3, 1), None, "team-b"),
    ]
    known_at_8 = Organisation.fold(TREE + moves[:1])
    assert known_at_8.unit_of("r-1", date(2026, 2, 20)) == "team-a"
    assert now.unit_of("r-1", date(2025, 12, 31)) is None


def test_ancestry_follows_moves_of_units_by_day():
    moved = Organisation.fold([*TREE, entry(8, "org.unit.moved", "2026-07-01", unit_id="team-a", parent_id="west")])
    assert moved.ancestry("team-a", date(2026, 6, 30)) == ["team-a", "east", "acme"]
    assert moved.ancestry("team-a", date(2026, 7, 1)) == ["team-a", "west", "acme"]
    assert moved.within("team-a", "west", date(2026, 7, 1)) and not moved.within("team-a", "west", date(2026, 1, 1))
    assert moved.company_id() == "acme"


def test_a_rep_who_left_belongs_nowhere_and_may_be_hired_again_later():
    org = Organisation.fold([*TREE, entry(8, "org.rep.left", "2026-05-01", rep_id="r-1")])
    assert org.unit_of("r-1", date(2026, 4, 30)) == "team-a" and org.unit_of("r-1", date(2026, 5, 1)) is None
    with pytest.raises(InvalidInput, match="after the day the rep left"):
        org.check("org.rep.hired", {"rep_id": "r-1", "name": "Li", "unit_id": "team-b", "effective_from": "2026-05-01"})
    org.check("org.rep.hired", {"rep_id": "r-1", "name": "Li", "unit_id": "team-b", "effective_from": "2026-06-01"})


@pytest.mark.parametrize(
    ("kind", "data", "error", "message"),
    [
        (
            "org.unit.created",
            {"unit_id": "east", "name": "E", "kind": "region", "parent_id": "acme"},
            Conflict,
            "already exists",
        ),
        ("org.unit.created", {"unit_id": "other", "name": "O", "kind": "company"}, Conflict, "company already"),
        ("org.unit.created", {"unit_id": "north", "name": "N", "kind": "region"}, InvalidInput, "has a parent"),
        (
            "org.unit.created",
            {"unit_id": "north", "name": "N", "kind": "region", "parent_id": "mars"},
            InvalidInput,
            "no unit mars",
        ),
        (
            "org.unit.created",
            {"unit_id": "sub", "name": "S", "kind": "team", "parent_id": "team-a"},
            InvalidInput,
            "teams hold reps",
        ),
        ("org.unit.moved", {"unit_id": "east", "parent_id": "team-a"}, InvalidInput, "teams hold reps"),
        ("org.unit.moved", {"unit_id": "acme", "parent_id": "east"}, InvalidInput, "cannot move"),
        ("org.rep.hired", {"rep_id": "r-1", "name": "L", "unit_id": "team-a"}, Conflict, "already employed"),
        ("org.rep.hired", {"rep_id": "r-2", "name": "H", "unit_id": "east"}, InvalidInput, "belong to teams"),
        ("org.rep.moved", {"rep_id": "r-9", "unit_id": "team-b"}, InvalidInput, "no rep r-9"),
        ("org.rep.left", {"rep_id": "r-1", "effective_from": "2025-06-01"}, InvalidInput, "was hired on"),
    ],
)
def test_changes_that_do_not_fit_are_refused_naming_why(kind, data, error, message):
    org = Organisation.fold(TREE)
    with pytest.raises(error, match=message):
        org.check(kind, {"effective_from": "2026-01-01", **data})


def test_a_move_that_would_make_a_circle_is_refused():
    org = Organisation.fold(
        [*TREE, entry(8, "org.unit.created", unit_id="zone", name="Z", kind="region", parent_id="east")]
    )
    with pytest.raises(InvalidInput, match="circle"):
        org.check("org.unit.moved", {"unit_id": "east", "parent_id": "zone", "effective_from": "2026-02-01"})


def test_the_members_of_a_unit_over_some_days_are_the_reps_and_days_a_figure_counts_for_it():
    later = [
        entry(8, "org.rep.hired", rep_id="r-2", name="Han Meimei", unit_id="team-c"),
        entry(9, "org.rep.hired", rep_id="r-3", name="Wang Fang", unit_id="team-c"),
        entry(10, "org.rep.left", "2026-01-31", rep_id="r-3"),
        entry(11, "org.rep.hired", rep_id="r-4", name="Zhao Lei", unit_id="team-c"),
        entry(12, "org.unit.moved", "2026-03-10", unit_id="team-c", parent_id="east"),
        entry(13, "org.rep.moved", "2026-03-20", rep_id="r-4", unit_id="team-a"),
    ]
    organisation = Organisation.fold(TREE + later)
    march = (date(2026, 3, 1), date(2026, 3, 31))
    assert organisation.members_within("east", date(2026, 3, 1), date(2026, 3, 5)) == (
        Member("r-1", *march[:1], date(2026, 3, 5)),
    )
    assert organisation.members_within("east", *march) == (
        Member("r-1", *march),
        Member("r-2", date(2026, 3, 10), march[1]),  # with team C, moved under East
        Member("r-4", date(2026, 3, 10), march[1]),  # with team C, then in team A
    )
    assert organisation.members_within("west", *march) == (
        Member("r-2", march[0], date(2026, 3, 9)),
        Member("r-4", march[0], date(2026, 3, 9)),
    )
    assert organisation.members_within("team-a", *march) == (
        Member("r-1", *march),
        Member("r-4", date(2026, 3, 20), march[1]),
    )
    assert organisation.members_within("acme", date(2026, 2, 1), date(2026, 2, 28)) == (
        Member("r-1", date(2026, 2, 1), date(2026, 2, 28)),
        Member("r-2", date(2026, 2, 1), date(2026, 2, 28)),
        Member("r-4", date(2026, 2, 1), date(2026, 2, 28)),
    )
