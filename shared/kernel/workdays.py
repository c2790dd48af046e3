"""The working-day calendar: weekends and public holidays are days off, except make-up working days
(调休). It is data: each year is published as a version (the ledger position that recorded it), and every
figure that counts working days names the versions it used. `chinese-calendar` seeds the years it knows
(2004 to 2026 in its current release); later years are published by HR."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shared.platform.errors import Conflict


@dataclass(frozen=True)
class CalendarYear:
    year: int
    holidays: frozenset[date]  # days off that would be working days
    workdays: frozenset[date]  # make-up working days that would be weekend days
    version: int  # the ledger position that published this year

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


class CalendarYearMissing(Conflict):
    """No calendar is published for a year a figure needs."""

    def __init__(self, detail: str, *, years: tuple[int, ...]):
        super().__init__(detail)
        self.years = years  # what would let the figure be computed: HR publishing these years


@dataclass(frozen=True)
class WorkingCalendar:
    years: Mapping[int, CalendarYear] = field(default_factory=dict)

    def year(self, number: int) -> CalendarYear:
        try:
            return self.years[number]
        except KeyError:
            raise CalendarYearMissing(
                f"no working-day calendar is published for {number}; HR publishes it with PUT /v1/calendars/{number}",
                years=(number,),
            ) from None

    def require(self, first: date, last: date) -> None:
        """Refuse, naming every one, when a year between two days has no published calendar."""
        missing = [number for number in range(first.year, last.year + 1) if number not in self.years]
        if missing:
            listed = ", ".join(map(str, missing))
            publish = ", ".join(f"PUT /v1/calendars/{number}" for number in missing)
            raise CalendarYearMissing(
                f"no working-day calendar is published for {listed}; HR publishes it with {publish}",
                years=tuple(missing),
            )

    def working_days(self, first: date, last: date) -> int:
        """Working days from first to last, both included (0 when last is before first)."""
        self.require(first, last)
        count, day = 0, first
        while day <= last:
            count += self.year(day.year).is_working_day(day)
            day += timedelta(days=1)
        return count

    def working_days_after(self, day: date, count: int) -> list[date]:
        """The first `count` working days after `day`; CalendarYearMissing when they reach a year without a
        published calendar, never a guess."""
        found: list[date] = []
        current = day
        while len(found) < count:
            current += timedelta(days=1)
            if self.year(current.year).is_working_day(current):
                found.append(current)
        return found

    def versions(self, first: date, last: date) -> dict[int, int]:
        """{year: version} of the calendar years a day range uses."""
        self.require(first, last)
        return {number: self.year(number).version for number in range(first.year, last.year + 1)}


def seed_year(number: int) -> tuple[list[date], list[date]]:
    """(holidays, make-up working days) for a year from chinese-calendar; LookupError when it has none."""
    from chinese_calendar import constants  # imported here: only seeding needs it

    holidays = sorted(d for d in constants.holidays if d.year == number and d.weekday() < 5)
    workdays = sorted(d for d in constants.workdays if d.year == number)
    if not holidays and not workdays:
        raise LookupError(f"chinese-calendar has no data for {number}; publish it through the API")
    return holidays, workdays


def calendar_year(number: int, holidays: Iterable[date], workdays: Iterable[date], version: int) -> CalendarYear:
    return CalendarYear(number, frozenset(holidays), frozenset(workdays), version)


def fold_calendar(entries: Iterable[Mapping[str, Any]]) -> WorkingCalendar:
    """The calendar the `calendar.year.published` entries make, in ledger order: the last of a year wins."""
    years: dict[int, CalendarYear] = {}
    for entry in entries:
        if entry["type"] == "calendar.year.published":
            data = entry["data"]
            years[data["year"]] = calendar_year(
                data["year"],
                map(date.fromisoformat, data.get("holidays", [])),
                map(date.fromisoformat, data.get("workdays", [])),
                entry["position"],
            )
    return WorkingCalendar(years)
