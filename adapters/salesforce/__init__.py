"""The Salesforce adapter (``SalesforceAdapter``) and its settings; the emulator: ``emulator``."""

from adapters.salesforce.adapter import SalesforceAdapter
from adapters.salesforce.settings import SalesforceSettings

__all__ = ["SalesforceAdapter", "SalesforceSettings"]
