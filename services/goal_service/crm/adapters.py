"""The adapter for each kind of CRM source, one module each."""

from __future__ import annotations

from services.goal_service.crm.base import Adapter
from services.goal_service.crm.hubspot import HubSpot
from services.goal_service.crm.json_records import JsonRecords
from services.goal_service.crm.salesforce import Salesforce

ADAPTERS: dict[str, Adapter] = {
    "json": JsonRecords(),
    "jiandaoyun": JsonRecords(),
    "hubspot": HubSpot(),
    "salesforce": Salesforce(),
}
