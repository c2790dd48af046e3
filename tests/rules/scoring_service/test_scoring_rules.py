"""The scoring rules by worked examples, computed by hand: tiers, accelerators and caps; curves with caps,
gates, steps and inverses; weights; ties; bonus splits; and definitions that must be refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from services.scoring_service.domain.bonus import split_pool
from services.scoring_service.domain.commission import (
    AdjustmentLine,
    CapLine,
    Settled,
    adjustment_line,
    earned_lines,
    statement,
    total,
)
from services.scoring_service.domain.definitions import BonusPool, CommissionPlan, Scorecard
from services.scoring_service.domain.scoring import RepScore, curve_points, rank, score_rep
from shared.kernel.metrics.figures import Credit

TIERS = [{"up_to": "1000000", "rate": "0.01"}, {"up_to": "3000000", "rate": "0.015"}, {"up_to": None, "rate": "0.02"}]


def plan(**extra) -> CommissionPlan:
    fields = {"name": "p", "applies_to": "acme", "currency": "CNY", "basis": "revenue_won", "tiers": TIERS}
    return CommissionPlan.model_validate({**fields, **extra})


def revenue(rep: str, amount: str, position: int = 1) -> Credit:
    return Credit("revenue_won", rep, date(2026, 11, 3), D(amount), "CNY", None, None, position)


def test_a_3_5m_year_on_the_tiers_earns_10000_plus_30000_plus_10000():
    lines = earned_lines(plan(), D("3500000"), D(1))
    assert [line.amount for line in lines] == [D("10000.00"), D("30000.00"), D("10000.00")]
    assert total(lines) == D("50000.00")


@pytest.mark.parametrize(
    ("basis", "expected"),
    [("0", "0"), ("999999.99", "10000.00"), ("1000000", "10000.00"), ("3000000", "40000.00"), ("3000001", "40000.02")],
)
def test_tiers_are_marginal_by_band_at_the_boundaries(basis, expected):
    assert total(earned_lines(plan(), D(basis), D(1))) == D(expected)


def test_an_accelerator_multiplies_and_the_cap_limits_what_a_period_earns():
    accelerated = plan(accelerators=[{"at_least_score": "100", "multiplier": "1.5"}], cap="60000")
    low = statement("p", 1, accelerated, [revenue("r-1", "2000000")], D("99.99"), [])
    assert low.multiplier == 1 and low.total == D("25000.00")
    high = statement("p", 1, accelerated, [revenue("r-1", "2000000")], D("100"), [])
    assert [line.kind for line in high.lines] == ["band", "band", "accelerator"]
    assert high.total == D("37500.00")
    capped = statement("p", 1, accelerated, [revenue("r-1", "5000000")], D("120"), [])
    # 10,000 + 30,000 + 40,000 = 80,000, x1.5 = 120,000, capped at 60,000
    assert capped.lines[-1] == CapLine(cap=D("60000.00"), amount=D("-60000.00"))
    assert capped.total == D("60000.00")


def test_a_voided_deal_after_its_period_was_paid_is_a_clawback_in_the_next_statement():
    october = plan()
    # October paid 12,000 on 1.2M; the 1.2M deal (position 7) was voided at position 40: as known now the
    # October basis is 1.2M credited and 1.2M reversed
    now = (revenue("r-1", "1200000", 7), revenue("r-1", "-1200000", 40))
    line = adjustment_line(Settled("2026-10", 30, october, D(1), D("12000.00"), now))
    assert line == AdjustmentLine(
        kind="clawback", period="2026-10", was=D("12000.00"), now=D("0"), amount=D("-12000.00"), positions=(40,)
    )
    november = statement(
        "p",
        1,
        october,
        [revenue("r-1", "100000", 50)],
        D(80),
        [Settled("2026-10", 30, october, D(1), D("12000.00"), now)],
    )
    assert november.earned == D("1000.00") and november.total == D("-11000.00")
    # once settled, the same period is not clawed back twice
    assert adjustment_line(Settled("2026-10", 30, october, D(1), D("0"), now)) is None


SCORECARD = {
    "name": "s",
    "applies_to": "acme",
    "currency": "CNY",
    "kpis": [
        {"key": "revenue", "name": "r", "group": "result", "weight": "50", "metric": "revenue_won", "target": "100"},
        {
            "key": "renewal",
            "name": "n",
            "group": "result",
            "weight": "20",
            "metric": "renewals",
            "target": "4",
            "curve": {
                "kind": "steps",
                "steps": [{"at_least": "0.5", "points": "50"}, {"at_least": "1", "points": "100"}],
            },
        },
        {
            "key": "visits",
            "name": "v",
            "group": "process",
            "weight": "15",
            "metric": "visits",
            "target": "10",
            "curve": {"kind": "linear", "cap": "1.2", "gate": "0.6"},
        },
        {
            "key": "churn",
            "name": "c",
            "group": "process",
            "weight": "15",
            "metric": "customers_churned",
            "target": "2",
            "curve": {"kind": "inverse", "cap": "1.5"},
        },
    ],
}


def count(measure: str, n: int, rep: str = "r-1") -> list[Credit]:
    return [Credit(measure, rep, date(2026, 11, 3), D(1), None, None, None, i) for i in range(n)]


def test_weights_and_curves_make_the_score_by_hand():
    card = Scorecard.model_validate(SCORECARD)
    credits = [revenue("r-1", "130"), *count("renewals", 3), *count("visits", 5), *count("customers_churned", 1)]
    scored = score_rep(card, credits, {}, [])
    points = {k.kpi: k.points for k in scored.kpis}
    # revenue 130% capped at 120; renewals 3/4 = 75% reaches the 50 step; visits 50% is below the 60% gate;
    # churn 1 against a target of 2 is 200%, capped at 150
    assert points == {"revenue": D("120.00"), "renewal": D("50"), "visits": D("0.00"), "churn": D("150.00")}
    # 120 x 50% + 50 x 20% + 0 x 15% + 150 x 15% = 60 + 10 + 0 + 22.5
    assert scored.score == D("92.50")
    assert (scored.result_points, scored.process_points) == (D("70.00"), D("22.50"))


def test_a_kpi_without_a_figure_earns_nothing_and_says_why():
    card = Scorecard.model_validate(
        {**SCORECARD, "kpis": [{**SCORECARD["kpis"][0], "target": "goal", "weight": "100"}]}
    )
    line = score_rep(card, [revenue("r-1", "130")], {}, []).kpis[0]
    assert line.points == 0 and line.note == "the rep has no goal for this metric and period"
    with_goal = score_rep(card, [revenue("r-1", "130")], {"revenue_won": D("260")}, []).kpis[0]
    assert (with_goal.completion, with_goal.points) == (D("0.5000"), D("50.00"))


def test_curve_edges():
    linear = Scorecard.model_validate(SCORECARD).kpis[2].curve
    assert curve_points(linear, D("0.5999")) == 0 and curve_points(linear, D("0.6")) == D("60.00")
    assert curve_points(linear, D("1.25")) == D("120.00") and curve_points(linear, None) == 0


def test_ties_rank_by_result_points_then_rep_id_and_share_a_percentile():
    def scored(score: str, result_points: str) -> RepScore:
        return RepScore(kpis=(), score=D(score), result_points=D(result_points), process_points=D(0))

    scores = {
        "r-3": scored("80", "50"),
        "r-1": scored("80", "50"),
        "r-2": scored("80", "60"),
        "r-4": scored("70", "70"),
    }
    ranked = rank(scores)
    assert [r for r in sorted(ranked, key=lambda r: ranked[r].rank)] == ["r-2", "r-1", "r-3", "r-4"]
    assert {ranked[r].percentile for r in ("r-1", "r-2", "r-3")} == {D("33.33")}
    assert ranked["r-4"].percentile == D("0.00")


def test_a_pool_split_by_rank_weights_adds_up_to_the_cent():
    pool = BonusPool.model_validate(
        {
            "name": "b",
            "applies_to": "acme",
            "currency": "CNY",
            "percent_of_team_revenue": "7.5",
            "split": "rank_weights",
            "rank_weights": ["1", "1", "1"],
        }
    )
    lines = split_pool("b", 1, pool, "team-a", D("1000.10"), {"r-1": 1, "r-2": 2, "r-3": 3}, {})
    # 7.5% of 1000.10 = 75.0075 -> 75.01, in thirds: 25.01 to the first (largest remainder, earlier first), 25.00 x2
    assert [lines[r].amount for r in ("r-1", "r-2", "r-3")] == [D("25.01"), D("25.00"), D("25.00")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kpis": [{**SCORECARD["kpis"][0], "weight": "90"}]}, "sum to 100"),
        ({"kpis": [{**SCORECARD["kpis"][0], "weight": "100", "metric": "bogus"}]}, "unknown metric"),
        ({"kpis": [{**SCORECARD["kpis"][0], "weight": "100", "target": None}]}, "needs a target"),
        ({"currency": None}, "names its currency"),
    ],
)
def test_a_scorecard_that_cannot_be_applied_is_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        Scorecard.model_validate({**SCORECARD, **change})


def test_tiers_must_rise_and_end_open():
    with pytest.raises(ValidationError, match="rise strictly"):
        plan(tiers=[{"up_to": "3", "rate": "0.01"}, {"up_to": "2", "rate": "0.01"}, {"up_to": None, "rate": "0"}])
    with pytest.raises(ValidationError, match="the last has none"):
        plan(tiers=[{"up_to": "3", "rate": "0.01"}])
