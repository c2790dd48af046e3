"""An audit bundle: one sealed appraisal revision with everything it was computed from, in one JSON file that an
auditor verifies with public keys alone, no database and no network.

It holds the seal, its signature and the result's canonical text; a checkpoint of goal_service's ledger at or
after the seal's cut-off; the ledger entries the appraisal stands on (the organisation and goal entries up to
the seal's rule position, the rep's credited entries, the entry at the cut-off), each with the chain hash
before it and an RFC 9162 inclusion proof against the checkpoint's tree root; the rule versions the seal
names with their definitions; and the inputs read from the ledger (every rep's period sums, the rep's
credits), ratings and earlier statements. `verify` checks every signature and proof, that each of the rep's
credits is what its entry credits, and recomputes the appraisal with the code that sealed it: any altered
entry, rule version or figure is named.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from services.scoring_service.domain.appraisal import (
    PeriodInputs,
    RuleInForce,
    RulesInForce,
    SumsDisagree,
    appraise_rep,
    measures_read,
)
from services.scoring_service.domain.commission import Settled
from services.scoring_service.domain.definitions import STORED, BonusPool, CommissionPlan, Scorecard
from services.scoring_service.domain.diff import figure_changes
from services.scoring_service.domain.records import Seal
from services.scoring_service.domain.results import RepAppraisal
from services.scoring_service.domain.scoring import GivenRating
from shared.kernel.events.activities import ACTIVITY_SCHEMAS
from shared.kernel.goals import Goals
from shared.kernel.metrics.credit import contributions_of, record_of
from shared.kernel.metrics.customers import DERIVED
from shared.kernel.metrics.figures import Credit
from shared.kernel.organisation import Organisation
from shared.kernel.periods import local_day, parse_period
from shared.platform.canonical import sha256_hex
from shared.platform.chain import entry_hash
from shared.platform.checkpoints import Checkpoint, PublicKey, ledger_leaf
from shared.platform.merkle import verify_inclusion
from shared.platform.signing import verify as signature_holds

BUNDLE_KIND = "perfledger.audit-bundle.v1"
RULE_ENTRY_PREFIXES = ("org.", "goal.")  # what the appraisal folds its organisation and goals from


# --- the inputs as JSON, and back ----------------------------------------------------------------------------


def credit_to_json(credit: Credit) -> dict[str, Any]:
    return {
        "measure": credit.measure,
        "rep_id": credit.rep_id,
        "day": credit.day.isoformat(),
        "value": str(credit.value),
        "currency": credit.currency,
        "product": credit.product,
        "region": credit.region,
        "position": credit.position,
        "attributed_on": credit.attributed_on.isoformat() if credit.attributed_on else None,
        "owner": credit.owner,
    }


def credit_from_json(value: Mapping[str, Any]) -> Credit:
    return Credit(
        measure=value["measure"],
        rep_id=value["rep_id"],
        day=date.fromisoformat(value["day"]),
        value=Decimal(value["value"]),
        currency=value["currency"],
        product=value["product"],
        region=value["region"],
        position=value["position"],
        attributed_on=date.fromisoformat(value["attributed_on"]) if value["attributed_on"] else None,
        owner=value["owner"],
    )


def rating_to_json(rating: GivenRating) -> dict[str, Any]:
    return {f.name: str(v) if isinstance(v := getattr(rating, f.name), Decimal) else v for f in fields(rating)}


def rating_from_json(value: Mapping[str, Any]) -> GivenRating:
    return GivenRating(**{**value, "value": Decimal(value["value"])})


def settled_to_json(settled: Settled) -> dict[str, Any]:
    return {
        "period": settled.period,
        "cutoff": settled.cutoff,
        "plan": settled.plan.model_dump(mode="json"),
        "multiplier": str(settled.multiplier),
        "amount": str(settled.amount),
        "credits": [credit_to_json(c) for c in settled.credits],
    }


def settled_from_json(value: Mapping[str, Any]) -> Settled:
    return Settled(
        period=value["period"],
        cutoff=value["cutoff"],
        plan=CommissionPlan.model_validate(value["plan"], context=STORED),
        multiplier=Decimal(value["multiplier"]),
        amount=Decimal(value["amount"]),
        credits=tuple(credit_from_json(c) for c in value["credits"]),
    )


def rules_from_json(listed: Iterable[Mapping[str, Any]]) -> RulesInForce:
    scorecards: list[RuleInForce[Scorecard]] = []
    plans: list[RuleInForce[CommissionPlan]] = []
    pools: list[RuleInForce[BonusPool]] = []
    for rule in listed:
        kind, rule_id, version, definition = rule["kind"], rule["id"], rule["version"], rule["definition"]
        if kind == "scorecard":
            scorecards.append(RuleInForce(rule_id, version, Scorecard.model_validate(definition, context=STORED)))
        elif kind == "commission_plan":
            plans.append(RuleInForce(rule_id, version, CommissionPlan.model_validate(definition, context=STORED)))
        elif kind == "bonus_pool":
            pools.append(RuleInForce(rule_id, version, BonusPool.model_validate(definition, context=STORED)))
        else:
            raise ValueError(f"rule {rule_id} is of kind {kind!r}, which no appraisal reads")
    return RulesInForce(scorecards, plans, pools)


# --- writing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealedRevisionText:
    period: str
    rep_id: str
    revision: int
    text: str
    seal: Seal
    signature: str


def entries_wanted(seal: Seal, rule_entries: Iterable[Mapping[str, Any]], credits: Iterable[Credit]) -> list[int]:
    """The ledger positions a bundle proves: the rule entries, the rep's credited entries, the cut-off."""
    found = {int(e["position"]) for e in rule_entries} | {c.position for c in credits if c.position}
    if seal.ledger.position:
        found.add(seal.ledger.position)
    return sorted(found)


