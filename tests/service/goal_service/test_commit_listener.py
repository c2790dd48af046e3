"""goal_service as two processes on one PostgreSQL database, one recording with its projections off and one
projecting: the projecting process hears each commit the other makes (LISTEN/NOTIFY) and projects it at once,
not at its next poll; and its unit sums follow each page of the projections they read, not a poll later."""

from __future__ import annotations

import time

import pytest

from services.goal_service.app import create_app
from shared.platform import projection
from shared.platform.http_client import http_client
from tests.support import deal_won, serve_in_thread, signed_post


def held_within(app, position: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while app.state.projections.held() < position:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_projecting_process_hears_the_commits_of_a_recording_one(goal_settings, monkeypatch):
    monkeypatch.setattr(projection, "POLL_SECONDS", 60.0)  # only a wake can move the projections in time
    projecting = create_app(goal_settings)
    recording = create_app(goal_settings.model_copy(update={"run_projections": False}))
    with serve_in_thread(projecting), serve_in_thread(recording) as url, http_client(base_url=url) as recorder:
        for n in range(3):
            answer = signed_post(recorder, deal_won(id_=f"d-{n}", amount=f"{100 + n}.00"))
            assert answer.status_code == 201, answer.text
            assert held_within(projecting, answer.json()["position"], 10), f"commit {n} was not heard"
    assert recording.state.projections.lease is None  # it never ran the projections itself
