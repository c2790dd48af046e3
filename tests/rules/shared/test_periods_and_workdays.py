"""Periods and working days, worked by hand."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from shared.kernel.periods import PeriodKind, growth_spans, local_day, parse_period
from shared.kernel.workdays import CalendarYearMissing, WorkingCalendar, calendar_year, seed_year

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "first", "last", "kind"),
    [
        ("2026-W41", date(2026, 10, 5), date(2026, 10, 11), PeriodKind.WEEK),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), PeriodKind.WEEK),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28), PeriodKind.MONTH),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), PeriodKind.MONTH),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), PeriodKind.QUARTER),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), PeriodKind.YEAR),
        ("2026-10-05..2026-11-20", date(2026, 10, 5), date(2026, 11, 20), PeriodKind.CUSTOM),
    ],
)
def test_periods_parse_to_their_days_and_print_back(text, first, last, kind):
    period = parse_period(text)
    assert (period.first_day, period.last_day, period.kind) == (first, last, kind)
    assert period.key == text


@pytest.mark.parametrize(
    ("text", "previous", "year_before"),
    [
        ("2026-W01", "2025-W52", "2025-W01"),
        ("2026-W53", "2026-W52", "2025-W52"),  # 2025 has no week 53
        ("2026-01", "2025-12", "2025-01"),
        ("2026-Q1", "2025-Q4", "2025-Q1"),
        ("2026", "2025", "2025"),
        ("2026-10-05..2026-10-11", "2026-09-28..2026-10-04", "2025-10-05..2025-10-11"),
        ("2028-02-29..2028-03-01", "2028-02-27..2028-02-28", "2027-02-28..2027-03-01"),
    ],
)
def test_previous_period_and_the_same_period_a_year_before(text, previous, year_before):
    period = parse_period(text)
    assert period.previous().key == previous
    assert period.a_year_before().key == year_before


def test_instants_are_midnight_to_midnight_in_the_company_zone():
    october = parse_period("2026-10")
    assert october.start(SHANGHAI) == "2026-09-30T16:00:00.000000Z"
    assert october.end(SHANGHAI) == "2026-10-31T16:00:00.000000Z"
    assert local_day("2026-09-30T16:30:00.000000Z", SHANGHAI) == date(2026, 10, 1)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-W54", "2026-Q5", "Q4", "2026-11-20..2026-10-05", "1990-01-01..2026-01-01", ""]
)
def test_what_is_not_a_period_is_refused_with_the_forms(text):
    with pytest.raises(ValueError, match="period"):
        parse_period(text)


def test_october_2026_in_china_has_18_working_days():
    # 22 weekdays, less the weekday holidays 1, 2, 5, 6, 7 October, plus the make-up Saturday 10 October.
    holidays, workdays = seed_year(2026)
    calendar = WorkingCalendar({2026: calendar_year(2026, holidays, workdays, version=7)})
    assert calendar.working_days(date(2026, 10, 1), date(2026, 10, 31)) == 18
    assert calendar.working_days(date(2026, 10, 1), date(2026, 10, 9)) == 2  # 8 and 9 October
    assert calendar.versions(date(2026, 10, 1), date(2026, 10, 31)) == {2026: 7}
    assert calendar.working_days(date(2026, 10, 2), date(2026, 10, 1)) == 0


def test_a_year_without_a_published_calendar_is_named():
    with pytest.raises(CalendarYearMissing, match="published for 2026, 2027;"):
        WorkingCalendar({}).working_days(date(2026, 12, 31), date(2027, 1, 4))
    with pytest.raises(LookupError, match="2027"):
        seed_year(2027)


@pytest.mark.parametrize(
    ("text", "as_of", "basis", "this", "previous", "year_before"),
    [
        # complete: November against all of October; the year before likewise
        ("2026-11", "2026-11-30", "whole_period", "2026-11-01..30", "2026-10-01..31", "2025-11-01..30"),
        ("2026-11", "2027-02-01", "whole_period", "2026-11-01..30", "2026-10-01..31", "2025-11-01..30"),
        # complete: Q1 (90 days) against all of Q4 (92 days)
        ("2027-Q1", "2027-03-31", "whole_period", "2027-01-01..03-31", "2026-10-01..12-31", "2026-01-01..03-31"),
        # complete: the leap February (29 days) against the whole February before (28), and January (31)
        ("2028-02", "2028-02-29", "whole_period", "2028-02-01..29", "2028-01-01..31", "2027-02-01..28"),
        # in progress: as many first days of each earlier period, at most all of it
        ("2026-11", "2026-11-10", "same_days", "2026-11-01..10", "2026-10-01..10", "2025-11-01..10"),
        ("2027-Q1", "2027-03-30", "same_days", "2027-01-01..03-30", "2026-10-01..12-28", "2026-01-01..03-30"),
        ("2026-03", "2026-03-30", "same_days", "2026-03-01..30", "2026-02-01..28", "2025-03-01..30"),
    ],
)
def test_growth_compares_whole_periods_once_complete_and_the_same_first_days_while_in_progress(
    text, as_of, basis, this, previous, year_before
):
    spans = growth_spans(parse_period(text), date.fromisoformat(as_of))

    def days(span) -> str:  # 2026-10-01..31 is 1 to 31 October 2026
        first, last = span.first.isoformat(), span.last.isoformat()
        return f"{first}..{last[8:] if first[:7] == last[:7] else last[5:]}"

    assert spans.basis == basis
    assert [days(spans.this), days(spans.previous_period), days(spans.a_year_before)] == [this, previous, year_before]


def test_growth_has_no_spans_before_the_period_begins():
    assert growth_spans(parse_period("2026-11"), date(2026, 10, 31)) is None
