"""Corrections are new events that reference the activity they correct; nothing is ever updated."""

from __future__ import annotations

import pytest

from tests.support import SOURCE, auth, cloudevent, deal_won, signed_post

TARGET = {"source": SOURCE, "id": "deal-42"}


def ledger(goal) -> list[dict]:
    return [e["entry"] for e in goal.get("/v1/ledger/events", headers=auth("t-service")).json()["events"]]


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("activity.voided", {"target": TARGET, "reason": "entered twice"}),
        ("activity.amended", {"target": TARGET, "reason": "discount agreed", "amount": "900.00", "currency": "CNY"}),
        ("activity.reassigned", {"target": TARGET, "reason": "account moved", "to_rep_id": "r-2"}),
        (
            "activity.split",
            {
                "target": TARGET,
                "reason": "joint deal",
                "shares": [{"rep_id": "r-1", "percent": "60"}, {"rep_id": "r-2", "percent": "40"}],
            },
        ),
    ],
)
def test_each_correction_kind_is_recorded_after_its_activity_which_stays_as_it_was(goal, type_, data):
    assert signed_post(goal, deal_won(id_="deal-42")).status_code == 201
    response = signed_post(goal, cloudevent(type_, data))
    assert response.status_code == 201, response.text
    original, correction = ledger(goal)
    assert original["data"]["amount"] == "1000.00" and original["data"]["rep_id"] == "r-1"
    assert correction["type"] == type_ and correction["position"] == 2
    assert correction["data"]["target"] == TARGET


def test_a_correction_of_an_unknown_activity_is_422_and_records_nothing(goal):
    response = signed_post(goal, cloudevent("activity.voided", {"target": TARGET, "reason": "typo"}))
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/data/target"
    assert "deal-42" in response.json()["errors"][0]["detail"]
    assert ledger(goal) == []


def test_a_correction_may_follow_its_activity_in_the_same_batch_but_not_precede_it(goal):
    void = cloudevent("activity.voided", {"target": TARGET, "reason": "test deal"})
    assert signed_post(goal, [void, deal_won(id_="deal-42")]).status_code == 422
    assert ledger(goal) == []
    assert signed_post(goal, [deal_won(id_="deal-42"), void]).status_code == 201
    assert [e["type"] for e in ledger(goal)] == ["deal.won", "activity.voided"]


def test_a_correction_cannot_target_another_correction(goal):
    signed_post(goal, deal_won(id_="deal-42"))
    signed_post(goal, cloudevent("activity.voided", {"target": TARGET, "reason": "x"}, id_="void-1"))
    response = signed_post(
        goal, cloudevent("activity.voided", {"target": {"source": SOURCE, "id": "void-1"}, "reason": "undo"})
    )
    assert response.status_code == 422
    assert "original activity" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ([{"rep_id": "r-1", "percent": "60"}, {"rep_id": "r-2", "percent": "30"}], "exactly 100"),
        ([{"rep_id": "r-1", "percent": "50"}, {"rep_id": "r-1", "percent": "50"}], "once"),
        ([{"rep_id": "r-1", "percent": "100"}], "at least 2"),
        ([{"rep_id": "r-1", "percent": "33.33333"}, {"rep_id": "r-2", "percent": "66.66667"}], "decimal places"),
    ],
)
def test_split_shares_must_be_distinct_reps_summing_to_exactly_100_percent(goal, shares, message):
    signed_post(goal, deal_won(id_="deal-42"))
    response = signed_post(goal, cloudevent("activity.split", {"target": TARGET, "reason": "x", "shares": shares}))
    assert response.status_code == 422
    assert any(e["pointer"].startswith("/data/shares") and message in e["detail"] for e in response.json()["errors"])
    assert len(ledger(goal)) == 1


def test_an_amendment_must_change_something(goal):
    signed_post(goal, deal_won(id_="deal-42"))
    response = signed_post(goal, cloudevent("activity.amended", {"target": TARGET, "reason": "nothing"}))
    assert response.status_code == 422
    assert len(ledger(goal)) == 1
