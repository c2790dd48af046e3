"""An appraisal report for people: one sealed revision as print-ready HTML (inline CSS and SVG, no script, no
external resource, so it prints or saves to PDF from any browser as it is), and its statement lines as CSV.
Pure: the data comes in gathered (appraisals/reports.py); every value from a user is escaped on the way out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from html import escape
from typing import Any

from services.scoring_service.domain.appeals import Appeal
from services.scoring_service.domain.diff import figures_of
from services.scoring_service.domain.payroll import payroll_csv, statement_rows
from services.scoring_service.domain.records import Publication, SealedRevision
from services.scoring_service.domain.results import LedgerEvidence, RepAppraisal
from shared.kernel.metrics.catalogue import MEASURES
from shared.kernel.metrics.figures import Credit
from shared.kernel.periods import Period

LABELS = {
    "title": "Appraisal report / 绩效评估报告",
    "rep": "Rep / 销售",
    "team": "Team / 团队",
    "period": "Period / 考核期",
    "revision": "Revision / 版本",
    "sealed_at": "Sealed at / 封存时间",
    "published": "Published / 发布",
    "deadline": "Appeal deadline / 申诉截止",
    "figures": "Figures / 考核结果",
    "kpi": "KPI / 指标",
    "group": "Group / 类别",
    "weight": "Weight / 权重",
    "actual": "Actual / 实际",
    "target": "Target / 目标",
    "completion": "Completion / 完成率",
    "points": "Points / 得分",
    "weighted_points": "Weighted / 加权得分",
    "note": "Note / 说明",
    "score": "Score / 总分",
    "result_points": "Result points / 结果得分",
    "process_points": "Process points / 过程得分",
    "rank_company": "Company rank / 公司排名",
    "rank_team": "Team rank / 团队排名",
    "honours": "Honours / 荣誉",
    "commission": "Commission / 提成",
    "statement": "Commission and bonus / 提成与奖金",
    "bonus": "Bonus / 奖金",
    "item": "Item / 项目",
    "detail": "Detail / 明细",
    "amount": "Amount / 金额",
    "total": "Total / 合计",
    "progress": "Progress against target / 目标进度",
    "lineage": "Lineage / 数据来源",
    "figure": "Figure / 数据项",
    "value": "Value / 数值",
    "entries": "Ledger entries / 台账条目",
    "first": "First / 首条",
    "last": "Last / 末条",
    "seal": "Seal / 封存",
    "verification": "Verification / 验证",
    "appeals": "Appeals / 申诉",
    "state": "State / 状态",
    "outcome": "Outcome / 结果",
    "disputed": "Disputed / 申诉项",
    "step": "Step / 步骤",
    "by": "By / 操作人",
    "at": "At / 时间",
    "text": "Text / 内容",
    "currency": "Currency / 币种",
    "settles": "Settles / 结算期间",
    "evidence": "Evidence / 证据",
    "ledger_position": "Ledger position / 台账位置",
    "ledger_hash": "Ledger hash / 台账哈希",
    "rules": "Rule versions / 规则版本",
    "result_sha256": "Result SHA-256 / 结果哈希",
    "algorithm": "Algorithm / 算法",
    "key_id": "Key id / 密钥",
    "signature": "Signature / 签名",
    "none": "none / 无",
}

STYLE = """
body { font: 11pt/1.4 sans-serif; color: #111; margin: 2em auto; max-width: 60em; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; border-bottom: 1px solid #999; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .2em .4em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.hash { font-family: monospace; font-size: 9pt; word-break: break-all; }
.ok { color: #060; font-weight: bold; } .bad { color: #a00; font-weight: bold; }
svg { max-width: 100%; height: auto; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  h2 { break-after: avoid; } table, svg, .appeal { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


@dataclass(frozen=True)
class Verification:
    """A replay of the revision: its result recomputed, the ledger hash it saw, the signature over its seal."""

    recomputed_sha256: str
    result_matches: bool
    ledger_hash_matches: bool
    signature_valid: bool | None  # None: signed by another key than this service's

    @property
    def verified(self) -> bool:
        return self.result_matches and self.ledger_hash_matches and self.signature_valid is True


@dataclass(frozen=True)
class Progress:
    """A KPI's cumulative figure at the end of each day of the period, against its target."""

    kpi: str
    name: str
    target: Decimal
    days: tuple[date, ...]
    cumulative: tuple[Decimal, ...]


@dataclass(frozen=True)
class AppraisalReport:
    sealed: SealedRevision
    revisions: int  # how many the appraisal has
    published: Publication | None
    verification: Verification
    progress: list[Progress]
    appeals: list[Appeal]


# --- the chart -----------------------------------------------------------------------------------------------


def progress_of(a: RepAppraisal, period: Period, credits: Iterable[Credit]) -> list[Progress]:
    """Each KPI summed from ledger entries (a flow measure with a target), day by day from the credits behind
    its sealed figure: the entries its evidence names, so the line ends where the sealed figure does."""
    days = tuple(period.first_day + timedelta(days=n) for n in range(period.days))
    credits = [c for c in credits if c.rep_id == a.rep_id]
    found = []
    for line in a.kpis:
        measure = MEASURES.get(line.metric or "")
        if measure is None or measure.level or line.target is None or not isinstance(line.evidence, LedgerEvidence):
            continue
        behind = set(line.evidence.positions)
        daily = [(c.day, c.value) for c in credits if c.measure == measure.key and c.position in behind]
        found.append(Progress(line.kpi, line.name, Decimal(str(line.target)), days, cumulative(days, daily)))
    return found


def cumulative(days: Sequence[date], values: Iterable[tuple[date, Decimal]]) -> tuple[Decimal, ...]:
    """The running total at the end of each day."""
    per_day: dict[date, Decimal] = {}
    for day, value in values:
        per_day[day] = per_day.get(day, Decimal(0)) + value
    total, found = Decimal(0), []
    for day in days:
        total += per_day.get(day, Decimal(0))
        found.append(total)
    return tuple(found)


WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 220, 70, 20, 20, 30


def progress_svg(progress: Progress) -> str:
    """A line of the cumulative figure, the target as a dashed line and an even pace to it as a dotted one."""
    top = max([progress.target, *progress.cumulative, Decimal(1)]) * Decimal("1.1")
    low = min([Decimal(0), *progress.cumulative])  # below 0 when a void took back more than came before
    span = max(len(progress.days) - 1, 1)
    inner_w, inner_h = Decimal(WIDTH - LEFT - RIGHT), Decimal(HEIGHT - TOP - BOTTOM)

    def x(i: int) -> Decimal:
        return (LEFT + inner_w * i / span).quantize(Decimal("0.1"))

    def y(v: Decimal) -> Decimal:
        return (TOP + inner_h * (top - v) / (top - low)).quantize(Decimal("0.1"))

    line = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(progress.cumulative))
    last = len(progress.days) - 1
    base, goal = y(Decimal(0)), y(progress.target)
    first_day, last_day = progress.days[0], progress.days[-1]
    title = f"{progress.name} ({progress.kpi}), target {progress.target}"
    desc = "; ".join(f"{d}: {v}" for d, v in _moves(progress)) or "0"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#999"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#999"/>'
        f'<line x1="{LEFT}" y1="{goal}" x2="{WIDTH - RIGHT}" y2="{goal}" stroke="#a00" stroke-dasharray="6 4"/>'
        f'<line x1="{x(0)}" y1="{base}" x2="{x(last)}" y2="{goal}" stroke="#888" stroke-dasharray="2 3"/>'
        f'<polyline points="{line}" fill="none" stroke="#036" stroke-width="2"/>'
        f'<text x="{LEFT - 4}" y="{goal}" text-anchor="end" font-size="10">{escape(str(progress.target))}</text>'
        f'<text x="{LEFT - 4}" y="{base}" text-anchor="end" font-size="10">0</text>'
        f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="10">{first_day}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end" font-size="10">{last_day}</text>'
        "</svg>"
    )


def _moves(progress: Progress) -> Iterator[tuple[date, Decimal]]:
    """The days the figure moved and where to: the chart's description, for a screen reader and for anyone
    who wants the numbers."""
    previous = Decimal(0)
    for day, value in zip(progress.days, progress.cumulative, strict=True):
        if value != previous:
            yield day, value
        previous = value


# --- the HTML ------------------------------------------------------------------------------------------------


def _e(value: Any) -> str:
    return LABELS["none"] if value is None else escape(str(value))


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], numeric: frozenset[int] = frozenset()) -> str:
    head = "".join(f"<th>{escape(LABELS.get(h, h))}</th>" for h in header)
    body = "".join(f"<tr>{''.join(_cell(c, i in numeric) for i, c in enumerate(r))}</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any, numeric: bool) -> str:
    return f'<td class="n">{_e(value)}</td>' if numeric else f"<td>{_e(value)}</td>"


def _pairs(rows: Iterable[tuple[str, Any]], cell: str = "td") -> str:
    body = "".join(f"<tr><th>{escape(LABELS.get(k, k))}</th><{cell}>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table><tbody>{body}</tbody></table>"


def _header(r: AppraisalReport) -> str:
    a, seal = r.sealed.result, r.sealed.seal
    window = r.published.appeals if r.published else None
    published = f"{r.published.at} ({r.published.by})" if r.published else None
    return _pairs(
        [
            ("rep", f"{a.name} ({a.rep_id})"),
            ("team", a.team_id),
            ("period", a.period),
            ("revision", f"{r.sealed.revision} / {r.revisions}"),
            ("sealed_at", seal.sealed_at),
            ("published", published),
            ("deadline", window.deadline if window else None),
        ]
    )


def _figures(a: RepAppraisal) -> str:
    shown = a.model_dump(mode="json", by_alias=True)
    columns = ("kpi", "group", "weight", "actual", "target", "completion", "points", "weighted_points", "note")
    kpis = _table(
        columns,
        ([f"{k['name']} ({k['kpi']})", *(k[c] for c in columns[1:])] for k in shown["kpis"]),
        frozenset(range(2, 8)),
    )
    rank = shown["rank"]
    totals = _pairs(
        [
            ("score", shown["score"]),
            ("result_points", shown["result_points"]),
            ("process_points", shown["process_points"]),
            ("rank_company", f"{rank['company']['rank']} / {rank['company']['of']}"),
            ("rank_team", f"{rank['team']['rank']} / {rank['team']['of']}"),
            ("honours", ", ".join(shown["honours"]) or None),
        ]
    )
    return kpis + totals


def _pay(revision: SealedRevision) -> str:
    """The statement as the payroll file writes it, one row per line, the bonus and what it pays."""
    rows = statement_rows(revision.revision, revision.result)
    if not rows:
        return f"<p>{escape(LABELS['commission'])}, {escape(LABELS['bonus'])}: {escape(LABELS['none'])}</p>"
    shown = ([row.item, row.settles or "", row.detail, row.amount, row.currency, row.entries] for row in rows)
    return _table(("item", "settles", "detail", "amount", "currency", "entries"), shown, frozenset({3}))


def _charts(r: AppraisalReport) -> str:
    if not r.progress:
        return f"<p>{escape(LABELS['none'])}</p>"
    return "".join(f"<figure>{progress_svg(p)}<figcaption>{_e(p.name)}</figcaption></figure>" for p in r.progress)


def _lineage(a: RepAppraisal) -> str:
    rows = []
    for figure, (value, positions) in figures_of(a).items():
        shown = ", ".join(value) if isinstance(value, list) else value
        rows.append((figure, shown, len(positions), min(positions, default=None), max(positions, default=None)))
    return _table(("figure", "value", "entries", "first", "last"), rows, frozenset({2, 3, 4}))


def _mark(ok: bool | None) -> str:
    if ok is None:
        return '<span class="bad">not checked: signed by another key / 其他密钥签名</span>'
    return '<span class="ok">✓ yes / 是</span>' if ok else '<span class="bad">✗ no / 否</span>'


def _seal(r: AppraisalReport) -> str:
    seal, v = r.sealed.seal, r.verification
    rules = ", ".join(f"{rule.kind} {rule.id} v{rule.version}" for rule in seal.rules)
    fields = _pairs(
        [
            ("ledger_position", seal.ledger.position),
            ("ledger_hash", seal.ledger.hash),
            ("rules", rules),
            ("result_sha256", seal.result_sha256),
            ("algorithm", seal.algorithm),
            ("key_id", seal.key_id),
            ("signature", r.sealed.signature),
        ],
        cell='td class="hash"',
    )
    state = '<p class="ok">verified / 已验证</p>' if v.verified else '<p class="bad">not verified / 未通过验证</p>'
    checks = (
        f"<table><tbody><tr><th>result matches / 结果一致</th><td>{_mark(v.result_matches)}</td></tr>"
        f"<tr><th>ledger hash matches / 台账哈希一致</th><td>{_mark(v.ledger_hash_matches)}</td></tr>"
        f"<tr><th>signature valid / 签名有效</th><td>{_mark(v.signature_valid)}</td></tr>"
        f'<tr><th>recomputed sha256</th><td class="hash">{_e(v.recomputed_sha256)}</td></tr></tbody></table>'
    )
    return fields + state + checks


EVIDENCE_KEYS = ("kind", "source", "id", "name", "url", "sha256")  # never a document's content


def _appeals(appeals: Sequence[Appeal]) -> str:
    if not appeals:
        return f"<p>{escape(LABELS['none'])}</p>"
    found = []
    for appeal in sorted(appeals, key=lambda x: x.revision):
        head = _pairs(
            [
                ("revision", appeal.revision),
                ("state", appeal.state.value),
                ("outcome", appeal.outcome.value if appeal.outcome else None),
                ("disputed", "; ".join(_said(d, "kind", "ref", "claim") for d in appeal.disputed) or None),
                ("evidence", "; ".join(_said(e, *EVIDENCE_KEYS) for e in appeal.evidence) or None),
                ("deadline", appeal.deadline),
            ]
        )
        rows = ([s["step"], s["by"], s["at"], s["text"], _step_detail(s)] for s in appeal.steps)
        steps = _table(("step", "by", "at", "text", "detail"), rows)
        found.append(f'<div class="appeal">{head}{steps}</div>')
    return "".join(found)


def _said(record: dict[str, Any], *keys: str) -> str:
    """The values a disputed figure or a piece of evidence has under some keys, in order."""
    found = (record.get(k) for k in keys)
    return " ".join(", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in found if v is not None)


def _step_detail(step: dict[str, Any]) -> str:
    """Whom hr assigned; what the committee decided and the revision an adjustment sealed."""
    revision = f"revision {step['revision']}" if "revision" in step else None
    return " ".join(filter(None, [", ".join(step.get("reviewers", [])), step.get("outcome"), revision]))


def report_html(r: AppraisalReport) -> str:
    a = r.sealed.result
    sections = [
        ("figures", _figures(a)),
        ("statement", _pay(r.sealed)),
        ("progress", _charts(r)),
        ("lineage", _lineage(a)),
        ("seal", _seal(r)),
        ("appeals", _appeals(r.appeals)),
    ]
    body = "".join(f"<section><h2>{escape(LABELS[k])}</h2>{html}</section>" for k, html in sections)
    title = f"{LABELS['title']}: {a.name} {a.period} r{r.sealed.revision}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{_header(r)}{body}</body></html>"
    )


# --- the CSV -------------------------------------------------------------------------------------------------


def statement_csv(revision: int, a: RepAppraisal) -> bytes:
    """The revision's statement lines in the payroll file's columns and rows."""
    return payroll_csv(statement_rows(revision, a))
