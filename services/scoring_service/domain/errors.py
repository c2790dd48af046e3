"""What scoring refuses, in its own words. Each error is one of the platform's kinds (shared/platform/errors.py),
so shared/platform/problems.py answers it with its problem status in one place."""

from __future__ import annotations

from shared.platform.errors import Conflict, FieldError, InvalidInput, NotFound, Unavailable


class PeriodStillOpen(NotFound):
    def __init__(self, period: str):
        super().__init__(f"period {period} is open: it has not begun to close")


class CutoffAlreadyFixed(Conflict):
    """A period closes once, at one cut-off; asking again names the same one or none."""

    def __init__(self, period: str, state: str, cutoff: int):
        super().__init__(f"{period} is already {state} at cut-off {cutoff}")


class CutoffBeyondLedger(InvalidInput):
    def __init__(self, head: int):
        detail = f"the ledger ends at position {head}"
        super().__init__(detail, errors=[FieldError("/cutoff_position", detail)])


class LedgerUnreachable(Unavailable):
    def __init__(self, reason: str):
        super().__init__(f"goal_service's ledger cannot be reached to fix the cut-off: {reason}")


class PeriodAlreadyClosed(Conflict):
    """A period's appraisals are sealed once; an appeal's adjustment will be a new revision, not a new close."""

    def __init__(self, period: str, state: str):
        super().__init__(f"{period} is already {state}: its appraisals are sealed")


class PeriodNotClosed(Conflict):
    def __init__(self, period: str):
        super().__init__(f"{period} is still closing; publish once its appraisals are sealed")


class PeriodNotPublished(Conflict):
    def __init__(self, period: str, state: str):
        super().__init__(f"{period} is {state}: a period is paid once its appraisals are published")


class RevisionAlreadySealed(Conflict):
    """A seal names the revision it seals, so that its signature speaks for that revision alone."""

    def __init__(self, period: str, rep_id: str, sealing: int, next_revision: int):
        super().__init__(
            f"the seal is for revision {sealing} of rep {rep_id}'s appraisal for {period}; "
            f"the next revision is {next_revision}"
        )


class NoSealedAppraisal(NotFound):
    def __init__(self, period: str, rep_id: str):
        super().__init__(f"no sealed appraisal for rep {rep_id} in {period}")


class UnknownRule(NotFound):
    def __init__(self, kind: str, rule_id: str):
        super().__init__(f"no {kind.replace('_', ' ')} {rule_id}")


class WrongRuleKind(InvalidInput):
    """A rule's versions are all of its kind: a scorecard never gets a commission plan as its next version."""

    def __init__(self, kind: str, rule_id: str, given: str):
        super().__init__(f"{kind.replace('_', ' ')} {rule_id} cannot take a {given} as a version")


class NoStatement(NotFound):
    def __init__(self, period: str, rep_id: str):
        super().__init__(f"no statement for rep {rep_id} in {period}")


class RepOutOfScope(NotFound):
    """Out of scope reads as absent, so a manager learns nothing of reps outside their subtree."""

    def __init__(self, rep_id: str):
        super().__init__(f"no rep {rep_id} in your scope")


class AppealStepRefused(Conflict):
    def __init__(self, period: str, rep_id: str, state: str, allowed: list[str]):
        super().__init__(
            f"rep {rep_id}'s appeal for {period} is {state}; this step is taken when it is {' or '.join(allowed)}"
        )


class NotAReviewer(Conflict):
    def __init__(self, who: str, period: str, rep_id: str):
        super().__init__(f"{who} is not a reviewer of rep {rep_id}'s appeal for {period}")


class AppealTooLate(InvalidInput):
    def __init__(self, deadline: str):
        detail = f"the appeal window closed at {deadline}"
        super().__init__(detail, errors=[FieldError("", detail)])


class AppealAlreadyFiled(Conflict):
    def __init__(self, period: str, rep_id: str, revision: int):
        super().__init__(f"rep {rep_id} has already appealed revision {revision} of their appraisal for {period}")


class NoAppeal(NotFound):
    def __init__(self, period: str, rep_id: str):
        super().__init__(f"no appeal by rep {rep_id} for {period}")


class DisputedFigureUnknown(InvalidInput):
    def __init__(self, pointer: str, detail: str):
        super().__init__(detail, errors=[FieldError(pointer, detail)])


class AdjustmentCutoffRefused(InvalidInput):
    def __init__(self, close_cutoff: int, held: int):
        detail = f"an adjustment reads the ledger at or after the close's cut-off {close_cutoff}, up to {held}"
        super().__init__(detail, errors=[FieldError("/cutoff_position", detail)])


class UnknownFigure(InvalidInput):
    def __init__(self, figure: str, known: list[str]):
        detail = f"the appraisal has no figure {figure}; it has {', '.join(known)}"
        super().__init__(detail, errors=[FieldError("query:figure", detail)])