def bundle(
    sealed: SealedRevisionText,
    zone: str,
    proved: Mapping[str, Any],
    rules: Sequence[Mapping[str, Any]],
    inputs: PeriodInputs,
    credits: Sequence[Credit],
) -> dict[str, Any]:
    """The bundle's JSON. `proved` is goal_service's answer to POST /v1/ledger/inclusion-proofs: the tree head
    and its checkpoint, and each entry with its previous hash and audit path; `credits` the rep's, as read once."""
    return {
        "kind": BUNDLE_KIND,
        "appraisal": {
            "period": sealed.period,
            "rep_id": sealed.rep_id,
            "revision": sealed.revision,
            "text": sealed.text,
            "seal": sealed.seal.stored(),
            "signature": sealed.signature,
        },
        "ledger": {"checkpoint": proved["tree"]["checkpoint"], "entries": proved["entries"]},
        "rules": list(rules),
        "inputs": {
            "zone": zone,
            "result_format": inputs.result_format,
            "sums": [credit_to_json(c) for c in inputs.sums],
            "contributions": [credit_to_json(c) for c in credits],
            "ratings": [rating_to_json(r) for r in inputs.ratings],
            "settled": {rep: [settled_to_json(s) for s in found] for rep, found in inputs.settled.items()},
            "previous_scores": {rep: str(score) for rep, score in inputs.previous_scores.items()},
        },
    }


# --- verifying -----------------------------------------------------------------------------------------------


class BundleUnreadable(ValueError):
    """The file is not an audit bundle this verifier reads (a field missing or of the wrong shape)."""


def verify(document: Any, keys: Collection[PublicKey]) -> list[str]:
    """Every finding against the bundle, each naming what is wrong; none when it holds. Never raises for a
    bundle's content: a malformed one is a finding too."""
    try:
        return _Verification(document, {key.key_id: key for key in keys}).run()
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as error:
        return [f"the bundle is malformed: {type(error).__name__}: {error}"]


