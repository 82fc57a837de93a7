"""Which people an Opportunity belongs to: the Contacts converted into it (§12, §14).

Salesforce links Opportunities to people through ``OpportunityContactRole`` (and, from v46,
``Opportunity.ContactId``), which the emulator and many orgs do not maintain. The link every
converted lead carries is ``Lead.ConvertedOpportunityId`` → ``Lead.ConvertedContactId``, so
``Deal.person_ids`` are the Contacts converted into the deal. Simple, and documented as such:
deals created on an Account without a conversion have no people.

Reading the links per page of deals would cost extra calls (an ``IN`` list of 2,000 ids does not
fit in a URL, §3), so they come from the Lead pull, which selects both fields anyway: every
converted lead a Lead pull delivers is recorded here. Converted leads are read-only (§14), so a
link never changes once seen. ``horizon`` is the moment up to which every conversion is known:

- a full Lead pull that runs to the end sets it to its ``started_at``;
- an incremental Lead pull that runs to the end extends it, if its window started at or before
  the horizon (no gap);
- otherwise a Deal pull first reads the converted leads changed since the horizon minus the
  lookback (all of them when there is no horizon) in one paged query (:meth:`ConversionLinks.
  catch_up`), and sets the horizon to its own ``started_at``.

In a sync cycle, which pulls people before deals with one ``started_at``, deals cost no extra call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.soql import Soql, eq, ge, ne

LINK_FIELDS: Final = ("Id", "ConvertedContactId", "ConvertedOpportunityId", "SystemModstamp")


class ConversionLinks:
    """Opportunity id → Contact ids, from converted leads; thread-safe."""

    def __init__(self) -> None:
        self._by_opportunity: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self.horizon: datetime | None = None

    def observe(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Record the links of the converted leads among ``rows``."""
        with self._lock:
            for row in rows:
                opportunity, contact = (
                    row.get("ConvertedOpportunityId"),
                    row.get("ConvertedContactId"),
                )
                if row.get("IsConverted", True) and opportunity and contact:
                    self._by_opportunity.setdefault(str(opportunity), set()).add(str(contact))

    def people(self, opportunity_id: str) -> tuple[str, ...]:
        """The Contacts converted into ``opportunity_id``, sorted."""
        with self._lock:
            return tuple(sorted(self._by_opportunity.get(opportunity_id, ())))

    def covered(self, window_start: datetime | None, until: datetime) -> None:
        """A Lead pull of ``[window_start, until]`` (``None``: everything) ran to the end."""
        with self._lock:
            if window_start is None or (self.horizon is not None and window_start <= self.horizon):
                self.horizon = until if self.horizon is None else max(self.horizon, until)

    def catch_up(self, client: SalesforceClient, until: datetime, lookback: timedelta) -> None:
        """Read the conversions the horizon does not cover yet, up to ``until``."""
        if self.horizon is not None and self.horizon >= until:
            return
        query = Soql.select("Lead", LINK_FIELDS).where(
            eq("IsConverted", True), ne("ConvertedOpportunityId", None)
        )
        if self.horizon is not None:
            query = query.where(ge("SystemModstamp", self.horizon - lookback))
        for page in client.query(query):
            self.observe(page)
        self.covered(None, until)
