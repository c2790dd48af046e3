"""How an appraisal's figures are written, by result format. A sealed appraisal is the canonical JSON of its
result, hashed and signed, and replay recomputes it byte for byte; so the way figures are written is an
input of the appraisal, recorded with each period close, never changed under a seal.

- Format 1 (closes recorded before formats existed): figures as computed, e.g. `"1500000"` beside
  `"10000.00"`.
- Format 2: money as `shared.kernel.money.show_money` writes it (at least the currency's minor unit), counts as
  integers, ratios at 4 places, like every other answer. Points, scores, weights and rule parameters
  (rates, multipliers) are written as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shared.kernel.metrics.figures import show_figure
from shared.kernel.money import show_money

FIRST_FORMAT = 1  # what a close recorded without a format was sealed in
RESULT_FORMAT = 2  # what new closes and live figures use

COMMISSION_LINE_MONEY = ("from", "to", "amount_in_band", "amount", "cap", "was", "now")
BONUS_MONEY = ("team_revenue", "pool_amount", "amount")


def _money(value: Decimal | None, currency: str | None) -> str | None:
    return None if value is None else show_money(value, currency)


def kpi_line(line: Mapping[str, Any], currency: str | None) -> dict[str, Any]:
    if line["metric"] is None:  # rated: a rating on its own scale
        return dict(line)
    return {
        **line,
        "actual": show_figure(line["metric"], line["actual"], currency),
        "target": show_figure(line["metric"], line["target"], currency),
    }


def commission(statement: Mapping[str, Any]) -> dict[str, Any]:
    currency = statement["currency"]
    basis = statement["basis"]
    return {
        **statement,
        "basis": {
            **basis,
            "amount": _money(basis["amount"], currency),
            "events": [{**e, "value": _money(e["value"], currency)} for e in basis["events"]],
        },
        "earned": _money(statement["earned"], currency),
        "total": _money(statement["total"], currency),
        "lines": [
            {k: _money(v, currency) if k in COMMISSION_LINE_MONEY else v for k, v in line.items()}
            for line in statement["lines"]
        ],
    }


def bonus(line: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _money(v, line["currency"]) if k in BONUS_MONEY else v for k, v in line.items()}


def written_appraisal(appraisal: Mapping[str, Any], currency: str | None, result_format: int) -> dict[str, Any]:
    """One rep's appraisal as its result format writes it; `currency` is its scorecard's."""
    if result_format < RESULT_FORMAT:
        return dict(appraisal)
    return {
        **appraisal,
        "kpis": [kpi_line(line, currency) for line in appraisal["kpis"]],
        "commission": commission(appraisal["commission"]) if appraisal["commission"] else None,
        "bonus": bonus(appraisal["bonus"]) if appraisal["bonus"] else None,
    }


def written_honours(
    awarded: Mapping[str, Mapping[str, Any]], currencies: Mapping[str, str | None], result_format: int
) -> dict[str, dict[str, Any]]:
    """The top seller's figure is revenue, in the winner's scorecard currency; the others are scores."""
    if result_format < RESULT_FORMAT or "top_seller" not in awarded:
        return {honour: dict(who) for honour, who in awarded.items()}
    top = awarded["top_seller"]
    return {**awarded, "top_seller": {**top, "figure": show_money(top["figure"], currencies[top["rep_id"]])}}
