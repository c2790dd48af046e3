"""What a figure asks of the credits: the contributions to some measures over some days, summed per day and
currency, and per rep, product and region only when the figure tells them apart. The day sums answer an ask
from few rows (shared.kernel.ledger_views.day_sum_reads); `summed` answers it from the contributions
themselves, as the fold every read model must equal.

- `cuts`: the figure only ever reads whole spans between these days (a period so far, a trend's two weeks),
  so each span is summed into one credit dated at its first day; `window` over those days reads the same;
- `unit` and `members`: the credits counted for a unit are those of its members on the days they were
  within it (`Organisation.members_within`); the credits name the unit as their `owner`, which `owned`
  takes as already picked."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cached_property

from shared.kernel.metrics.figures import Credit
from shared.kernel.organisation import Member


@dataclass(frozen=True)
class Shape:
    """What an ask keeps apart besides days, measures and currencies."""

    reps: bool = False
    products: bool = False
    regions: bool = False


@dataclass(frozen=True)
class Ask:
    """The contributions to `measures` on the days first..last, summed as the module says. With `reps`, only
    theirs; with `unit`, only what counts for it (its `members`)."""

    measures: frozenset[str]
    first: date
    last: date
    shape: Shape = Shape()
    reps: frozenset[str] | None = None
    unit: str | None = None
    members: tuple[Member, ...] = ()
    cuts: tuple[date, ...] | None = None  # None: per day; else spans from `first` and from each cut
    starts: tuple[date, ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        inside = sorted({cut for cut in self.cuts or () if self.first < cut <= self.last})
        object.__setattr__(self, "starts", None if self.cuts is None else (self.first, *inside))

    @cached_property
    def member_days(self) -> dict[str, list[tuple[date, date]]]:
        """The days each member counts, by rep: what `counts` looks up for every contribution it is shown."""
        found: dict[str, list[tuple[date, date]]] = defaultdict(list)
        for m in self.members:
            found[m.rep_id].append((m.first, m.last))
        return found

    @property
    def per_rep(self) -> bool:
        """Whether it reads the sums per rep (for reps or a unit's members)."""
        return self.shape.reps or self.reps is not None or self.unit is not None

    @property
    def names_reps(self) -> bool:
        """Whether its credits name their reps: asked for, or read for some reps, whom `owned` picks by name."""
        return self.shape.reps or self.reps is not None

    def span_of(self, day: date) -> date:
        return day if self.starts is None else self.starts[bisect_right(self.starts, day) - 1]

    def counts(self, measure: str, rep_id: str, day: date) -> bool:
        """Whether a contribution on `day` is one this ask sums."""
        if measure not in self.measures or not self.first <= day <= self.last:
            return False
        if self.reps is not None and rep_id not in self.reps:
            return False
        if self.unit is not None:
            return any(first <= day <= last for first, last in self.member_days.get(rep_id, ()))
        return True

    def key(self, day: date, rep_id: str, measure: str, currency: str, product: str, region: str) -> tuple:
        return (
            self.span_of(day),
            rep_id if self.names_reps else "",
            measure,
            currency or "",
            (product or "") if self.shape.products else "",
            (region or "") if self.shape.regions else "",
        )


class Tally:
    """Sums and counts per key of one ask, exact."""

    def __init__(self, ask: Ask) -> None:
        self.ask = ask
        self.sums: dict[tuple, Decimal] = defaultdict(Decimal)
        self.counts: dict[tuple, int] = defaultdict(int)

    def add(self, key: tuple, value: Decimal, count: int) -> None:
        self.sums[key] += value
        self.counts[key] += count

    def add_credits(self, credits: Iterable[Credit], sign: int = 1) -> None:
        """Contributions (one credit each, as `load_credits` reads them) added to the sums they count for (sign
        1) or taken from them (-1)."""
        ask = self.ask
        for c in credits:
            if ask.counts(c.measure, c.rep_id, c.day):
                key = ask.key(c.day, c.rep_id, c.measure, c.currency or "", c.product or "", c.region or "")
                self.add(key, sign * c.value, sign)

    def credits(self) -> list[Credit]:
        """One credit per key that still counts a contribution, in key order (deterministic)."""
        found = []
        for key in sorted(k for k, count in self.counts.items() if count):
            day, rep_id, measure, currency, product, region = key
            value = self.sums[key]
            found.append(Credit(measure, rep_id, day, value, currency or None, product or None, region or None))
        if self.ask.unit is not None:
            found = [replace(credit, owner=self.ask.unit) for credit in found]
        return found


def summed(ask: Ask, credits: Iterable[Credit]) -> list[Credit]:
    """The credits (each one contribution, as `load_credits` reads them) an ask counts, summed as it sums them:
    what the day sums answer, from the contributions themselves."""
    tally = Tally(ask)
    tally.add_credits(credits)
    return tally.credits()
