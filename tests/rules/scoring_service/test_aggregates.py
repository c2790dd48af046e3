"""The aggregates refuse wrong transitions themselves, whoever calls them, with errors in the domain's
words that the API answers as problems: 404 for a period still open, 409 for a close or a publish out of
turn, 422 for a cut-off beyond the ledger."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from services.scoring_service.domain.aggregates import Appraisal, PeriodClose, PeriodState, Rule
from services.scoring_service.domain.definitions import BonusPool, Scorecard
from services.scoring_service.domain.errors import (
    CutoffAlreadyFixed,
    CutoffBeyondLedger,
    PeriodAlreadyClosed,
    PeriodNotClosed,
    PeriodStillOpen,
    RevisionAlreadySealed,
    WrongRuleKind,
)
from services.scoring_service.domain.records import AppealDeadline, AppraisalRef, CloseInputs, PeriodSummary, Seal
from services.scoring_service.domain.results import RepAppraisal
from shared.platform.problems import problem_of

SEALED = json.loads((Path(__file__).parent / "fixtures" / "sealed_by_main.json").read_text())
INPUTS = CloseInputs(rules=[], ratings_seen=0, earlier={}, result_format=2)


def closing(cutoff: int | None = 7, head: int = 9) -> PeriodClose:
    return PeriodClose.begin("2026-11", cutoff, head, INPUTS, "hr", "2026-12-01T00:00:00.000000Z")


def test_a_close_begins_at_the_head_unless_asked_and_never_beyond_it():
    assert closing(None).cutoff == 9 and closing(7).cutoff == 7 and closing().state is PeriodState.CLOSING
    with pytest.raises(CutoffBeyondLedger) as refused:
        closing(10)
    assert problem_of(refused.value)["status"] == 422
    assert problem_of(refused.value)["errors"] == [{"pointer": "/cutoff_position", "detail": refused.value.detail}]


def test_asking_again_names_the_same_cut_off_or_none():
    period = closing(7)
    period.agree_to_cutoff(None)
    period.agree_to_cutoff(7)
    with pytest.raises(CutoffAlreadyFixed, match="2026-11 is already closing at cut-off 7") as refused:
        period.agree_to_cutoff(8)
    assert problem_of(refused.value)["status"] == 409


def test_a_period_publishes_once_sealed_and_publishing_again_changes_nothing():
    window = AppealDeadline(working_days=["2026-12-03"], deadline="2026-12-04T00:00:00+08:00", calendar_versions={})
    period = closing()
    with pytest.raises(PeriodNotClosed, match="still closing") as refused:
        period.publish("hr", "2026-12-02T00:00:00.000000Z", window)
    assert problem_of(refused.value)["status"] == 409
    period.close("0" * 64, ["r-1"], PeriodSummary(teams={}, honours={}))
    period.publish("hr", "2026-12-02T00:00:00.000000Z", window)
    events = len(period.collect_events())
    period.publish("admin", "2026-12-03T00:00:00.000000Z", window)
    assert period.collect_events() == [] and events == 3
    assert period.state is PeriodState.PUBLISHED and period.published is not None and period.published.by == "hr"
    assert period.published.appeals == window


def test_a_period_is_sealed_once():
    period = closing()
    period.close("0" * 64, [], PeriodSummary(teams={}, honours={}))
    with pytest.raises(PeriodAlreadyClosed) as refused:
        period.close("0" * 64, [], PeriodSummary(teams={}, honours={}))
    assert problem_of(refused.value)["status"] == 409


def test_an_appraisal_seals_the_revision_its_seal_names_and_no_other():
    sealed = SEALED["revisions"]["format 1"]
    result = RepAppraisal.read(sealed["result"])
    seal = Seal.model_validate(sealed["seal"])
    appraisal = Appraisal(result.period, result.rep_id)
    appraisal.seal(result, seal, sealed["signature"])
    assert appraisal.current.revision == 1 and appraisal.current.text == sealed["result"]
    with pytest.raises(RevisionAlreadySealed, match="the next revision is 2"):
        appraisal.seal(result, seal, sealed["signature"])
    other = seal.model_copy(update={"appraisal": AppraisalRef(period="2026-10", rep_id=result.rep_id, revision=1)})
    with pytest.raises(RevisionAlreadySealed):
        Appraisal(result.period, result.rep_id).seal(result, other, sealed["signature"])


def test_a_rule_takes_versions_of_its_own_kind():
    scorecard = Scorecard.model_validate(
        {"name": "s", "applies_to": "acme", "kpis": [{"key": "v", "name": "v", "group": "process", "weight": "100",
                                                        "metric": "visits", "target": "10"}]}
    )  # fmt: skip
    pool = BonusPool.model_validate(
        {"name": "b", "applies_to": "acme", "currency": "CNY", "percent_of_team_revenue": "5", "split": "score_share"}
    )
    rule = Rule("scorecard", "sales")
    rule.define(scorecard, date(2026, 1, 1), "hr", None, "2026-01-02T00:00:00.000000Z")
    assert rule.definition(1) == scorecard and rule.version_in_force(date(2026, 11, 1)) == 1
    assert rule.version_in_force(date(2025, 12, 31)) is None
    with pytest.raises(WrongRuleKind) as refused:
        rule.define(pool, date(2026, 2, 1), "hr", None, "2026-02-02T00:00:00.000000Z")
    assert problem_of(refused.value)["status"] == 422 and len(rule.versions) == 1


def test_a_period_not_begun_is_open_and_not_found():
    assert problem_of(PeriodStillOpen("2026-11")) == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "period 2026-11 is open: it has not begun to close",
    }
