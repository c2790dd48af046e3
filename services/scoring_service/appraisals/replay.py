"""Replaying one sealed appraisal: recompute it from the inputs its close recorded and compare the bytes,
check the ledger hash it saw and the signature over its seal. Replaying one rep recomputes one rep: the
period's standings (its ranks and honours are relative to every rep) and that rep's own appraisal alone."""

from __future__ import annotations

from dataclasses import dataclass

from services.scoring_service.appraisals.inputs import AppraisalInputs
from services.scoring_service.appraisals.sealed import SealedAppraisals
from services.scoring_service.domain.appraisal import appraise_rep
from shared.platform.auth import Principal
from shared.platform.canonical import sha256_hex
from shared.platform.signing import Signer, verify


@dataclass(frozen=True)
class Replay:
    period: str
    rep_id: str
    revision: int
    sealed_sha256: str
    recomputed_sha256: str
    result_matches: bool
    ledger_hash_matches: bool
    signature_valid: bool | None  # None when another key signed it: verify it with that key's public half


class Replayer:
    def __init__(self, inputs: AppraisalInputs, sealed: SealedAppraisals, signer: Signer):
        self.inputs = inputs
        self.sealed = sealed
        self.signer = signer

    def replay(self, period: str, rep_id: str, principal: Principal) -> Replay:
        """Recompute the latest revision from the inputs its close recorded and compare it byte for byte."""
        closing, appraisal = self.sealed.appraisal(period, rep_id, principal)
        revision = appraisal.current
        # at the ledger position the revision was sealed at: the close's cut-off, or an adjustment's later one
        inputs = self.inputs.recorded(closing, reps={rep_id}, cutoff=revision.seal.ledger.position)
        recomputed = appraise_rep(inputs, rep_id)
        text = recomputed.canonical().decode() if recomputed else ""
        seal = revision.seal
        return Replay(
            period=period,
            rep_id=rep_id,
            revision=revision.revision,
            sealed_sha256=seal.result_sha256,
            recomputed_sha256=sha256_hex(text.encode()),
            result_matches=text == revision.text,
            ledger_hash_matches=self.inputs.ledger_hash(seal.ledger.position) == seal.ledger.hash,
            signature_valid=verify(self.signer.public()["public_key"], revision.signature, seal.stored())
            if seal.key_id == self.signer.key_id
            else None,
        )
