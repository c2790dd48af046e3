"""Replaying one sealed appraisal: recompute it from the inputs its close recorded and compare the bytes,
check the ledger hash it saw and the signature over its seal; and diffing it: recompute it with everything
known now and list what moved. Replaying one rep recomputes one rep: the
period's standings (its ranks and honours are relative to every rep) and that rep's own appraisal alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.scoring_service.appraisals.inputs import AppraisalInputs
from services.scoring_service.appraisals.sealed import SealedAppraisals
from services.scoring_service.domain.appraisal import Proposal, appraise, appraise_rep
from services.scoring_service.domain.diff import FigureChange, figure_changes, figures_of
from services.scoring_service.domain.errors import NoSealedAppraisal, UnknownFigure
from services.scoring_service.domain.records import Seal
from services.scoring_service.domain.results import RepAppraisal
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


@dataclass(frozen=True)
class Diff:
    period: str
    rep_id: str
    revision: int
    sealed_at: int  # the ledger position the revision read
    known_at: int  # the position "now" read
    appraised_now: bool  # False when the rep would no longer be appraised at all
    changes: list[FigureChange]
    entries_since: list[int]  # the rep's entries recorded after the seal that its rules read


@dataclass(frozen=True)
class WhatIf:
    """One rep's sealed appraisal beside what the close would have sealed under the proposed rule."""

    rep_id: str
    sealed: RepAppraisal
    proposed: RepAppraisal | None  # None: the rep would not be appraised under it
    changes: list[FigureChange]


@dataclass(frozen=True)
class Lineage:
    """What one figure of one revision stands on: its ledger entries, each with the chain hash this service
    followed and where goal_service shows the CRM delivery it came from, and the seal's rule versions."""

    period: str
    rep_id: str
    revision: int
    figure: str
    value: Any
    entries: list[tuple[int, str | None]]  # (position, chain hash)
    seal: Seal


class Replayer:
    def __init__(self, inputs: AppraisalInputs, sealed: SealedAppraisals, signer: Signer):
        self.inputs = inputs
        self.sealed = sealed
        self.signer = signer

    def replay(self, period: str, rep_id: str, principal: Principal, revision_number: int | None = None) -> Replay:
        """Recompute a revision (the latest unless named) from the inputs its close recorded and compare it
        byte for byte."""
        closing, appraisal = self.sealed.appraisal(period, rep_id, principal)
        if revision_number is not None and not 1 <= revision_number <= len(appraisal.revisions):
            raise NoSealedAppraisal(period, rep_id)
        revision = appraisal.revisions[revision_number - 1] if revision_number else appraisal.current
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

    def diff(self, period: str, rep_id: str, principal: Principal) -> Diff:
        """The latest revision against the same appraisal recomputed with everything this service holds now:
        the close's rule versions and ratings, the ledger as known now."""
        closing, appraisal = self.sealed.appraisal(period, rep_id, principal)
        revision = appraisal.current
        known_at = self.inputs.projections.held()
        inputs = self.inputs.recorded(closing, reps={rep_id}, cutoff=known_at)
        now = appraise_rep(inputs, rep_id)
        sealed_at = revision.seal.ledger.position
        since = sorted({c.position for c in inputs.contributions((rep_id,)) if c.position > sealed_at})
        changes = figure_changes(revision.result, now) if now is not None else []
        return Diff(period, rep_id, revision.revision, sealed_at, known_at, now is not None, changes, since)

    def what_if(self, period: str, proposal: Proposal) -> list[WhatIf]:
        """Every sealed rep's latest revision beside the period recomputed from its close's inputs with the
        proposed rule in place of the one of its kind and id; nothing is recorded."""
        closing = self.sealed.period(period)
        result = appraise(self.inputs.recorded(closing, proposed=proposal))
        found = []
        for rep_id in closing.reps:
            sealed = self.sealed.latest(period, rep_id)
            proposed = result.appraisals.get(rep_id)
            changes = figure_changes(sealed, proposed) if proposed is not None else []
            found.append(WhatIf(rep_id, sealed, proposed, changes))
        return found

    def lineage(self, period: str, rep_id: str, revision: int | None, figure: str, principal: Principal) -> Lineage:
        """A figure of a revision (the latest when none is named) and what it stands on."""
        _, appraisal = self.sealed.appraisal(period, rep_id, principal)
        if revision is not None and not 1 <= revision <= len(appraisal.revisions):
            raise NoSealedAppraisal(period, rep_id)
        sealed = appraisal.revisions[(revision or len(appraisal.revisions)) - 1]
        figures = figures_of(sealed.result)
        if figure not in figures:
            raise UnknownFigure(figure, sorted(figures))
        value, positions = figures[figure]
        hashes = self.inputs.ledger_hashes(positions)
        entries = [(p, hashes.get(p)) for p in positions]
        return Lineage(period, rep_id, sealed.revision, figure, value, entries, sealed.seal)
