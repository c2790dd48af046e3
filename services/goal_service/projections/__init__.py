"""goal_service's read model: projections that follow its own ledger, and their tables. Unit sums follow
the credit and rule projections, whose rows they read; figures never wait for them (see reads.py)."""

from __future__ import annotations

from pathlib import Path

from services.goal_service.application import LedgerApplication
from services.goal_service.projections.crm_records import CrmRecordProjection
from services.goal_service.projections.ledger_tree import LedgerTreeProjection
from services.goal_service.settings import SERVICE_NAME
from shared.kernel.ledger_views.credit import CreditProjection
from shared.kernel.ledger_views.rules import RuleProjection
from shared.kernel.ledger_views.tables import skips, tracking
from shared.kernel.ledger_views.unit_sums import UnitSums
from shared.platform.chain import ChainedEntry
from shared.platform.projection import ProjectionRunner, Projections
from shared.platform.readmodel import create_read_model_engine, create_replica_engine, migrate
from shared.platform.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def open_projections(settings: ServiceSettings, ledger: LedgerApplication) -> Projections:
    """The read model, migrated to the newest revision, with a runner per projection (not yet started)."""
    engine = create_read_model_engine(settings, SERVICE_NAME)
    migrate(engine, MIGRATIONS)

    def after_credit_and_rules(after: int, limit: int) -> list[ChainedEntry]:
        """Entries whose contributions and organisation changes are projected already: what unit sums read."""
        reached = min(credit.tracked().position, rules.tracked().position)
        return ledger.signed_entries(after, min(limit, reached - after)) if reached > after else []

    # Woken by each page of credit and rules, which gathered their commits already: it gathers none itself.
    units = ProjectionRunner(
        UnitSums(settings.zone), engine, tracking, after_credit_and_rules, skips=skips, gather_seconds=0
    )
    credit, rules = (  # each page of theirs may be one unit sums waited for
        ProjectionRunner(projection, engine, tracking, ledger.signed_entries, skips=skips, after_page=units.poke)
        for projection in (CreditProjection(settings.zone), RuleProjection())
    )
    crm_records = ProjectionRunner(CrmRecordProjection(), engine, tracking, ledger.signed_entries, skips=skips)
    tree = ProjectionRunner(LedgerTreeProjection(), engine, tracking, ledger.signed_entries, skips=skips)
    return Projections(
        engine,
        [credit, rules, crm_records, units, tree],
        head=lambda: ledger.head().position,
        replica=create_replica_engine(settings),
    )
