from tests.support import auth, deal_won, signed_post


def test_a_signed_deal_is_recorded_at_position_one(goal):
    response = signed_post(goal, deal_won())
    assert response.status_code == 201, response.text
    assert response.json()["position"] == 1
    head = goal.get("/v1/ledger/head", headers=auth("t-auditor")).json()
    assert head["position"] == 1
