"""What a judgement finds: each verdict under the rule version that reached it, keyed by the one active
warning it stands for, so the same finding on the same ledger always names the same warning."""

from __future__ import annotations

from dataclasses import dataclass

from services.alert_service.domain.evaluation import ONGOING
from services.alert_service.domain.facts import Verdict
from services.alert_service.domain.lifecycle import JudgedAt, RuleRef


@dataclass(frozen=True)
class Finding:
    rule: RuleRef
    key: str
    verdict: Verdict


@dataclass(frozen=True)
class Judgement:
    """The findings of every rule that judged one business day, one voided deal or one sealed appraisal,
    judged at `at`."""

    at: JudgedAt
    findings: list[Finding]


def finding(rule: RuleRef, verdict: Verdict, *more: object) -> Finding:
    """The key is the rule and subject, the period (not for streak rules, which run across periods), and
    whatever else tells two apart (a voided deal's position)."""
    parts = [rule.id, verdict.subject.key, *([] if rule.kind in ONGOING else [verdict.period])]
    return Finding(rule, "|".join([*parts, *map(str, more)]), verdict)
