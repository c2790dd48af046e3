"""The appeal window on the 2026 calendar: National Day holidays 1-7 October (Mon 5 to Wed 7 off), make-up
working days Sunday 20 September and Saturday 10 October."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.scoring_service.domain.appeals import appeal_window
from shared.kernel.workdays import CalendarYearMissing, WorkingCalendar, calendar_year, seed_year

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkingCalendar({2026: calendar_year(2026, *seed_year(2026), version=7)})


def test_published_before_national_day_the_window_is_the_8th_9th_and_the_make_up_saturday():
    window = appeal_window(date(2026, 9, 30), 3, CALENDAR, SHANGHAI)
    assert window.days == (date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10))
    assert window.deadline == datetime(2026, 10, 10, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    assert window.calendar_versions == {2026: 7}
    assert window.open_at(datetime(2026, 10, 10, 15, 59, 59, tzinfo=UTC))
    assert not window.open_at(datetime(2026, 10, 10, 16, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("published", "days", "last"),
    [
        (date(2026, 11, 13), 3, date(2026, 11, 18)),  # a Friday: the week-end is passed over
        (date(2026, 11, 14), 1, date(2026, 11, 16)),  # published on a Saturday
        (date(2026, 9, 18), 2, date(2026, 9, 21)),  # the make-up Sunday the 20th counts
    ],
)
def test_the_window_counts_working_days_only(published, days, last):
    assert appeal_window(published, days, CALENDAR, SHANGHAI).days[-1] == last


def test_a_window_reaching_a_year_without_a_calendar_is_refused_not_guessed():
    with pytest.raises(CalendarYearMissing, match="2027") as refused:
        appeal_window(date(2026, 12, 30), 3, CALENDAR, SHANGHAI)
    assert refused.value.years == (2027,)
