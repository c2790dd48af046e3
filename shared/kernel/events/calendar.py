"""The data schema of a published working-day calendar year (version 1): days off that would be working
days (holidays) and working days that would be weekend days (调休 make-up days). Publishing a year again
makes a new version; figures name the version they used."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import Field, model_validator

from shared.kernel.events.activities import Text
from shared.kernel.events.organisation import RuleChange


class CalendarYearPublished(RuleChange):
    year: Annotated[int, Field(ge=1900, le=2200)]
    holidays: list[date] = Field(default_factory=list, description="Days off; weekend days among them change nothing.")
    workdays: list[date] = Field(default_factory=list, description="Make-up working days, each a Saturday or Sunday.")
    source: Text = "hr"

    @model_validator(mode="after")
    def _days_fit_the_year(self) -> Self:
        for name in ("holidays", "workdays"):
            outside = [d for d in getattr(self, name) if d.year != self.year]
            if outside:
                raise ValueError(f"{name} holds {outside[0]}, which is not in {self.year}")
        if clash := sorted(set(self.holidays) & set(self.workdays)):
            raise ValueError(f"{clash[0]} is both a holiday and a make-up working day")
        if weekdays := [d for d in self.workdays if d.weekday() < 5]:
            raise ValueError(f"make-up working days fall on weekends; {weekdays[0]} is a weekday")
        return self

    def business_day(self) -> date:
        return date(self.year, 1, 1)