class _Verification:
    def __init__(self, document: Any, keys: Mapping[str, PublicKey]):
        if not isinstance(document, Mapping) or document.get("kind") != BUNDLE_KIND:
            raise BundleUnreadable(f"not an audit bundle (kind {BUNDLE_KIND})")
        self.document = document
        self.keys = keys
        self.findings: list[str] = []
        self.appraisal = document["appraisal"]
        self.seal = Seal.model_validate(self.appraisal["seal"])
        self.entries: dict[int, Mapping[str, Any]] = {}  # the entries proved, by position

    def run(self) -> list[str]:
        self._check_seal()
        checkpoint = self._check_checkpoint()
        if checkpoint is not None:
            self._check_entries(checkpoint)
        self._check_rules()
        self._check_credits()
        if not self.findings:  # recompute only from inputs that hold, or every finding would echo there
            self._recompute()
        return self.findings

    def _signed_by_given_key(self, what: str, key_id: str, signature: str, claim: Any) -> None:
        key = self.keys.get(key_id)
        if key is None:
            self.findings.append(f"{what} is signed by key {key_id}, which is not among the keys given")
        elif not signature_holds(key.public_key, signature, claim):
            self.findings.append(f"{what}'s signature does not verify with key {key_id}")

    def _check_seal(self) -> None:
        a, seal = self.appraisal, self.seal
        self._signed_by_given_key("the seal", seal.key_id, a["signature"], seal.stored())
        named = (seal.appraisal.period, seal.appraisal.rep_id, seal.appraisal.revision)
        if named != (a["period"], a["rep_id"], a["revision"]):
            self.findings.append(f"the seal is of appraisal {named}, not {(a['period'], a['rep_id'], a['revision'])}")
        if sha256_hex(a["text"].encode()) != seal.result_sha256:
            self.findings.append("the appraisal's figures are not those sealed: their SHA-256 differs from the seal's")

    def _check_checkpoint(self) -> Checkpoint | None:
        try:
            checkpoint = Checkpoint.from_json(self.document["ledger"]["checkpoint"])
        except ValueError as error:
            self.findings.append(f"the ledger checkpoint is unreadable: {error}")
            return None
        before = len(self.findings)
        self._signed_by_given_key("the ledger checkpoint", checkpoint.key_id, checkpoint.signature, checkpoint.claim())
        if checkpoint.position < self.seal.ledger.position:
            self.findings.append(
                f"the ledger checkpoint at {checkpoint.position} comes before the seal's cut-off "
                f"{self.seal.ledger.position}"
            )
        return checkpoint if len(self.findings) == before else None

    def _check_entries(self, checkpoint: Checkpoint) -> None:
        root, size, previous = bytes.fromhex(checkpoint.tree_root), checkpoint.position, 0
        for item in self.document["ledger"]["entries"]:
            position, entry = item["position"], item["entry"]
            if position <= previous:
                self.findings.append(f"ledger entry {position} is out of order (after {previous})")
            previous = max(previous, position)
            if entry.get("position") != position or entry_hash(item["previous_hash"], entry) != item["hash"]:
                self.findings.append(f"ledger entry {position} was altered: its content does not give its hash")
                continue
            proof = [bytes.fromhex(h) for h in item["proof"]]
            if not verify_inclusion(ledger_leaf(item["hash"]), position - 1, size, proof, root):
                self.findings.append(f"ledger entry {position} is not in the ledger the checkpoint at {size} signed")
                continue
            self.entries[position] = entry
        cutoff = self.seal.ledger
        at_cutoff = next((i for i in self.document["ledger"]["entries"] if i["position"] == cutoff.position), None)
        if cutoff.position and (at_cutoff is None or at_cutoff["hash"] != cutoff.hash):
            self.findings.append(
                f"the ledger entry at the seal's cut-off {cutoff.position} is missing or not the one sealed"
            )

    def _check_rules(self) -> None:
        given = sorted((r["kind"], r["id"], r["version"]) for r in self.document["rules"])
        sealed = sorted((r.kind, r.id, r.version) for r in self.seal.rules)
        for kind, rule_id, version in sorted(set(given) ^ set(sealed)):
            where = (
                "the seal names it, the bundle lacks it"
                if (kind, rule_id, version) in sealed
                else "the seal does not name it"
            )
            self.findings.append(f"rule version {kind} {rule_id} v{version}: {where}")

    def _check_credits(self) -> None:
        """Each of the rep's credits stands on a proved entry; those an activity entry makes are exactly its."""
        inputs, rep_id = self.document["inputs"], self.appraisal["rep_id"]
        zone = ZoneInfo(inputs["zone"])
        read = measures_read(rules_from_json(self.document["rules"])) - set(DERIVED)
        by_position: dict[int, list[Credit]] = {}
        for credit in (credit_from_json(c) for c in inputs["contributions"]):
            by_position.setdefault(credit.position, []).append(credit)
        for position, found in sorted(by_position.items()):
            entry = self.entries.get(position)
            if entry is None:
                self.findings.append(
                    f"the rep's credits at ledger entry {position} stand on no entry the bundle proves"
                )
                continue
            if entry["type"] not in ACTIVITY_SCHEMAS:
                continue  # a correction credits through the record it corrects: the recomputation holds it
            made = sorted(
                (c.measure, c.value, c.currency, local_day(c.occurred_at, zone))
                for c in contributions_of(record_of(entry), position)
                if c.rep_id == rep_id and c.measure in read
            )
            given = sorted((c.measure, c.value, c.currency, c.day) for c in found if c.measure in read)
            if given != made:
                self.findings.append(f"the rep's credits at ledger entry {position} are not what that entry credits")

    def _recompute(self) -> None:
        a = self.appraisal
        try:
            recomputed = appraise_rep(self._inputs(), a["rep_id"])
        except SumsDisagree:
            self.findings.append(f"the bundle's period sums of {a['rep_id']} differ from the rep's credits")
            return
        if recomputed is None:
            self.findings.append(f"recomputed from the bundle, {a['rep_id']} would not be appraised at all")
            return
        if recomputed.canonical().decode() == a["text"]:
            return
        changes = figure_changes(RepAppraisal.read(a["text"]), recomputed)
        for change in changes:
            self.findings.append(
                f"figure {change.figure}: sealed {change.old}, recomputed from the bundle {change.new}"
            )
        if not changes:
            self.findings.append("recomputed from the bundle, the appraisal differs from the one sealed")

    def _inputs(self) -> PeriodInputs:
        """The period's inputs as the bundle gives them, the organisation and goals folded from its proved entries."""
        inputs = self.document["inputs"]
        credits = [credit_from_json(c) for c in inputs["contributions"]]
        proved = [self.entries[p] for p in sorted(self.entries)]
        return PeriodInputs(
            period=parse_period(self.appraisal["period"]),
            sums=[credit_from_json(c) for c in inputs["sums"]],
            contributions=lambda reps: [c for c in credits if c.rep_id in reps],
            organisation=Organisation.fold([e for e in proved if e["type"].startswith("org.")]),
            goals=Goals.fold([e for e in proved if e["type"].startswith("goal.")]),
            rules=rules_from_json(self.document["rules"]),
            ratings=[rating_from_json(r) for r in inputs["ratings"]],
            settled={rep: [settled_from_json(s) for s in found] for rep, found in inputs["settled"].items()},
            previous_scores={rep: Decimal(score) for rep, score in inputs["previous_scores"].items()},
            result_format=inputs["result_format"],
        )
