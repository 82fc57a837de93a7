"""Owners from the ``User`` object (salesforce-api.md §12).

Active and deactivated users alike: records can still name a deactivated owner in ``OwnerId``,
and the rules need to know they are gone. Only ``Standard`` users (licensed people) are read;
queues (``00G``, §12) own records too but are not people, so a record owned by a queue has an
owner the rules do not know, as an unowned record does.
"""

from __future__ import annotations

from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.mapping import USER_FIELDS, owner
from adapters.salesforce.soql import Soql, eq
from rules.model import Owner


def pull_owners(client: SalesforceClient) -> list[Owner]:
    """Every standard user, each once, in ``Id`` order (one call per 2,000 users).

    Args:
        client: The org's client.

    Returns:
        The owners; ``active`` is false for deactivated users.
    """
    query = Soql.select("User", USER_FIELDS).where(eq("UserType", "Standard")).order_by("Id")
    found: dict[str, Owner] = {}
    for page in client.query(query):
        for row in page:
            found.setdefault(str(row["Id"]), owner(row))
    return list(found.values())
