"""Periods in the company's time zone: ISO weeks (`2026-W41`), months (`2026-10`), quarters (`2026-Q4`),
years (`2026`) and custom milestone windows (`2026-10-05..2026-11-20`, both days included). A period is a
run of calendar days; its instants are midnight to midnight in the company's zone, compared with ledger
times as canonical UTC timestamps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.platform.canonical import format_timestamp


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


@dataclass(frozen=True, order=True)
class Period:
    first_day: date
    last_day: date  # included
    kind: PeriodKind

    @property
    def key(self) -> str:
        match self.kind:
            case PeriodKind.WEEK:
                year, week, _ = self.first_day.isocalendar()
                return f"{year}-W{week:02d}"
            case PeriodKind.MONTH:
                return f"{self.first_day:%Y-%m}"
            case PeriodKind.QUARTER:
                return f"{self.first_day.year}-Q{(self.first_day.month - 1) // 3 + 1}"
            case PeriodKind.YEAR:
                return str(self.first_day.year)
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def __str__(self) -> str:
        return self.key

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def start(self, zone: ZoneInfo) -> str:
        """The first instant, as a canonical UTC timestamp."""
        return day_start(self.first_day, zone)

    def end(self, zone: ZoneInfo) -> str:
        """The instant after the last, as a canonical UTC timestamp."""
        return day_start(self.last_day + timedelta(days=1), zone)

    def previous(self) -> Period:
        """The period of the same kind just before (环比)."""
        match self.kind:
            case PeriodKind.WEEK:
                return week(self.first_day - timedelta(days=7))
            case PeriodKind.MONTH:
                return month(self.first_day - timedelta(days=1))
            case PeriodKind.QUARTER:
                return quarter(self.first_day - timedelta(days=1))
            case PeriodKind.YEAR:
                return year(self.first_day.year - 1)
        return Period(self.first_day - timedelta(days=self.days), self.first_day - timedelta(days=1), self.kind)

    def a_year_before(self) -> Period:
        """The same period last year (同比): same week number, month, quarter, or the window a year back."""
        match self.kind:
            case PeriodKind.WEEK:
                iso_year, iso_week, _ = self.first_day.isocalendar()
                weeks_then = date(iso_year - 1, 12, 28).isocalendar()[1]  # 28 December is always in the last week
                return week(date.fromisocalendar(iso_year - 1, min(iso_week, weeks_then), 1))
            case PeriodKind.MONTH:
                return month(self.first_day.replace(year=self.first_day.year - 1))
            case PeriodKind.QUARTER:
                return quarter(self.first_day.replace(year=self.first_day.year - 1))
            case PeriodKind.YEAR:
                return year(self.first_day.year - 1)
        return Period(_year_back(self.first_day), _year_back(self.last_day), self.kind)


class GrowthBasis(StrEnum):
    WHOLE_PERIOD = "whole_period"  # a complete period against the whole earlier period
    SAME_DAYS = "same_days"  # a period in progress against as many first days of the earlier period
    NOT_STARTED = "not_started"  # before the period begins: nothing to compare (never a GrowthSpans basis)


@dataclass(frozen=True)
class Span:
    """Some days of a period, first..last, both included."""

    period: Period
    first: date
    last: date


@dataclass(frozen=True)
class GrowthSpans:
    basis: GrowthBasis
    this: Span
    previous_period: Span  # 环比
    a_year_before: Span  # 同比


def growth_spans(period: Period, as_of: date) -> GrowthSpans | None:
    """What 环比 and 同比 compare on a business day: once the period is complete (`as_of` on or after its last
    day), the whole period against the whole earlier one (November against all of October, Q1 against all of
    Q4, a leap February against all of the February before); while it is in progress, the days so far against
    as many first days of the earlier period (at most all of it). None before the period begins."""
    if as_of < period.first_day:
        return None
    earlier = (period.previous(), period.a_year_before())
    if as_of >= period.last_day:
        whole = [Span(p, p.first_day, p.last_day) for p in (period, *earlier)]
        return GrowthSpans(GrowthBasis.WHOLE_PERIOD, *whole)
    days = as_of - period.first_day
    then = [Span(p, p.first_day, min(p.first_day + days, p.last_day)) for p in earlier]
    return GrowthSpans(GrowthBasis.SAME_DAYS, Span(period, period.first_day, as_of), *then)


def _year_back(day: date) -> date:
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def day_start(day: date, zone: ZoneInfo) -> str:
    return format_timestamp(datetime.combine(day, time(0), tzinfo=zone))


def local_day(timestamp: str, zone: ZoneInfo) -> date:
    """The company-zone calendar day of a canonical UTC timestamp."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(zone).date()


def week(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6), PeriodKind.WEEK)


def month(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1), PeriodKind.MONTH)


def quarter(day: date) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = (first + timedelta(days=95)).replace(day=1)
    return Period(first, following - timedelta(days=1), PeriodKind.QUARTER)


def year(number: int) -> Period:
    return Period(date(number, 1, 1), date(number, 12, 31), PeriodKind.YEAR)


PATTERNS = [
    (re.compile(r"(\d{4})-W(\d{2})"), lambda m: week(date.fromisocalendar(int(m[1]), int(m[2]), 1))),
    (re.compile(r"(\d{4})-Q([1-4])"), lambda m: quarter(date(int(m[1]), 3 * int(m[2]) - 2, 1))),
    (re.compile(r"(\d{4})-(\d{2})"), lambda m: month(date(int(m[1]), int(m[2]), 1))),
    (re.compile(r"(\d{4})"), lambda m: year(int(m[1]))),
    (
        re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})"),
        lambda m: _custom(date.fromisoformat(m[1]), date.fromisoformat(m[2])),
    ),
]


MAX_WINDOW_DAYS = 3 * 366  # a milestone window longer than a few years is no sales period, only a costly query


def _custom(first: date, last: date) -> Period:
    if last < first:
        raise ValueError("a window's last day comes before its first")
    if (last - first).days >= MAX_WINDOW_DAYS:
        raise ValueError(f"a window spans at most {MAX_WINDOW_DAYS} days")
    return Period(first, last, PeriodKind.CUSTOM)


FIRST_YEAR, LAST_YEAR = 1900, 2200  # the years a working-day calendar can hold
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)  # bounds of any day a query names


def parse_period(text: str) -> Period:
    """`2026-W41`, `2026-10`, `2026-Q4`, `2026` or `2026-10-05..2026-11-20`; ValueError naming the forms."""
    for pattern, build in PATTERNS:
        if match := pattern.fullmatch(text.strip()):
            try:
                period = build(match)
            except (ValueError, OverflowError) as error:  # 9999-12 ends past the last date Python has
                raise ValueError(f"{text!r} is not a real period: {error}") from None
            if period.first_day.year < FIRST_YEAR or period.last_day.year > LAST_YEAR:
                raise ValueError(f"{text!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
            return period
    raise ValueError(f"{text!r} is not a period: use 2026-W41, 2026-10, 2026-Q4, 2026 or 2026-10-05..2026-11-20")
