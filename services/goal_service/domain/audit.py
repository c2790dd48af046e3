"""What `perfledger ledger verify` finds in a stored ledger, by position: the hash chain recomputed, the chain
held against every trusted signed checkpoint, and the identity claims held against the entries.

The chain alone shows an entry altered, removed or inserted in the middle. Only the checkpoints show what a
tamperer who recomputes hashes does: a deleted tail (the ledger ends below a checkpoint), a stretch rewritten
(the hash at a checkpoint differs from the signed one), an entry forged at the tail (further past the latest
checkpoint than its promise to sign again allows). The claims show an event whose entry is gone, or whose
position now holds another event, which a re-delivery would otherwise be answered with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from services.goal_service.domain.checkpoints import span
from services.goal_service.domain.ledger import EMPTY_HEAD, EventIdentity
from shared.platform.chain import ChainedEntry, ChainHead, link_break
from shared.platform.checkpoints import Checkpoint, CheckpointKeys

LINES_PER_KIND = 20  # a wholesale deletion of claims must not print a million lines


@dataclass(frozen=True)
class Claim:
    """An identity claim as stored: the aggregate's id and what it says."""

    identity_id: UUID
    source: str
    event_id: str
    position: int


@dataclass(frozen=True)
class Finding:
    kind: str  # BROKEN, MISSING, ALTERED, UNSIGNED, CHECKPOINT, CLAIM, UNCLAIMED
    position: int
    line: str


@dataclass
class LedgerAudit:
    head: ChainHead  # how far the chain verifies
    latest: Checkpoint | None  # the newest trusted checkpoint
    findings: list[Finding] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Each finding's line in position order, at most LINES_PER_KIND of a kind, then how many more."""
        shown: dict[str, int] = {}
        out = []
        for finding in sorted(self.findings, key=lambda f: (f.position, f.kind)):
            shown[finding.kind] = shown.get(finding.kind, 0) + 1
            if shown[finding.kind] <= LINES_PER_KIND:
                out.append(finding.line)
        out += [f"… and {n - LINES_PER_KIND} more {kind} findings" for kind, n in shown.items() if n > LINES_PER_KIND]
        return out


def _short(hash_: str | None) -> str:
    return f"{hash_[:16]}…" if hash_ else "none"


def audit_ledger(
    entries: Iterable[ChainedEntry],
    checkpoints: Sequence[tuple[str, Checkpoint]],
    keys: CheckpointKeys,
    claims: Iterable[Claim],
    identity_at: Callable[[int], tuple[str, str] | None],
) -> LedgerAudit:
    """`entries` in stored order; `checkpoints` as (where it was found, checkpoint), trusted only when their
    signature verifies with `keys`; `identity_at(position)` names the event stored there, for messages."""
    findings: list[Finding] = []
    trusted = _trusted(checkpoints, keys, findings)
    wanted = {c.position for c in trusted}
    hash_at: dict[int, str] = {}
    identities: dict[int, UUID] = {}
    head, broken, last = EMPTY_HEAD, None, 0
    for item in entries:
        last = max(last, item.position)
        if broken is None:
            broken = link_break(head, item)
            if broken is None:
                head = ChainHead(item.position, item.hash)
            else:
                findings.append(
                    Finding("BROKEN", broken.position, f"BROKEN at position {broken.position}: {broken.reason}")
                )
        if item.position in wanted:
            hash_at[item.position] = item.hash
        if isinstance(item.entry.get("source"), str) and isinstance(item.entry.get("id"), str):
            identities[item.position] = EventIdentity.create_id(item.entry["source"], item.entry["id"])
    findings += _against_checkpoints(trusted, hash_at, last)
    findings += _claims(claims, identities, identity_at)
    latest = trusted[-1] if trusted else None
    return LedgerAudit(head, latest, findings)


