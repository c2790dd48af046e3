"""The payroll file of a published period: every rep's commission statement line by line (bands,
accelerator, cap, and the adjustments and clawbacks that settle an earlier period, naming it and the ledger
entries that moved it), their bonus, and what the period pays them. Amounts are written as exact decimals,
as every answer writes money, in CSV and in XLSX (numbers a spreadsheet sums, stored as the same decimals)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.styles import Font

from services.scoring_service.domain.results import BandPaid, CapApplied, EarlierAdjusted, RepAppraisal

COLUMNS = (
    "period",
    "rep_id",
    "name",
    "team_id",
    "revision",
    "item",
    "settles",
    "detail",
    "amount",
    "currency",
    "entries",
)


@dataclass(frozen=True)
class PayrollRow:
    period: str
    rep_id: str
    name: str
    team_id: str
    revision: int
    item: str  # band, accelerator, cap, adjustment, clawback, bonus, pay
    settles: str  # the earlier period an adjustment or clawback settles; else empty
    detail: str
    amount: Decimal
    currency: str
    entries: str  # the ledger positions behind it, space-separated

    def cells(self) -> list[str | int | Decimal]:
        return [
            self.period,
            self.rep_id,
            self.name,
            self.team_id,
            self.revision,
            self.item,
            self.settles,
            self.detail,
            self.amount,
            self.currency,
            self.entries,
        ]


def payroll_rows(appraisals: Iterable[tuple[int, RepAppraisal]]) -> list[PayrollRow]:
    """Each (revision, appraisal) in rep order: its statement lines, its bonus, and one `pay` row per currency."""
    ordered = sorted(appraisals, key=lambda found: found[1].rep_id)
    return [row for revision, a in ordered for row in statement_rows(revision, a)]


def statement_rows(revision: int, a: RepAppraisal) -> list[PayrollRow]:
    """One revision's rows: its commission statement line by line, its bonus, and one `pay` row per currency."""
    found: list[PayrollRow] = []

    def row(item: str, detail: str, amount: Decimal, currency: str, settles: str = "", entries: str = "") -> None:
        shown = (a.period, a.rep_id, a.name, a.team_id, revision)
        found.append(PayrollRow(*shown, item, settles, detail, amount, currency, entries))

    pay: dict[str, Decimal] = {}
    if (statement := a.commission) is not None:
        for line in statement.lines:
            amount = Decimal(line.amount)
            if isinstance(line, EarlierAdjusted):
                detail = f"{line.period} was {line.was}, now {line.now}"
                row(line.kind, detail, amount, statement.currency, line.period, " ".join(map(str, line.positions)))
            elif isinstance(line, BandPaid):
                row("band", f"{line.amount_in_band} at {line.rate} from {line.from_}", amount, statement.currency)
            elif isinstance(line, CapApplied):
                row("cap", f"capped at {line.cap}", amount, statement.currency)
            else:
                row("accelerator", f"multiplier {line.multiplier}", amount, statement.currency)
        pay[statement.currency] = pay.get(statement.currency, Decimal(0)) + Decimal(statement.total)
    if (bonus := a.bonus) is not None:
        pool = f"pool {bonus.pool.id} v{bonus.pool.version}, team {bonus.team_id}"
        row("bonus", pool, Decimal(bonus.amount), bonus.currency)
        pay[bonus.currency] = pay.get(bonus.currency, Decimal(0)) + Decimal(bonus.amount)
    for currency, amount in sorted(pay.items()):
        row("pay", "commission and bonus", amount, currency)
    return found


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may take for a formula


def guarded(cell: str | int | Decimal) -> str:
    """A cell a spreadsheet would read as a formula is prefixed with ' (OWASP's CSV injection advice): names
    and details come from CRMs and HR. A number such as a clawback's -13000.00 stays as it is."""
    text = str(cell)
    if not text.startswith(FORMULA_STARTS):
        return text
    try:
        if Decimal(text).is_finite():
            return text
    except InvalidOperation:
        pass
    return "'" + text


def payroll_csv(rows: Iterable[PayrollRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([guarded(c) for c in r.cells()])
    return out.getvalue().encode("utf-8")


def payroll_xlsx(rows: Iterable[PayrollRow]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "payroll"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append(r.cells())
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
