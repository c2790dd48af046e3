"""goal_service's read model: projections that follow its own ledger, and their tables."""

from __future__ import annotations

from pathlib import Path

from services.goal_service.application import LedgerApplication
from services.goal_service.projections.crm_records import CrmRecordProjection
from services.goal_service.settings import SERVICE_NAME
from shared.kernel.ledger_views.credit import CreditProjection
from shared.kernel.ledger_views.rules import RuleProjection
from shared.kernel.ledger_views.tables import skips, tracking
from shared.platform.projection import ProjectionRunner, Projections
from shared.platform.readmodel import create_read_model_engine, migrate
from shared.platform.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def open_projections(settings: ServiceSettings, ledger: LedgerApplication) -> Projections:
    """The read model, migrated to the newest revision, with a runner per projection (not yet started)."""
    engine = create_read_model_engine(settings, SERVICE_NAME)
    migrate(engine, MIGRATIONS)
    runners = [
        ProjectionRunner(projection, engine, tracking, ledger.signed_entries, skips=skips)
        for projection in (CreditProjection(settings.zone), RuleProjection(), CrmRecordProjection())
    ]
    return Projections(engine, runners, head=lambda: ledger.head().position)
