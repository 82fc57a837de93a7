"""Owners from ``/crm/v3/owners`` (hubspot-api.md §6).

Active owners come from the default listing, deactivated users from ``archived=true``: records can
still name a deactivated owner in ``hubspot_owner_id``, and the rules need to know they are gone.
"""

from __future__ import annotations

import functools
from typing import Any, Final

from adapters.hubspot.client import HubSpotClient, Timeout
from adapters.hubspot.mapping import owner
from adapters.hubspot.paging import list_pages
from rules.model import Owner

OWNERS_PAGE: Final = 100  # §6: the default; the maximum is UNCONFIRMED


def pull_owners(client: HubSpotClient) -> list[Owner]:
    """Every owner, active ones first, each once.

    Args:
        client: The account's client.

    Returns:
        The owners; ``active`` is false for archived (deactivated) ones.
    """
    api = client.api("crm.owners.owners_api")
    found: dict[str, Owner] = {}
    for archived in (False, True):
        fetch = functools.partial(_owners, api, archived)
        label = "owners.archived" if archived else "owners.list"
        for page in list_pages(client, label, fetch):
            for raw in page.results:
                found.setdefault(str(raw["id"]), owner(raw))
    return list(found.values())


def _owners(api: Any, archived: bool, after: str | None, timeout: Timeout) -> Any:
    return api.get_page(
        limit=OWNERS_PAGE,
        after=after,
        archived=archived,
        _preload_content=False,
        _request_timeout=timeout,
    )
