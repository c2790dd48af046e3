"""The appeal window (申诉期): a rep appeals a published appraisal within a number of working days after the day
it was published, counted on the working-day calendar with its holidays and make-up days, and ending at
midnight in the company's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.kernel.workdays import WorkingCalendar

DEFAULT_WORKING_DAYS = 3


@dataclass(frozen=True)
class AppealWindow:
    days: tuple[date, ...]  # the working days an appeal may be filed on
    deadline: datetime  # the end of the last of them, in the company's zone
    calendar_versions: dict[int, int]  # {year: version} of the calendar years counted

    def open_at(self, moment: datetime) -> bool:
        return moment < self.deadline


def appeal_window(published_on: date, working_days: int, calendar: WorkingCalendar, zone: ZoneInfo) -> AppealWindow:
    """The window of an appraisal published on `published_on` (a day in `zone`)."""
    days = calendar.working_days_after(published_on, working_days)
    deadline = datetime.combine(days[-1] + timedelta(days=1), time(), tzinfo=zone)
    return AppealWindow(tuple(days), deadline, calendar.versions(published_on, days[-1]))
