"""The HubSpot adapter (``HubSpotAdapter``) and its settings; the emulator is in ``emulator``."""

from adapters.hubspot.adapter import HubSpotAdapter
from adapters.hubspot.settings import HubSpotSettings

__all__ = ["HubSpotAdapter", "HubSpotSettings"]
