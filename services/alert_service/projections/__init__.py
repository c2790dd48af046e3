"""alert_service's read model: goal_service's ledger followed over HTTP into the ledger views, with the
ledger's corrections beside them, and the outbound deliveries."""

from __future__ import annotations

from pathlib import Path

from services.alert_service.projections.corrections import CorrectionProjection
from services.alert_service.settings import SERVICE_NAME, AlertSettings
from shared.kernel.ledger_views.following import follow_ledger
from shared.platform.log_client import LedgerFollower
from shared.platform.projection import Projections

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def open_projections(settings: AlertSettings) -> tuple[Projections, LedgerFollower]:
    return follow_ledger(settings, SERVICE_NAME, MIGRATIONS, own_parts=[CorrectionProjection()])
