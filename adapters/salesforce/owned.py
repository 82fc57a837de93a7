"""Our property names and the Salesforce fields that hold them: the one place they are paired."""

from __future__ import annotations

from typing import Final

from adapters.base.errors import ConfigurationError
from adapters.salesforce.settings import SalesforceSettings

OWNED_PROPERTIES: Final = (
    "smarketing_score",
    "smarketing_score_explanation",
    "smarketing_sla_status",
    "smarketing_sla_due",
)
"""Our property names, in the order of ``settings.owned_fields``."""


def field_names(settings: SalesforceSettings) -> dict[str, str]:
    """Our property names → the org's API names (``settings.owned_fields``, in order).

    Raises:
        ConfigurationError: ``owned_fields`` does not name one field per owned property.
    """
    if len(settings.owned_fields) != len(OWNED_PROPERTIES):
        raise ConfigurationError(
            f"crm.salesforce.owned_fields names {len(settings.owned_fields)} fields; it needs "
            f"{len(OWNED_PROPERTIES)}, in this order: {', '.join(OWNED_PROPERTIES)}"
        )
    return dict(zip(OWNED_PROPERTIES, settings.owned_fields, strict=True))
