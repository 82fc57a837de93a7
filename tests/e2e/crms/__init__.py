"""The CRM under test, HubSpot or Salesforce, behind one small interface (:class:`Crm`).

Each implementation seeds the session's emulator, writes the CLI's config for it, and reads the
verdict from the emulator itself, never through the connector: tasks by our key, the values of
the properties we own, and the requests the connector sent.
"""

from tests.e2e.crms.base import (
    HUBSPOT,
    OWNED,
    PEOPLE,
    SALESFORCE,
    SCORE,
    SEED,
    TASK_KEY,
    Crm,
    Entry,
    duplicates,
)
from tests.e2e.crms.hubspot import OPTIONS, HubSpotCrm
from tests.e2e.crms.salesforce import SF_OPTIONS, SalesforceCrm

__all__ = [
    "HUBSPOT",
    "OPTIONS",
    "OWNED",
    "PEOPLE",
    "SALESFORCE",
    "SCORE",
    "SEED",
    "SF_OPTIONS",
    "TASK_KEY",
    "Crm",
    "Entry",
    "HubSpotCrm",
    "SalesforceCrm",
    "duplicates",
]
