"""Fixtures of the shared scenario (scenario.py): the company's Q4 goal, and the quarter it is tracked in; and
the CRM sources the adapter tests configure (crm_sources.py)."""

from __future__ import annotations

import pytest

from tests.goal_service.crm_sources import HUBSPOT, JIANDAOYUN, SALESFORCE, write_source
from tests.goal_service.scenario import HR, ORG_CSV, deal, import_csv
from tests.support import signed_post


@pytest.fixture
def crm(goal, goal_settings):
    """goal_service with the organisation and three CRM sources: jdy (简道云), hubspot and sf (Salesforce)."""
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    write_source(goal_settings.crm_sources, "jdy", JIANDAOYUN)
    write_source(goal_settings.crm_sources, "hubspot", HUBSPOT)
    write_source(goal_settings.crm_sources, "sf", SALESFORCE)
    return goal


@pytest.fixture
def company_goal(goal):
    assert import_csv(goal, ORG_CSV).json()["rejected"] == []
    response = goal.post(
        "/v1/goals",
        json={
            "goal_id": "q4",
            "metric": "revenue_won",
            "owner": {"kind": "company", "id": "acme"},
            "period": "2026-Q4",
            "target": "3000000",
            "currency": "CNY",
            "description": "Q4 revenue 3M",
            "sub_targets": [
                {
                    "description": "product A at least 60%",
                    "part": {"measure": "revenue_won", "product": "A"},
                    "whole": {"measure": "revenue_won"},
                    "at_least_percent": "60",
                }
            ],
        },
        headers=HR,
    )
    assert response.status_code == 201, response.text
    return goal


@pytest.fixture
def quarter(company_goal):
    goal = company_goal  # the organisation, and the company's Q4 goal with its product A sub-target
    assert goal.post("/v1/calendars/2026/seed", headers=HR).status_code == 201
    goal.post(
        "/v1/goals/q4/decomposition",
        json={
            "method": "even",
            "children": [
                {"owner": {"kind": "unit", "id": "east"}, "goal_id": "east"},
                {"owner": {"kind": "unit", "id": "west"}, "goal_id": "west"},
            ],
        },
        headers=HR,
    )
    goal.post(
        "/v1/goals/east/decomposition",
        json={
            "method": "even",
            "children": [
                {"owner": {"kind": "rep", "id": "r-1"}, "goal_id": "r-1"},
                {"owner": {"kind": "rep", "id": "r-2"}, "goal_id": "r-2"},
            ],
        },
        headers=HR,
    )
    assert (
        signed_post(
            goal,
            [
                deal("d1", "r-1", "600000.00", "2026-10-12", "A"),
                deal("d2", "r-2", "400000.00", "2026-10-13", "B"),
                deal("d3", "r-1", "100000.00", "2026-10-20", "A"),
            ],
        ).status_code
        == 201
    )
    return goal