def _trusted(
    checkpoints: Sequence[tuple[str, Checkpoint]], keys: CheckpointKeys, findings: list[Finding]
) -> list[Checkpoint]:
    """The checkpoints whose signatures verify, one per position, in position order."""
    by_position: dict[int, Checkpoint] = {}
    if checkpoints and not keys:
        findings.append(
            Finding(
                "CHECKPOINT",
                0,
                "CHECKPOINT signatures cannot be checked: no checkpoint key (set PERFLEDGER_CHECKPOINT_KEY, run "
                "with goal_service's data directory, or pass --public-key)",
            )
        )
        return []
    for origin, checkpoint in checkpoints:
        if problem := keys.problem(checkpoint):
            findings.append(
                Finding(
                    "CHECKPOINT",
                    checkpoint.position,
                    f"CHECKPOINT at position {checkpoint.position} ({origin}) is not goal_service's: {problem}",
                )
            )
            continue
        earlier = by_position.setdefault(checkpoint.position, checkpoint)
        if earlier.hash != checkpoint.hash:
            findings.append(
                Finding(
                    "CHECKPOINT",
                    checkpoint.position,
                    f"CHECKPOINT at position {checkpoint.position} ({origin}) signs hash {_short(checkpoint.hash)}, "
                    f"another signed checkpoint there {_short(earlier.hash)}: the position was written twice",
                )
            )
    return [by_position[position] for position in sorted(by_position)]


def _against_checkpoints(trusted: list[Checkpoint], hash_at: dict[int, str], last: int) -> list[Finding]:
    findings = []
    if trusted and last < trusted[-1].position:
        top = trusted[-1].position
        findings.append(
            Finding(
                "MISSING",
                last + 1,
                f"MISSING {span(last + 1, top)}: the checkpoint signed at position {top} covers them, "
                f"but the ledger ends at {last}",
            )
        )
    # A rewrite changes the hash at every checkpoint from the first rewritten entry on (the chain carries it):
    # name the first checkpoint of each disagreeing run, and the stretch since the last one that agrees.
    agreed, run = 0, 0
    for index, checkpoint in enumerate(trusted):
        if checkpoint.position > last:
            break
        stored = hash_at.get(checkpoint.position)
        if stored == checkpoint.hash:
            agreed, run = checkpoint.position, 0
            continue
        run += 1
        if run > 1:
            continue
        later = [c.position for c in trusted[index + 1 :] if c.position <= last and hash_at.get(c.position) != c.hash]
        then = f"; so do the {len(later)} later ones up to {later[-1]}" if later else ""
        findings.append(
            Finding(
                "ALTERED",
                agreed + 1,
                f"ALTERED {'at ' if agreed + 1 == checkpoint.position else 'within '}"
                f"{span(agreed + 1, checkpoint.position)}: the ledger's hash at {checkpoint.position} is "
                f"{_short(stored)}, the checkpoint signed there says {_short(checkpoint.hash)}"
                + (f" (the one at {agreed} agrees)" if agreed else "")
                + then,
            )
        )
    if trusted and last - (latest := trusted[-1]).position >= latest.every:
        findings.append(
            Finding(
                "UNSIGNED",
                latest.position + 1,
                f"UNSIGNED {span(latest.position + 1, last)}: past the latest signed checkpoint ({latest.position}), "
                f"which promised another within {latest.every} entries: goal_service did not write them",
            )
        )
    return findings


def _claims(
    claims: Iterable[Claim], identities: dict[int, UUID], identity_at: Callable[[int], tuple[str, str] | None]
) -> list[Finding]:
    findings, claimed = [], set()
    for claim in claims:
        expected = EventIdentity.create_id(claim.source, claim.event_id)
        event = f"event {claim.event_id!r} from {claim.source!r}"
        if claim.identity_id != expected:
            findings.append(
                Finding(
                    "CLAIM", claim.position, f"CLAIM {claim.identity_id} names {event}, whose claim id is {expected}"
                )
            )
        elif identities.get(claim.position) == expected:
            claimed.add(claim.position)
        else:
            found = identity_at(claim.position)
            holds = f"which holds event {found[1]!r} from {found[0]!r}" if found else "which holds no entry"
            findings.append(
                Finding("CLAIM", claim.position, f"CLAIM of {event} points at position {claim.position}, {holds}")
            )
    for position in sorted(identities.keys() - claimed):
        found = identity_at(position)
        event = f"event {found[1]!r} from {found[0]!r}" if found else "its event"
        findings.append(
            Finding(
                "UNCLAIMED", position, f"UNCLAIMED position {position}: {event} has no identity claim that points at it"
            )
        )
    return findings
