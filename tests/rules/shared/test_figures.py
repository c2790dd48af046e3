"""How a figure is written and forecast, the same in every service, by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from shared.kernel.metrics.catalogue import measures_needed, metric_named
from shared.kernel.metrics.figures import forecast, metric_value, show_figure


@pytest.mark.parametrize(
    ("metric", "actual", "expected"),
    [
        ("revenue_won", "60000", D("216000.00")),  # 60,000 x 18 / 5, to the fen
        ("revenue_won", "100000", D("360000.00")),
        ("visits", "7", D(25)),  # 7 x 18 / 5 = 25.2: a count forecasts a whole count
        ("visits", "8", D(29)),  # 28.8
        ("win_rate", "0.5", D("0.5")),  # a rate forecasts itself
        ("customer_base", "40", D(40)),  # and so does a level
    ],
)
def test_a_forecast_extrapolates_a_flow_over_the_working_days(metric, actual, expected):
    assert forecast(metric, D(actual), 18, 5, "CNY") == expected


def test_no_forecast_before_a_working_day_has_passed():
    assert forecast("revenue_won", D(0), 18, 0, "CNY") is None


@pytest.mark.parametrize(
    ("metric", "value", "written"),
    [
        ("revenue_won", D("200000"), "200000.00"),
        ("visits", D("12"), 12),
        ("deals_won", D("0.333333"), "0.333333"),  # a third of a split deal
        ("win_rate", D("0.25"), D("0.2500")),
        ("revenue_won", None, None),
    ],
)
def test_a_figure_is_written_by_its_unit(metric, value, written):
    assert show_figure(metric, value, "CNY") == written
    assert type(show_figure(metric, value, "CNY")) is type(written)


def test_the_renewal_based_rate_keeps_its_old_name_and_meaning_where_it_was_stored():
    assert metric_named("churn_rate") is metric_named("non_renewal_rate")
    assert measures_needed("churn_rate") == ("customers_churned", "renewals")
    summed = {"renewals": D(3), "customers_churned": D(1)}
    assert metric_value("churn_rate", summed) == metric_value("non_renewal_rate", summed) == D("0.2500")
    assert measures_needed("customer_churn_rate") == ("customers_lost", "customer_base")
