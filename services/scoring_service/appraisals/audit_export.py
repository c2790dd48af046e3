"""Exporting one sealed appraisal revision as an audit bundle (domain/audit_bundle.py): its inputs as the
replay reads them, its rule versions as stored, and the ledger entries it stands on with goal_service's
inclusion proofs against its latest signed checkpoint."""

from __future__ import annotations

from typing import Any

import httpx

from services.scoring_service.appraisals.inputs import AppraisalInputs
from services.scoring_service.appraisals.sealed import SealedAppraisals
from services.scoring_service.domain.audit_bundle import (
    RULE_ENTRY_PREFIXES,
    SealedRevisionText,
    bundle,
    entries_wanted,
)
from services.scoring_service.domain.errors import NoSealedAppraisal
from shared.platform.auth import Principal
from shared.platform.errors import Unavailable
from shared.platform.log_client import LedgerFollower

PROOFS_PER_REQUEST = 5000  # goal_service's limit


class AuditExporter:
    def __init__(self, inputs: AppraisalInputs, sealed: SealedAppraisals, ledger: LedgerFollower):
        self.inputs = inputs
        self.sealed = sealed
        self.ledger = ledger

    def export(self, period: str, rep_id: str, revision: int | None, principal: Principal) -> dict[str, Any]:
        closing, appraisal = self.sealed.appraisal(period, rep_id, principal)
        if revision is not None and not 1 <= revision <= len(appraisal.revisions):
            raise NoSealedAppraisal(period, rep_id)
        chosen = appraisal.revisions[(revision or len(appraisal.revisions)) - 1]
        seal = chosen.seal
        inputs = self.inputs.recorded(closing, reps={rep_id}, cutoff=seal.ledger.position)
        rule_entries = self.inputs.rulebook.entries(seal.ledger_rules_position, RULE_ENTRY_PREFIXES)
        credits = inputs.contributions([rep_id])
        positions = entries_wanted(seal, rule_entries, credits)
        proved = self._proved(positions, seal.ledger.position)
        rules = [
            {
                "kind": ref.kind,
                "id": ref.id,
                "version": ref.version,
                "definition": self.inputs.app.rule(ref.kind, ref.id).versions[ref.version - 1]["definition"],
            }
            for ref in seal.rules
        ]
        text = SealedRevisionText(period, rep_id, chosen.revision, chosen.text, seal, chosen.signature)
        return bundle(text, self.inputs.zone.key, proved, rules, inputs, credits)

    def _proved(self, positions: list[int], cutoff: int) -> dict[str, Any]:
        """Every position's entry and proof, against one checkpoint at or after the cut-off."""
        tree_size: int | None = None
        answer: dict[str, Any] = {"entries": []}
        try:
            for start in range(0, max(len(positions), 1), PROOFS_PER_REQUEST):
                page = self.ledger.inclusion_proofs(positions[start : start + PROOFS_PER_REQUEST], tree_size)
                tree_size = page["tree"]["tree_size"]
                answer = {"tree": page["tree"], "entries": answer["entries"] + page["entries"]}
        except httpx.HTTPError as error:
            raise Unavailable(f"goal_service's inclusion proofs could not be read: {error}") from None
        if answer["tree"]["checkpoint"] is None or answer["tree"]["tree_size"] < cutoff:
            raise Unavailable(f"goal_service has signed no checkpoint at or after the cut-off {cutoff} yet; retry")
        return answer
